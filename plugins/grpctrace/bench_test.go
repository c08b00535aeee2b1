package grpctrace_test

import (
	"context"
	"testing"

	"github.com/opentracing/opentracing-go"
	"google.golang.org/grpc"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"

	"github.com/sofatracer/sofatracer-go/plugins/grpctrace"
	"github.com/sofatracer/sofatracer-go/plugins/internal/logtest"
	"github.com/sofatracer/sofatracer-go/propagation"
)

// BenchmarkUnaryServer compares a handler called alone with the same
// handler behind UnaryServerInterceptor (no-op tracer; SOFATracer for a
// call without and with a caller's Triple metadata).
func BenchmarkUnaryServer(b *testing.B) {
	tr := logtest.NewTracer(b, "bench")
	req := &testgrpc.SimpleRequest{Payload: &testgrpc.Payload{Body: []byte("hello")}}
	resp := &testgrpc.SimpleResponse{Payload: &testgrpc.Payload{Body: []byte("world")}}
	handler := func(ctx context.Context, req any) (any, error) { return resp, nil }
	info := &grpc.UnaryServerInfo{FullMethod: "/grpc.testing.TestService/UnaryCall"}
	plain := metadata.NewIncomingContext(context.Background(), metadata.Pairs(":authority", "127.0.0.1:1", "content-type", "application/grpc", "user-agent", "grpc-go"))
	md := metadata.Pairs(":authority", "127.0.0.1:1", "content-type", "application/grpc", "user-agent", "grpc-go", "tri-trace-current-app", "caller")
	sp := tr.StartSpan("caller")
	carrier := opentracing.TextMapCarrier{} // metadata.MD is not a TextMapWriter
	if err := tr.Inject(sp.Context(), propagation.Triple, carrier); err != nil {
		b.Fatal(err)
	}
	for k, v := range carrier {
		md.Set(k, v)
	}
	joined := metadata.NewIncomingContext(context.Background(), md)
	bare := grpc.UnaryServerInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		return h(ctx, req)
	})
	for _, bc := range []struct {
		name string
		ic   grpc.UnaryServerInterceptor
		ctx  context.Context
	}{
		{"bare", bare, plain},
		{"noop-tracer", grpctrace.UnaryServerInterceptor(opentracing.NoopTracer{}), plain},
		{"traced-root", grpctrace.UnaryServerInterceptor(tr), plain},
		{"traced-joined", grpctrace.UnaryServerInterceptor(tr), joined},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bc.ic(bc.ctx, req, info, handler)
			}
		})
	}
}

// BenchmarkUnaryClient compares an invoker called alone with the same
// invoker behind UnaryClientInterceptor; the invoker answers from memory.
func BenchmarkUnaryClient(b *testing.B) {
	tr := logtest.NewTracer(b, "bench")
	req := &testgrpc.SimpleRequest{Payload: &testgrpc.Payload{Body: []byte("hello")}}
	reply := &testgrpc.SimpleResponse{}
	invoker := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, opts ...grpc.CallOption) error {
		return nil
	}
	bare := grpc.UnaryClientInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, inv grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		return inv(ctx, method, req, reply, cc, opts...)
	})
	parent := tr.StartSpan("parent")
	inTrace := opentracing.ContextWithSpan(context.Background(), parent)
	for _, bc := range []struct {
		name string
		ic   grpc.UnaryClientInterceptor
		ctx  context.Context
	}{
		{"bare", bare, context.Background()},
		{"noop-tracer", grpctrace.UnaryClientInterceptor(opentracing.NoopTracer{}), context.Background()},
		{"traced-root", grpctrace.UnaryClientInterceptor(tr), context.Background()},
		{"traced-child", grpctrace.UnaryClientInterceptor(tr), inTrace},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bc.ic(bc.ctx, "/grpc.testing.TestService/UnaryCall", req, reply, nil, invoker)
			}
		})
	}
}
