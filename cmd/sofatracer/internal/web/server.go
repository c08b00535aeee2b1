// Package web is the browser UI of sofatracer serve: a JSON API over the
// index and embedded static assets (no CDN, no build step). Every value
// from a log is sent as JSON and put into the page as text, never as HTML.
package web

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/logline"
	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/logs"
	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/rebuild"
	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/source"
	"github.com/sofatracer/sofatracer-go/digest"
)

//go:embed assets
var assets embed.FS

// Server serves the UI and its API for one index.
type Server struct {
	idx    *logs.Index
	inputs []string
	mux    *http.ServeMux
	tail   *follower

	mu     sync.Mutex
	traces map[string]cached // recently opened, for span details
	order  []string
	graph  *graphCache
}

// New returns a server over idx; inputs are the command line's PATHs,
// walked again by Follow to find new and rotated files.
func New(idx *logs.Index, inputs []string) *Server {
	s := &Server{idx: idx, inputs: inputs, mux: http.NewServeMux(), traces: map[string]cached{}}
	static, _ := fs.Sub(assets, "assets")
	s.mux.Handle("GET /", http.FileServerFS(static))
	s.mux.HandleFunc("GET /api/version", s.version)
	s.mux.HandleFunc("GET /api/services", s.services)
	s.mux.HandleFunc("GET /api/find", s.find)
	s.mux.HandleFunc("GET /api/trace", s.trace)
	s.mux.HandleFunc("GET /api/span", s.span)
	s.mux.HandleFunc("GET /api/jaeger", s.jaeger)
	s.mux.HandleFunc("GET /api/graph", s.graphHandler)
	s.mux.HandleFunc("GET /api/stats", s.stats)
	return s
}

// ServeHTTP adds the security headers and refuses requests for other
// hosts when the listener is on loopback (DNS rebinding).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	if !allowedHost(r) {
		http.Error(w, "forbidden host", http.StatusForbidden)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// allowedHost accepts any Host when the server listens on a non-loopback
// address, else only loopback names.
func allowedHost(r *http.Request) bool {
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return true
	}
	ta, ok := local.(*net.TCPAddr)
	if !ok || !ta.IP.IsLoopback() {
		return true
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w) // escapes <, > and & as \u003c...
	enc.Encode(v)
}

func (s *Server) version(w http.ResponseWriter, r *http.Request) {
	nt, ns := s.idx.Len()
	writeJSON(w, map[string]int64{"traces": int64(nt), "spans": int64(ns), "corrupt": s.idx.C.Corrupt.Load(), "files": s.idx.C.Files.Load()})
}

func (s *Server) services(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, s.idx.Services())
}

func durMs(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n, nil
	}
	d, err := time.ParseDuration(v)
	return d.Milliseconds(), err
}

// query reads the search filters from URL parameters named as find's flags.
func query(r *http.Request) (logs.Query, error) {
	v := r.URL.Query()
	q := logs.Query{Service: v.Get("service"), Operation: v.Get("operation"), Error: v.Get("error") == "true", Limit: 50}
	var err error
	if q.MinTraceMs, err = durMs(v.Get("min-trace-duration")); err != nil {
		return q, err
	}
	if q.MinSpanMs, err = durMs(v.Get("min-span-duration")); err != nil {
		return q, err
	}
	if l := v.Get("limit"); l != "" {
		if q.Limit, err = strconv.Atoi(l); err != nil {
			return q, err
		}
	}
	if since := v.Get("since"); since != "" {
		d, err := time.ParseDuration(since)
		if err != nil {
			return q, err
		}
		q.FromMs = time.Now().Add(-d).UnixMilli()
	}
	for name, dst := range map[string]*int64{"from": &q.FromMs, "to": &q.ToMs} {
		if t := v.Get(name); t != "" {
			if *dst, err = logs.ParseWhen(t); err != nil {
				return q, err
			}
		}
	}
	for _, kv := range v["where"] {
		for _, part := range strings.Fields(kv) {
			k, val, ok := strings.Cut(part, "=")
			if !ok {
				return q, &badParam{"where wants key=value"}
			}
			q.Where = append(q.Where, logline.KV{Key: k, Value: val})
		}
	}
	return q, nil
}

type badParam struct{ msg string }

// Error is the message for the 400 answer.
func (b *badParam) Error() string { return b.msg }

func (s *Server) find(w http.ResponseWriter, r *http.Request) {
	q, err := query(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	found := s.idx.Find(q)
	if found == nil {
		found = []logs.Summary{}
	}
	writeJSON(w, found)
}

type cached struct {
	t     *rebuild.Trace
	spans int // spans in the index when it was built
}

// build returns the rebuilt trace id, from the cache of recently opened
// ones unless new lines arrived since.
func (s *Server) build(id string) *rebuild.Trace {
	_, ns := s.idx.Len()
	s.mu.Lock()
	c, ok := s.traces[id]
	s.mu.Unlock()
	if ok && c.spans == ns {
		return c.t
	}
	spans, links := s.idx.Trace(id, false) // fields are read per span, for the detail
	if len(spans) == 0 {
		return nil
	}
	t := rebuild.Build(id, spans, links)
	s.mu.Lock()
	if _, ok := s.traces[id]; !ok {
		s.order = append(s.order, id)
	}
	s.traces[id] = cached{t, ns}
	for len(s.order) > 8 {
		delete(s.traces, s.order[0])
		s.order = s.order[1:]
	}
	s.mu.Unlock()
	return t
}

// Span flags in the compact trace payload.
const (
	fError = 1 << iota
	fMissing
	fSkew
	fRestart
	fShadow
)

// trace sends a trace in columns small enough for 100,000 spans: the
// services once, then per span [spanId, parent, service, operation,
// kind, code, start (ms after the trace's), duration, flags, shift, skew].
func (s *Server) trace(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	t := s.build(id)
	if t == nil {
		http.Error(w, "no such trace", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(appendTrace(make([]byte, 0, 64*len(t.Spans)+256), t))
}

// appendTrace writes the compact trace JSON by hand: reflection over
// 100,000 rows of mixed values costs more than building the tree.
func appendTrace(b []byte, t *rebuild.Trace) []byte {
	svcIdx := map[string]int{}
	var svcs []string
	b = append(b, `{"traceId":`...)
	b = digest.AppendJSONString(b, t.TraceID)
	b = append(b, `,"startMs":`...)
	b = strconv.AppendInt(b, t.StartMs, 10)
	b = append(b, `,"durationMs":`...)
	b = strconv.AppendInt(b, t.DurationMs, 10)
	b = append(b, `,"error":`...)
	b = strconv.AppendBool(b, t.Error)
	b = append(b, `,"skew":`...)
	b = strconv.AppendBool(b, t.Skew)
	b = append(b, `,"missing":`...)
	b = strconv.AppendInt(b, int64(t.Missing), 10)
	b = append(b, `,"spans":[`...)
	for i, sp := range t.Spans {
		si, ok := svcIdx[sp.Service]
		if !ok {
			si = len(svcs)
			svcIdx[sp.Service] = si
			svcs = append(svcs, sp.Service)
		}
		f := 0
		for _, x := range [...]struct {
			bit int
			on  bool
		}{{fError, sp.Error}, {fMissing, sp.Missing}, {fSkew, sp.Skew}, {fRestart, sp.Restart}, {fShadow, sp.Shadow}} {
			if x.on {
				f |= x.bit
			}
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = digest.AppendJSONString(b, sp.SpanID)
		for _, n := range [...]int64{int64(sp.Parent), int64(si)} {
			b = append(b, ',')
			b = strconv.AppendInt(b, n, 10)
		}
		for _, str := range [...]string{sp.Operation, sp.Kind, sp.Result} {
			b = append(b, ',')
			b = digest.AppendJSONString(b, str)
		}
		for _, n := range [...]int64{sp.StartMs - t.StartMs, sp.DurationMs, int64(f), sp.ShiftMs, sp.SkewMs} {
			b = append(b, ',')
			b = strconv.AppendInt(b, n, 10)
		}
		b = append(b, ']')
	}
	b = append(b, `],"services":[`...)
	for i, s := range svcs {
		if i > 0 {
			b = append(b, ',')
		}
		b = digest.AppendJSONString(b, s)
	}
	return append(b, "]}\n"...)
}

// span sends one span of an opened trace with all its fields.
func (s *Server) span(w http.ResponseWriter, r *http.Request) {
	t := s.build(r.URL.Query().Get("id"))
	i, err := strconv.Atoi(r.URL.Query().Get("i"))
	if t == nil || err != nil || i < 0 || i >= len(t.Spans) {
		http.Error(w, "no such span", http.StatusNotFound)
		return
	}
	sp := *t.Spans[i]
	if !sp.Missing {
		sp.Fields = s.idx.Fields(sp.FileNo, sp.Offset)
	}
	writeJSON(w, sp)
}

func (s *Server) stats(w http.ResponseWriter, r *http.Request) {
	files, err := source.Expand(s.inputs)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	var c logs.Counts
	series := logs.ReadStats(files, &c)
	if series == nil {
		series = []*logs.StatSeries{}
	}
	writeJSON(w, series)
}
