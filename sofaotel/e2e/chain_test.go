package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/sofatracer/sofatracer-go/plugins/bolt"
	"github.com/sofatracer/sofatracer-go/plugins/grpctrace"
	"github.com/sofatracer/sofatracer-go/plugins/nethttp"
	"github.com/sofatracer/sofatracer-go/sofaotel"
	"github.com/sofatracer/sofatracer-go/sofaotel/otlp"
	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// service is one traced process of the chain.
type service struct {
	name string
	tr   *tracer.Tracer
	otlp *otlp.Reporter
}

func newService(t *testing.T, name, otlpURL, protocol string) *service {
	t.Helper()
	s := &service{name: name}
	opts := []tracer.Option{tracer.WithAppName(name), tracer.WithLogDir(t.TempDir()), tracer.WithStatInterval(time.Hour)}
	if otlpURL != "" {
		r, err := otlp.NewReporter(otlp.WithEndpointURL(otlpURL), otlp.WithProtocol(protocol), otlp.WithBatchInterval(50*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		s.otlp = r
		opts = append(opts, tracer.WithReporter(r))
	}
	tr, err := tracer.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	s.tr = tr
	t.Cleanup(func() { tr.Close() })
	return s
}

// waitFinished waits until n spans of s reached its writer.
func (s *service) waitFinished(t *testing.T, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := s.tr.Stats().Reporter
		if r.Written+r.Unsampled+r.Dropped >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d of %d spans finished", s.name, r.Written, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// digestLines returns every digest line of s, with the file it is in.
func (s *service) digestLines(t *testing.T) []map[string]any {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(s.tr.LogDir(), "*-digest.log"))
	var out []map[string]any
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Fatalf("%s: %q: %v", f, sc.Text(), err)
			}
			m["file"] = filepath.Base(f)
			m["service"] = s.name
			out = append(out, m)
		}
	}
	return out
}

// health is service C's gRPC handler: it calls service D over Bolt.
type health struct {
	healthpb.UnimplementedHealthServer
	bolt *bolt.Client
}

func (h *health) Check(ctx context.Context, _ *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	if _, err := h.bolt.Call(ctx, &bolt.Request{Service: "com.example.Echo:1.0", Method: "echo", Codec: 11, Content: []byte("hi")}); err != nil {
		return nil, err
	}
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// chain runs nethttp client (A) → otelhttp server, otelgrpc client (B) →
// grpctrace server, Bolt client (C) → Bolt server (D) and returns the
// services, once every span is written.
func chain(t *testing.T, otlpGRPC, otlpHTTP string) []*service {
	a := newService(t, "chain-a", otlpGRPC, otlp.ProtocolGRPC)
	b := newService(t, "chain-b", otlpHTTP, otlp.ProtocolHTTPProtobuf)
	c := newService(t, "chain-c", otlpGRPC, otlp.ProtocolGRPC)
	d := newService(t, "chain-d", otlpHTTP, otlp.ProtocolHTTPProtobuf)

	// D: Bolt server.
	bsrv := bolt.NewServer(bolt.HandlerFunc(func(ctx context.Context, req *bolt.Request) (*bolt.Response, error) {
		if got := span.FromContext(ctx).BaggageItem("user"); got != "u-42" {
			t.Errorf("Bolt server: baggage user=%q", got)
		}
		return &bolt.Response{Content: req.Content}, nil
	}), bolt.WithTracer(d.tr))
	bl := listen(t)
	go bsrv.Serve(bl)
	defer bsrv.Close()

	// C: grpctrace server calling D.
	bc, err := bolt.Dial(context.Background(), bl.Addr().String(), bolt.WithTracer(c.tr))
	if err != nil {
		t.Fatal(err)
	}
	defer bc.Close()
	gsrv := grpc.NewServer(grpc.UnaryInterceptor(grpctrace.UnaryServerInterceptor(c.tr)))
	healthpb.RegisterHealthServer(gsrv, &health{bolt: bc})
	gl := listen(t)
	go gsrv.Serve(gl)
	defer gsrv.Stop()

	// B: otelhttp server calling C with otelgrpc, both on sofaotel.
	tpB := sofaotel.NewTracerProvider(b.tr)
	conn, err := grpc.NewClient(gl.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithStatsHandler(otelgrpc.NewClientHandler(otelgrpc.WithTracerProvider(tpB), otelgrpc.WithPropagators(sofaotel.TriplePropagator()))))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	front := otelhttp.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// An OpenTracing span inside otelhttp's handler is its child.
		sp, ctx := opentracing.StartSpanFromContextWithTracer(r.Context(), b.tr, "front-work")
		defer sp.Finish()
		if _, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
			http.Error(w, err.Error(), 502)
			return
		}
		io.WriteString(w, "ok")
	}), "front", otelhttp.WithTracerProvider(tpB), otelhttp.WithPropagators(sofaotel.HTTPPropagator()))
	hl := listen(t)
	hsrv := &http.Server{Handler: front, ReadHeaderTimeout: 5 * time.Second}
	go hsrv.Serve(hl)
	defer hsrv.Close()

	// A: a Java-style SOFA caller, the nethttp client plugin.
	root, ctx := a.tr.StartSpanFromContext(context.Background(), "caller")
	root.SetBaggageItem("user", "u-42")
	client := &http.Client{Transport: nethttp.NewTransport(a.tr, &http.Transport{})}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+hl.Addr().String()+"/orders", nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	root.Finish()
	client.CloseIdleConnections()
	if resp.StatusCode != 200 || string(body) != "ok" {
		t.Fatalf("front answered %d %q", resp.StatusCode, body)
	}
	a.waitFinished(t, 2)
	b.waitFinished(t, 3)
	c.waitFinished(t, 2)
	d.waitFinished(t, 1)
	svcs := []*service{a, b, c, d}
	for _, s := range svcs {
		if err := s.tr.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return svcs
}

// wantSpans are the chain's digest lines: service, file, spanId.
var wantSpans = [][3]string{
	{"chain-a", "biz-digest.log", "0"},
	{"chain-a", "http-client-digest.log", "0.1"},
	{"chain-b", "http-server-digest.log", "0.1.1"},
	{"chain-b", "biz-digest.log", "0.1.1.1"},
	{"chain-b", "rpc-client-digest.log", "0.1.1.1.1"},
	{"chain-c", "rpc-server-digest.log", "0.1.1.1.1"},
	{"chain-c", "rpc-client-digest.log", "0.1.1.1.1.1"},
	{"chain-d", "rpc-server-digest.log", "0.1.1.1.1.1"},
}

// checkDigests checks one TraceId, the span ids and the baggage in every
// service's digest files, and returns the TraceId.
func checkDigests(t *testing.T, svcs []*service) string {
	t.Helper()
	var lines []map[string]any
	for _, s := range svcs {
		lines = append(lines, s.digestLines(t)...)
	}
	var got [][3]string
	traceIDs := map[string]bool{}
	for _, l := range lines {
		id, _ := l["traceId"].(string)
		if id == "" {
			id, _ = l["tracerId"].(string)
		}
		traceIDs[id] = true
		got = append(got, [3]string{l["service"].(string), l["file"].(string), l["spanId"].(string)})
		bag, _ := l["biz.baggage"].(string)
		if bag == "" {
			bag, _ = l["baggage"].(string)
		}
		if !strings.Contains(bag, "user=u-42") {
			t.Errorf("%s %s %s: baggage %q", l["service"], l["file"], l["spanId"], bag)
		}
	}
	sort.Slice(got, func(i, j int) bool { return got[i][2] < got[j][2] || got[i][2] == got[j][2] && got[i][0] < got[j][0] })
	if len(traceIDs) != 1 {
		t.Fatalf("TraceIds %v", traceIDs)
	}
	if len(got) != len(wantSpans) {
		t.Fatalf("digest lines %v, want %v", got, wantSpans)
	}
	for i := range got {
		if got[i] != wantSpans[i] {
			t.Errorf("line %d: %v, want %v", i, got[i], wantSpans[i])
		}
	}
	for id := range traceIDs {
		return id
	}
	return ""
}

// TestChainDigests needs no collector: the chain's digest files.
func TestChainDigests(t *testing.T) {
	checkDigests(t, chain(t, "", ""))
}
