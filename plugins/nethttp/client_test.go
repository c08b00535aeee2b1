package nethttp_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/plugins/internal/logtest"
	"github.com/sofatracer/sofatracer-go/plugins/nethttp"
	"github.com/sofatracer/sofatracer-go/span"
)

// The client span is a child of the span in the request's context; the
// server span a child of the client span.
func TestClientIsChildOfContextSpan(t *testing.T) {
	tr := logtest.NewTracer(t, "web")
	srv := newServer(t, tr, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	parent := tr.StartSpan("parent")
	req := mustReq(t, "GET", srv.URL, nil).WithContext(opentracing.ContextWithSpan(context.Background(), parent))
	get(t, newClient(t, tr), req)
	parent.Finish()
	logtest.WaitFinished(t, tr, 3)
	tr.Close()
	c := logtest.One(t, "client", logtest.Digest(t, tr, digest.HTTPClient))
	s := logtest.One(t, "server", logtest.Digest(t, tr, digest.HTTPServer))
	trace := parent.Context().(*span.Context).TraceID
	logtest.Expect(t, "client", c, map[string]string{"traceId": trace, "spanId": "0.1"})
	logtest.Expect(t, "server", s, map[string]string{"traceId": trace, "spanId": "0.1.1"})
}

// The client span ends when the body is closed or read to its end, and
// counts the bytes the caller read.
func TestClientSpanEndsWithBody(t *testing.T) {
	srvTr, tr := logtest.NewTracer(t, "server"), logtest.NewTracer(t, "client")
	srv := newServer(t, srvTr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("x", 1000))
	}))
	c := newClient(t, tr)

	resp, err := c.Get(srv.URL + "/partial")
	if err != nil {
		t.Fatal(err)
	}
	if n := tr.Stats().Finished; n != 0 {
		t.Fatalf("%d spans finished before the body was read", n)
	}
	io.ReadFull(resp.Body, make([]byte, 10))
	resp.Body.Close()
	if n := tr.Stats().Finished; n != 1 {
		t.Fatalf("%d spans finished after Close", n)
	}

	resp, err = c.Get(srv.URL + "/full")
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body)
	if n := tr.Stats().Finished; n != 2 {
		t.Fatalf("%d spans finished after EOF", n)
	}
	resp.Body.Close()
	tr.Close()
	for _, l := range logtest.Digest(t, tr, digest.HTTPClient) {
		want := "1000"
		if strings.HasSuffix(l.S("request.url"), "/partial") {
			want = "10"
		}
		logtest.Expect(t, "client", l, map[string]string{"resp.size.bytes": want, "result.code": "200"})
	}
}

// A request body of unknown length is counted as it is sent, on both
// sides.
func TestChunkedRequestSize(t *testing.T) {
	tr := logtest.NewTracer(t, "web")
	srv := newServer(t, tr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	body := io.MultiReader(strings.NewReader("01234"), strings.NewReader("56789"))
	req := mustReq(t, "PUT", srv.URL, body)
	get(t, newClient(t, tr), req)
	logtest.WaitFinished(t, tr, 2)
	tr.Close()
	logtest.Expect(t, "client", logtest.One(t, "client", logtest.Digest(t, tr, digest.HTTPClient)), map[string]string{"req.size.bytes": "10"})
	logtest.Expect(t, "server", logtest.One(t, "server", logtest.Digest(t, tr, digest.HTTPServer)), map[string]string{"req.size.bytes": "10"})
}

// A timed-out request has result code -1 and a "timeout: " error.
func TestClientTimeout(t *testing.T) {
	tr := logtest.NewTracer(t, "web")
	srv := newServer(t, tr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	c := newClient(t, tr)
	c.Timeout = 50 * time.Millisecond
	if resp, err := c.Get(srv.URL + "/slow"); err == nil {
		resp.Body.Close()
		t.Fatal("no timeout")
	}
	srv.Close() // waits for the handler
	logtest.WaitFinished(t, tr, 2)
	tr.Close()
	l := logtest.One(t, "client", logtest.Digest(t, tr, digest.HTTPClient))
	logtest.Expect(t, "client", l, map[string]string{"result.code": "-1", "resp.size.bytes": "0"})
	if !strings.HasPrefix(l.S("error"), "timeout: ") {
		t.Errorf("error %q", l.S("error"))
	}
	if n := logtest.Count(logtest.Stat(t, tr, digest.HTTPClient), map[string]string{"success": "N"}); n != 1 {
		t.Errorf("failed client stat count %d", n)
	}
}

func TestClientConnectionRefused(t *testing.T) {
	tr := logtest.NewTracer(t, "web")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	if resp, err := newClient(t, tr).Get("http://" + addr + "/x"); err == nil {
		resp.Body.Close()
		t.Fatal("connected to a closed port")
	}
	tr.Close()
	l := logtest.One(t, "client", logtest.Digest(t, tr, digest.HTTPClient))
	logtest.Expect(t, "client", l, map[string]string{"result.code": "-1", "request.url": "http://" + addr + "/x"})
	if !strings.Contains(l.S("error"), "connection refused") {
		t.Errorf("error %q", l.S("error"))
	}
}

// WithInjectFormats adds formats: here the sftc_head header besides the
// X-B3 ones.
func TestInjectFormats(t *testing.T) {
	tr := logtest.NewTracer(t, "web")
	hdr := make(chan http.Header, 1)
	srv := newServer(t, tr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hdr <- r.Header }))
	get(t, newClient(t, tr, nethttp.WithInjectFormats(opentracing.HTTPHeaders, opentracing.TextMap)), mustReq(t, "GET", srv.URL, nil))
	h := <-hdr
	if !strings.HasPrefix(h.Get("sftc_head"), "tcid=") || h.Get("X-B3-SpanId") != "0" {
		t.Errorf("headers %v", h)
	}
}

// Any OpenTracing tracer works: with the mock tracer the server span is a
// child of the client span and carries the standard tags.
func TestWithMockTracer(t *testing.T) {
	tr := mocktracer.New()
	srv := newServer(t, tr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(201) }))
	get(t, newClient(t, tr), mustReq(t, "GET", srv.URL+"/m", nil))
	srv.Close()
	spans := tr.FinishedSpans()
	if len(spans) != 2 {
		t.Fatalf("%d spans", len(spans))
	}
	var client, server *mocktracer.MockSpan
	for _, s := range spans {
		if s.Tag(span.TagSpanKind) == span.KindServer {
			server = s
		} else {
			client = s
		}
	}
	if client == nil || server == nil || server.ParentID != client.SpanContext.SpanID || server.SpanContext.TraceID != client.SpanContext.TraceID {
		t.Fatalf("client %v server %v", client, server)
	}
	if server.Tag(span.TagHTTPStatusCode) != 201 || server.Tag(span.TagComponent) != "net/http" || server.Tag(span.TagHTTPURL) != srv.URL+"/m" {
		t.Errorf("server tags %v", server.Tags())
	}
}
