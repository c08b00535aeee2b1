package bolt

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/internal/strcache"
	"github.com/sofatracer/sofatracer-go/plugins/internal/logtest"
	"github.com/sofatracer/sofatracer-go/propagation"
	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

func newTestTracer(t *testing.T, app string, opts ...tracer.Option) *tracer.Tracer {
	t.Helper()
	tr, err := tracer.New(append([]tracer.Option{tracer.WithAppName(app), tracer.WithLogDir(t.TempDir()), tracer.WithStatInterval(time.Hour)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// digestLines closes tr and returns the JSON objects of one digest file.
func digestLines(t *testing.T, tr *tracer.Tracer, name string) []map[string]any {
	t.Helper()
	tr.Close()
	f, err := os.Open(filepath.Join(tr.LogDir(), name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := map[string]any{}
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%s: not JSON: %s", name, sc.Text())
		}
		out = append(out, m)
	}
	return out
}

func TestTracedCallSharesTheSpanID(t *testing.T) {
	for _, newForm := range []bool{false, true} {
		ctr := newTestTracer(t, "bolt-client-app")
		str := newTestTracer(t, "bolt-server-app")
		var gotBaggage, childID string
		_, addr := startServer(t, HandlerFunc(func(ctx context.Context, req *Request) (*Response, error) {
			sp := opentracing.SpanFromContext(ctx)
			gotBaggage = sp.BaggageItem("user")
			child := str.StartSpan("downstream", opentracing.ChildOf(sp.Context()))
			childID = child.Context().(*span.Context).SpanID
			child.Finish()
			return echo(ctx, req)
		}), WithTracer(str))
		var topts []TraceOption
		if newForm {
			topts = append(topts, WithNewTraceContext())
		}
		c := dial(t, addr, WithTracer(ctr, topts...))

		root := ctr.StartSpan("root")
		root.SetBaggageItem("user", "u&1")
		ctx := opentracing.ContextWithSpan(bg(t), root)
		req := &Request{Service: "com.example.Echo:1.0", Method: "echo", Codec: 11, Content: []byte("hi")}
		if _, err := c.Call(ctx, req); err != nil {
			t.Fatal(err)
		}
		if len(req.Header) != 0 {
			t.Fatalf("the caller's request was changed: %v", req.Header)
		}
		root.Finish()
		traceID := root.Context().(*span.Context).TraceID

		client := digestLines(t, ctr, "rpc-client-digest.log")
		server := digestLines(t, str, "rpc-server-digest.log")
		if len(client) != 1 || len(server) != 1 {
			t.Fatalf("client %d lines, server %d", len(client), len(server))
		}
		cl, sv := client[0], server[0]
		for _, l := range []map[string]any{cl, sv} {
			if l["tracerId"] != traceID || l["spanId"] != "0.1" || l["protocol"] != "bolt" || l["result.code"] != "00" ||
				l["service"] != "com.example.Echo:1.0" || l["method"] != "echo" || l["baggage"] != "user=u%261&" {
				t.Errorf("new form %v: bad line %v", newForm, l)
			}
		}
		if cl["invoke.type"] != "sync" || sv["remote.app"] != "bolt-client-app" || cl["remote.ip"] != addr || cl["req.size"] != sv["req.size"] || cl["resp.size"] != sv["resp.size"] {
			t.Errorf("client %v server %v", cl, sv)
		}
		if gotBaggage != "u&1" || childID != "0.1.1" {
			t.Errorf("handler saw baggage %q, child id %q", gotBaggage, childID)
		}
	}
}

func TestTracedResultCodes(t *testing.T) {
	ctr := newTestTracer(t, "client")
	str := newTestTracer(t, "server")
	_, addr := startServer(t, HandlerFunc(func(ctx context.Context, req *Request) (*Response, error) {
		switch req.Method {
		case "biz":
			return nil, errors.New("insufficient funds")
		case "panic":
			panic("boom")
		case "slow":
			// Answer well after the request's own deadline, so the
			// caller has surely given up.
			select {
			case <-time.After(2 * time.Second):
			case <-ctx.Done():
			}
			time.Sleep(100 * time.Millisecond)
			return echo(ctx, req)
		case "route":
			return nil, &StatusError{Status: StatusNoProcessor, Message: "no such service"}
		case "framework":
			return nil, &StatusError{Status: StatusServerException, Message: "broken"}
		case "pb-biz":
			return nil, errors.New("insufficient funds")
		}
		return echo(ctx, req)
	}), WithTracer(str))
	c := dial(t, addr, WithTracer(ctr))
	// As SOFARPC: only TIMEOUT and business errors have codes of their own;
	// every other status is an RPC error, NO_PROCESSOR included. With
	// protobuf a business error travels as a bare message, which SOFARPC's
	// client (and ours) takes for a framework error.
	want := map[string]string{"ok": "00", "biz": "01", "panic": "01", "slow": "03", "route": "02", "framework": "02", "pb-biz": "02"}
	for _, m := range []string{"ok", "biz", "panic", "slow", "route", "framework", "pb-biz"} {
		// Only the slow call is meant to time out.
		timeout := 2 * time.Second
		if m == "slow" {
			timeout = 200 * time.Millisecond
		}
		ctx, cancel := context.WithTimeout(bg(t), timeout)
		codec := CodecHessian2
		if m == "pb-biz" {
			codec = CodecProtobuf
		}
		_, err := c.Call(ctx, &Request{Service: "svc", Method: m, Codec: codec})
		cancel()
		if (err == nil) != (m == "ok") {
			t.Errorf("%s: err %v", m, err)
		}
	}
	// An RPC error: the server goes away under a call.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	go func() {
		conn, err := l.Accept()
		if err == nil {
			buf := make([]byte, 64)
			conn.Read(buf)
			conn.Close()
		}
	}()
	c2 := dial(t, l.Addr().String(), WithTracer(ctr))
	if _, err := c2.Call(bg(t), &Request{Service: "svc", Method: "killed"}); err == nil {
		t.Fatal("call to a dead server succeeded")
	}
	l.Close()
	want["killed"] = "02"

	for _, line := range digestLines(t, ctr, "rpc-client-digest.log") {
		m := line["method"].(string)
		if line["result.code"] != want[m] {
			t.Errorf("client %s: result.code %v, want %s", m, line["result.code"], want[m])
		}
		if (m != "ok") != (line["error"] != nil) {
			t.Errorf("client %s: error field %v", m, line["error"])
		}
	}
	wantServer := map[string]string{"ok": "00", "biz": "01", "panic": "01", "slow": "03", "route": "02", "framework": "02", "pb-biz": "01"}
	logtest.WaitFinished(t, str, int64(len(wantServer))) // the slow handler too
	serverLines := digestLines(t, str, "rpc-server-digest.log")
	if len(serverLines) != len(wantServer) {
		t.Errorf("server wrote %d lines, want %d", len(serverLines), len(wantServer))
	}
	for _, line := range serverLines {
		m := line["method"].(string)
		if line["result.code"] != wantServer[m] {
			t.Errorf("server %s: result.code %v, want %s", m, line["result.code"], wantServer[m])
		}
	}
}

// TestServerReadsSOFARPCHeaders feeds the header of a captured SOFARPC
// request (fixture F1) to a traced server: the span joins that trace with
// the caller's span id.
func TestServerReadsSOFARPCHeaders(t *testing.T) {
	var f1 *fixture
	for _, fx := range loadFixtures(t) {
		if fx.name == "F1" {
			f1 = fx
		}
	}
	frame, err := Unmarshal(f1.raw)
	if err != nil {
		t.Fatal(err)
	}
	str := newTestTracer(t, "provider")
	_, addr := startServer(t, HandlerFunc(echo), WithTracer(str))
	c := dial(t, addr) // untraced: sends F1's header as it is
	req := frame.(*Request)
	req.Timeout = 0
	if _, err := c.Call(bg(t), req); err != nil {
		t.Fatal(err)
	}
	lines := digestLines(t, str, "rpc-server-digest.log")
	if len(lines) != 1 || lines[0]["tracerId"] != "0ba616a11523251819114100218738" || lines[0]["spanId"] != "0" || lines[0]["remote.app"] != "foo" {
		t.Fatalf("server line %v", lines)
	}
}

func TestUnsampledTraceWritesNoDigestButCounts(t *testing.T) {
	ctr := newTestTracer(t, "client", tracer.WithSampler(tracer.SamplerFunc(func(string, string) bool { return false })))
	str := newTestTracer(t, "server")
	_, addr := startServer(t, HandlerFunc(echo), WithTracer(str))
	c := dial(t, addr, WithTracer(ctr))
	if _, err := c.Call(bg(t), &Request{Service: "svc", Method: "m"}); err != nil {
		t.Fatal(err)
	}
	ctr.Close()
	str.Close()
	for _, tr := range []*tracer.Tracer{ctr, str} {
		if st := tr.Stats().Reporter; st.Written != 0 || st.Unsampled != 1 || st.StatRows != 1 {
			t.Errorf("%s: %+v", tr.AppName(), st)
		}
	}
}

// TestTracedCallKeepsCallerHeader: whether the traced copy of a request
// fits its inline header array or not, the caller's header is left as it
// was and the server gets it plus the trace keys.
func TestTracedCallKeepsCallerHeader(t *testing.T) {
	got := make(chan Header, 1)
	_, addr := startServer(t, HandlerFunc(func(ctx context.Context, req *Request) (*Response, error) {
		got <- req.Header
		return echo(ctx, req)
	}))
	c := dial(t, addr, WithTracer(newTestTracer(t, "client")))
	for _, n := range []int{0, 3, 16, 17, 40} {
		var h Header
		for i := range n {
			h = append(h, HeaderField{fmt.Sprint("k", i), "v"})
		}
		if n > 0 {
			h[0] = HeaderField{propagation.RPCSpanID, "stale"} // replaced in the copy only
		}
		want := h.Clone()
		req := &Request{Service: "svc", Method: "m", Header: h}
		if _, err := c.Call(bg(t), req); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(req.Header, want) {
			t.Fatalf("%d keys: the caller's header became %v", n, req.Header)
		}
		sent := <-got
		for _, f := range want[min(n, 1):] {
			if sent.Get(f.Key) != f.Value {
				t.Fatalf("%d keys: server got %v", n, sent)
			}
		}
		if sent.Get(propagation.RPCTraceID) == "" || sent.Get(propagation.RPCSpanID) != "0" || sent.Get(propagation.RPCCallerApp) != "client" {
			t.Fatalf("%d keys: bad trace keys in %v", n, sent)
		}
	}
}

func TestTagCacheBound(t *testing.T) {
	var c tagCache
	for i := range strcache.MaxCached + 10 {
		s := fmt.Sprint("svc", i)
		if op := c.op(s, "m"); op.name != s+"#m" || op.service != s || op.method != "m" {
			t.Fatalf("op(%q, m) = %+v", s, op)
		}
		if v := c.app(s); v != s {
			t.Fatalf("app(%q) = %v", s, v)
		}
	}
	if op := c.op("svc", ""); op.name != "svc" || op.method != "" {
		t.Fatalf("op(svc, \"\") = %+v", op)
	}
	long := strings.Repeat("x", strcache.MaxCachedLen)
	if op := c.op(long, "m"); op.name != long+"#m" {
		t.Fatalf("op of a long service = %+v", op)
	}
	if n := c.ops.Len(); n != strcache.MaxCached {
		t.Fatalf("%d operations cached, want %d", n, strcache.MaxCached)
	}
	if n := c.apps.Len(); n != strcache.MaxCached {
		t.Fatalf("%d apps cached, want %d", n, strcache.MaxCached)
	}
	// Any byte may be in a service or a method, including the key's
	// length byte's values.
	for _, sm := range [][2]string{{"a\x01b", "c"}, {"", "m"}, {"\x00", "\x00"}} {
		var c tagCache
		for range 2 { // miss, then hit
			if op := c.op(sm[0], sm[1]); op.service != sm[0] || op.method != sm[1] {
				t.Fatalf("op(%q, %q) = %+v", sm[0], sm[1], op)
			}
		}
	}
}
