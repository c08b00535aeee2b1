package zipkin

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go/log"

	"github.com/sofatracer/sofatracer-go/span"
)

// benchSpan is a typical HTTP server span: 9 tags, a baggage item, a log.
func benchSpan() *span.Span {
	s := testRecorder.Start("HTTP GET", t0)
	s.Ctx.Init("0a0fe9271567477985327100211176", "0.1.1", "0.1", true)
	s.Ctx.SetBaggage(&span.Baggage{Biz: map[string]string{"tenant": "t1"}})
	s.SetTags(
		span.Tag{Key: span.TagComponent, Value: "net/http"},
		span.Tag{Key: span.TagSpanKind, Value: span.KindServer},
		span.Tag{Key: span.TagHTTPMethod, Value: "GET"},
		span.Tag{Key: span.TagHTTPURL, Value: "http://127.0.0.1:8080/orders/42"},
		span.Tag{Key: span.TagThreadName, Value: "http-server"},
		span.Tag{Key: span.TagPeerIPv4, Value: "10.0.0.7"},
		span.Tag{Key: span.TagPeerPort, Value: uint16(51234)},
		span.Tag{Key: span.TagHTTPStatusCode, Value: 200},
		span.Tag{Key: span.TagRespSize, Value: 512},
	)
	s.LogFields(log.String("event", "handled"))
	s.Finish()
	return s
}

// BenchmarkConvert: the background goroutine's conversion of one span.
func BenchmarkConvert(b *testing.B) {
	s := benchSpan()
	b.ReportAllocs()
	for b.Loop() {
		_ = Convert(s, "orders")
	}
}

// BenchmarkReport: what the application pays per span: the enqueue.
// Sequentially, the queue is drained with the timer stopped before it
// fills; in parallel, a goroutine drains it meanwhile. Dropped spans (a
// full queue) are reported as a metric.
func BenchmarkReport(b *testing.B) {
	s := benchSpan()
	const chunk = 1 << 16
	for _, par := range []bool{false, true} {
		b.Run(fmt.Sprint("parallel=", par), func(b *testing.B) {
			// Only the queue: no goroutine consumes it.
			r := &Reporter{o: options{queueSize: 2 * chunk}}
			r.in.Init(2*chunk, nil, "zipkin.", DefaultSelfLogInterval)
			drain := func() {
				b.StopTimer()
				for len(r.in.Queue) > 0 {
					<-r.in.Queue
				}
				b.StartTimer()
			}
			b.ReportAllocs()
			b.ResetTimer()
			if par {
				// Parallel: a goroutine drains the queue meanwhile, as the
				// reporter's own does.
				go func() {
					for range r.in.Queue {
					}
					close(r.in.End)
				}()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						r.Report(s)
					}
				})
				b.StopTimer()
				r.in.Close(time.Minute, nil)
			} else {
				for i := 0; i < b.N; i++ {
					if i%chunk == chunk-1 {
						drain()
					}
					r.Report(s)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(r.Stats().DroppedQueueFull)/float64(b.N), "dropped/op")
		})
	}
}

// BenchmarkPipeline: the whole cost per span with the default options:
// enqueue, conversion, encoding (plain and gzip) and delivery to a local
// collector, from the first Report until Close has delivered everything.
// The loop keeps fewer spans in flight than the backlog holds, so none is
// dropped: ns/op is the reporter's sustainable rate on this machine.
func BenchmarkPipeline(b *testing.B) {
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(202)
	}))
	defer sink.Close()
	s := benchSpan()
	for _, gz := range []bool{false, true} {
		b.Run(fmt.Sprint("gzip=", gz), func(b *testing.B) {
			r, err := NewReporter(sink.URL, WithGzip(gz), WithCloseTimeout(time.Minute))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for i%64 == 0 && r.in.Reported.Load()-r.in.Sent.Load() > DefaultMaxBacklog {
					time.Sleep(50 * time.Microsecond)
				}
				r.Report(s)
			}
			if err := r.Close(); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			st := r.Stats()
			if st.Sent != int64(b.N) {
				b.Fatalf("stats %s", st)
			}
			b.ReportMetric(float64(b.N)/float64(st.Requests), "spans/request")
		})
	}
}
