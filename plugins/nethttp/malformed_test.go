package nethttp_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/plugins/internal/logtest"
	"github.com/sofatracer/sofatracer-go/plugins/nethttp"
	"github.com/sofatracer/sofatracer-go/tracer"
)

func corrupted(tr *tracer.Tracer) int64 {
	var n int64
	for _, v := range tr.Stats().Corrupted {
		n += v
	}
	return n
}

// Headers whose context cannot be trusted start a new trace (new TraceId,
// SpanId "0"), are counted as corrupted, and every line still parses.
func TestMalformedHeadersStartNewTrace(t *testing.T) {
	const good = "0a0b0c0d1700000000000100012345"
	cases := []struct {
		name string
		hdr  map[string]string
	}{
		{"quote in trace id", map[string]string{"X-B3-TraceId": `abc"x`, "X-B3-SpanId": "0.1"}},
		{"comma in trace id", map[string]string{"X-B3-TraceId": "0a0b,0c", "X-B3-SpanId": "0.1"}},
		{"comma in span id", map[string]string{"X-B3-TraceId": good, "X-B3-SpanId": "0.1,2"}},
		{"encoded CRLF in trace id", map[string]string{"X-B3-TraceId": "abc%0D%0AX-Evil:%201", "X-B3-SpanId": "0"}},
		{"bad escape", map[string]string{"X-B3-TraceId": "%zz", "X-B3-SpanId": "0"}},
		{"quote in span id", map[string]string{"X-B3-TraceId": good, "X-B3-SpanId": `0.1"}`}},
		{"over-long trace id", map[string]string{"X-B3-TraceId": strings.Repeat("a", 600)}},
		{"SOFA-TraceId quote", map[string]string{"SOFA-TraceId": `x"y`, "SOFA-RpcId": "0.1"}},
		{"sftc_head garbage id", map[string]string{"sftc_head": "tcid=a%0Db&spid=0"}},
		{"traceparent garbage", map[string]string{"traceparent": "00-zz-yy-01"}},
	}
	tr := logtest.NewTracer(t, "web")
	srv := newServer(t, tr, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	c := &http.Client{Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	for _, tc := range cases {
		req := mustReq(t, "GET", srv.URL+"/"+strings.ReplaceAll(tc.name, " ", "-"), nil)
		for k, v := range tc.hdr {
			req.Header.Set(k, v)
		}
		get(t, c, req)
	}
	logtest.WaitFinished(t, tr, int64(len(cases)))
	if n := corrupted(tr); n != int64(len(cases)) {
		t.Errorf("corrupted %d, want %d: %v", n, len(cases), tr.Stats().Corrupted)
	}
	tr.Close()
	lines := logtest.Digest(t, tr, digest.HTTPServer)
	if len(lines) != len(cases) {
		t.Fatalf("%d lines, want %d", len(lines), len(cases))
	}
	for _, l := range lines {
		if l.S("spanId") != "0" || l.S("traceId") == good || len(l.S("traceId")) < 20 || strings.ContainsAny(l.S("traceId"), "\"%,") {
			t.Errorf("%s: traceId %q spanId %q, want a new trace", l.S("request.url"), l.S("traceId"), l.S("spanId"))
		}
	}
}

// Baggage of 64 KiB, or just over the carrier limit, does not cost the
// trace: the trace is joined and the item refused and counted.
func TestHugeBaggageIsRefused(t *testing.T) {
	const good = "0a0b0c0d1700000000000100012345"
	tr := logtest.NewTracer(t, "web")
	h := nethttp.Middleware(tr, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-B3-TraceId", good)
	r.Header.Set("X-B3-SpanId", "0")
	r.Header.Set("baggage-big", strings.Repeat("b", 64<<10))
	r.Header.Set("baggage-bigger", strings.Repeat("b", 64<<10+1))
	h.ServeHTTP(httptest.NewRecorder(), r)
	if tr.Stats().Refused["baggage"] != 2 {
		t.Errorf("refused %v", tr.Stats().Refused)
	}
	tr.Close()
	logtest.Expect(t, "server", logtest.One(t, "server", logtest.Digest(t, tr, digest.HTTPServer)),
		map[string]string{"traceId": good, "spanId": "0.1", "biz.baggage": ""})
}

// Raw CR/LF cannot cross net/http, so handlers are called directly with
// headers a proxy might pass on: ids with raw control characters start a
// new trace; baggage with them is kept but escaped in the line.
func TestRawCRLFHeaders(t *testing.T) {
	const good = "0a0b0c0d1700000000000100012345"
	tr := logtest.NewTracer(t, "web")
	h := nethttp.Middleware(tr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\r\n")) }))
	for _, hdr := range []http.Header{
		{"X-B3-Traceid": {"abc\r\nX-Evil: 1"}, "X-B3-Spanid": {"0"}},
		{"X-B3-Traceid": {good}, "X-B3-Spanid": {"0.1\n"}},
		{"X-B3-Traceid": {good}, "X-B3-Spanid": {"0"}, "Baggage-K": {"v\r\n{\"x\":1}"}},
	} {
		r := httptest.NewRequest("GET", "/crlf", nil)
		r.Header = hdr
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != 200 {
			t.Errorf("status %d", rec.Code)
		}
	}
	if n := corrupted(tr); n != 2 {
		t.Errorf("corrupted %d, want 2", n)
	}
	tr.Close()
	lines := logtest.Digest(t, tr, digest.HTTPServer)
	if len(lines) != 3 {
		t.Fatalf("%d lines", len(lines))
	}
	for i, l := range lines[:2] {
		if l.S("traceId") == good || l.S("spanId") != "0" {
			t.Errorf("line %d joined a bad trace: %v", i, l)
		}
	}
	logtest.Expect(t, "baggage", lines[2], map[string]string{"traceId": good, "spanId": "0.1", "biz.baggage": "k=v\r\n{\"x\":1}&"})
}
