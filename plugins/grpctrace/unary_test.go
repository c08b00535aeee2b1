package grpctrace_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"
	"google.golang.org/grpc/codes"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/plugins/internal/logtest"
	"github.com/sofatracer/sofatracer-go/span"
)

// Client and server log the same SpanId (SOFARPC's shared span) in the
// SOFARPC layout, with service, method, remote app and address, sizes and
// result code; the handler's children continue from the shared id.
func TestUnaryClientAndServerShareSpanID(t *testing.T) {
	cliTr, srvTr := logtest.NewTracer(t, "caller"), logtest.NewTracer(t, "callee")
	svc := &testService{spans: make(chan *span.Span, 1)}
	addr := serve(t, srvTr, svc)
	client := dial(t, cliTr, addr)

	parent := cliTr.StartSpan("caller-op")
	ctx := opentracing.ContextWithSpan(timeout(t, 5*time.Second), parent)
	req := &testgrpc.SimpleRequest{ResponseSize: 100, Payload: &testgrpc.Payload{Body: []byte("hello")}}
	if _, err := client.UnaryCall(ctx, req); err != nil {
		t.Fatal(err)
	}
	parent.Finish()
	inHandler := <-svc.spans
	if child := srvTr.StartSpan("db", opentracing.ChildOf(inHandler.Context())); child.Context().(*span.Context).SpanID != "0.1.1" {
		t.Errorf("child of the server span: %q, want 0.1.1", child.Context().(*span.Context).SpanID)
	}
	logtest.WaitFinished(t, srvTr, 1)
	cliTr.Close()
	srvTr.Close()

	c := logtest.One(t, "client", logtest.Digest(t, cliTr, digest.RPCClient))
	s := logtest.One(t, "server", logtest.Digest(t, srvTr, digest.RPCServer))
	trace := parent.Context().(*span.Context).TraceID
	common := map[string]string{"tracerId": trace, "spanId": "0.1", "protocol": "grpc", "service": "grpc.testing.TestService",
		"method": "UnaryCall", "result.code": "00", "req.size": "11", "resp.size": "104", "baggage": ""}
	logtest.Expect(t, "client", c, common)
	logtest.Expect(t, "server", s, common)
	logtest.Expect(t, "client", c, map[string]string{"span.kind": "client", "local.app": "caller", "remote.ip": addr, "invoke.type": "sync",
		"current.thread.name": "grpc-client", "local.client.ip": "127.0.0.1"})
	logtest.Expect(t, "server", s, map[string]string{"span.kind": "server", "local.app": "callee", "remote.app": "caller",
		"remote.ip": "127.0.0.1:" + c.S("local.client.port"), "current.thread.name": "grpc-server"})
	key := map[string]string{"service": "grpc.testing.TestService", "method": "UnaryCall", "success": "Y"}
	if n := logtest.Count(logtest.Stat(t, srvTr, digest.RPCServer), key); n != 1 {
		t.Errorf("server stat count %d", n)
	}
	if n := logtest.Count(logtest.Stat(t, cliTr, digest.RPCClient), key); n != 1 {
		t.Errorf("client stat count %d", n)
	}
}

// Each failure has its SOFARPC result code and an error field on both
// sides, and the client keeps working.
func TestUnaryResultCodes(t *testing.T) {
	tr := logtest.NewTracer(t, "app")
	client := dial(t, tr, serve(t, tr, &testService{}))
	echo := func(c codes.Code) *testgrpc.SimpleRequest {
		return &testgrpc.SimpleRequest{ResponseStatus: &testgrpc.EchoStatus{Code: int32(c), Message: "echo " + c.String()}}
	}
	cases := []struct {
		name string
		call func() error
		code string
	}{
		{"ok", func() error {
			_, err := client.UnaryCall(timeout(t, 5*time.Second), &testgrpc.SimpleRequest{})
			return err
		}, "00"},
		{"application error", func() error { _, err := client.UnaryCall(timeout(t, 5*time.Second), echo(codes.NotFound)); return err }, "01"},
		{"unknown from handler", func() error { _, err := client.UnaryCall(timeout(t, 5*time.Second), echo(codes.Unknown)); return err }, "01"},
		{"framework error", func() error {
			_, err := client.UnaryCall(timeout(t, 5*time.Second), echo(codes.Unavailable))
			return err
		}, "02"},
		{"unimplemented", func() error { _, err := client.EmptyCall(timeout(t, 5*time.Second), &testgrpc.Empty{}); return err }, "02"},
		{"deadline", func() error {
			_, err := client.UnaryCall(timeout(t, 50*time.Millisecond), &testgrpc.SimpleRequest{Payload: &testgrpc.Payload{Body: []byte("wait")}})
			return err
		}, "03"},
	}
	for _, tc := range cases {
		if err := tc.call(); (err == nil) != (tc.code == "00") {
			t.Errorf("%s: err %v", tc.name, err)
		}
	}
	logtest.WaitFinished(t, tr, int64(2*len(cases)))
	tr.Close()
	for _, file := range []*digest.Layout{digest.RPCClient, digest.RPCServer} {
		lines := logtest.Digest(t, tr, file)
		if len(lines) != len(cases) {
			t.Fatalf("%s: %d lines", file.Name, len(lines))
		}
		counts := map[string]int{}
		for _, l := range lines {
			code := l.S("result.code")
			counts[code]++
			if (code == "00") != (l.S("error") == "") {
				t.Errorf("%s: result %s with error %q", file.Name, code, l.S("error"))
			}
		}
		if counts["00"] != 1 || counts["01"] != 2 || counts["02"] != 2 || counts["03"] != 1 {
			t.Errorf("%s: result codes %v", file.Name, counts)
		}
		if n := logtest.Count(logtest.Stat(t, tr, file), map[string]string{"success": "N"}); n != len(cases)-1 {
			t.Errorf("%s: %d failures in stat", file.Name, n)
		}
	}
}

// A server that is not listening gives Unavailable: result code 02, the
// target as remote.ip.
func TestUnaryUnavailable(t *testing.T) {
	tr := logtest.NewTracer(t, "app")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = dial(t, tr, addr).UnaryCall(timeout(t, 5*time.Second), &testgrpc.SimpleRequest{})
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("err %v", err)
	}
	tr.Close()
	l := logtest.One(t, "client", logtest.Digest(t, tr, digest.RPCClient))
	logtest.Expect(t, "client", l, map[string]string{"result.code": "02", "remote.ip": addr})
	if !strings.HasPrefix(l.S("error"), "Unavailable: ") {
		t.Errorf("error %q", l.S("error"))
	}
}

// Baggage crosses the call even when it is not printable ASCII, which
// gRPC metadata refuses: it travels %XX-encoded and arrives intact.
func TestBaggageNonASCII(t *testing.T) {
	tr := logtest.NewTracer(t, "app")
	svc := &testService{spans: make(chan *span.Span, 1)}
	client := dial(t, tr, serve(t, tr, svc))
	parent := tr.StartSpan("top")
	const odd = "张三\r\n{\"x\":\"%41&=\"}"
	parent.SetBaggageItem("user", odd)
	ctx := opentracing.ContextWithSpan(timeout(t, 5*time.Second), parent)
	if _, err := client.UnaryCall(ctx, &testgrpc.SimpleRequest{}); err != nil {
		t.Fatal(err)
	}
	if got := (<-svc.spans).BaggageItem("user"); got != odd {
		t.Errorf("baggage arrived as %q, want %q", got, odd)
	}
	logtest.WaitFinished(t, tr, 2)
	tr.Close()
	want := "user=" + strings.NewReplacer("%", "%25", "&", "%26", "=", "%3D").Replace(odd) + "&"
	logtest.Expect(t, "server", logtest.One(t, "server", logtest.Digest(t, tr, digest.RPCServer)), map[string]string{"baggage": want})
}

// A proxy that forwards its incoming metadata as outgoing must not make
// the next hop join the stale trace.
func TestStaleOutgoingMetadataIsReplaced(t *testing.T) {
	tr := logtest.NewTracer(t, "app")
	svc := &testService{spans: make(chan *span.Span, 1)}
	client := dial(t, tr, serve(t, tr, svc))
	stale := metadata.Pairs("sofa-traceid", "0a0b0c0d1700000000000100012345", "sofa-rpcid", "0.9",
		"tri-trace-traceid", "0a0b0c0d1700000000000100012345", "tri-trace-rpcid", "0.9", "tri-trace-biz-baggage", "old=1&", "x-other", "kept")
	ctx := metadata.NewOutgoingContext(timeout(t, 5*time.Second), stale)
	if _, err := client.UnaryCall(ctx, &testgrpc.SimpleRequest{}); err != nil {
		t.Fatal(err)
	}
	got := <-svc.spans
	if got.Ctx.TraceID == "0a0b0c0d1700000000000100012345" || got.Ctx.SpanID != "0" || got.BaggageItem("old") != "" {
		t.Errorf("server joined the stale context: %s %s %v", got.Ctx.TraceID, got.Ctx.SpanID, got.Ctx.Baggage().Biz)
	}
}

// Any OpenTracing tracer works: the mock tracer does not know the Triple
// format, so its context travels as HTTP headers in the metadata.
func TestWithMockTracer(t *testing.T) {
	tr := mocktracer.New()
	client := dial(t, tr, serve(t, tr, &testService{}))
	if _, err := client.UnaryCall(timeout(t, 5*time.Second), &testgrpc.SimpleRequest{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(tr.FinishedSpans()) < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	spans := tr.FinishedSpans()
	if len(spans) != 2 {
		t.Fatalf("%d spans", len(spans))
	}
	var client0, server *mocktracer.MockSpan
	for _, s := range spans {
		if s.Tag(span.TagSpanKind) == span.KindServer {
			server = s
		} else {
			client0 = s
		}
	}
	if client0 == nil || server == nil || server.SpanContext.TraceID != client0.SpanContext.TraceID || server.ParentID != client0.SpanContext.SpanID {
		t.Fatalf("client %v server %v", client0, server)
	}
	if server.Tag(span.TagService) != "grpc.testing.TestService" || server.Tag(span.TagResultCode) != "00" {
		t.Errorf("server tags %v", server.Tags())
	}
}
