package sofaotel

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// capture is a reporter that keeps the finished spans.
type capture struct {
	mu    sync.Mutex
	spans []*span.Span
}

func (c *capture) Report(s *span.Span) {
	c.mu.Lock()
	c.spans = append(c.spans, s)
	c.mu.Unlock()
}

func (c *capture) Close() error { return nil }

func (c *capture) all() []*span.Span {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*span.Span(nil), c.spans...)
}

// byName returns the finished span named op.
func (c *capture) byName(t testing.TB, op string) *span.Span {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, s := range c.all() {
			if s.OperationName() == op {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no finished span %q", op)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func newTracer(t testing.TB, app string, opts ...tracer.Option) (*tracer.Tracer, *capture) {
	t.Helper()
	c := &capture{}
	base := []tracer.Option{tracer.WithAppName(app), tracer.WithLogDir(t.TempDir()), tracer.WithStatInterval(time.Hour), tracer.WithReporter(c)}
	tr, err := tracer.New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr, c
}

// digestLine returns the layout and the parsed digest line of s.
func digestLine(t testing.TB, app string, s *span.Span) (string, map[string]any) {
	t.Helper()
	l := digest.Classify(s)
	enc := digest.Encoder{App: app, JSON: true, Newline: "\n"}
	var m map[string]any
	if err := json.Unmarshal(enc.AppendDigest(nil, s, l), &m); err != nil {
		t.Fatal(err)
	}
	return l.Name, m
}
