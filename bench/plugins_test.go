package bench

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	otgrpc "github.com/opentracing-contrib/go-grpc"
	contribhttp "github.com/opentracing-contrib/go-stdlib/nethttp"
	"github.com/opentracing/opentracing-go"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	"github.com/sofatracer/sofatracer-go/bench/internal/measure"
	"github.com/sofatracer/sofatracer-go/plugins/grpctrace"
	sofahttp "github.com/sofatracer/sofatracer-go/plugins/nethttp"
	"github.com/sofatracer/sofatracer-go/propagation"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// Per-request overhead of sofatracer-go's plugins against the
// opentracing-contrib ones, both driven by the same tracer: sofatracer's
// tracer.New with its real digest pipeline. Each benchmark has three
// sub-benchmarks, the same work with no instrumentation ("bare"), behind our
// plugin ("sofatracer-plugin") and behind the contrib library
// ("contrib-go-stdlib" or "contrib-go-grpc"). Nothing touches the network.
//
// Besides ns/op, B/op and allocs/op, every sub-benchmark reports spans/op
// (spans finished per request: go-stdlib's client makes two) and dropped/op
// (spans the tracer's queue dropped, which should stay near 0 or the plugin
// looks cheaper than it is).

// The sub-benchmark names.
const (
	plugBare    = "bare"
	plugSofa    = "sofatracer-plugin"
	plugStdlib  = "contrib-go-stdlib"
	plugGoGRPC  = "contrib-go-grpc"
	grpcMethod  = "/grpc.health.v1.Health/Check"
	httpURL     = "http://127.0.0.1:8080/orders/1"
	callerApp   = "caller"
	parentOp    = "parent"
	benchedApp  = "bench"
	contentType = "application/grpc"
)

// newPluginTracer starts the tracer every plugin benchmark uses, writing
// under a fresh temporary directory; it is closed when the benchmark ends.
func newPluginTracer(b *testing.B) *tracer.Tracer {
	b.Helper()
	tr, err := tracer.New(
		tracer.WithAppName(benchedApp),
		tracer.WithLogDir(b.TempDir()),
		tracer.WithQueueSize(sofaQueue),
	)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { tr.Close() })
	return tr
}

// pluginCounts snapshots a tracer's counters and the process's CPU time
// before the timed loop.
type pluginCounts struct {
	finished, dropped int64
	cpu               time.Duration
}

func countsOf(tr *tracer.Tracer) pluginCounts {
	s := tr.Stats()
	return pluginCounts{finished: s.Finished, dropped: s.Reporter.Dropped, cpu: measure.ProcessCPU()}
}

// report reports spans/op and dropped/op since before, and fails the
// benchmark when an extracted context was rejected as corrupted (the
// plugin would then have started a new trace, not joined the caller's).
func (before pluginCounts) report(b *testing.B, tr *tracer.Tracer) {
	b.Helper()
	if b.N == 0 {
		return
	}
	tr.Close() // drains the queue: every span is written (or was dropped)
	b.ReportMetric(float64(measure.ProcessCPU()-before.cpu)/float64(b.N), "cpu-ns/op")
	s := tr.Stats()
	b.ReportMetric(float64(s.Finished-before.finished)/float64(b.N), "spans/op")
	b.ReportMetric(float64(s.Reporter.Dropped-before.dropped)/float64(b.N), "dropped/op")
	for reason, n := range s.Corrupted {
		b.Errorf("%d extracted contexts rejected: %s", n, reason)
	}
}

// pace keeps a benchmark loop from outrunning the tracer's writer, which
// would make a plugin look cheaper than it is (a dropped span costs no
// writer time): every 1024 requests, it sleeps while more than a quarter
// of the queue waits. The writer's CPU time still counts in cpu-ns/op.
func pace(tr *tracer.Tracer, n *int) {
	if *n++; *n%1024 != 0 {
		return
	}
	for {
		s := tr.Stats()
		if r := s.Reporter; s.Finished-r.Written-r.Unsampled-r.Dropped < sofaQueue/4 {
			return
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// okHandler is the trivial handler every HTTP server variant serves.
var okHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })

// BenchmarkHTTPServer serves one request carrying a caller's context in
// SOFATracer's HTTP headers (X-B3-*, injected by our tracer from a parent
// span, so that both middlewares extract it) into a fresh
// httptest.ResponseRecorder, through no middleware, our
// plugins/nethttp.Middleware and go-stdlib's nethttp.Middleware.
func BenchmarkHTTPServer(b *testing.B) {
	for _, name := range []string{plugBare, plugSofa, plugStdlib} {
		b.Run(name, func(b *testing.B) {
			tr := newPluginTracer(b)
			var h http.Handler
			switch name {
			case plugBare:
				h = okHandler
			case plugSofa:
				h = sofahttp.Middleware(tr, okHandler)
			case plugStdlib:
				h = contribhttp.Middleware(tr, okHandler)
			}
			req := httptest.NewRequest(http.MethodGet, httpURL, nil)
			parent := tr.StartSpan(parentOp)
			if err := tr.Inject(parent.Context(), opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(req.Header)); err != nil {
				b.Fatal(err)
			}
			if _, err := tr.Extract(opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(req.Header)); err != nil {
				b.Fatal("the request carries no context: ", err)
			}
			before := countsOf(tr)
			b.ReportAllocs()
			var n int
			for b.Loop() {
				pace(tr, &n)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatal("status ", w.Code)
				}
			}
			before.report(b, tr)
		})
	}
}

// cannedRoundTripper answers every request from memory with 200 "ok".
type cannedRoundTripper struct{}

func (cannedRoundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{
		Status:        "200 OK",
		StatusCode:    http.StatusOK,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"text/plain; charset=utf-8"}},
		Body:          io.NopCloser(strings.NewReader("ok")),
		ContentLength: 2,
		Request:       r,
	}, nil
}

// BenchmarkHTTPClient sends one GET, whose context holds a parent span,
// through a RoundTripper that answers from memory: unwrapped, wrapped by
// our plugins/nethttp.NewTransport, and by go-stdlib's nethttp.Transport
// with nethttp.TraceRequest (as that library requires; it starts a
// "HTTP Client" span per request and a "HTTP GET" child per round trip,
// the former ended by Tracer.Finish). The body is read and closed each
// time. Each sub-benchmark has its own request, because go-stdlib injects
// into the caller's request headers.
func BenchmarkHTTPClient(b *testing.B) {
	for _, name := range []string{plugBare, plugSofa, plugStdlib} {
		b.Run(name, func(b *testing.B) {
			tr := newPluginTracer(b)
			parent := tr.StartSpan(parentOp)
			ctx := opentracing.ContextWithSpan(context.Background(), parent)
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, httpURL, nil)
			if err != nil {
				b.Fatal(err)
			}
			var base http.RoundTripper = cannedRoundTripper{}
			before := countsOf(tr)
			b.ReportAllocs()
			switch name {
			case plugBare, plugSofa:
				rt := base
				if name == plugSofa {
					rt = sofahttp.NewTransport(tr, base)
				}
				var n int
				for b.Loop() {
					pace(tr, &n)
					resp, err := rt.RoundTrip(req)
					if err != nil {
						b.Fatal(err)
					}
					readAndClose(b, resp)
				}
			case plugStdlib:
				rt := &contribhttp.Transport{RoundTripper: base}
				var n int
				for b.Loop() {
					pace(tr, &n)
					r, ht := contribhttp.TraceRequest(tr, req)
					resp, err := rt.RoundTrip(r)
					if err != nil {
						b.Fatal(err)
					}
					readAndClose(b, resp)
					ht.Finish()
				}
			}
			before.report(b, tr)
		})
	}
}

func readAndClose(b *testing.B, resp *http.Response) {
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		b.Fatal(err)
	}
	if err := resp.Body.Close(); err != nil {
		b.Fatal(err)
	}
}

// mdCarrier reads and writes gRPC metadata as an OpenTracing TextMap,
// lowercasing keys as gRPC requires.
type mdCarrier metadata.MD

func (c mdCarrier) Set(k, v string) { metadata.MD(c).Set(strings.ToLower(k), v) }

func (c mdCarrier) ForeachKey(handler func(k, v string) error) error {
	for k, vs := range c {
		for _, v := range vs {
			if err := handler(k, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// The messages of the gRPC benchmarks.
var (
	healthReq  = &healthpb.HealthCheckRequest{Service: "orders"}
	healthResp = &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}
)

// BenchmarkGRPCUnaryServer calls a unary server interceptor directly with
// a handler that returns a canned HealthCheckResponse: a pass-through
// interceptor, our grpctrace.UnaryServerInterceptor and go-grpc's
// otgrpc.OpenTracingServerInterceptor. The incoming metadata is what a
// grpc-go server sees plus a caller's context injected by our tracer in
// both forms the plugins read: Triple keys (tri-trace-*, what our client
// interceptor sends and our server reads first) and HTTP headers
// (x-b3-*, what otgrpc's client sends and its server reads), so that each
// interceptor joins the caller's trace from the same metadata.
func BenchmarkGRPCUnaryServer(b *testing.B) {
	handler := func(ctx context.Context, req any) (any, error) { return healthResp, nil }
	info := &grpc.UnaryServerInfo{FullMethod: grpcMethod}
	for _, name := range []string{plugBare, plugSofa, plugGoGRPC} {
		b.Run(name, func(b *testing.B) {
			tr := newPluginTracer(b)
			var ic grpc.UnaryServerInterceptor
			switch name {
			case plugBare:
				ic = func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
					return h(ctx, req)
				}
			case plugSofa:
				ic = grpctrace.UnaryServerInterceptor(tr)
			case plugGoGRPC:
				ic = otgrpc.OpenTracingServerInterceptor(tr)
			}
			md := metadata.Pairs(":authority", "127.0.0.1:50051", "content-type", contentType,
				"user-agent", "grpc-go/"+grpc.Version, propagation.TriCurrentApp, callerApp)
			parent := tr.StartSpan(parentOp)
			for _, f := range []any{propagation.Triple, opentracing.HTTPHeaders} {
				if err := tr.Inject(parent.Context(), f, mdCarrier(md)); err != nil {
					b.Fatal(err)
				}
				if _, err := tr.Extract(f, mdCarrier(md)); err != nil {
					b.Fatalf("the metadata carries no context in %v: %v", f, err)
				}
			}
			ctx := metadata.NewIncomingContext(context.Background(), md)
			before := countsOf(tr)
			b.ReportAllocs()
			var n int
			for b.Loop() {
				pace(tr, &n)
				resp, err := ic(ctx, healthReq, info, handler)
				if err != nil || resp != healthResp {
					b.Fatal(resp, err)
				}
			}
			before.report(b, tr)
		})
	}
}

// BenchmarkGRPCUnaryClient calls a unary client interceptor directly, with
// a parent span in the context and an invoker that succeeds at once: a
// pass-through interceptor, our grpctrace.UnaryClientInterceptor and
// go-grpc's otgrpc.OpenTracingClientInterceptor. Both tracing
// interceptors start a client span and inject its context into the
// outgoing metadata.
func BenchmarkGRPCUnaryClient(b *testing.B) {
	invoker := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, opts ...grpc.CallOption) error {
		return nil
	}
	for _, name := range []string{plugBare, plugSofa, plugGoGRPC} {
		b.Run(name, func(b *testing.B) {
			tr := newPluginTracer(b)
			var ic grpc.UnaryClientInterceptor
			switch name {
			case plugBare:
				ic = func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, inv grpc.UnaryInvoker, opts ...grpc.CallOption) error {
					return inv(ctx, method, req, reply, cc, opts...)
				}
			case plugSofa:
				ic = grpctrace.UnaryClientInterceptor(tr)
			case plugGoGRPC:
				ic = otgrpc.OpenTracingClientInterceptor(tr)
			}
			parent := tr.StartSpan(parentOp)
			ctx := opentracing.ContextWithSpan(context.Background(), parent)
			reply := new(healthpb.HealthCheckResponse)
			before := countsOf(tr)
			b.ReportAllocs()
			var n int
			for b.Loop() {
				pace(tr, &n)
				if err := ic(ctx, grpcMethod, healthReq, reply, nil, invoker); err != nil {
					b.Fatal(err)
				}
			}
			before.report(b, tr)
		})
	}
}
