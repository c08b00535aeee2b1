package propagation_test

import (
	"net/http"
	"testing"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/propagation"
	"github.com/sofatracer/sofatracer-go/span"
)

// BenchmarkInjectExtractHTTP is tracer's BenchmarkInjectExtractHTTPHeaders
// without the tracer: a fresh header, the SOFA headers of a root span
// injected and extracted.
func BenchmarkInjectExtractHTTP(b *testing.B) {
	sc := span.NewContext(sofaTrace, "0", "", true)
	b.ReportAllocs()
	for b.Loop() {
		h := make(http.Header, 4)
		if err := propagation.Inject(sc, opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(h)); err != nil {
			b.Fatal(err)
		}
		if _, _, err := propagation.Extract(opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(h), propagation.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExtractHTTPRequest extracts a child context from a header with
// the other headers of a typical request around it.
func BenchmarkExtractHTTPRequest(b *testing.B) {
	h := http.Header{}
	for k, v := range map[string]string{
		"Accept": "*/*", "Accept-Encoding": "gzip", "User-Agent": "Go-http-client/1.1",
		"Content-Type": "application/json", "Content-Length": "42",
		"X-B3-TraceId": sofaTrace, "X-B3-SpanId": "0.1.2", "X-B3-ParentSpanId": "0.1", "X-B3-Sampled": "true",
	} {
		h.Set(k, v)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := propagation.Extract(opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(h), propagation.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInjectHTTPBaggage injects a context with baggage.
func BenchmarkInjectHTTPBaggage(b *testing.B) {
	sc := newCtx(sofaTrace, "0.1", "0", true, map[string]string{"uid": "123", "mark": "T"}, map[string]string{"zone": "gz00a"})
	b.ReportAllocs()
	for b.Loop() {
		h := make(http.Header, 8)
		if err := propagation.Inject(sc, opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(h)); err != nil {
			b.Fatal(err)
		}
	}
}
