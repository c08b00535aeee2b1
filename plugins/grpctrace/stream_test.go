package grpctrace_test

import (
	"context"
	"io"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/status"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/plugins/internal/logtest"
	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// lineFor returns the one line of method in lines.
func lineFor(t *testing.T, lines []logtest.Line, method string) logtest.Line {
	t.Helper()
	var found []logtest.Line
	for _, l := range lines {
		if l.S("method") == method {
			found = append(found, l)
		}
	}
	return logtest.One(t, method, found)
}

func finishedBy(t *testing.T, tr *tracer.Tracer, n int64) {
	t.Helper()
	if got := tr.Stats().Finished; got != n {
		t.Fatalf("%d spans finished, want %d", got, n)
	}
}

// Stream spans cover the whole stream and count its messages; client
// spans end at io.EOF (server and bidi streaming) or with the single
// response (client streaming).
func TestStreams(t *testing.T) {
	cliTr, srvTr := logtest.NewTracer(t, "caller"), logtest.NewTracer(t, "callee")
	svc := &testService{spans: make(chan *span.Span, 3)}
	client := dial(t, cliTr, serve(t, srvTr, svc))
	ctx := timeout(t, 5*time.Second)

	// Server streaming: 3 responses, then io.EOF.
	out, err := client.StreamingOutputCall(ctx, &testgrpc.StreamingOutputCallRequest{
		ResponseParameters: []*testgrpc.ResponseParameters{{Size: 10}, {Size: 20}, {Size: 30}}})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := out.Recv(); err != nil {
			t.Fatal(err)
		}
	}
	finishedBy(t, cliTr, 0)
	if _, err := out.Recv(); err != io.EOF {
		t.Fatal(err)
	}
	finishedBy(t, cliTr, 1)

	// Client streaming: 4 requests, one response.
	in, err := client.StreamingInputCall(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 4 {
		if err := in.Send(&testgrpc.StreamingInputCallRequest{Payload: &testgrpc.Payload{Body: []byte("abc")}}); err != nil {
			t.Fatal(err)
		}
	}
	if resp, err := in.CloseAndRecv(); err != nil || resp.AggregatedPayloadSize != 12 {
		t.Fatal(resp, err)
	}
	finishedBy(t, cliTr, 2)

	// Bidi: 2 echoes, CloseSend, io.EOF.
	bidi, err := client.FullDuplexCall(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		bidi.Send(&testgrpc.StreamingOutputCallRequest{Payload: &testgrpc.Payload{Body: []byte("x")}})
		if _, err := bidi.Recv(); err != nil {
			t.Fatal(err)
		}
	}
	bidi.CloseSend()
	if _, err := bidi.Recv(); err != io.EOF {
		t.Fatal(err)
	}
	finishedBy(t, cliTr, 3)
	for range 3 {
		if sp := <-svc.spans; sp == nil || sp.Ctx.SpanID != "0" {
			t.Errorf("span in the stream handler's context: %v", sp)
		}
	}
	logtest.WaitFinished(t, srvTr, 3)
	cliTr.Close()
	srvTr.Close()

	cl, sl := logtest.Digest(t, cliTr, digest.RPCClient), logtest.Digest(t, srvTr, digest.RPCServer)
	for _, c := range []struct {
		method                  string
		sent, recv, req, resp   string
		srvSent, srvRecv, srvRq string
	}{
		{"StreamingOutputCall", "1", "3", "12", "72", "3", "1", "12"},
		{"StreamingInputCall", "4", "1", "28", "2", "1", "4", "28"},
		{"FullDuplexCall", "2", "2", "10", "10", "2", "2", "10"},
	} {
		cline, sline := lineFor(t, cl, c.method), lineFor(t, sl, c.method)
		logtest.Expect(t, "client "+c.method, cline, map[string]string{"result.code": "00", "invoke.type": "stream", "spanId": "0",
			"rpc.messages.sent": c.sent, "rpc.messages.received": c.recv, "req.size": c.req, "resp.size": c.resp})
		logtest.Expect(t, "server "+c.method, sline, map[string]string{"result.code": "00", "tracerId": cline.S("tracerId"), "spanId": "0",
			"rpc.messages.sent": c.srvSent, "rpc.messages.received": c.srvRecv, "req.size": c.srvRq, "remote.app": "caller"})
	}
}

// A caller that stops reading and cancels its context still gets its
// span finished (context.AfterFunc), as Canceled; a deadline gives 03 on
// both sides; a handler error gives its code.
func TestStreamEndings(t *testing.T) {
	tr := logtest.NewTracer(t, "app")
	client := dial(t, tr, serve(t, tr, &testService{}))

	ctx, cancel := context.WithCancel(context.Background())
	out, err := client.StreamingOutputCall(ctx, &testgrpc.StreamingOutputCallRequest{
		ResponseParameters: []*testgrpc.ResponseParameters{{Size: 1}, {Size: -1}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := out.Recv(); err != nil {
		t.Fatal(err)
	}
	cancel() // no further Recv
	logtest.WaitFinished(t, tr, 2)

	dctx := timeout(t, 100*time.Millisecond)
	bidi, err := client.FullDuplexCall(dctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bidi.Recv(); status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("err %v", err)
	}

	bidi, err = client.FullDuplexCall(timeout(t, 5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	bidi.Send(&testgrpc.StreamingOutputCallRequest{ResponseStatus: &testgrpc.EchoStatus{Code: int32(codes.PermissionDenied), Message: "no"}})
	if _, err := bidi.Recv(); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("err %v", err)
	}
	logtest.WaitFinished(t, tr, 6)
	tr.Close()

	for _, file := range []*digest.Layout{digest.RPCClient, digest.RPCServer} {
		lines := logtest.Digest(t, tr, file)
		out := lineFor(t, lines, "StreamingOutputCall")
		logtest.Expect(t, file.Name, out, map[string]string{"result.code": "02"})
		if file == digest.RPCClient {
			logtest.Expect(t, file.Name, out, map[string]string{"error": "Canceled: context canceled", "rpc.messages.received": "1"})
		}
		codes := map[string]int{}
		for _, l := range lines {
			if l.S("method") == "FullDuplexCall" {
				codes[l.S("result.code")]++
				if l.S("error") == "" {
					t.Errorf("%s: no error field: %v", file.Name, l)
				}
			}
		}
		if codes["03"] != 1 || codes["01"] != 1 {
			t.Errorf("%s: FullDuplexCall result codes %v", file.Name, codes)
		}
	}
}
