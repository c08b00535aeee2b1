package nethttp_test

import (
	"net/http"
	"testing"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/plugins/internal/logtest"
)

// A request from an OpenTelemetry service (traceparent and baggage) joins
// its trace; the handler sees the baggage, and the call it makes downstream
// carries the same trace and baggage in W3C form.
func TestW3CTraceAndBaggageFlowThrough(t *testing.T) {
	tr := logtest.NewTracer(t, "web")
	got := make(chan http.Header, 1)
	downstream := newServer(t, tr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Clone()
	}))
	client := newClient(t, tr)
	seen := make(chan string, 1)
	front := newServer(t, tr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- opentracing.SpanFromContext(r.Context()).BaggageItem("userId")
		get(t, client, mustReq(t, "GET", downstream.URL+"/next", nil).WithContext(r.Context()))
	}))
	req := mustReq(t, "GET", front.URL+"/in", nil)
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	req.Header.Set("baggage", "userId=alice%20b;p=1, isProduction=false")
	get(t, &http.Client{}, req)
	if v := <-seen; v != "alice b" {
		t.Fatalf("baggage in the handler: %q", v)
	}
	h := <-got
	if tp := h.Get("traceparent"); len(tp) != 55 || tp[3:35] != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("downstream traceparent %q", tp)
	}
	if b := h.Get("baggage"); b != "isProduction=false,userId=alice%20b" {
		t.Errorf("downstream baggage %q", b)
	}
}
