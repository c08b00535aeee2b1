package nethttp_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/sofatracer/sofatracer-go/plugins/nethttp"
	"github.com/sofatracer/sofatracer-go/tracer"
)

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
