package e2e

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/plugins/bolt"
	"github.com/sofatracer/sofatracer-go/plugins/grpctrace"
	"github.com/sofatracer/sofatracer-go/plugins/nethttp"
	"github.com/sofatracer/sofatracer-go/reporter/zipkin"
	"github.com/sofatracer/sofatracer-go/span"
)

// healthViaBolt is a gRPC health service whose Check calls a Bolt service.
type healthViaBolt struct {
	healthpb.UnimplementedHealthServer
	bolt *bolt.Client
}

func (h *healthViaBolt) Check(ctx context.Context, _ *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	req := &bolt.Request{Service: "com.example.Inventory:1.0", Method: "check", Codec: 11, Content: []byte("sku-1")}
	if _, err := h.bolt.Call(ctx, req); err != nil {
		return nil, err
	}
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

// TestHTTPToGRPCToBolt sends one request through four services, each with
// its own tracer reporting to the real collector:
//
//	e2e-web-client: "request" (local) -> HTTP client
//	e2e-web:        HTTP server -> gRPC client
//	e2e-grpc:       gRPC server (shares the client's id) -> Bolt client
//	e2e-bolt:       Bolt server (shares the client's id) -> "inventory.lookup" (local)
//
// and reads the trace back from Jaeger's query API: every span, parent
// links, service names, kinds, tags and durations.
func TestHTTPToGRPCToBolt(t *testing.T) {
	zipkinURL, queryURL := collectorURLs(t)
	trClient := newTracer(t, "e2e-web-client", zipkinURL, true)
	trWeb := newTracer(t, "e2e-web", zipkinURL, false)
	trGRPC := newTracer(t, "e2e-grpc", zipkinURL, true)
	trBolt := newTracer(t, "e2e-bolt", zipkinURL, false)
	const work = 20 * time.Millisecond

	// Bolt back end.
	bl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	bs := bolt.NewServer(bolt.HandlerFunc(func(ctx context.Context, req *bolt.Request) (*bolt.Response, error) {
		sp := trBolt.StartSpan("inventory.lookup", opentracing.ChildOf(opentracing.SpanFromContext(ctx).Context()))
		sp.SetTag("sku", string(req.Content))
		sp.LogKV("event", "cache-miss")
		time.Sleep(work)
		sp.Finish()
		return &bolt.Response{Status: bolt.StatusSuccess, Content: []byte("ok")}, nil
	}), bolt.WithTracer(trBolt))
	go bs.Serve(bl)
	defer bs.Close()

	// gRPC middle tier calling Bolt.
	bc, err := bolt.Dial(context.Background(), bl.Addr().String(), bolt.WithTracer(trGRPC))
	if err != nil {
		t.Fatal(err)
	}
	defer bc.Close()
	gl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer(grpc.UnaryInterceptor(grpctrace.UnaryServerInterceptor(trGRPC)))
	healthpb.RegisterHealthServer(gs, &healthViaBolt{bolt: bc})
	go gs.Serve(gl)
	defer gs.Stop()

	// HTTP front end calling gRPC.
	cc, err := grpc.NewClient(gl.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithUnaryInterceptor(grpctrace.UnaryClientInterceptor(trWeb)))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	health := healthpb.NewHealthClient(cc)
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: nethttp.Middleware(trWeb, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := health.Check(r.Context(), &healthpb.HealthCheckRequest{})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		io.WriteString(w, resp.Status.String())
	}))}
	go hs.Serve(hl)
	defer hs.Close()

	// The client.
	root := trClient.StartSpan("request")
	root.SetBaggageItem("tenant", "t1")
	sofaTrace := root.Context().(*span.Context).TraceID
	client := &http.Client{Transport: nethttp.NewTransport(trClient, nil)}
	req, _ := http.NewRequestWithContext(opentracing.ContextWithSpan(context.Background(), root), "GET", "http://"+hl.Addr().String()+"/orders/42", nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	root.Finish()
	if resp.StatusCode != 200 || string(body) != "SERVING" {
		t.Fatalf("response %s %q", resp.Status, body)
	}
	hs.Close()
	gs.Stop()
	bc.Close()
	bs.Close()
	closeAndCheck(t, trClient, trWeb, trGRPC, trBolt)

	traceID := zipkin.MapTraceID(sofaTrace).String()
	t.Logf("SOFA TraceId %s -> Zipkin trace %s", sofaTrace, traceID)
	tr := waitTrace(t, queryURL, traceID, 8)

	type want struct {
		service, kind, sofaID, parentSOFA string
		shared                            bool
	}
	wants := map[string]want{ // by operation name (Zipkin lowercases them)
		"request":                             {"e2e-web-client", "", "0", "", false},
		"http get":                            {"e2e-web-client", "client", "0.1", "0", false},
		"http get/server":                     {"e2e-web", "server", "0.1.1", "0.1", false},
		"grpc.health.v1.health/check":         {"e2e-web", "client", "0.1.1.1", "0.1.1", false},
		"grpc.health.v1.health/check/srv":     {"e2e-grpc", "server", "0.1.1.1", "0.1.1", true},
		"com.example.inventory:1.0#check":     {"e2e-grpc", "client", "0.1.1.1.1", "0.1.1.1", false},
		"com.example.inventory:1.0#check/srv": {"e2e-bolt", "server", "0.1.1.1.1", "0.1.1.1", true},
		"inventory.lookup":                    {"e2e-bolt", "", "0.1.1.1.1.1", "0.1.1.1.1", false},
	}
	// Index the spans by SOFA id and side; check what each says about itself.
	type key struct{ sofaID, kind string }
	bySOFA := map[key]*jSpan{}
	byID := map[string]*jSpan{}
	for i := range tr.Spans {
		s := &tr.Spans[i]
		t.Logf("jaeger: %s origin.span.id=%s", s, s.tag(zipkin.TagOriginSpanID))
		k := key{s.tag(zipkin.TagOriginSpanID), s.tag("span.kind")}
		if k.kind == "internal" {
			k.kind = ""
		}
		if bySOFA[k] != nil {
			t.Errorf("two spans for %v", k)
		}
		bySOFA[k] = s
		byID[s.SpanID] = s
		if s.TraceID != tr.TraceID || len(s.Warnings) > 0 {
			t.Errorf("span %s: trace %s, warnings %v", s, s.TraceID, s.Warnings)
		}
		if s.tag(zipkin.TagOriginTraceID) != sofaTrace {
			t.Errorf("span %s: origin.trace.id %q", s, s.tag(zipkin.TagOriginTraceID))
		}
		if s.tag("tenant") != "t1" {
			t.Errorf("span %s: baggage tenant=%q", s, s.tag("tenant"))
		}
	}
	if len(tr.Spans) != len(wants) {
		t.Errorf("%d spans, want %d", len(tr.Spans), len(wants))
	}
	microsecondPrecision := false
	for name, w := range wants {
		s := bySOFA[key{w.sofaID, w.kind}]
		if s == nil {
			t.Errorf("%s: no span with origin.span.id %s kind %q", name, w.sofaID, w.kind)
			continue
		}
		if s.service != w.service {
			t.Errorf("%s: service %q, want %q", s, s.service, w.service)
		}
		if w.parentSOFA == "" {
			if s.parent() != "" {
				t.Errorf("%s: root has a parent", s)
			}
			continue
		}
		// The parent: for a shared server span, the client span with the
		// same SOFA id (Jaeger gives the server side a new id and makes it
		// the client's child); otherwise the span whose SOFA id is the
		// parent's, the server side when there are two.
		var p *jSpan
		if w.shared {
			p = bySOFA[key{w.sofaID, "client"}]
		} else if p = bySOFA[key{w.parentSOFA, "server"}]; p == nil {
			p = bySOFA[key{w.parentSOFA, "client"}]
			if p == nil {
				p = bySOFA[key{w.parentSOFA, ""}]
			}
		}
		if p == nil || s.parent() != p.SpanID {
			t.Errorf("%s: parent %s, want %v", s, s.parent(), p)
			continue
		}
		if s.StartTime < p.StartTime || s.StartTime+s.Duration > p.StartTime+p.Duration {
			t.Errorf("%s lies outside its parent %s", s, p)
		}
		if s.Duration%1000 != 0 {
			microsecondPrecision = true
		}
	}
	if !microsecondPrecision {
		t.Error("every duration is whole milliseconds: precision lost")
	}
	// Ids: SOFATracer's mapping, so Java services report the same ones.
	if s := bySOFA[key{"0.1", "client"}]; s != nil && s.SpanID != "4e18dd181d0a2066" {
		t.Errorf("span 0.1 has id %s, want FNV-1a 4e18dd181d0a2066", s.SpanID)
	}
	if s := bySOFA[key{"0", ""}]; s != nil && s.SpanID != "af63ad4c86019caf" {
		t.Errorf("span 0 has id %s, want FNV-1a af63ad4c86019caf", s.SpanID)
	}
	// As stored, before Jaeger gives the server sides of the RPCs ids of
	// their own: a shared server span has its client's Zipkin id and
	// parent, as Zipkin's shared spans do.
	raw, err := getTraceQ(queryURL, traceID, "?raw=true")
	if err != nil || raw == nil {
		t.Fatalf("raw trace: %v", err)
	}
	shared := 0
	for i := range raw.Spans {
		s := &raw.Spans[i]
		if s.tag("span.kind") != "server" || s.service == "e2e-web" {
			continue
		}
		shared++
		sofaID := s.tag(zipkin.TagOriginSpanID)
		if want := zipkin.HashSpanID(sofaID).String(); s.SpanID != want || s.parent() != zipkin.HashSpanID(span.ParentOf(sofaID)).String() {
			t.Errorf("raw %s: want the shared id %s and the client's parent", s, want)
		}
	}
	if shared != 2 {
		t.Errorf("%d shared server spans as stored, want 2 (gRPC and Bolt)", shared)
	}
	// Tags.
	for _, c := range []struct {
		k      key
		tag, v string
	}{
		{key{"0.1", "client"}, "http.method", "GET"},
		{key{"0.1.1", "server"}, "http.status_code", "200"},
		{key{"0.1.1", "server"}, "component", "net/http"},
		{key{"0.1.1.1", "client"}, "component", "grpc"},
		{key{"0.1.1.1", "server"}, "result.code", "00"},
		{key{"0.1.1.1.1", "client"}, "protocol", "bolt"},
		{key{"0.1.1.1.1", "server"}, "method", "check"},
		{key{"0.1.1.1.1.1", ""}, "sku", "sku-1"},
	} {
		if s := bySOFA[c.k]; s != nil && s.tag(c.tag) != c.v {
			t.Errorf("%s: tag %s=%q, want %q", s, c.tag, s.tag(c.tag), c.v)
		}
	}
	// The remote endpoint of the Bolt client: remote.ip.
	if s := bySOFA[key{"0.1.1.1.1", "client"}]; s != nil {
		if host, port, _ := net.SplitHostPort(bl.Addr().String()); s.tag("net.peer.ip") != host || s.tag("net.peer.port") != port {
			t.Errorf("%s: remote endpoint %s:%s, want %s", s, s.tag("net.peer.ip"), s.tag("net.peer.port"), bl.Addr())
		}
	}
	// Durations: the local span slept, and Jaeger has what was measured.
	if s := bySOFA[key{"0.1.1.1.1.1", ""}]; s != nil {
		if s.Duration < work.Microseconds() || s.Duration > 10*work.Microseconds() {
			t.Errorf("%s: duration %dµs, slept %v", s, s.Duration, work)
		}
		if len(s.Logs) != 1 || len(s.Logs[0].Fields) == 0 || s.Logs[0].Fields[0].Value != "cache-miss" {
			t.Errorf("%s: logs %+v", s, s.Logs)
		}
	}

	// Alongside the digest logs: the same trace in every service's files.
	for _, path := range []string{
		trClient.Reporter().DigestPath(digest.HTTPClient, false),
		trWeb.Reporter().DigestPath(digest.HTTPServer, false),
		trWeb.Reporter().DigestPath(digest.RPCClient, false),
		trGRPC.Reporter().DigestPath(digest.RPCServer, false),
		trGRPC.Reporter().DigestPath(digest.RPCClient, false),
		trBolt.Reporter().DigestPath(digest.RPCServer, false),
	} {
		lines := digestLines(t, path)
		if len(lines) != 1 || lineTrace(lines[0]) != sofaTrace {
			t.Errorf("%s: %v, want one line of trace %s", path, lines, sofaTrace)
		}
	}
}
