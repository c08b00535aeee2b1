package grpctrace_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"
	"google.golang.org/grpc"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	"github.com/sofatracer/sofatracer-go/plugins/internal/logtest"
	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// The exact output of a traced unary call: the metadata pairs the server
// receives (besides gRPC's own) and the client's digest line, field by
// field in order, under a fixed clock.
func TestUnaryClientExactOutput(t *testing.T) {
	fixed := time.Date(2026, 11, 30, 1, 2, 3, 4e6, time.UTC)
	dir := t.TempDir()
	tr := logtest.NewTracer(t, "caller", tracer.WithClock(func() time.Time { return fixed }), tracer.WithLogDir(dir))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	type seen struct {
		md   metadata.MD
		peer string
	}
	calls := make(chan seen, 1)
	srv := grpc.NewServer(grpc.UnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		md, _ := metadata.FromIncomingContext(ctx)
		p, _ := peer.FromContext(ctx)
		calls <- seen{md, p.Addr.String()}
		return h(ctx, req)
	}))
	testgrpc.RegisterTestServiceServer(srv, &testService{})
	go srv.Serve(ln)
	t.Cleanup(srv.Stop)
	addr := ln.Addr().String()

	parent := tr.StartSpan("caller-op")
	parent.SetBaggageItem("user", "u1")
	ctx := opentracing.ContextWithSpan(timeout(t, 5*time.Second), parent)
	if _, err := dial(t, tr, addr).UnaryCall(ctx, &testgrpc.SimpleRequest{ResponseSize: 10}); err != nil {
		t.Fatal(err)
	}
	call := <-calls
	traceID := parent.Context().(*span.Context).TraceID

	got := map[string][]string{}
	for k, v := range call.md {
		switch k {
		case ":authority", "content-type", "user-agent", "grpc-timeout": // gRPC's own
		default:
			got[k] = v
		}
	}
	want := map[string][]string{
		"sofa-traceid": {traceID}, "sofa-rpcid": {"0.1"},
		"tri-trace-traceid": {traceID}, "tri-trace-rpcid": {"0.1"},
		"tri-trace-biz-baggage": {"user=u1&"}, "tri-trace-samp": {"true"},
		"tri-trace-current-app": {"caller"}, "tri-trace-invoke-type": {"sync"}, "tri-trace-protocol-type": {"grpc"},
	}
	if len(got) != len(want) {
		t.Errorf("metadata %v, want %v", got, want)
	}
	for k, v := range want {
		if !slices.Equal(got[k], v) {
			t.Errorf("metadata %q = %q, want %q", k, got[k], v)
		}
	}

	tr.Close()
	_, localPort, _ := net.SplitHostPort(call.peer)
	wantLine := [][2]string{
		{"timestamp", "2026-11-30 01:02:03.004"}, {"tracerId", traceID}, {"spanId", "0.1"}, {"span.kind", "client"},
		{"local.app", "caller"}, {"protocol", "grpc"}, {"service", "grpc.testing.TestService"}, {"method", "UnaryCall"},
		{"current.thread.name", "grpc-client"}, {"invoke.type", "sync"}, {"remote.ip", addr},
		{"local.client.ip", "127.0.0.1"}, {"result.code", "00"}, {"resp.size", "14"}, {"req.size", "2"},
		{"client.elapse.time", "0"}, {"local.client.port", localPort}, {"baggage", "user=u1&"},
	}
	if gotLine := digestFields(t, filepath.Join(dir, "rpc-client-digest.log")); !slices.Equal(gotLine, wantLine) {
		t.Errorf("digest line\n got %q\nwant %q", gotLine, wantLine)
	}
}

// digestFields returns the fields of the only line of a JSON digest file,
// in order, values as text.
func digestFields(t *testing.T, path string) [][2]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(b, []byte("\n")); n != 1 {
		t.Fatalf("%s: %d lines", path, n)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var fields [][2]string
	if _, err := dec.Token(); err != nil { // {
		t.Fatal(err)
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		v, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		fields = append(fields, [2]string{k.(string), fmt.Sprint(v)})
	}
	return fields
}
