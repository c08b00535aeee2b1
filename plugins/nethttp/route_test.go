package nethttp_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/plugins/internal/logtest"
	"github.com/sofatracer/sofatracer-go/plugins/nethttp"
	"github.com/sofatracer/sofatracer-go/tracer"
)

func ordersMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "order "+r.PathValue("id"))
	})
	return mux
}

// getHost sends GET url with the Host header host.
func getHost(t *testing.T, c *http.Client, url, host string) {
	t.Helper()
	req := mustReq(t, "GET", url, nil)
	req.Host = host
	get(t, c, req)
}

// 60 requests to GET /orders/{id} with 3 Host headers make one stat row
// keyed by the ServeMux pattern; each digest line keeps its real URL.
func TestServeMuxPatternKeysTheStatRow(t *testing.T) {
	tr := logtest.NewTracer(t, "web")
	srv := newServer(t, tr, ordersMux())
	hosts := []string{"a.example", "b.example:8080", "c.example"}
	for i := 0; i < 60; i++ {
		getHost(t, &http.Client{}, fmt.Sprintf("%s/orders/%d?page=%d", srv.URL, i, i), hosts[i%3])
	}
	logtest.WaitFinished(t, tr, 60)
	tr.Close()
	rows := logtest.Stat(t, tr, digest.HTTPServer)
	if len(rows) != 1 {
		t.Fatalf("%d stat rows, want 1: %v", len(rows), rows)
	}
	if n := logtest.Count(rows, map[string]string{"request.url": "/orders/{id}", "method": "GET", "success": "Y"}); n != 60 {
		t.Fatalf("route row counts %d, want 60: %v", n, rows)
	}
	urls := map[string]bool{}
	for _, l := range logtest.Digest(t, tr, digest.HTTPServer) {
		urls[l.S("request.url")] = true
	}
	for i := 0; i < 60; i++ {
		if u := fmt.Sprintf("http://%s/orders/%d", hosts[i%3], i); !urls[u] {
			t.Fatalf("no digest line with request.url %s (have %d distinct)", u, len(urls))
		}
	}
}

// A hostile client that sends many distinct paths (404s), methods (405s)
// and Host headers cannot push the real route's row into the overflow row.
func TestHostileClientCannotOverflowARealRoute(t *testing.T) {
	tr := logtest.NewTracer(t, "web", tracer.WithMaxStatKeys(10))
	srv := newServer(t, tr, ordersMux())
	c := &http.Client{}
	for i := 0; i < 300; i++ {
		getHost(t, c, fmt.Sprintf("%s/no-such-%d/%d", srv.URL, i, i), fmt.Sprintf("h%d.evil", i))
		getHost(t, c, fmt.Sprintf("%s/orders/%d", srv.URL, i), fmt.Sprintf("h%d.evil", i))
		get(t, c, mustReq(t, fmt.Sprintf("M%d", i), fmt.Sprintf("%s/orders/%d", srv.URL, i), nil))
	}
	for i := 0; i < 20; i++ {
		getHost(t, c, fmt.Sprintf("%s/orders/real-%d", srv.URL, i), "shop.example")
	}
	logtest.WaitFinished(t, tr, 920)
	tr.Close()
	rows := logtest.Stat(t, tr, digest.HTTPServer)
	if n := logtest.Count(rows, map[string]string{"request.url": "/orders/{id}", "success": "Y"}); n != 320 {
		t.Fatalf("route row counts %d, want 320: %v", n, rows)
	}
	if o := tr.Stats().Reporter.StatOverflow; o != 0 || len(rows) > 10 {
		t.Fatalf("%d spans overflowed, %d rows: %v", o, len(rows), rows)
	}
	if n := logtest.Count(rows, map[string]string{"request.url": nethttp.Unmatched, "method": "GET", "success": "N"}); n != 300 {
		t.Fatalf("unmatched row counts %d, want 300: %v", n, rows)
	}
	if n := logtest.Count(rows, map[string]string{"request.url": nethttp.Unmatched, "method": "_OTHER", "success": "N"}); n != 300 {
		t.Fatalf("unmatched row counts %d, want 300: %v", n, rows)
	}
	methods := map[string]bool{}
	for _, l := range logtest.Digest(t, tr, digest.HTTPServer) {
		methods[l.S("method")] = true
	}
	if !methods["M7"] || !methods["GET"] || len(methods) != 301 {
		t.Fatalf("digest lines keep %d methods, want the 300 sent and GET", len(methods))
	}
}

// Other routers name the route with WithRoute; without a route the key is
// the path, without host or query.
func TestWithRouteAndPathFallback(t *testing.T) {
	tr := logtest.NewTracer(t, "web")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	routed := newServer(t, tr, h, nethttp.WithRoute(func(r *http.Request) string {
		if strings.HasPrefix(r.URL.Path, "/items/") {
			return "/items/:id"
		}
		return ""
	}))
	plain := newServer(t, tr, h)
	for i := 0; i < 5; i++ {
		getHost(t, &http.Client{}, fmt.Sprintf("%s/items/%d", routed.URL, i), fmt.Sprintf("h%d", i))
		getHost(t, &http.Client{}, fmt.Sprintf("%s/plain?i=%d", plain.URL, i), fmt.Sprintf("h%d", i))
	}
	getHost(t, &http.Client{}, routed.URL+"/other?x=1", "h")
	logtest.WaitFinished(t, tr, 11)
	tr.Close()
	rows := logtest.Stat(t, tr, digest.HTTPServer)
	for route, want := range map[string]int{"/items/:id": 5, "/plain": 5, "/other": 1} {
		if n := logtest.Count(rows, map[string]string{"request.url": route}); n != want {
			t.Errorf("row %s counts %d, want %d: %v", route, n, want, rows)
		}
	}
	if len(rows) != 3 {
		t.Errorf("%d rows, want 3: %v", len(rows), rows)
	}
}

// The first overflow of an interval is written to tracer-self.log when it
// happens, not at Close.
func TestStatOverflowIsLoggedWhenItHappens(t *testing.T) {
	tr := logtest.NewTracer(t, "web", tracer.WithMaxStatKeys(2))
	srv := newServer(t, tr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for i := 0; i < 5; i++ {
		get(t, &http.Client{}, mustReq(t, "GET", fmt.Sprintf("%s/p%d", srv.URL, i), nil))
	}
	self := filepath.Join(tr.LogDir(), "tracer-self.log")
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(self)
		if strings.Contains(string(b), "http-server-stat.log") && strings.Contains(string(b), "__overflow__") {
			if n := strings.Count(string(b), "__overflow__"); n != 1 {
				t.Fatalf("overflow logged %d times, want once:\n%s", n, b)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no overflow record in tracer-self.log before Close:\n%s", b)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// NewMiddleware in a chain of func(http.Handler) http.Handler traces like
// Middleware: inside a router it sees the route WithRoute reads.
func TestNewMiddlewareChains(t *testing.T) {
	tr := logtest.NewTracer(t, "web")
	mux := ordersMux()
	var inner func(http.Handler) http.Handler = func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Inner", "1")
			next.ServeHTTP(w, r)
		})
	}
	var h http.Handler = mux
	for _, mw := range []func(http.Handler) http.Handler{inner, nethttp.NewMiddleware(tr)} {
		h = mw(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	for i := 0; i < 3; i++ {
		resp, body := get(t, &http.Client{}, mustReq(t, "GET", fmt.Sprintf("%s/orders/%d", srv.URL, i), nil))
		if resp.Header.Get("X-Inner") != "1" || body != fmt.Sprintf("order %d", i) {
			t.Fatalf("chain broken: %v %q", resp.Header, body)
		}
	}
	logtest.WaitFinished(t, tr, 3)
	tr.Close()
	if n := logtest.Count(logtest.Stat(t, tr, digest.HTTPServer), map[string]string{"request.url": "/orders/{id}"}); n != 3 {
		t.Fatalf("route row counts %d", n)
	}
	for _, l := range logtest.Digest(t, tr, digest.HTTPServer) {
		if !strings.HasPrefix(l.S("request.url"), srv.URL+"/orders/") {
			t.Fatalf("digest line %v", l)
		}
	}
}
