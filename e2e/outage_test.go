package e2e

import (
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/reporter/zipkin"
	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// TestCollectorOutage: the collector is down when the application starts,
// comes up, is killed (SIGKILL) while spans keep being finished, and is
// restarted. The application goes on finishing spans at a steady pace
// throughout; losses are counted, and the spans finished after each start
// arrive. (How much a Finish costs meanwhile is measured by
// BenchmarkFinishWithCollectorDown, not timed here.)
func TestCollectorOutage(t *testing.T) {
	bin := jaegerBin(t)
	j := newJaeger(t, bin)
	tr, err := tracer.New(tracer.WithAppName("e2e-outage"), tracer.WithLogDir(t.TempDir()), tracer.WithStatInterval(time.Hour),
		tracer.WithZipkin(j.zipkinURL(), true, zipkin.WithBatchInterval(100*time.Millisecond), zipkin.WithMaxBacklog(300),
			zipkin.WithTimeout(time.Second), zipkin.WithMaxRetryBackoff(200*time.Millisecond), zipkin.WithSelfLogInterval(time.Second)))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()

	// The application: one trace per phase, a span every millisecond.
	var (
		mu       sync.Mutex
		phase    opentracing.Span
		finishes []time.Duration
		stop     = make(chan struct{})
		done     = make(chan struct{})
		count    atomic.Int64
	)
	newPhase := func(name string) (old opentracing.Span, traceID string) {
		mu.Lock()
		defer mu.Unlock()
		old, phase = phase, tr.StartSpan(name)
		return old, phase.Context().(*span.Context).TraceID
	}
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			mu.Lock()
			p := phase
			mu.Unlock()
			s := tr.StartSpan("work", opentracing.ChildOf(p.Context()))
			s.SetTag("n", count.Add(1))
			t0 := time.Now()
			s.Finish()
			d := time.Since(t0)
			mu.Lock()
			finishes = append(finishes, d)
			mu.Unlock()
		}
	}()
	stats := func() zipkin.Stats { s, _ := tr.ZipkinStats(); return s }
	waitStats := func(what string, cond func(zipkin.Stats) bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond(stats()) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s: %s", what, stats())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// countSpans counts the trace's spans in Jaeger.
	countSpans := func(traceID string) int {
		jt, err := getTrace(j.queryURL(), zipkin.MapTraceID(traceID).String())
		if err != nil || jt == nil {
			return 0
		}
		return len(jt.Spans)
	}

	// 1. Down at start.
	_, down1 := newPhase("down-at-start")
	waitStats("failed requests and a full backlog", func(s zipkin.Stats) bool { return s.SendErrors >= 2 && s.DroppedBacklog > 0 })
	t.Logf("down at start: %s", stats())

	// 2. Up: what was buffered and what is finished now arrives.
	j.start(t)
	old, up1 := newPhase("up")
	old.Finish()
	sentBefore := stats().Sent
	waitStats("delivery", func(s zipkin.Stats) bool { return s.Sent > sentBefore+200 })
	if n := countSpans(down1); n == 0 {
		t.Errorf("nothing of the spans buffered while the collector was down arrived")
	}
	waitStats("spans of the up phase", func(zipkin.Stats) bool { return countSpans(up1) > 50 })
	t.Logf("up: %s", stats())

	// 3. Killed in the middle.
	j.kill()
	old, down2 := newPhase("killed")
	old.Finish() // the "up" root goes into the backlog
	errsBefore, dropsBefore := stats().SendErrors, stats().DroppedBacklog
	waitStats("failures after the kill", func(s zipkin.Stats) bool { return s.SendErrors >= errsBefore+2 && s.DroppedBacklog > dropsBefore })
	t.Logf("killed: %s", stats())

	// 4. Restarted (an empty store): spans finished from now on arrive.
	j.start(t)
	old, up2 := newPhase("restarted")
	old.Finish()
	start2 := count.Load()
	waitStats("delivery after the restart", func(s zipkin.Stats) bool { return count.Load() > start2+300 })
	close(stop)
	<-done
	last, _ := newPhase("end")
	last.Finish()
	mu.Lock()
	phase.Finish()
	mu.Unlock()
	if err := tr.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	st := stats()
	t.Logf("closed: %s", st)

	// Every span finished in phase 4 reached the restarted collector.
	finished := int(count.Load() - start2)
	if n := countSpansEventually(t, countSpans, up2, finished+1); n < finished+1 {
		t.Errorf("restarted collector has %d spans of the trace finished after the restart, want %d", n, finished+1)
	}
	// The newest spans buffered while it was dead arrived after the restart.
	if n := countSpans(down2); n == 0 {
		t.Errorf("none of the spans buffered while the collector was dead arrived after the restart")
	}
	if st.SendErrors == 0 || st.DroppedBacklog == 0 || st.Sent == 0 {
		t.Errorf("stats %s: want send errors, counted drops and deliveries", st)
	}
	if st.Sent+st.Dropped() != st.Reported {
		t.Errorf("stats %s: sent + dropped != reported", st)
	}
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(finishes)
	t.Logf("%d Finish calls during the test: p50 %v, p99 %v, max %v (informational)", len(finishes),
		finishes[len(finishes)/2], finishes[len(finishes)*99/100], finishes[len(finishes)-1])
}

func countSpansEventually(t *testing.T, count func(string) int, traceID string, want int) int {
	deadline := time.Now().Add(20 * time.Second)
	for {
		n := count(traceID)
		if n >= want || time.Now().After(deadline) {
			return n
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// BenchmarkFinishWithCollectorDown measures what the application pays per
// Finish (p50, p99 and max reported as metrics) while the Zipkin collector
// is down, hangs for 10 s per request, or answers 500, against a tracer
// without Zipkin and one with a healthy collector.
func BenchmarkFinishWithCollectorDown(b *testing.B) {
	dead := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		l.Close()
		return "http://" + l.Addr().String()
	}()
	stop := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(10 * time.Second):
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	fail := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", 500) }))
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(202) }))
	defer func() { close(stop); hang.Close(); fail.Close(); ok.Close() }()

	for _, c := range []struct{ name, url string }{
		{"no-zipkin", ""}, {"collector-up", ok.URL}, {"collector-down", dead}, {"collector-hangs-10s", hang.URL}, {"collector-500", fail.URL},
	} {
		b.Run(c.name, func(b *testing.B) {
			opts := []tracer.Option{tracer.WithAppName("bench"), tracer.WithLogDir(b.TempDir()), tracer.WithStatInterval(time.Hour)}
			if c.url != "" {
				opts = append(opts, tracer.WithZipkin(c.url, true, zipkin.WithCloseTimeout(100*time.Millisecond)))
			}
			tr, err := tracer.New(opts...)
			if err != nil {
				b.Fatal(err)
			}
			root := tr.StartSpan("root")
			lat := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s := tr.StartSpan("op", opentracing.ChildOf(root.Context()))
				s.SetTag("span.kind", "client")
				s.SetTag("i", i)
				t0 := time.Now()
				s.Finish()
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			root.Finish()
			tr.Close()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-finish-ns")
			b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-finish-ns")
			b.ReportMetric(float64(lat[len(lat)-1].Nanoseconds()), "max-finish-ns")
			if st, ok := tr.ZipkinStats(); ok {
				b.ReportMetric(float64(st.Dropped())/float64(b.N+1), "dropped/op")
			}
		})
	}
}
