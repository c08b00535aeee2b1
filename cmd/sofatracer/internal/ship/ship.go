// Package ship follows digest logs and sends their spans to a Zipkin v2
// collector, an OTLP/HTTP one, or both. It remembers, per file (by device and inode, so a rotated
// file keeps its place), the offset after the last line the collector
// accepted, and saves it after every accepted batch: a restart resumes
// there, so no line is lost. A stop waits for the answer to the request in
// flight, so a clean stop and restart sends no line twice; a crash or a
// request without an answer (timeout, broken connection) may send that
// batch again, as Zipkin's API has no way to ask what it already stored.
// A collector that is down is retried with backoff while the lines wait
// in the files. An OTLP collector's answer is handled as OTLP/HTTP says:
// 429, 502, 503 and 504 (and no answer) are retried, any other failure
// drops the batch (counted in Stats.Dropped).
package ship

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/source"
	"github.com/sofatracer/sofatracer-go/reporter/zipkin"
)

// Options configure a Shipper.
type Options struct {
	Inputs     []string      // PATH arguments: directories, files, globs
	Zipkin     string        // a Zipkin collector's base URL; spans go to <URL>/api/v2/spans
	OTLP       string        // an OTLP/HTTP collector's base URL; spans go to <URL>/v1/traces
	StatePath  string        // where positions are saved
	Batch      int           // spans per request (default 1000)
	Poll       time.Duration // how often files are checked (default 500ms)
	Gzip       bool          // compress request bodies
	FromEnd    bool          // files first seen start at their end, not their start
	Client     *http.Client  // default: 10 s timeout, which also bounds how long a stop waits for an answer
	MaxBackoff time.Duration // longest wait between failed requests (default 5s)
}

// Stats count what a Shipper did.
type Stats struct {
	// Sent counts spans a collector accepted (with two, at least one).
	Sent, Lines, Corrupt, Requests, Failures atomic.Int64
	// Dropped counts spans an OTLP collector refused for good (a 4xx
	// other than 429, or a 5xx other than 502, 503 and 504).
	Dropped atomic.Int64
}

// Shipper follows files and sends their spans.
type Shipper struct {
	o      Options
	zipkin string // the URLs posted to; "" when not shipping there
	otlp   string
	state  map[string]*position // by fileKey
	// missing are the keys of state that the last listing did not show:
	// one listing can miss a file being renamed, so a key is forgotten
	// only when two listings in a row miss it.
	missing map[string]bool
	first   bool // no saved state yet
	enc     encoder
	// shared are the keys (TraceId, NUL, SpanId) of the shared RPC server
	// spans shipped lately, whose children's OTLP parent id is flipped.
	shared map[string]bool
	S      Stats
}

// position is where a file was read up to, and what was sent.
type position struct {
	Path   string `json:"path"`
	Offset int64  `json:"offset"`
}

// New loads the saved positions.
func New(o Options) (*Shipper, error) {
	if o.Zipkin == "" && o.OTLP == "" {
		return nil, errors.New("ship: no collector URL")
	}
	if o.StatePath == "" {
		return nil, errors.New("ship: no state file")
	}
	if o.Batch <= 0 {
		o.Batch = 1000
	}
	if o.Poll <= 0 {
		o.Poll = 500 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Second
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 10 * time.Second}
	}
	s := &Shipper{o: o, state: map[string]*position{}, missing: map[string]bool{}, shared: map[string]bool{}}
	if o.Zipkin != "" {
		s.zipkin = strings.TrimRight(o.Zipkin, "/") + zipkin.SpansPath
	}
	if o.OTLP != "" {
		s.otlp = strings.TrimRight(o.OTLP, "/") + OTLPPath
	}
	data, err := os.ReadFile(o.StatePath)
	switch {
	case errors.Is(err, os.ErrNotExist):
		s.first = true
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(data, &s.state); err != nil {
			return nil, fmt.Errorf("ship: state file %s: %w", o.StatePath, err)
		}
	}
	return s, nil
}

// Run ships until ctx ends, then saves the positions durably.
func (s *Shipper) Run(ctx context.Context) error {
	t := time.NewTicker(s.o.Poll)
	defer t.Stop()
	for {
		if err := s.Pass(ctx); err != nil && ctx.Err() == nil {
			return err
		}
		select {
		case <-ctx.Done():
			return s.write(true)
		case <-t.C:
		}
	}
}

// pending is a batch being built: its bodies and the offsets it reaches.
type pending struct {
	body   []byte     // Zipkin JSON, without the closing ']'
	spans  []byte     // OTLP Span messages
	ospans []otlpSpan // where they are in spans
	req    []byte     // the OTLP request, built at flush
	shared []string   // keys of the shared server spans of the batch
	n      int
	reach  map[string]int64
}

// Pass reads every file once from its position and sends what it finds.
func (s *Shipper) Pass(ctx context.Context) error {
	files, err := source.Expand(s.o.Inputs)
	if err != nil {
		return err
	}
	live := map[string]bool{}
	b := &pending{body: []byte{'['}, reach: map[string]int64{}}
	for _, f := range files {
		if f.Gzip || (f.Kind != source.Digest && f.Kind != source.Unknown) {
			continue // a compressed file was shipped before it was compressed
		}
		if err := s.readFile(ctx, f, live, b); err != nil {
			return err
		}
	}
	if err := s.flush(ctx, b); err != nil {
		return err
	}
	for k := range s.state {
		switch {
		case live[k]:
			delete(s.missing, k)
		case s.missing[k]: // deleted by retention
			delete(s.state, k)
			delete(s.missing, k)
		default: // deleted, or renamed while listed: look again next pass
			s.missing[k] = true
		}
	}
	s.first = false
	return s.save()
}

// readFile reads f from its position into b. The file is known by the
// open descriptor's device and inode, not its name's: the name may have
// been given to a new file since the listing (a rotation).
func (s *Shipper) readFile(ctx context.Context, f source.File, live map[string]bool, b *pending) error {
	fh, err := os.Open(f.Path)
	if err != nil {
		return nil
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return nil
	}
	k := fileKey(fi, f.Path)
	if live[k] {
		return nil // listed twice (renamed while listed): read to its end already
	}
	live[k] = true
	pos, ok := s.state[k]
	if !ok {
		pos = &position{}
		if s.first && s.o.FromEnd {
			pos.Offset = fi.Size()
		}
		s.state[k] = pos
	}
	pos.Path = f.Path
	if fi.Size() < pos.Offset { // truncated or a reused inode
		pos.Offset = 0
	}
	if fi.Size() == pos.Offset {
		return nil
	}
	off := pos.Offset
	if _, err := fh.Seek(off, io.SeekStart); err != nil {
		return nil
	}
	rd := source.NewReader(fh, off)
	rd.Follow = true
	for {
		line, _, ok := rd.Next()
		if !ok {
			break
		}
		if len(line) == 0 {
			b.reach[k] = rd.Offset()
			continue
		}
		s.S.Lines.Add(1)
		if s.enc.parse(line, f.Layout) {
			s.add(b)
		} else {
			s.S.Corrupt.Add(1)
		}
		b.reach[k] = rd.Offset()
		if b.n >= s.o.Batch {
			if err := s.flush(ctx, b); err != nil {
				return err
			}
		}
	}
	return nil
}

// add appends the parsed span to the batch.
func (s *Shipper) add(b *pending) {
	if s.zipkin != "" {
		if b.n > 0 {
			b.body = append(b.body, ',')
		}
		b.body = s.enc.appendZipkin(b.body)
	}
	if s.otlp != "" {
		var sp otlpSpan
		b.spans, sp = s.enc.appendOTLP(b.spans)
		b.ospans = append(b.ospans, sp)
		if s.enc.shared {
			b.shared = append(b.shared, string(s.enc.r.TraceID)+"\x00"+string(s.enc.r.SpanID))
		}
	}
	b.n++
}

// flush sends the batch until the collector accepts it, then moves the
// positions past it and saves them. Once a request is sent, the end of
// ctx does not abandon it: the collector may already have stored the
// spans, so its answer (or the client's timeout) is awaited, and an
// accepted batch moves the positions even while stopping. No new attempt
// starts after ctx ends.
func (s *Shipper) flush(ctx context.Context, b *pending) error {
	accepted := false // by a collector
	if b.n > 0 && s.zipkin != "" {
		if _, err := s.send(ctx, s.zipkin, false, append(b.body, ']'), b.n); err != nil {
			return err
		}
		accepted = true
	}
	if b.n > 0 && s.otlp != "" {
		if len(s.shared) > 1<<16 {
			clear(s.shared)
		}
		for _, k := range b.shared {
			s.shared[k] = true
		}
		for _, sp := range b.ospans {
			if sp.parentAt >= 0 && s.shared[sp.parentKey] {
				b.spans[sp.parentAt+7] ^= 1 // a child of a shared server span
			}
		}
		b.req = appendRequest(b.req[:0], b.spans, b.ospans)
		ok, err := s.send(ctx, s.otlp, true, b.req, b.n)
		if err != nil {
			return err
		}
		accepted = accepted || ok
	}
	if accepted {
		s.S.Sent.Add(int64(b.n))
	}
	for k, off := range b.reach {
		s.state[k].Offset = off
	}
	if len(b.reach) > 0 {
		if err := s.save(); err != nil {
			return err
		}
	}
	b.body, b.n = append(b.body[:0], '['), 0
	b.spans, b.ospans, b.shared = b.spans[:0], b.ospans[:0], b.shared[:0]
	clear(b.reach)
	return nil
}

// errDropped is a refusal not worth retrying (OTLP/HTTP's non-retryable
// statuses).
var errDropped = errors.New("ship: batch refused")

// send posts body until url accepts it (true) or an OTLP collector
// refuses it for good (false: the n spans are dropped and counted).
func (s *Shipper) send(ctx context.Context, url string, otlp bool, body []byte, n int) (bool, error) {
	backoff := 100 * time.Millisecond
	for {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		wait, err := s.post(context.WithoutCancel(ctx), url, otlp, body)
		if err == nil {
			return true, nil
		}
		s.S.Failures.Add(1)
		if errors.Is(err, errDropped) {
			s.S.Dropped.Add(int64(n))
			fmt.Fprintf(os.Stderr, "sofatracer ship: %d spans dropped: %v\n", n, err)
			return false, nil
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(max(backoff, wait)):
		}
		backoff = min(2*backoff, s.o.MaxBackoff)
	}
}

// maxRetryAfter bounds the wait a collector's Retry-After asks for.
const maxRetryAfter = time.Minute

// post sends body once. Zipkin's answer is a success (2xx) or a failure
// to retry; OTLP's is a success (2xx), a failure to retry (429, 502, 503,
// 504), after the Retry-After seconds it may give, or a refusal
// (errDropped).
func (s *Shipper) post(ctx context.Context, url string, otlp bool, body []byte) (time.Duration, error) {
	s.S.Requests.Add(1)
	var rd io.Reader = bytes.NewReader(body)
	if s.o.Gzip {
		var z bytes.Buffer
		w := gzip.NewWriter(&z)
		w.Write(body)
		w.Close()
		rd = &z
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, rd)
	if err != nil {
		return 0, err
	}
	ctype := "application/json"
	if otlp {
		ctype = "application/x-protobuf"
	}
	req.Header.Set("Content-Type", ctype)
	if s.o.Gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := s.o.Client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	switch {
	case resp.StatusCode/100 == 2:
		return 0, nil
	case !otlp:
		return 0, fmt.Errorf("POST %s: %s", url, resp.Status)
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		var wait time.Duration
		if n, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && n > 0 {
			wait = min(time.Duration(n)*time.Second, maxRetryAfter)
		}
		return wait, fmt.Errorf("POST %s: %s", url, resp.Status)
	}
	return 0, fmt.Errorf("%w: POST %s: %s", errDropped, url, resp.Status)
}

// save writes the positions atomically (temporary file, rename). It does
// not fsync after every batch, which would cost more than the batch: a
// process that crashes leaves the last positions in the page cache, only
// a machine that crashes may send its last batches again. Run syncs once
// when it ends.
func (s *Shipper) save() error { return s.write(false) }

func (s *Shipper) write(sync bool) error {
	data, err := json.Marshal(s.state)
	if err != nil {
		return err
	}
	dir := filepath.Dir(s.o.StatePath)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".ship-state-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if sync {
		if err := tmp.Sync(); err != nil {
			tmp.Close()
			return err
		}
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), s.o.StatePath)
}
