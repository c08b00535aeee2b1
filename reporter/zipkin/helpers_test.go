package zipkin

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"
	"go.uber.org/goleak"

	"github.com/sofatracer/sofatracer-go/span"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// owner is the smallest span.Owner: it keeps nothing.
type owner struct{}

func (o *owner) Report(*span.Span) {}
func (o *owner) Refuse(string)     {}

var testRecorder = span.NewRecorder(opentracing.NoopTracer{}, &owner{}, span.Limits{}, nil)

var t0 = time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)

// mkSpan returns a finished span with the given ids, tags and duration.
func mkSpan(traceID, spanID, parentID string, d time.Duration, tags ...span.Tag) *span.Span {
	s := testRecorder.Start("op", t0)
	s.Ctx.Init(traceID, spanID, parentID, true)
	s.SetTags(tags...)
	s.FinishWithOptions(opentracing.FinishOptions{FinishTime: t0.Add(d)})
	return s
}

// collector is an httptest Zipkin collector that decodes what is posted.
type collector struct {
	*httptest.Server
	mu       sync.Mutex
	spans    []map[string]any
	requests []*http.Request
	bodies   int
	// handle, when set, answers instead of 202 (after decoding).
	handle func(w http.ResponseWriter, r *http.Request) bool
}

func newCollector(t testing.TB) *collector {
	c := &collector{}
	c.Server = httptest.NewServer(http.HandlerFunc(c.serve))
	t.Cleanup(c.Close)
	return c
}

func (c *collector) serve(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	h := c.handle
	c.mu.Unlock()
	if h != nil && h(w, r) {
		return
	}
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		body = zr
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	var spans []map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&spans); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	c.mu.Lock()
	c.spans = append(c.spans, spans...)
	c.requests = append(c.requests, r)
	c.bodies++
	c.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

func (c *collector) setHandler(h func(w http.ResponseWriter, r *http.Request) bool) {
	c.mu.Lock()
	c.handle = h
	c.mu.Unlock()
}

func (c *collector) got() []map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]map[string]any(nil), c.spans...)
}

// waitFor polls cond for up to 10s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func newReporter(t testing.TB, url string, opts ...Option) *Reporter {
	t.Helper()
	r, err := NewReporter(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// byOrigin indexes posted spans by their origin.span.id tag.
func byOrigin(spans []map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, s := range spans {
		tags, _ := s["tags"].(map[string]any)
		if id, ok := tags[TagOriginSpanID].(string); ok {
			out[id] = s
		}
	}
	return out
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
