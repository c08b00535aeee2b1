package e2e

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"
	zipkingo "github.com/openzipkin/zipkin-go"
	zipkinhttp "github.com/openzipkin/zipkin-go/middleware/http"
	"github.com/openzipkin/zipkin-go/model"
	zipkinreporter "github.com/openzipkin/zipkin-go/reporter/http"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/plugins/nethttp"
	"github.com/sofatracer/sofatracer-go/reporter/zipkin"
	"github.com/sofatracer/sofatracer-go/span"
)

func zkTracer(t *testing.T, service, zipkinURL string) *zipkingo.Tracer {
	t.Helper()
	rep := zipkinreporter.NewReporter(zipkinURL+zipkin.SpansPath, zipkinreporter.BatchInterval(50*time.Millisecond))
	t.Cleanup(func() { rep.Close() })
	ep, err := zipkingo.NewEndpoint(service, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := zipkingo.NewTracer(rep, zipkingo.WithLocalEndpoint(ep), zipkingo.WithTraceID128Bit(true))
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &http.Server{Handler: h}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return "http://" + l.Addr().String()
}

// TestZipkinGoInterop: a zipkin-go client calls our server, which calls a
// zipkin-go server with our client; all three report to the collector.
// The trace arrives in real B3, so it keeps travelling in B3 with hex ids:
// one trace, and in Zipkin every span's parent is its caller's span.
//
//	zk-client:   "zk-root" (local) -> client span (zipkin-go transport)
//	e2e-interop: server span (nethttp) -> client span (nethttp)
//	zk-server:   server span (zipkin-go middleware, shares the client's id)
func TestZipkinGoInterop(t *testing.T) {
	zipkinURL, queryURL := collectorURLs(t)
	zkc := zkTracer(t, "zk-client", zipkinURL)
	zks := zkTracer(t, "zk-server", zipkinURL)
	ours := newTracer(t, "e2e-interop", zipkinURL, true)

	backend := serve(t, zipkinhttp.NewServerMiddleware(zks, zipkinhttp.SpanName("zk-backend"))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "from zipkin-go")
	})))
	ourClient := &http.Client{Transport: nethttp.NewTransport(ours, nil)}
	var serverCtx *span.Context
	front := serve(t, nethttp.Middleware(ours, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serverCtx = opentracing.SpanFromContext(r.Context()).Context().(*span.Context)
		req, _ := http.NewRequestWithContext(r.Context(), "GET", backend+"/inner", nil)
		resp, err := ourClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		io.Copy(w, resp.Body)
		resp.Body.Close()
	})))

	zkClient, err := zipkinhttp.NewClient(zkc)
	if err != nil {
		t.Fatal(err)
	}
	root := zkc.StartSpan("zk-root")
	req, _ := http.NewRequestWithContext(zipkingo.NewContext(context.Background(), root), "GET", front+"/outer", nil)
	resp, err := zkClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	root.Finish()
	if string(body) != "from zipkin-go" {
		t.Fatalf("response %q", body)
	}
	traceID := root.Context().TraceID.String()
	if serverCtx == nil || serverCtx.TraceID != traceID || serverCtx.Format != span.FormatB3 {
		t.Fatalf("our server span joined %+v, want trace %s in B3", serverCtx, traceID)
	}
	closeAndCheck(t, ours)

	tr := waitTrace(t, queryURL, traceID, 5)
	find := func(service, kind string) *jSpan {
		for i := range tr.Spans {
			if s := &tr.Spans[i]; s.service == service && s.tag("span.kind") == kind {
				return s
			}
		}
		t.Fatalf("no %s span of %s in %d spans", kind, service, len(tr.Spans))
		return nil
	}
	for i := range tr.Spans {
		t.Logf("jaeger: %s", &tr.Spans[i])
	}
	zkRoot := find("zk-client", "")
	zkClientSpan := find("zk-client", "client")
	ourServer := find("e2e-interop", "server")
	ourClientSpan := find("e2e-interop", "client")
	zkServer := find("zk-server", "server")
	if len(tr.Spans) != 5 {
		t.Errorf("%d spans, want 5", len(tr.Spans))
	}
	for _, c := range []struct{ child, parent *jSpan }{
		{zkClientSpan, zkRoot}, {ourServer, zkClientSpan}, {ourClientSpan, ourServer}, {zkServer, ourClientSpan},
	} {
		if c.child.parent() != c.parent.SpanID {
			t.Errorf("%s: parent %s, want %s", c.child, c.child.parent(), c.parent)
		}
	}
	// Our ids are the hex ids that travelled, not hashes; no origin.* tags.
	if ourServer.SpanID != serverCtx.SpanID || ourServer.tag(zipkin.TagOriginSpanID) != "" {
		t.Errorf("our server span %s, tags %v; want id %s", ourServer, ourServer.Tags, serverCtx.SpanID)
	}
	// The digest log has the same trace id.
	ds := digestLines(t, ours.Reporter().DigestPath(digest.HTTPServer, false))
	if len(ds) != 1 || lineTrace(ds[0]) != traceID || ds[0]["spanId"] != serverCtx.SpanID {
		t.Errorf("digest %v, want trace %s span %s", ds, traceID, serverCtx.SpanID)
	}
}

// TestW3CJoins: a request with a W3C traceparent joins that trace: our
// server span is in it, its parent the caller's span id.
func TestW3CJoins(t *testing.T) {
	zipkinURL, queryURL := collectorURLs(t)
	ours := newTracer(t, "e2e-w3c", zipkinURL, false)
	front := serve(t, nethttp.Middleware(ours, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))
	traceID, parentID := zipkingoID128(), model.ID(0x00f067aa0ba902b7).String()
	req, _ := http.NewRequest("GET", front+"/w3c", nil)
	req.Header.Set("traceparent", "00-"+traceID+"-"+parentID+"-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	closeAndCheck(t, ours)
	tr := waitTrace(t, queryURL, traceID, 1)
	s := &tr.Spans[0]
	if len(tr.Spans) != 1 || s.service != "e2e-w3c" || s.parent() != parentID || s.tag("span.kind") != "server" {
		t.Errorf("span %s, want server span of e2e-w3c with parent %s", s, parentID)
	}
	ds := digestLines(t, ours.Reporter().DigestPath(digest.HTTPServer, false))
	if len(ds) != 1 || lineTrace(ds[0]) != traceID || ds[0]["spanId"] != s.SpanID {
		t.Errorf("digest %v, want trace %s span %s", ds, traceID, s.SpanID)
	}
}

// zipkingoID128 returns a random 128-bit trace id as 32 hex digits.
func zipkingoID128() string {
	return span.NewHexID() + span.NewHexID()
}
