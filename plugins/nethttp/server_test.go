package nethttp_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/plugins/internal/logtest"
	"github.com/sofatracer/sofatracer-go/plugins/nethttp"
	"github.com/sofatracer/sofatracer-go/span"
)

// A request through the traced transport to the traced server writes a
// client line "0" and a server line "0.1" of one trace, in the HttpClient
// and Spring MVC layouts, and one stat row each.
func TestClientAndServerLines(t *testing.T) {
	tr := logtest.NewTracer(t, "web")
	seen := make(chan string, 1)
	srv := newServer(t, tr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- span.SpanIDFromContext(r.Context())
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "hello")
	}))
	req := mustReq(t, "POST", srv.URL+"/orders/1?token=secret", strings.NewReader("0123456789"))
	req.Header.Set("X-Caller", "me")
	before := req.Header.Clone()
	if _, body := get(t, newClient(t, tr), req); body != "hello" {
		t.Fatalf("body %q", body)
	}
	if !reflect.DeepEqual(req.Header, before) {
		t.Errorf("the caller's request headers changed: %v", req.Header)
	}
	if id := <-seen; id != "0.1" {
		t.Errorf("span in the handler's context: %q, want 0.1", id)
	}
	logtest.WaitFinished(t, tr, 2)
	tr.Close()

	url := srv.URL + "/orders/1"
	c := logtest.One(t, "client", logtest.Digest(t, tr, digest.HTTPClient))
	s := logtest.One(t, "server", logtest.Digest(t, tr, digest.HTTPServer))
	logtest.Expect(t, "client", c, map[string]string{"local.app": "web", "spanId": "0", "span.kind": "client", "result.code": "200",
		"current.thread.name": "http-client", "request.url": url, "method": "POST", "req.size.bytes": "10", "resp.size.bytes": "5", "error": ""})
	logtest.Expect(t, "server", s, map[string]string{"local.app": "web", "traceId": c.S("traceId"), "spanId": "0.1", "span.kind": "server",
		"result.code": "200", "current.thread.name": "http-server", "request.url": url, "method": "POST",
		"req.size.bytes": "10", "resp.size.bytes": "5", "error": "", "biz.baggage": ""})
	key := map[string]string{"request.url": "/orders/1", "method": "POST", "success": "Y"} // no route: the path
	if n := logtest.Count(logtest.Stat(t, tr, digest.HTTPServer), key); n != 1 {
		t.Errorf("server stat count %d, want 1", n)
	}
	key["request.url"] = url
	if n := logtest.Count(logtest.Stat(t, tr, digest.HTTPClient), key); n != 1 {
		t.Errorf("client stat count %d, want 1", n)
	}
}

func TestQueryStringOptionAndOperationName(t *testing.T) {
	tr := logtest.NewTracer(t, "web")
	var names = make(chan string, 1)
	srv := newServer(t, tr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		names <- opentracing.SpanFromContext(r.Context()).(*span.Span).OperationName()
	}), nethttp.WithQueryString(true), nethttp.WithOperationName(func(r *http.Request) string { return "op " + r.URL.Path }))
	get(t, &http.Client{}, mustReq(t, "GET", srv.URL+"/a?b=c", nil))
	if n := <-names; n != "op /a" {
		t.Errorf("operation name %q", n)
	}
	logtest.WaitFinished(t, tr, 1)
	tr.Close()
	logtest.Expect(t, "server", logtest.One(t, "server", logtest.Digest(t, tr, digest.HTTPServer)),
		map[string]string{"request.url": srv.URL + "/a?b=c", "spanId": "0"})
}

func TestFilterSkipsRequests(t *testing.T) {
	tr := logtest.NewTracer(t, "web")
	srv := newServer(t, tr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if opentracing.SpanFromContext(r.Context()) != nil && r.URL.Path == "/health" {
			t.Error("health check traced")
		}
	}), nethttp.WithFilter(func(r *http.Request) bool { return r.URL.Path != "/health" }))
	get(t, &http.Client{}, mustReq(t, "GET", srv.URL+"/health", nil))
	get(t, &http.Client{}, mustReq(t, "GET", srv.URL+"/work", nil))
	logtest.WaitFinished(t, tr, 1)
	tr.Close()
	logtest.Expect(t, "server", logtest.One(t, "server", logtest.Digest(t, tr, digest.HTTPServer)),
		map[string]string{"request.url": srv.URL + "/work"})
}

// A panicking handler gives a 500 line with the panic in the error field;
// the panic reaches net/http (which drops the connection) and the server
// keeps serving.
func TestHandlerPanic(t *testing.T) {
	tr := logtest.NewTracer(t, "web")
	srv := newServer(t, tr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic("boom")
		}
		io.WriteString(w, "ok")
	}))
	c := newClient(t, tr)
	if resp, err := c.Get(srv.URL + "/panic"); err == nil {
		resp.Body.Close()
		t.Fatal("a panicking handler answered")
	}
	if _, body := get(t, c, mustReq(t, "GET", srv.URL+"/after", nil)); body != "ok" {
		t.Fatalf("server after panic answered %q", body)
	}
	logtest.WaitFinished(t, tr, 4)
	tr.Close()
	lines := logtest.Digest(t, tr, digest.HTTPServer)
	if len(lines) != 2 {
		t.Fatalf("%d server lines", len(lines))
	}
	for _, l := range lines {
		if strings.HasSuffix(l.S("request.url"), "/panic") {
			logtest.Expect(t, "panic", l, map[string]string{"result.code": "500", "error": "panic: boom"})
		} else {
			logtest.Expect(t, "after", l, map[string]string{"result.code": "200", "error": ""})
		}
	}
	if n := logtest.Count(logtest.Stat(t, tr, digest.HTTPServer), map[string]string{"success": "N"}); n != 1 {
		t.Errorf("failed stat count %d, want 1", n)
	}
	// The client got no response: result code -1.
	for _, l := range logtest.Digest(t, tr, digest.HTTPClient) {
		if strings.HasSuffix(l.S("request.url"), "/panic") {
			logtest.Expect(t, "client", l, map[string]string{"result.code": "-1"})
			if l.S("error") == "" {
				t.Error("client line without error")
			}
		}
	}
}

func TestServerError5xx(t *testing.T) {
	tr := logtest.NewTracer(t, "web")
	srv := newServer(t, tr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	resp, _ := get(t, newClient(t, tr), mustReq(t, "GET", srv.URL+"/x", nil))
	if resp.StatusCode != 503 {
		t.Fatal(resp.Status)
	}
	logtest.WaitFinished(t, tr, 2)
	tr.Close()
	want := map[string]string{"result.code": "503", "error": "HTTP 503 Service Unavailable"}
	logtest.Expect(t, "server", logtest.One(t, "server", logtest.Digest(t, tr, digest.HTTPServer)), want)
	logtest.Expect(t, "client", logtest.One(t, "client", logtest.Digest(t, tr, digest.HTTPClient)), want)
}

// The wrapped writer has exactly the optional interfaces of the writer it
// wraps, and Unwrap for http.ResponseController.
func TestResponseWriterInterfaces(t *testing.T) {
	tr := logtest.NewTracer(t, "web")
	type ifaces struct{ flusher, hijacker, readerFrom, pusher bool }
	check := func(w http.ResponseWriter) ifaces {
		_, f := w.(http.Flusher)
		_, h := w.(http.Hijacker)
		_, rf := w.(io.ReaderFrom)
		_, p := w.(http.Pusher)
		return ifaces{f, h, rf, p}
	}
	got := make(chan [2]ifaces, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner := w.(interface{ Unwrap() http.ResponseWriter }).Unwrap()
		got <- [2]ifaces{check(w), check(inner)}
		if r.URL.Path == "/hijack" {
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nraw")
			buf.Flush()
			return
		}
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Error(err)
		}
		io.Copy(w, strings.NewReader("via ReadFrom"))
	})
	srv := newServer(t, tr, h)
	get(t, &http.Client{}, mustReq(t, "GET", srv.URL+"/", nil))
	if g := <-got; g[0] != g[1] || !g[0].flusher || !g[0].hijacker || !g[0].readerFrom || g[0].pusher {
		t.Errorf("HTTP/1 server: wrapped %+v, inner %+v", g[0], g[1])
	}

	// Hijack reaches the connection: the client reads the raw response.
	if _, body := get(t, &http.Client{}, mustReq(t, "GET", srv.URL+"/hijack", nil)); body != "raw" {
		t.Errorf("hijacked response %q", body)
	}
	<-got

	rec := httptest.NewRecorder()
	nethttp.Middleware(tr, h).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if g := <-got; g[0] != g[1] || !g[0].flusher || g[0].hijacker || g[0].pusher {
		t.Errorf("recorder: wrapped %+v, inner %+v", g[0], g[1])
	}
	if rec.Body.String() != "via ReadFrom" {
		t.Errorf("recorder body %q", rec.Body.String())
	}
	logtest.WaitFinished(t, tr, 3)
	tr.Close()
	for _, l := range logtest.Digest(t, tr, digest.HTTPServer) {
		if !strings.HasSuffix(l.S("request.url"), "/hijack") {
			logtest.Expect(t, "server", l, map[string]string{"result.code": "200", "resp.size.bytes": "12"})
		}
	}
}
