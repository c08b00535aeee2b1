package otlp

import (
	"compress/gzip"
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// Sink modes.
const (
	sinkOK = iota
	sinkHang
	sinkFail
)

// sink is an OTLP collector on loopback (gRPC and HTTP) that keeps what
// it receives.
type sink struct {
	coltracepb.UnimplementedTraceServiceServer
	mu       sync.Mutex
	mode     int
	spans    []*tracepb.Span
	services []string
	requests int
	sizes    []int
}

func (s *sink) setMode(m int) { s.mu.Lock(); s.mode = m; s.mu.Unlock() }

func (s *sink) take(req *coltracepb.ExportTraceServiceRequest) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mode != sinkOK {
		return s.mode
	}
	s.requests++
	s.sizes = append(s.sizes, proto.Size(req))
	for _, rs := range req.ResourceSpans {
		svc := ""
		for _, a := range rs.Resource.GetAttributes() {
			if a.Key == "service.name" {
				svc = a.Value.GetStringValue()
			}
		}
		for _, ss := range rs.ScopeSpans {
			for _, sp := range ss.Spans {
				s.spans = append(s.spans, sp)
				s.services = append(s.services, svc)
			}
		}
	}
	return sinkOK
}

func (s *sink) Export(ctx context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	switch s.take(req) {
	case sinkHang:
		<-ctx.Done()
		return nil, ctx.Err()
	case sinkFail:
		return nil, status.Error(codes.InvalidArgument, "refused")
	}
	return &coltracepb.ExportTraceServiceResponse{}, nil
}

func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		body = zr
	}
	b, err := io.ReadAll(body)
	req := &coltracepb.ExportTraceServiceRequest{}
	if err != nil || r.URL.Path != "/v1/traces" || proto.Unmarshal(b, req) != nil {
		http.Error(w, "bad request", 400)
		return
	}
	switch s.take(req) {
	case sinkHang:
		<-r.Context().Done()
		return
	case sinkFail:
		http.Error(w, "collector error", 500)
		return
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Write(out)
}

func (s *sink) got() ([]*tracepb.Span, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*tracepb.Span(nil), s.spans...), s.requests
}

// startGRPCSink serves s over OTLP/gRPC on addr ("127.0.0.1:0" for any
// port) until the test ends.
func startGRPCSink(t testing.TB, s *sink, addr string) string {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	coltracepb.RegisterTraceServiceServer(srv, s)
	go srv.Serve(l)
	t.Cleanup(srv.Stop)
	return l.Addr().String()
}

func startHTTPSink(t testing.TB, s *sink) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}
