package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/logline"
	"github.com/sofatracer/sofatracer-go/plugins/bolt"
	"github.com/sofatracer/sofatracer-go/plugins/grpctrace"
	"github.com/sofatracer/sofatracer-go/plugins/nethttp"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// world is the logs of one request through four Go services and three
// Java ones:
//
//	edge  (HTTP client 0)
//	→ gateway  HTTP server 0.1, gRPC client 0.1.1
//	→ orders   gRPC server 0.1.1, Bolt client 0.1.1.1
//	→ stock    Bolt server 0.1.1.1 (clock 2 s ahead, plain lines), local spans
//	           0.1.1.1.1 and 0.1.1.1.2, Bolt client 0.1.1.1.3
//	→ ledger   (Java SOFARPC server 0.1.1.1.3, tracerId/timestamp, rolled file)
//	           RestTemplate client 0.1.1.1.3.1 (gzipped rolled file)
//	→ pricing  (Java Spring MVC server 0.1.1.1.3.1.1, plain file)
type world struct {
	dirs    map[string]string // service -> log dir
	traceID string
}

type healthFunc struct {
	healthpb.UnimplementedHealthServer
	f func(context.Context) error
}

func (h healthFunc) Check(ctx context.Context, _ *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	if err := h.f(ctx); err != nil {
		return nil, err
	}
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

func newTracer(t *testing.T, dir, app string, opts ...tracer.Option) *tracer.Tracer {
	t.Helper()
	tr, err := tracer.New(append([]tracer.Option{tracer.WithAppName(app), tracer.WithLogDir(dir)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func makeWorld(t *testing.T) *world {
	root := t.TempDir()
	w := &world{dirs: map[string]string{}}
	for _, s := range []string{"edge", "gateway", "orders", "stock", "java"} {
		w.dirs[s] = filepath.Join(root, s, "tracelog")
	}
	edge := newTracer(t, w.dirs["edge"], "edge")
	gateway := newTracer(t, w.dirs["gateway"], "gateway")
	orders := newTracer(t, w.dirs["orders"], "orders")
	stock := newTracer(t, w.dirs["stock"], "stock", tracer.WithJSON(false),
		tracer.WithClock(func() time.Time { return time.Now().Add(2 * time.Second) }))

	// ledger stands in for a Java SOFARPC service: an untraced Bolt server.
	ll := listen(t)
	ledger := bolt.NewServer(bolt.HandlerFunc(func(ctx context.Context, req *bolt.Request) (*bolt.Response, error) {
		time.Sleep(30 * time.Millisecond)
		return &bolt.Response{Content: []byte("ok")}, nil
	}))
	go ledger.Serve(ll)
	lc, err := bolt.Dial(context.Background(), ll.Addr().String(), bolt.WithTracer(stock))
	if err != nil {
		t.Fatal(err)
	}

	sl := listen(t)
	stockSrv := bolt.NewServer(bolt.HandlerFunc(func(ctx context.Context, req *bolt.Request) (*bolt.Response, error) {
		for _, op := range []string{"reserve", "audit"} {
			sp, _ := stock.StartSpanFromContext(ctx, op)
			time.Sleep(2 * time.Millisecond)
			sp.Finish()
		}
		return lc.Call(ctx, &bolt.Request{Service: "com.example.Ledger:1.0", Method: "book"})
	}), bolt.WithTracer(stock))
	go stockSrv.Serve(sl)
	sc, err := bolt.Dial(context.Background(), sl.Addr().String(), bolt.WithTracer(orders))
	if err != nil {
		t.Fatal(err)
	}

	gl := listen(t)
	gs := grpc.NewServer(grpc.UnaryInterceptor(grpctrace.UnaryServerInterceptor(orders)))
	healthpb.RegisterHealthServer(gs, healthFunc{f: func(ctx context.Context) error {
		_, err := sc.Call(ctx, &bolt.Request{Service: "com.example.Stock:1.0", Method: "reserve"})
		return err
	}})
	go gs.Serve(gl)
	cc, err := grpc.NewClient(gl.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithUnaryInterceptor(grpctrace.UnaryClientInterceptor(gateway)))
	if err != nil {
		t.Fatal(err)
	}
	health := healthpb.NewHealthClient(cc)
	front := httptest.NewServer(nethttp.Middleware(gateway, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if _, err := health.Check(r.Context(), &healthpb.HealthCheckRequest{}); err != nil {
			http.Error(rw, err.Error(), http.StatusBadGateway)
			return
		}
		io.WriteString(rw, "ok")
	})))
	client := &http.Client{Transport: nethttp.NewTransport(edge, http.DefaultTransport)}
	resp, err := client.Get(front.URL + "/checkout")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "ok" {
		t.Fatalf("front answered %d %q", resp.StatusCode, body)
	}
	front.Close()
	cc.Close()
	gs.Stop()
	sc.Close()
	stockSrv.Shutdown(context.Background())
	lc.Close()
	ledger.Shutdown(context.Background())
	for tr, n := range map[*tracer.Tracer]int64{edge: 1, gateway: 2, orders: 2, stock: 4} {
		deadline := time.Now().Add(5 * time.Second)
		for tr.Stats().Finished < n && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if err := tr.Close(); err != nil {
			t.Fatal(err)
		}
	}

	// The Java services' lines, placed inside stock's Bolt client span.
	var p logline.Parser
	var r logline.Record
	data, err := os.ReadFile(filepath.Join(w.dirs["stock"], "rpc-client-digest.log"))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Digest(bytes.TrimSpace(data), "rpc-client", &r, nil); err != nil {
		t.Fatalf("stock's client line %q: %v", data, err)
	}
	w.traceID = string(r.TraceID)
	if string(r.SpanID) != "0.1.1.1.3" {
		t.Fatalf("stock's Bolt client is %s", r.SpanID)
	}
	at := func(ms int64) string { return time.UnixMilli(ms).Format(logline.TimeLayout) }
	srvEnd := r.EndMs - 2
	rtEnd := srvEnd - 1
	mvcEnd := rtEnd - 1
	java := w.dirs["java"]
	writeFile(t, filepath.Join(java, "ledger", "rpc-server-digest.log.2026-11-28"), false,
		fmt.Sprintf(`{"timestamp":"%s","tracerId":"%s","spanId":"0.1.1.1.3","span.kind":"server","service":"com.example.Ledger:1.0","method":"book","remote.ip":"127.0.0.1","remote.app":"stock","protocol":"bolt","local.app":"ledger","current.thread.name":"SOFA-BOLT-BIZ-1","result.code":"00","server.pool.wait.time":"1","biz.impl.time":"20","resp.serialize.time":"1","req.deserialize.time":"1","resp.size":"10","req.size":"20","baggage":""}`+"\r\n", at(srvEnd), w.traceID))
	writeFile(t, filepath.Join(java, "ledger", "resttemplate-digest.log.2026-11-28_13.gz"), true,
		fmt.Sprintf(`{"time":"%s","local.app":"ledger","traceId":"%s","spanId":"0.1.1.1.3.1","span.kind":"client","result.code":"200","current.thread.name":"SOFA-BOLT-BIZ-1","time.cost.milliseconds":"12ms","request.url":"http://pricing/price","method":"GET","req.size.bytes":0,"resp.size.bytes":3,"error":"","sys.baggage":"","biz.baggage":""}`+"\r\n", at(rtEnd), w.traceID))
	writeFile(t, filepath.Join(java, "pricing", "spring-mvc-digest.log"), false,
		fmt.Sprintf("%s,pricing,%s,0.1.1.1.3.1.1,server,200,http-nio-8080-exec-1,8ms,http://pricing/price,GET,0,3,,,\r\n", at(mvcEnd), w.traceID))
	return w
}

func writeFile(t *testing.T, path string, gz bool, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	data := []byte(text)
	if gz {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write(data)
		zw.Close()
		data = b.Bytes()
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// runJSON runs the command and decodes its JSON output into v.
func runJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(args, &out, &errb); code != 0 {
		t.Fatalf("sofatracer %v: exit %d: %s", args, code, errb.String())
	}
	if err := json.Unmarshal(out.Bytes(), v); err != nil {
		t.Fatalf("sofatracer %v: %v\n%s", args, err, out.String())
	}
}

type jsonSpan struct {
	SpanID, ParentID, Service, Kind, TraceID string
	Parent                                   int
	DurationMs, ShiftMs, SkewMs              int64
	Error, Missing, Skew                     bool
	Host                                     string
}

type jsonTrace struct {
	TraceID  string
	Spans    []jsonSpan
	Skew     bool
	Services []string
}

func (w *world) inputs(skip ...string) []string {
	var in []string
	for _, s := range []string{"edge", "gateway", "orders", "stock", "java"} {
		if !contains(skip, s) {
			in = append(in, s+"="+w.dirs[s])
		}
	}
	return in
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func label(s jsonSpan) string { return s.SpanID + " " + s.Service + " " + s.Kind }

func TestMultiServiceTrace(t *testing.T) {
	w := makeWorld(t)
	var tr jsonTrace
	runJSON(t, &tr, append([]string{"trace", w.traceID, "--format", "json"}, w.inputs()...)...)
	want := map[string]string{ // span -> the span it hangs under
		"0 edge client":                "",
		"0.1 gateway server":           "0 edge client",
		"0.1.1 gateway client":         "0.1 gateway server",
		"0.1.1 orders server":          "0.1.1 gateway client",
		"0.1.1.1 orders client":        "0.1.1 orders server",
		"0.1.1.1 stock server":         "0.1.1.1 orders client",
		"0.1.1.1.1 stock ":             "0.1.1.1 stock server",
		"0.1.1.1.2 stock ":             "0.1.1.1 stock server",
		"0.1.1.1.3 stock client":       "0.1.1.1 stock server",
		"0.1.1.1.3 ledger server":      "0.1.1.1.3 stock client",
		"0.1.1.1.3.1 ledger client":    "0.1.1.1.3 ledger server",
		"0.1.1.1.3.1.1 pricing server": "0.1.1.1.3.1 ledger client",
	}
	got := map[string]string{}
	for _, s := range tr.Spans {
		p := ""
		if s.Parent >= 0 {
			p = label(tr.Spans[s.Parent])
			if tr.Spans[s.Parent].SpanID != s.ParentID {
				t.Errorf("%s: parentId %q, parent %q", label(s), s.ParentID, p)
			}
		} else if s.ParentID != "" {
			t.Errorf("%s: root with parentId %q", label(s), s.ParentID)
		}
		got[label(s)] = p
		if s.Missing {
			t.Errorf("%s missing", label(s))
		}
	}
	for k, v := range want {
		if g, ok := got[k]; !ok {
			t.Errorf("span %q not in the trace", k)
		} else if g != v {
			t.Errorf("%q under %q, want %q", k, g, v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d spans, want %d: %v", len(got), len(want), got)
	}
	// stock's clock runs 2 s ahead: its Bolt server is flagged, and the
	// corrected view moves it (and its local spans) back by about 2 s.
	if !tr.Skew {
		t.Error("trace not flagged for skew")
	}
	for _, s := range tr.Spans {
		switch {
		case s.Service == "stock" && s.Kind == "server":
			if !s.Skew || s.SkewMs < 1500 {
				t.Errorf("stock server: skew %v %dms", s.Skew, s.SkewMs)
			}
			fallthrough
		case s.Service == "stock":
			if s.ShiftMs > -1500 || s.ShiftMs < -2500 {
				t.Errorf("%s: shifted %dms, want about -2000", label(s), s.ShiftMs)
			}
		case s.Service == "edge" || s.Service == "gateway" || s.Service == "orders":
			if s.Skew || s.ShiftMs != 0 {
				t.Errorf("%s: skew %v shift %d", label(s), s.Skew, s.ShiftMs)
			}
		}
		if s.Host == "" {
			t.Errorf("%s: no host label", label(s))
		}
	}

	// The text waterfall names every service and marks the skew.
	var out, errb bytes.Buffer
	if code := run(append([]string{"trace", w.traceID}, w.inputs()...), &out, &errb); code != 0 {
		t.Fatal(errb.String())
	}
	for _, s := range []string{"edge", "gateway", "orders", "stock", "ledger", "pricing", "skew"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("waterfall lacks %q:\n%s", s, out.String())
		}
	}

	// find: the trace, by each filter, and none for a service that is not in it.
	var found []struct {
		TraceID    string
		Spans      int
		DurationMs int64
		Error      bool
		Services   []string
	}
	runJSON(t, &found, append([]string{"find", "--format", "json", "--service", "pricing", "--operation", "/price"}, w.inputs()...)...)
	if len(found) != 1 || found[0].TraceID != w.traceID || found[0].Spans != 12 || len(found[0].Services) != 6 {
		t.Errorf("find: %+v", found)
	}
	runJSON(t, &found, append([]string{"find", "--format", "json", "--service", "nobody"}, w.inputs()...)...)
	if len(found) != 0 {
		t.Errorf("find --service nobody: %+v", found)
	}
	runJSON(t, &found, append([]string{"find", "--format", "json", "--where", "protocol=bolt", "--min-span-duration", "20ms"}, w.inputs()...)...)
	if len(found) != 1 {
		t.Errorf("find --where: %+v", found)
	}
	runJSON(t, &found, append([]string{"find", "--format", "json", "--error"}, w.inputs()...)...)
	if len(found) != 0 {
		t.Errorf("find --error: %+v", found)
	}
}

func TestMissingMiddleSpan(t *testing.T) {
	w := makeWorld(t)
	var tr jsonTrace
	runJSON(t, &tr, append([]string{"trace", w.traceID, "--format", "json"}, w.inputs("gateway")...)...)
	byLabel := map[string]jsonSpan{}
	for _, s := range tr.Spans {
		byLabel[label(s)] = s
	}
	ph, ok := byLabel["0.1 ? "]
	if !ok || !ph.Missing {
		t.Fatalf("no missing placeholder for 0.1: %v", byLabel)
	}
	if ph.Parent < 0 || label(tr.Spans[ph.Parent]) != "0 edge client" {
		t.Errorf("placeholder under %d", ph.Parent)
	}
	srv := byLabel["0.1.1 orders server"]
	if srv.Parent < 0 || !tr.Spans[srv.Parent].Missing || srv.ParentID != "0.1" {
		t.Errorf("orders server hangs under %+v", srv)
	}
}
