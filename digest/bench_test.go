package digest_test

import (
	"testing"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/span"
)

// BenchmarkAppendDigest encodes the line of a finished HTTP server span
// with baggage, as the writer goroutine does for every sampled span.
func BenchmarkAppendDigest(b *testing.B) {
	tr := newTracer(b)
	s := tr.StartSpan("GET /orders", opentracing.Tags{
		"component": "net/http", "span.kind": "server", "http.method": "GET",
		"http.url": "http://127.0.0.1:8080/orders/42", "http.status_code": 200,
		"req.size.bytes": 0, "resp.size.bytes": 512, "current.thread.name": "http-server",
	}).(*span.Span)
	s.SetBaggageItem("user", "u-42")
	s.Finish()
	l := digest.Classify(s)
	for _, mode := range []struct {
		name string
		json bool
	}{{"json", true}, {"plain", false}} {
		b.Run(mode.name, func(b *testing.B) {
			enc := digest.Encoder{App: "bench", JSON: mode.json, Newline: "\r\n"}
			var buf []byte
			b.ReportAllocs()
			for b.Loop() {
				buf = enc.AppendDigest(buf[:0], s, l)
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}
