package tracer_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/tracer"
)

func benchTracer(b *testing.B) *tracer.Tracer {
	return newTracer(b, tracer.WithQueueSize(benchQueue))
}

// BenchmarkStartFinish3Tags: start a root span, set three string tags,
// finish it (including the hand-off to the digest pipeline).
func BenchmarkStartFinish3Tags(b *testing.B) {
	tr := benchTracer(b)
	b.ReportAllocs()
	for b.Loop() {
		s := tr.StartSpan("op")
		s.SetTag("a", "1")
		s.SetTag("b", "2")
		s.SetTag("c", "3")
		s.Finish()
	}
}

// BenchmarkStartFinish3TagsParallel is the same from every P.
func BenchmarkStartFinish3TagsParallel(b *testing.B) {
	tr := benchTracer(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s := tr.StartSpan("op")
			s.SetTag("a", "1")
			s.SetTag("b", "2")
			s.SetTag("c", "3")
			s.Finish()
		}
	})
}

// BenchmarkChildFromContext: a child of the span in a context.Context.
func BenchmarkChildFromContext(b *testing.B) {
	tr := benchTracer(b)
	root := tr.StartSpan("root")
	ctx := opentracing.ContextWithSpan(context.Background(), root)
	b.ReportAllocs()
	for b.Loop() {
		s, _ := tr.StartSpanFromContext(ctx, "child")
		s.Finish()
	}
}

// BenchmarkInjectExtractHTTPHeaders: inject into http.Header and extract.
func BenchmarkInjectExtractHTTPHeaders(b *testing.B) {
	tr := benchTracer(b)
	sc := tr.StartSpan("op").Context()
	b.ReportAllocs()
	for b.Loop() {
		h := make(http.Header, 4)
		if err := tr.Inject(sc, opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(h)); err != nil {
			b.Fatal(err)
		}
		if _, err := tr.Extract(opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(h)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInjectExtractTextMap: the sftc_head form.
func BenchmarkInjectExtractTextMap(b *testing.B) {
	tr := benchTracer(b)
	sp := tr.StartSpan("op")
	sp.SetBaggageItem("user", "u-42")
	sc := sp.Context()
	b.ReportAllocs()
	for b.Loop() {
		m := opentracing.TextMapCarrier{}
		if err := tr.Inject(sc, opentracing.TextMap, m); err != nil {
			b.Fatal(err)
		}
		if _, err := tr.Extract(opentracing.TextMap, m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFinishLatencyUnderFlood measures the latency of Finish on one
// goroutine while two others flood the tracer far faster than its writer
// can go: p50 and p99 are reported; a full queue must not slow Finish.
func BenchmarkFinishLatencyUnderFlood(b *testing.B) {
	tr := newTracer(b, tracer.WithQueueSize(1024))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					tr.StartSpan("flood").Finish()
				}
			}
		}()
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		s := tr.StartSpan("measured")
		t0 := time.Now()
		s.Finish()
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	close(stop)
	wg.Wait()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
	b.ReportMetric(float64(tr.Stats().Reporter.Dropped)/float64(tr.Stats().Finished), "dropped-ratio")
}

// benchQueue is the default queue size.
var benchQueue = 8192
