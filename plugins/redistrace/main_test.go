package redistrace_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/internal/testenv"
	"github.com/sofatracer/sofatracer-go/plugins/internal/logtest"
	"github.com/sofatracer/sofatracer-go/plugins/redistrace"
	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// addr returns the test Redis server's address; without one the test is
// skipped, or fails when SOFA_TEST_REQUIRED=1.
func addr(t testing.TB) string {
	t.Helper()
	return testenv.Server(t, "SOFA_TEST_REDIS_ADDR")
}

// client returns a client of the test server, traced by tr when tr is
// not nil, closed after the test.
func client(t testing.TB, tr *tracer.Tracer, opts ...redistrace.Option) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr(t)})
	if tr != nil {
		c.AddHook(redistrace.NewHook(tr, opts...))
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// javaOrder is the field order of SOFATracer's redis-digest.log.
var javaOrder = []string{"time", "local.app", "traceId", "spanId", "span.kind", "result.code",
	"current.thread.name", "time.cost.milliseconds", "db.type", "method", "sys.baggage", "biz.baggage"}

// digestLines closes tr and returns its Redis digest lines, each checked
// to have exactly Java's keys in Java's order.
func digestLines(t testing.TB, tr *tracer.Tracer) []logtest.Line {
	t.Helper()
	tr.Close()
	b, err := os.ReadFile(tr.Reporter().DigestPath(digest.Redis, false))
	if err != nil {
		t.Fatal(err)
	}
	var out []logtest.Line
	for _, raw := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		raw = bytes.TrimSpace(raw)
		dec := json.NewDecoder(bytes.NewReader(raw))
		var keys []string
		if _, err := dec.Token(); err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				t.Fatalf("%q: %v", raw, err)
			}
			keys = append(keys, k.(string))
			var v any
			if err := dec.Decode(&v); err != nil {
				t.Fatalf("%q: %v", raw, err)
			}
		}
		if !slices.Equal(keys, javaOrder) {
			t.Fatalf("keys %v, want %v", keys, javaOrder)
		}
		var l logtest.Line
		if err := json.Unmarshal(raw, &l); err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}

// recorder keeps every finished span of a tracer.
type recorder struct {
	mu    sync.Mutex
	spans []*span.Span
}

func (r *recorder) Report(s *span.Span) {
	r.mu.Lock()
	r.spans = append(r.spans, s)
	r.mu.Unlock()
}

func (r *recorder) Close() error { return nil }

func (r *recorder) all() []*span.Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.spans)
}

// key returns a key unique to the test, deleted after it.
func key(t testing.TB, c *redis.Client, name string) string {
	k := "redistrace:" + t.Name() + ":" + name
	t.Cleanup(func() { c.Del(context.Background(), k) })
	return k
}
