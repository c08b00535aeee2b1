package nethttp_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/plugins/internal/logtest"
	"github.com/sofatracer/sofatracer-go/plugins/nethttp"
)

// discardWriter is a reusable ResponseWriter, so that the benchmarks
// measure the handler and the middleware only.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

// BenchmarkMiddleware compares a handler alone with the same handler
// behind Middleware: with a no-op tracer (the plugin's own cost), and with
// SOFATracer for a request without and with a caller's context.
func BenchmarkMiddleware(b *testing.B) {
	tr := logtest.NewTracer(b, "bench")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	req := mustReq(b, "GET", "http://127.0.0.1:8080/orders/1?x=y", nil)
	req.RemoteAddr = "127.0.0.1:50000"
	joined := req.Clone(req.Context())
	sp := tr.StartSpan("caller")
	tr.Inject(sp.Context(), opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(joined.Header))
	w := &discardWriter{h: http.Header{}}
	for _, bc := range []struct {
		name string
		h    http.Handler
		req  *http.Request
	}{
		{"bare", h, req},
		{"noop-tracer", nethttp.Middleware(opentracing.NoopTracer{}, h), req},
		{"traced-root", nethttp.Middleware(tr, h), req},
		{"traced-child", nethttp.Middleware(tr, h), joined},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bc.h.ServeHTTP(w, bc.req)
			}
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// BenchmarkTransport compares a RoundTripper alone with the same one
// behind NewTransport (with a no-op tracer and with SOFATracer); the base
// answers from memory.
func BenchmarkTransport(b *testing.B) {
	tr := logtest.NewTracer(b, "bench")
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("ok")), Request: r}, nil
	})
	req := mustReq(b, "GET", "http://127.0.0.1:8080/orders/1?x=y", nil)
	for _, bc := range []struct {
		name string
		rt   http.RoundTripper
	}{
		{"bare", base},
		{"noop-tracer", nethttp.NewTransport(opentracing.NoopTracer{}, base)},
		{"traced", nethttp.NewTransport(tr, base)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				resp, err := bc.rt.RoundTrip(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}
