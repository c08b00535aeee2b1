package chaintest

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/opentracing/opentracing-go"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/plugins/grpctrace"
	"github.com/sofatracer/sofatracer-go/plugins/internal/logtest"
	"github.com/sofatracer/sofatracer-go/plugins/nethttp"
	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// chain is caller --HTTP--> front --gRPC--> back --HTTP--> leaf, each
// application with its own tracer and log directory.
type chain struct {
	caller, front, back, leaf *tracer.Tracer
	url                       string          // front's URL
	client                    *http.Client    // caller's traced client
	leafSaw                   chan *span.Span // the span in leaf's handler
}

// backend is the gRPC health service of back: Check calls leaf.
type backend struct {
	healthpb.UnimplementedHealthServer
	client *http.Client
	leaf   string
}

func (b *backend) Check(ctx context.Context, _ *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", b.leaf+"/leaf", nil)
	if err != nil {
		return nil, err
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

func httpServer(t *testing.T, h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func tracedClient(t *testing.T, tr opentracing.Tracer) *http.Client {
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	return &http.Client{Transport: nethttp.NewTransport(tr, base)}
}

func newChain(t *testing.T, callerOpts ...tracer.Option) *chain {
	c := &chain{
		caller:  logtest.NewTracer(t, "caller", callerOpts...),
		front:   logtest.NewTracer(t, "front"),
		back:    logtest.NewTracer(t, "back"),
		leaf:    logtest.NewTracer(t, "leaf"),
		leafSaw: make(chan *span.Span, 10),
	}
	leaf := httpServer(t, nethttp.Middleware(c.leaf, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.leafSaw <- span.FromContext(r.Context())
		io.WriteString(w, "leaf")
	})))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer(grpc.UnaryInterceptor(grpctrace.UnaryServerInterceptor(c.back)))
	healthpb.RegisterHealthServer(gs, &backend{client: tracedClient(t, c.back), leaf: leaf.URL})
	go gs.Serve(ln)
	t.Cleanup(gs.Stop)

	cc, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithUnaryInterceptor(grpctrace.UnaryClientInterceptor(c.front)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	health := healthpb.NewHealthClient(cc)
	front := httpServer(t, nethttp.Middleware(c.front, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := health.Check(r.Context(), &healthpb.HealthCheckRequest{})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		io.WriteString(w, resp.Status.String())
	})))
	c.url = front.URL
	c.client = tracedClient(t, c.caller)
	return c
}

// call sends one request from the top, in ctx.
func (c *chain) call(t *testing.T, ctx context.Context) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.url+"/front", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "SERVING" {
		t.Fatalf("front answered %d %q", resp.StatusCode, b)
	}
}

// close waits for every span of n requests and closes the tracers.
func (c *chain) close(t *testing.T, n int64) {
	for tr, per := range map[*tracer.Tracer]int64{c.caller: 1, c.front: 2, c.back: 2, c.leaf: 1} {
		logtest.WaitFinished(t, tr, n*per)
		tr.Close()
	}
}

// hop is one line the chain writes: whose log, which layout, which span.
type hop struct {
	tr     *tracer.Tracer
	layout *digest.Layout
	spanID string
}

// hops lists the lines of one request whose top client span is root.
func (c *chain) hops(root string) []hop {
	return []hop{
		{c.caller, digest.HTTPClient, root},
		{c.front, digest.HTTPServer, root + ".1"},
		{c.front, digest.RPCClient, root + ".1.1"},
		{c.back, digest.RPCServer, root + ".1.1"},
		{c.back, digest.HTTPClient, root + ".1.1.1"},
		{c.leaf, digest.HTTPServer, root + ".1.1.1.1"},
	}
}

func traceField(l logtest.Line) string {
	if v := l.S("traceId"); v != "" {
		return v
	}
	return l.S("tracerId")
}

// One request leaves one line in each of the six logs (http-client,
// http-server, rpc-client, rpc-server digests of the four apps), all of
// one TraceId, with SpanIds by SOFATracer's conventions: HTTP servers are
// children of their clients, the gRPC server shares its client's id. Each
// stat log counts one call.
func TestChainIDs(t *testing.T) {
	c := newChain(t)
	c.call(t, context.Background())
	if sp := <-c.leafSaw; sp.Ctx.SpanID != "0.1.1.1.1" {
		t.Errorf("leaf handler's span %q", sp.Ctx.SpanID)
	}
	c.close(t, 1)
	trace := ""
	for _, h := range c.hops("0") {
		lines := logtest.Digest(t, h.tr, h.layout)
		if len(lines) != 1 {
			t.Fatalf("%s of %s: %d lines", h.layout.DigestFile(), h.tr.AppName(), len(lines))
		}
		l := lines[0]
		if trace == "" {
			trace = traceField(l)
		}
		if traceField(l) != trace || l.S("spanId") != h.spanID {
			t.Errorf("%s: trace %s span %s, want %s %s", h.layout.DigestFile(), traceField(l), l.S("spanId"), trace, h.spanID)
		}
		if rc := l.S("result.code"); rc != "200" && rc != "00" {
			t.Errorf("%s: result.code %s", h.layout.DigestFile(), rc)
		}
		if n := logtest.Count(logtest.Stat(t, h.tr, h.layout), map[string]string{"success": "Y"}); n != 1 {
			t.Errorf("%s: stat count %d", h.layout.StatFile(), n)
		}
	}
	back := logtest.Digest(t, c.back, digest.RPCServer)[0]
	if back.S("remote.app") != "front" || back.S("service") != "grpc.health.v1.Health" || back.S("method") != "Check" {
		t.Errorf("rpc-server line %v", back)
	}
}

// Baggage set at the top (here with UTF-8 text, CR/LF and the k=v&
// separators in it) reaches the bottom handler intact and is on every
// line.
func TestChainBaggage(t *testing.T) {
	const odd = "张三\r\n&=%"
	c := newChain(t)
	top := c.caller.StartSpan("top")
	top.SetBaggageItem("user", "alice")
	top.SetBaggageItem("note", odd)
	c.call(t, opentracing.ContextWithSpan(context.Background(), top))
	top.Finish()
	sp := <-c.leafSaw
	if sp.BaggageItem("user") != "alice" || sp.BaggageItem("note") != odd {
		t.Errorf("leaf baggage %q", sp.Ctx.Baggage().Biz)
	}
	c.close(t, 1)
	want := "note=张三\r\n%26%3D%25&user=alice&"
	for _, h := range c.hops("0.1") { // the top span is "0"
		l := logtest.Digest(t, h.tr, h.layout)[0]
		got := l.S("biz.baggage")
		if h.layout.Style == digest.RPC {
			got = l.S("baggage")
		}
		if got != want || l.S("spanId") != h.spanID {
			t.Errorf("%s of %s: span %s baggage %q, want %s %q", h.layout.DigestFile(), h.tr.AppName(), l.S("spanId"), got, h.spanID, want)
		}
	}
}

// sampled=false at the top: no digest line anywhere down the chain, but
// every stat log still counts the calls.
func TestChainUnsampled(t *testing.T) {
	c := newChain(t, tracer.WithSampler(tracer.SamplerFunc(func(string, string) bool { return false })))
	for range 3 {
		c.call(t, context.Background())
		<-c.leafSaw
	}
	c.close(t, 3)
	for _, h := range c.hops("0") {
		if lines := logtest.Digest(t, h.tr, h.layout); len(lines) != 0 {
			t.Errorf("%s: %d digest lines of an unsampled trace", h.layout.DigestFile(), len(lines))
		}
		if n := logtest.Count(logtest.Stat(t, h.tr, h.layout), map[string]string{"success": "Y"}); n != 3 {
			t.Errorf("%s: stat count %d, want 3", h.layout.StatFile(), n)
		}
	}
}
