package tracer_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/tracer"
)

func benchTracer(b *testing.B) *tracer.Tracer {
	return newTracer(b, tracer.WithQueueSize(1<<16))
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
		s, _ := opentracing.StartSpanFromContextWithTracer(ctx, tr, "child")
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
