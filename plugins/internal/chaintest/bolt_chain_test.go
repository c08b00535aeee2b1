package chaintest

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/plugins/bolt"
	"github.com/sofatracer/sofatracer-go/plugins/grpctrace"
	"github.com/sofatracer/sofatracer-go/plugins/internal/logtest"
	"github.com/sofatracer/sofatracer-go/plugins/nethttp"
	"github.com/sofatracer/sofatracer-go/tracer"
)

type servingHealth struct {
	healthpb.UnimplementedHealthServer
}

func (servingHealth) Check(context.Context, *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

// TestHTTPBoltGRPCChain: caller --HTTP--> web --Bolt--> svc --gRPC--> db,
// each with its own tracer: one TraceId in every digest file, span ids
// by the conventions (HTTP server child, RPC servers shared).
func TestHTTPBoltGRPCChain(t *testing.T) {
	caller, web, svc, db := logtest.NewTracer(t, "caller"), logtest.NewTracer(t, "web"), logtest.NewTracer(t, "svc"), logtest.NewTracer(t, "db")

	// db: gRPC server.
	gl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer(grpc.UnaryInterceptor(grpctrace.UnaryServerInterceptor(db)))
	healthpb.RegisterHealthServer(gs, servingHealth{})
	go gs.Serve(gl)
	t.Cleanup(gs.Stop)

	// svc: Bolt server that calls db over gRPC.
	cc, err := grpc.NewClient(gl.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithUnaryInterceptor(grpctrace.UnaryClientInterceptor(svc)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	health := healthpb.NewHealthClient(cc)
	bl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	bs := bolt.NewServer(bolt.HandlerFunc(func(ctx context.Context, req *bolt.Request) (*bolt.Response, error) {
		r, err := health.Check(ctx, &healthpb.HealthCheckRequest{})
		if err != nil {
			return nil, err
		}
		return &bolt.Response{Content: []byte(r.Status.String())}, nil
	}), bolt.WithTracer(svc))
	go bs.Serve(bl)
	t.Cleanup(func() { bs.Shutdown(context.Background()) })

	// web: HTTP server that calls svc over Bolt.
	bc, err := bolt.Dial(context.Background(), bl.Addr().String(), bolt.WithTracer(web))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bc.Close() })
	front := httpServer(t, nethttp.Middleware(web, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := bc.Call(r.Context(), &bolt.Request{Service: "com.example.Svc:1.0", Method: "check"})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.Write(resp.Content)
	})))

	resp, err := tracedClient(t, caller).Get(front.URL + "/web")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "SERVING" {
		t.Fatalf("web answered %q", body)
	}
	for tr, n := range map[*tracer.Tracer]int64{caller: 1, web: 2, svc: 2, db: 1} {
		logtest.WaitFinished(t, tr, n)
		tr.Close()
	}

	want := []struct {
		tr     *tracer.Tracer
		layout *digest.Layout
		spanID string
		proto  string
	}{
		{caller, digest.HTTPClient, "0", ""},
		{web, digest.HTTPServer, "0.1", ""},
		{web, digest.RPCClient, "0.1.1", "bolt"},
		{svc, digest.RPCServer, "0.1.1", "bolt"},
		{svc, digest.RPCClient, "0.1.1.1", "grpc"},
		{db, digest.RPCServer, "0.1.1.1", "grpc"},
	}
	traceID := ""
	for _, w := range want {
		lines := logtest.Digest(t, w.tr, w.layout)
		if len(lines) != 1 {
			t.Fatalf("%s %s: %d lines", w.tr.AppName(), w.layout.DigestFile(), len(lines))
		}
		l := lines[0]
		id := l.S("traceId") + l.S("tracerId")
		if traceID == "" {
			traceID = id
		}
		if id != traceID || l.S("spanId") != w.spanID || (w.proto != "" && l.S("protocol") != w.proto) {
			t.Errorf("%s %s: trace %s span %s protocol %s; want trace %s span %s protocol %s",
				w.tr.AppName(), w.layout.DigestFile(), id, l.S("spanId"), l.S("protocol"), traceID, w.spanID, w.proto)
		}
		if n := logtest.Count(logtest.Stat(t, w.tr, w.layout), nil); n != 1 {
			t.Errorf("%s %s: stat count %d", w.tr.AppName(), w.layout.StatFile(), n)
		}
	}
}
