package nethttp_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/sofatracer/sofatracer-go/plugins/nethttp"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// A traced server (Middleware) and a traced client (NewTransport): the
// client span is "0", the server span its child "0.1", in one trace. Each
// writes a line to its digest log.
func Example() {
	dir, err := os.MkdirTemp("", "nethttp-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	t, err := tracer.New(tracer.WithAppName("orders"), tracer.WithLogDir(dir))
	if err != nil {
		log.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "order %s", r.PathValue("id"))
	})
	srv := httptest.NewServer(nethttp.Middleware(t, mux))
	transport := &http.Transport{}
	client := &http.Client{Transport: nethttp.NewTransport(t, transport)}

	resp, err := client.Get(srv.URL + "/orders/42?verbose=1")
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close() // ends the client span
	fmt.Println(resp.Status, string(body))

	srv.Close()
	transport.CloseIdleConnections()
	if err := t.Close(); err != nil {
		log.Fatal(err)
	}
	for _, file := range []string{"http-client-digest.log", "http-server-digest.log"} {
		line := firstLine(filepath.Join(dir, file))
		fmt.Println(file, line["spanId"], line["method"], strings.TrimPrefix(line["request.url"], srv.URL), line["result.code"])
	}
	// Output:
	// 200 OK order 42
	// http-client-digest.log 0 GET /orders/42 200
	// http-server-digest.log 0.1 GET /orders/42 200
}

// firstLine returns the fields of the first line of a JSON log file.
func firstLine(path string) map[string]string {
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan()
	var fields map[string]any
	if err := json.Unmarshal(sc.Bytes(), &fields); err != nil {
		log.Fatal(err)
	}
	out := map[string]string{}
	for k, v := range fields {
		out[k] = fmt.Sprint(v)
	}
	return out
}

// NewMiddleware has the shape middleware chains take. Wrapping the
// ServeMux lets the stat rows be keyed by its patterns.
func ExampleNewMiddleware() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	tr, err := tracer.New(tracer.WithAppName("orders"), tracer.WithLogDir(dir))
	if err != nil {
		panic(err)
	}
	defer tr.Close()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "order "+r.PathValue("id"))
	})
	chain := func(h http.Handler, mws ...func(http.Handler) http.Handler) http.Handler {
		for i := len(mws) - 1; i >= 0; i-- {
			h = mws[i](h)
		}
		return h
	}
	srv := httptest.NewServer(chain(mux, nethttp.NewMiddleware(tr)))
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/orders/42")
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(string(body))
	// Output: order 42
}
