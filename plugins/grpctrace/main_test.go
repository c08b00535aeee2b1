package grpctrace_test

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/status"

	"github.com/sofatracer/sofatracer-go/plugins/grpctrace"
	"github.com/sofatracer/sofatracer-go/span"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testService implements grpc.testing.TestService for the tests.
type testService struct {
	testgrpc.UnimplementedTestServiceServer
	spans chan *span.Span // the span in each handler's context, if buffered
}

func (s *testService) seen(ctx context.Context) {
	if s.spans != nil {
		s.spans <- span.FromContext(ctx)
	}
}

// UnaryCall answers ResponseSize bytes, or fails with ResponseStatus, or
// waits for the deadline when the payload says "wait".
func (s *testService) UnaryCall(ctx context.Context, req *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
	s.seen(ctx)
	if st := req.GetResponseStatus(); st != nil {
		return nil, status.Error(codes.Code(st.Code), st.Message)
	}
	if string(req.GetPayload().GetBody()) == "wait" {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return &testgrpc.SimpleResponse{Payload: &testgrpc.Payload{Body: make([]byte, req.ResponseSize)}}, nil
}

func (s *testService) StreamingOutputCall(req *testgrpc.StreamingOutputCallRequest, stream grpc.ServerStreamingServer[testgrpc.StreamingOutputCallResponse]) error {
	s.seen(stream.Context())
	for _, p := range req.ResponseParameters {
		if p.Size < 0 {
			<-stream.Context().Done()
			return stream.Context().Err()
		}
		if err := stream.Send(&testgrpc.StreamingOutputCallResponse{Payload: &testgrpc.Payload{Body: make([]byte, p.Size)}}); err != nil {
			return err
		}
	}
	return nil
}

func (s *testService) StreamingInputCall(stream grpc.ClientStreamingServer[testgrpc.StreamingInputCallRequest, testgrpc.StreamingInputCallResponse]) error {
	s.seen(stream.Context())
	total := 0
	for {
		m, err := stream.Recv()
		if err == io.EOF {
			return stream.SendAndClose(&testgrpc.StreamingInputCallResponse{AggregatedPayloadSize: int32(total)})
		}
		if err != nil {
			return err
		}
		total += len(m.GetPayload().GetBody())
	}
}

func (s *testService) FullDuplexCall(stream grpc.BidiStreamingServer[testgrpc.StreamingOutputCallRequest, testgrpc.StreamingOutputCallResponse]) error {
	s.seen(stream.Context())
	for {
		m, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if m.GetResponseStatus() != nil {
			return status.Error(codes.Code(m.GetResponseStatus().Code), m.GetResponseStatus().Message)
		}
		if err := stream.Send(&testgrpc.StreamingOutputCallResponse{Payload: m.GetPayload()}); err != nil {
			return err
		}
	}
}

// serve runs svc on 127.0.0.1 with tr's server interceptors (none when tr
// is nil) and returns the address; the server stops after the test.
func serve(t testing.TB, tr opentracing.Tracer, svc testgrpc.TestServiceServer) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var opts []grpc.ServerOption
	if tr != nil {
		opts = append(opts,
			grpc.ChainUnaryInterceptor(grpctrace.UnaryServerInterceptor(tr)),
			grpc.ChainStreamInterceptor(grpctrace.StreamServerInterceptor(tr)))
	}
	srv := grpc.NewServer(opts...)
	testgrpc.RegisterTestServiceServer(srv, svc)
	go srv.Serve(ln)
	t.Cleanup(srv.Stop)
	return ln.Addr().String()
}

// dial connects to addr with tr's client interceptors (none when tr is
// nil); the connection is closed after the test.
func dial(t testing.TB, tr opentracing.Tracer, addr string) testgrpc.TestServiceClient {
	t.Helper()
	opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	if tr != nil {
		opts = append(opts,
			grpc.WithChainUnaryInterceptor(grpctrace.UnaryClientInterceptor(tr)),
			grpc.WithChainStreamInterceptor(grpctrace.StreamClientInterceptor(tr)))
	}
	cc, err := grpc.NewClient(addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return testgrpc.NewTestServiceClient(cc)
}

func timeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
