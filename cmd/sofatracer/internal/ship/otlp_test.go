package ship

import (
	"compress/gzip"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/sofatracer/sofatracer-go/reporter/zipkin"
)

// decodedSpan is what the tests read back from an OTLP request.
type decodedSpan struct {
	service, traceID, spanID, parentID, name, traceState string
	kind, status                                         uint64
	start, end                                           uint64
	attrs                                                map[string]string
}

// fields calls f with every field of the message b; it fails on a
// malformed message.
func fields(t *testing.T, b []byte, f func(num protowire.Number, typ protowire.Type, v []byte, x uint64)) {
	t.Helper()
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			t.Fatalf("bad tag: %v", protowire.ParseError(n))
		}
		b = b[n:]
		var v []byte
		var x uint64
		switch typ {
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(b)
		case protowire.Fixed64Type:
			x, n = protowire.ConsumeFixed64(b)
		default:
			t.Fatalf("field %d: unexpected wire type %d", num, typ)
		}
		if n < 0 {
			t.Fatalf("field %d: %v", num, protowire.ParseError(n))
		}
		b = b[n:]
		f(num, typ, v, x)
	}
}

// keyValue decodes a KeyValue holding a string.
func keyValue(t *testing.T, b []byte) (k, v string) {
	fields(t, b, func(num protowire.Number, _ protowire.Type, b []byte, _ uint64) {
		switch num {
		case 1:
			k = string(b)
		case 2:
			fields(t, b, func(num protowire.Number, _ protowire.Type, b []byte, _ uint64) {
				if num == 1 {
					v = string(b)
				}
			})
		}
	})
	return k, v
}

// decodeRequest decodes an ExportTraceServiceRequest.
func decodeRequest(t *testing.T, body []byte) []decodedSpan {
	var out []decodedSpan
	fields(t, body, func(num protowire.Number, _ protowire.Type, rs []byte, _ uint64) {
		if num != 1 {
			t.Fatalf("request field %d", num)
		}
		var service string
		var spans [][]byte
		fields(t, rs, func(num protowire.Number, _ protowire.Type, b []byte, _ uint64) {
			switch num {
			case 1: // resource
				fields(t, b, func(num protowire.Number, _ protowire.Type, b []byte, _ uint64) {
					if k, v := keyValue(t, b); num == 1 && k == "service.name" {
						service = v
					}
				})
			case 2: // scope spans
				fields(t, b, func(num protowire.Number, _ protowire.Type, b []byte, _ uint64) {
					if num == 2 {
						spans = append(spans, b)
					}
				})
			}
		})
		for _, b := range spans {
			s := decodedSpan{service: service, attrs: map[string]string{}}
			fields(t, b, func(num protowire.Number, _ protowire.Type, b []byte, x uint64) {
				switch num {
				case 1:
					s.traceID = hex.EncodeToString(b)
				case 2:
					s.spanID = hex.EncodeToString(b)
				case 3:
					s.traceState = string(b)
				case 4:
					s.parentID = hex.EncodeToString(b)
				case 5:
					s.name = string(b)
				case 6:
					s.kind = x
				case 7:
					s.start = x
				case 8:
					s.end = x
				case 9:
					k, v := keyValue(t, b)
					s.attrs[k] = v
				case 15:
					fields(t, b, func(num protowire.Number, _ protowire.Type, b []byte, x uint64) {
						if num == 3 {
							s.status = x
						}
					})
				}
			})
			out = append(out, s)
		}
	})
	return out
}

// otlpSink is an OTLP/HTTP endpoint that answers with the statuses of
// answers in turn (then 200) and records the spans of accepted requests.
type otlpSink struct {
	mu      sync.Mutex
	spans   []decodedSpan
	answers []int
	calls   atomic.Int64
	// retryAfter is the Retry-After header of refusals.
	retryAfter string
	down       atomic.Bool // answer 503
}

// count returns the distinct sofa.span_id received and all spans.
func (k *otlpSink) count() (distinct, total int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	seen := map[string]bool{}
	for _, sp := range k.spans {
		seen[sp.attrs["sofa.span_id"]] = true
	}
	return len(seen), len(k.spans)
}

func newOTLPSink(t *testing.T, answers ...int) (*otlpSink, string) {
	k := &otlpSink{answers: answers}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k.calls.Add(1)
		if r.URL.Path != "/v1/traces" || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-protobuf" {
			t.Errorf("sink: %s %s %q", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		}
		var rd io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			z, err := gzip.NewReader(r.Body)
			if err != nil {
				t.Error(err)
				return
			}
			rd = z
		}
		body, _ := io.ReadAll(rd)
		if k.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		k.mu.Lock()
		defer k.mu.Unlock()
		if len(k.answers) > 0 {
			code := k.answers[0]
			k.answers = k.answers[1:]
			if code != 200 {
				if k.retryAfter != "" {
					w.Header().Set("Retry-After", k.retryAfter)
				}
				http.Error(w, "no", code)
				return
			}
		}
		k.spans = append(k.spans, decodeRequest(t, body)...)
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(200)
	}))
	t.Cleanup(srv.Close)
	return k, srv.URL
}

// traceLines are a trace over two services as their digest files hold
// it: web's HTTP root 0 calls svc over SOFARPC (client 0.1, server 0.1
// sharing its id), whose child 0.1.1 is written before the server line.
var traceLines = map[string]string{
	"web/spring-mvc-digest.log": `{"time":"2026-11-24 10:00:00.200","local.app":"web","traceId":"0a0fe9271567477985327100211176","spanId":"0","span.kind":"server","request.url":"http://web/x","method":"GET","result.code":"200","time.cost.milliseconds":"150ms","current.thread.name":"t","sys.baggage":"","biz.baggage":""}` + "\n",
	"web/rpc-client-digest.log": `{"timestamp":"2026-11-24 10:00:00.150","tracerId":"0a0fe9271567477985327100211176","spanId":"0.1","span.kind":"client","service":"S","method":"m","protocol":"bolt","local.app":"web","remote.app":"svc","result.code":"00","total.time":"100ms"}` + "\n",
	"svc/biz-digest.log":        `{"time":"2026-11-24 10:00:00.120","local.app":"svc","traceId":"0a0fe9271567477985327100211176","spanId":"0.1.1","span.kind":"","result.code":"","current.thread.name":"g","time.cost.milliseconds":"10ms","method":"step","sys.baggage":"","biz.baggage":""}` + "\n",
	"svc/rpc-server-digest.log": `{"timestamp":"2026-11-24 10:00:00.140","tracerId":"0a0fe9271567477985327100211176","spanId":"0.1","span.kind":"server","service":"S","method":"m","protocol":"bolt","local.app":"svc","remote.app":"web","result.code":"02","biz.impl.time":"40","baggage":"user=u%3D1&"}` + "\n",
}

func writeTrace(t *testing.T, dir string) {
	for name, line := range traceLines {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(line), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestOTLPIDs ships one trace to Zipkin and OTLP at once: the OTLP ids
// are the Zipkin ones (but the shared server's own, flipped, with the
// client as parent), every parent is in the trace, and the child of the
// shared server hangs under the server.
func TestOTLPIDs(t *testing.T) {
	zc, zurl := newCollector(t)
	k, ourl := newOTLPSink(t)
	dir := t.TempDir()
	writeTrace(t, dir)
	s, err := New(Options{Inputs: []string{filepath.Join(dir, "svc"), filepath.Join(dir, "web")}, Zipkin: zurl, OTLP: ourl + "/", StatePath: filepath.Join(dir, "st")})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d, _ := zc.count(); d != 3 || len(k.spans) != 4 {
		t.Fatalf("zipkin got %d distinct ids, otlp %d spans; want 3 and 4", d, len(k.spans))
	}
	const tid = "000a0fe9271567477985327100211176"
	h := func(id string) string { return fmt.Sprintf("%016x", uint64(zipkin.HashSpanID(id))) }
	flip := func(id string) string { b, _ := hex.DecodeString(h(id)); b[7] ^= 1; return hex.EncodeToString(b) }
	type want struct{ service, id, parent string }
	wants := map[string]want{ // by service and sofa.span_id
		"web 0":     {"web", h("0"), ""},
		"web 0.1":   {"web", h("0.1"), h("0")},
		"svc 0.1":   {"svc", flip("0.1"), h("0.1")},
		"svc 0.1.1": {"svc", h("0.1.1"), flip("0.1")},
	}
	ids := map[string]bool{}
	for _, sp := range k.spans {
		ids[sp.spanID] = true
	}
	for _, sp := range k.spans {
		key := sp.service + " " + sp.attrs["sofa.span_id"]
		w, ok := wants[key]
		if !ok {
			t.Errorf("unexpected span %s", key)
			continue
		}
		if sp.traceID != tid || sp.spanID != w.id || sp.parentID != w.parent {
			t.Errorf("%s: trace %s span %s parent %s, want %s %s %s", key, sp.traceID, sp.spanID, sp.parentID, tid, w.id, w.parent)
		}
		if sp.parentID != "" && !ids[sp.parentID] {
			t.Errorf("%s: parent %s not in the trace", key, sp.parentID)
		}
		if sp.end <= sp.start || sp.traceState != "sofa=0a0fe9271567477985327100211176;"+sp.attrs["sofa.span_id"] {
			t.Errorf("%s: start %d end %d tracestate %q", key, sp.start, sp.end, sp.traceState)
		}
	}
	for _, sp := range k.spans {
		if sp.service == "svc" && sp.attrs["sofa.span_id"] == "0.1" {
			if sp.kind != 2 || sp.name != "S/m" || sp.status != 2 || sp.attrs["user"] != "u=1" || sp.attrs["sofa.parent_span_id"] != "0" {
				t.Errorf("server span %+v", sp)
			}
			if sp.end-sp.start != 40e6 {
				t.Errorf("server duration %d ns, want 40 ms", sp.end-sp.start)
			}
		}
	}
	// Zipkin got the same trace and span ids (the shared server's unflipped).
	zc.mu.Lock()
	defer zc.mu.Unlock()
	for _, sid := range []string{"0", "0.1", "0.1.1"} {
		if zc.ids[sid] == 0 {
			t.Errorf("zipkin lacks %s", sid)
		}
	}
}

// TestOTLPStatus: 429/502/503/504 are retried until accepted; any other
// refusal drops the batch, counted, and the positions move past it.
func TestOTLPStatus(t *testing.T) {
	for _, tc := range []struct {
		answers           []int
		spans             int
		failures, dropped int64
	}{
		{[]int{503, 429, 502, 504}, 4, 4, 0},
		{[]int{400}, 0, 1, 4},
		{[]int{500}, 0, 1, 4},
	} {
		t.Run(fmt.Sprint(tc.answers), func(t *testing.T) {
			k, url := newOTLPSink(t, tc.answers...)
			dir := t.TempDir()
			writeTrace(t, dir)
			o := Options{Inputs: []string{dir}, OTLP: url, StatePath: filepath.Join(dir, "st"), MaxBackoff: 10e6, Gzip: true}
			s, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Pass(context.Background()); err != nil {
				t.Fatal(err)
			}
			if len(k.spans) != tc.spans || s.S.Sent.Load() != int64(tc.spans) || s.S.Failures.Load() != tc.failures || s.S.Dropped.Load() != tc.dropped {
				t.Fatalf("spans %d sent %d failures %d dropped %d, want %d %d %d", len(k.spans), s.S.Sent.Load(), s.S.Failures.Load(), s.S.Dropped.Load(), tc.spans, tc.failures, tc.dropped)
			}
			// A restart sends nothing again.
			calls := k.calls.Load()
			s2, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			if err := s2.Pass(context.Background()); err != nil {
				t.Fatal(err)
			}
			if k.calls.Load() != calls || s2.S.Lines.Load() != 0 {
				t.Fatalf("restart read %d lines, made %d requests", s2.S.Lines.Load(), k.calls.Load()-calls)
			}
		})
	}
}

// TestOTLPOutageStop: a stop while the OTLP collector is unavailable
// keeps the positions before the batch, which the next run sends.
func TestOTLPOutageStop(t *testing.T) {
	k, url := newOTLPSink(t, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503)
	dir := t.TempDir()
	writeTrace(t, dir)
	o := Options{Inputs: []string{dir}, OTLP: url, StatePath: filepath.Join(dir, "st"), MaxBackoff: 10e6}
	s, _ := New(o)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for k.calls.Load() < 3 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	if err := s.Pass(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("pass: %v", err)
	}
	k.mu.Lock()
	k.answers = nil
	k.mu.Unlock()
	s2, _ := New(o)
	if err := s2.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(k.spans) != 4 {
		t.Fatalf("after the restart: %d spans, want 4", len(k.spans))
	}
}

// TestOTLPLargeBatch: requests of hundreds of kilobytes (multi-byte
// lengths at every level) decode to every span, each once.
func TestOTLPLargeBatch(t *testing.T) {
	k, url := newOTLPSink(t)
	dir := t.TempDir()
	var lines []byte
	for i := range 3000 {
		lines = append(lines, digestLine(i)...)
	}
	if err := os.WriteFile(filepath.Join(dir, "biz-digest.log"), lines, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Inputs: []string{dir}, OTLP: url, StatePath: filepath.Join(dir, "st"), Batch: 2000})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, sp := range k.spans {
		id := sp.attrs["sofa.span_id"]
		if seen[id] || sp.service != "flood" || sp.attrs["user"] != "u-1" || sp.parentID != fmt.Sprintf("%016x", uint64(zipkin.HashSpanID("0"))) {
			t.Fatalf("span %+v (seen before: %v)", sp, seen[id])
		}
		seen[id] = true
	}
	if len(seen) != 3000 || k.calls.Load() != 2 {
		t.Fatalf("%d distinct spans in %d requests, want 3000 in 2", len(seen), k.calls.Load())
	}
}

// TestOTLPRetryAfter: a 429's Retry-After is waited for, though longer
// than the backoff.
func TestOTLPRetryAfter(t *testing.T) {
	k, url := newOTLPSink(t, 429)
	k.retryAfter = "1"
	dir := t.TempDir()
	writeTrace(t, dir)
	s, _ := New(Options{Inputs: []string{dir}, OTLP: url, StatePath: filepath.Join(dir, "st"), MaxBackoff: 10e6})
	t0 := time.Now()
	if err := s.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(t0); d < time.Second || len(k.spans) != 4 || s.S.Failures.Load() != 1 {
		t.Fatalf("after %v: %d spans, %d failures; want ≥ 1s, 4, 1", d, len(k.spans), s.S.Failures.Load())
	}
}

// TestOTLPRotationRestartOutage: shipping to Zipkin and OTLP at once,
// lines written in a flood with rotations arrive at both exactly once,
// across a graceful restart and an OTLP outage.
func TestOTLPRotationRestartOutage(t *testing.T) {
	c, zurl := newCollector(t)
	k, ourl := newOTLPSink(t)
	dir := t.TempDir()
	o := Options{Inputs: []string{dir}, Zipkin: zurl, OTLP: ourl, StatePath: filepath.Join(t.TempDir(), "state.json"), Batch: 200, Poll: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}
	both := func(n int) func() bool {
		return func() bool { d, _ := c.count(); e, _ := k.count(); return d == n && e == n }
	}

	stop := start(t, o)
	writer(t, dir, 0, 3000, 700)
	waitFor(t, "the first 3000", both(3000))
	stop()

	writer(t, dir, 3000, 2000, 700)
	stop = start(t, o)
	waitFor(t, "5000 after the restart", both(5000))

	k.down.Store(true)
	writer(t, dir, 5000, 2000, 700)
	time.Sleep(200 * time.Millisecond)
	if d, _ := k.count(); d != 5000 {
		t.Fatalf("%d received while down", d)
	}
	k.down.Store(false)
	waitFor(t, "7000 after the outage", both(7000))
	stop()
	d, total := k.count()
	zd, ztotal := c.count()
	if d != 7000 || total != 7000 {
		t.Fatalf("OTLP: %d distinct spans, %d received: lost or duplicated", d, total)
	}
	// Zipkin accepted the batch OTLP refused during the outage; it was
	// retried to OTLP only, so Zipkin holds every span once too.
	if zd != 7000 || ztotal != 7000 {
		t.Fatalf("Zipkin: %d distinct spans, %d received", zd, ztotal)
	}
}
