package zipkin_test

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/reporter/zipkin"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// A tracer that sends its spans to a Zipkin v2 collector as well as to its
// log files. The collector here is an httptest server that keeps what is
// POSTed to /api/v2/spans; SpanIds become FNV-1a hashes ("0" is
// af63ad4c86019caf), the SOFA ids stay as tags.
func Example() {
	var (
		mu    sync.Mutex
		spans []map[string]any
	)
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var batch []map[string]any
		if r.URL.Path != "/api/v2/spans" || json.NewDecoder(r.Body).Decode(&batch) != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		mu.Lock()
		spans = append(spans, batch...)
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer collector.Close()

	dir, err := os.MkdirTemp("", "zipkin-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	t, err := tracer.New(
		tracer.WithAppName("orders"),
		tracer.WithLogDir(dir),
		tracer.WithZipkin(collector.URL, false, zipkin.WithBatchInterval(10*time.Millisecond)),
	)
	if err != nil {
		log.Fatal(err)
	}

	root := t.StartSpan("checkout")
	child := t.StartSpan("charge-card", opentracing.ChildOf(root.Context()))
	child.SetTag("amount", 42)
	child.Finish()
	root.Finish()
	if err := t.Close(); err != nil { // delivers what is buffered
		log.Fatal(err)
	}

	mu.Lock()
	defer mu.Unlock()
	sort.Slice(spans, func(i, j int) bool { return spans[i]["id"].(string) < spans[j]["id"].(string) })
	for _, s := range spans {
		tags := s["tags"].(map[string]any)
		fmt.Println(s["name"], s["id"], s["parentId"], s["localEndpoint"].(map[string]any)["serviceName"],
			tags["origin.span.id"], tags["amount"])
	}
	// Output:
	// charge-card 4e18dd181d0a2066 af63ad4c86019caf orders 0.1 42
	// checkout af63ad4c86019caf <nil> orders 0 <nil>
}

// How SOFA ids map to Zipkin ids, the same way as SOFATracer's Java
// Zipkin adapter.
func ExampleMapTraceID() {
	fmt.Println(zipkin.MapTraceID("0a0fe9271567477985327100211176"))
	fmt.Println(zipkin.HashSpanID("0"), zipkin.HashSpanID("0.1"), zipkin.HashSpanID("0.1.1"))
	// Output:
	// 000a0fe9271567477985327100211176
	// af63ad4c86019caf 4e18dd181d0a2066 b1ecc5b0e1cf206b
}
