package grpctrace_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/plugins/grpctrace"
	"github.com/sofatracer/sofatracer-go/plugins/internal/logtest"
	"github.com/sofatracer/sofatracer-go/tracer"
)

const goodTrace = "0a0b0c0d1700000000000100012345"

func corrupted(tr *tracer.Tracer) int64 {
	var n int64
	for _, v := range tr.Stats().Corrupted {
		n += v
	}
	return n
}

// Metadata whose context cannot be trusted starts a new trace (new
// TraceId, SpanId "0"), is counted as corrupted, and every line parses.
func TestMalformedMetadataStartsNewTrace(t *testing.T) {
	tr := logtest.NewTracer(t, "callee")
	client := dial(t, nil, serve(t, tr, &testService{}))
	sent := [][]string{
		{"sofa-traceid", `abc"x`, "sofa-rpcid", "0.1"},
		{"sofa-traceid", goodTrace, "sofa-rpcid", "0.1,2"},
		{"tri-trace-traceid", strings.Repeat("a", 600), "tri-trace-rpcid", "0"},
		{"sofa-traceid", goodTrace, "sofa-rpcid", "0", "tri-trace-biz-baggage", "k=" + strings.Repeat("b", 64<<10) + "&"},
		{"sofa-traceid", "a%0D%0Ab", "sofa-rpcid", "0"},
		{"x-b3-traceid", "a,b", "x-b3-spanid", "0"}, // the HTTP-headers fallback
		{"sofa-traceid", goodTrace, "sofa-rpcid", `0.1"}`},
	}
	for _, kv := range sent {
		ctx := metadata.AppendToOutgoingContext(timeout(t, 5*time.Second), kv...)
		if _, err := client.UnaryCall(ctx, &testgrpc.SimpleRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	// Values gRPC clients refuse to send: call the interceptor directly.
	raw := []metadata.MD{
		{"sofa-traceid": {"abc\r\nx-evil: 1"}, "sofa-rpcid": {"0"}},
		{"sofa-traceid": {goodTrace}, "sofa-rpcid": {"0.1\n"}},
	}
	intercept := grpctrace.UnaryServerInterceptor(tr)
	info := &grpc.UnaryServerInfo{FullMethod: "/grpc.testing.TestService/UnaryCall"}
	for _, md := range raw {
		intercept(metadata.NewIncomingContext(context.Background(), md), &testgrpc.SimpleRequest{}, info,
			func(ctx context.Context, req any) (any, error) { return &testgrpc.SimpleResponse{}, nil })
	}
	n := len(sent) + len(raw)
	logtest.WaitFinished(t, tr, int64(n))
	if got := corrupted(tr); got != int64(n) {
		t.Errorf("corrupted %d, want %d: %v", got, n, tr.Stats().Corrupted)
	}
	tr.Close()
	lines := logtest.Digest(t, tr, digest.RPCServer)
	if len(lines) != n {
		t.Fatalf("%d lines, want %d", len(lines), n)
	}
	for _, l := range lines {
		if l.S("spanId") != "0" || l.S("tracerId") == goodTrace || len(l.S("tracerId")) < 20 {
			t.Errorf("joined a bad context: %v", l)
		}
	}
}

// Raw CR/LF in incoming baggage is kept as data and escaped in the line.
func TestRawBaggageIsEscaped(t *testing.T) {
	tr := logtest.NewTracer(t, "callee")
	md := metadata.MD{"sofa-traceid": {goodTrace}, "sofa-rpcid": {"0.2"}, "tri-trace-biz-baggage": {"k=v\r\n\"}&"}}
	grpctrace.UnaryServerInterceptor(tr)(metadata.NewIncomingContext(context.Background(), md), nil,
		&grpc.UnaryServerInfo{FullMethod: "/s.S/M"}, func(ctx context.Context, req any) (any, error) { return nil, nil })
	tr.Close()
	logtest.Expect(t, "server", logtest.One(t, "server", logtest.Digest(t, tr, digest.RPCServer)),
		map[string]string{"tracerId": goodTrace, "spanId": "0.2", "baggage": "k=v\r\n\"}&", "service": "s.S", "method": "M"})
}

// fakeStream is a ServerStream for calling the stream interceptor
// directly.
type fakeStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (f fakeStream) Context() context.Context { return f.ctx }

// A panicking handler is recorded (02, Internal) and the panic goes on.
func TestHandlerPanic(t *testing.T) {
	tr := logtest.NewTracer(t, "callee")
	mustPanic := func(f func()) {
		defer func() {
			if recover() == nil {
				t.Error("the panic was swallowed")
			}
		}()
		f()
	}
	mustPanic(func() {
		grpctrace.UnaryServerInterceptor(tr)(context.Background(), nil, &grpc.UnaryServerInfo{FullMethod: "/s.S/Unary"},
			func(context.Context, any) (any, error) { panic("boom") })
	})
	mustPanic(func() {
		grpctrace.StreamServerInterceptor(tr)(nil, fakeStream{ctx: context.Background()}, &grpc.StreamServerInfo{FullMethod: "/s.S/Stream"},
			func(any, grpc.ServerStream) error { panic("bang") })
	})
	tr.Close()
	lines := logtest.Digest(t, tr, digest.RPCServer)
	logtest.Expect(t, "unary", lineFor(t, lines, "Unary"), map[string]string{"result.code": "02", "error": "Internal: panic: boom"})
	logtest.Expect(t, "stream", lineFor(t, lines, "Stream"), map[string]string{"result.code": "02", "error": "Internal: panic: bang"})
}
