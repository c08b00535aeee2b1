package nethttp_test

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/opentracing/opentracing-go"
	"go.uber.org/goleak"

	"github.com/sofatracer/sofatracer-go/plugins/nethttp"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newServer serves h, traced by tr, on 127.0.0.1 and closes it after the
// test.
func newServer(t testing.TB, tr opentracing.Tracer, h http.Handler, opts ...nethttp.Option) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(nethttp.Middleware(tr, h, opts...))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handler panics are expected
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// newClient returns a client whose transport is traced by tr and owns its
// connections, closed after the test.
func newClient(t testing.TB, tr opentracing.Tracer, opts ...nethttp.Option) *http.Client {
	t.Helper()
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	return &http.Client{Transport: nethttp.NewTransport(tr, base, opts...)}
}

// get sends a GET and reads and closes the body.
func get(t testing.TB, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func mustReq(t testing.TB, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
