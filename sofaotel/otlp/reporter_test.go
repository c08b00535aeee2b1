package otlp

import (
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"go.uber.org/goleak"

	"github.com/sofatracer/sofatracer-go/reporter/zipkin"
	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

func TestMain(m *testing.M) {
	if addr := os.Getenv("OTLP_TEST_SINK_ADDR"); addr != "" {
		runSinkProcess(addr)
		return
	}
	goleak.VerifyTestMain(m)
}

func newTracer(t testing.TB, r *Reporter, opts ...tracer.Option) *tracer.Tracer {
	t.Helper()
	base := []tracer.Option{tracer.WithAppName("otlp-app"), tracer.WithLogDir(t.TempDir()), tracer.WithStatInterval(time.Hour), tracer.WithReporter(r)}
	tr, err := tracer.New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func fast(endpoint string, more ...Option) []Option {
	return append([]Option{WithEndpointURL(endpoint), WithBatchInterval(20 * time.Millisecond),
		WithMaxRetryBackoff(100 * time.Millisecond), WithTimeout(300 * time.Millisecond), WithCloseTimeout(2 * time.Second)}, more...)
}

// balanced checks the promise: every reported span is sent or counted as
// dropped.
func balanced(t *testing.T, st Stats) {
	t.Helper()
	if st.Sent+st.Dropped() != st.Reported {
		t.Fatalf("sent %d + dropped %d != reported %d: %s", st.Sent, st.Dropped(), st.Reported, st)
	}
}

func TestGRPCDeliversSpansWithTheZipkinReportersIDs(t *testing.T) {
	s := &sink{}
	addr := startGRPCSink(t, s, "127.0.0.1:0")
	r, err := NewReporter(fast("http://" + addr)...)
	if err != nil {
		t.Fatal(err)
	}
	tr := newTracer(t, r)
	root := tr.StartSpan("root").(*span.Span)
	root.SetBaggageItem("user", "u-1")
	child := tr.StartSpan("child", opentracing.ChildOf(root.Context()), opentracing.Tag{Key: "span.kind", Value: "client"}).(*span.Span)
	child.SetTag("n", 3)
	child.SetTag("error", true)
	child.SetTag("error.message", "boom")
	child.LogKV("event", "retry", "attempt", 2)
	srv := tr.StartSpan("server", span.ShareContext(child.Context()), opentracing.Tag{Key: "span.kind", Value: "server"}).(*span.Span)
	tr.StartSpan("server-child", opentracing.ChildOf(srv.Context())).Finish()
	srv.Finish()
	child.Finish()
	root.Finish()
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	st := r.Stats()
	if st.Sent != 4 || st.Reported != 4 {
		t.Fatalf("stats %s", st)
	}
	spans, _ := s.got()
	byName := map[string]*tracepb.Span{}
	for _, sp := range spans {
		byName[sp.Name] = sp
	}
	for _, sp := range []*span.Span{root, child} {
		zt, zs, zp := zipkin.IDs(&sp.Ctx)
		m := byName[sp.OperationName()]
		if m == nil {
			t.Fatalf("%s not received", sp.OperationName())
		}
		if hex.EncodeToString(m.TraceId) != zt.String() || hex.EncodeToString(m.SpanId) != zs.String() {
			t.Errorf("%s: ids %x %x, Zipkin %s %s", sp.OperationName(), m.TraceId, m.SpanId, zt, zs)
		}
		if zp != nil && hex.EncodeToString(m.ParentSpanId) != zp.String() {
			t.Errorf("%s: parent %x, Zipkin %s", sp.OperationName(), m.ParentSpanId, zp)
		}
		if m.TraceState != "sofa="+sp.Ctx.TraceID+";"+sp.Ctx.SpanID {
			t.Errorf("tracestate %q", m.TraceState)
		}
	}
	c := byName["child"]
	if c.Kind != tracepb.Span_SPAN_KIND_CLIENT || c.Status.GetCode() != tracepb.Status_STATUS_CODE_ERROR || c.Status.Message != "boom" {
		t.Errorf("child kind %v status %v", c.Kind, c.Status)
	}
	attrs := map[string]string{}
	for _, a := range c.Attributes {
		attrs[a.Key] = a.Value.GetStringValue()
		if _, ok := a.Value.Value.(*commonpb.AnyValue_IntValue); ok {
			attrs[a.Key] = fmt.Sprint(a.Value.GetIntValue())
		}
	}
	if attrs["n"] != "3" || attrs["user"] != "u-1" || attrs["sofa.span_id"] != "0.1" {
		t.Errorf("attributes %v", attrs)
	}
	if len(c.Events) != 1 || c.Events[0].Name != "retry" {
		t.Errorf("events %v", c.Events)
	}
	// The shared server span: its own id, its client's as parent.
	sv := byName["server"]
	if string(sv.ParentSpanId) != string(c.SpanId) || string(sv.SpanId) == string(c.SpanId) {
		t.Errorf("shared server span %x parent %x, client %x", sv.SpanId, sv.ParentSpanId, c.SpanId)
	}
	// Its child hangs off it, not off the client.
	if sc := byName["server-child"]; sc == nil || string(sc.ParentSpanId) != string(sv.SpanId) {
		t.Errorf("child of the shared server span: %v, want parent %x", sc, sv.SpanId)
	}
}

func TestHTTPProtobufChosenByEnvironment(t *testing.T) {
	s := &sink{}
	addr := startHTTPSink(t, s)
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+addr)
	r, err := NewReporter(WithBatchInterval(20*time.Millisecond), WithServiceName("svc-x"))
	if err != nil {
		t.Fatal(err)
	}
	tr := newTracer(t, r)
	for range 10 {
		tr.StartSpan("op").Finish()
	}
	tr.Close()
	spans, _ := s.got()
	if len(spans) != 10 || s.services[0] != "svc-x" {
		t.Fatalf("%d spans via HTTP, service %v; %s", len(spans), s.services, r.Stats())
	}
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")
	if _, err := NewReporter(); err == nil || !strings.Contains(err.Error(), "http/json") {
		t.Fatalf("unsupported protocol: %v", err)
	}
}

// One bad tag or a huge batch never loses the rest: strings are made
// valid UTF-8, and a batch over 4 MiB goes in parts.
func TestInvalidUTF8AndOversizedBatchAreDeliveredInParts(t *testing.T) {
	s := &sink{}
	addr := startGRPCSink(t, s, "127.0.0.1:0")
	r, err := NewReporter(fast("http://"+addr, WithBatchInterval(time.Hour), WithBatchSize(1000), WithCloseTimeout(time.Minute), WithTimeout(30*time.Second))...)
	if err != nil {
		t.Fatal(err)
	}
	tr := newTracer(t, r, tracer.WithSpanLimits(64, 64<<10, 128))
	bad := tr.StartSpan("bad\xff\xfe name")
	bad.SetTag("k\xc3", "v\xff")
	bad.LogKV("event", "e\x80")
	bad.Finish()
	big := strings.Repeat("x", 60<<10)
	const n = 100 // 100 spans x 4 tags x 60 KiB = 24 MiB in one batch
	for i := range n {
		sp := tr.StartSpan("big")
		for j := range 4 {
			sp.SetTag(fmt.Sprint("t", j), fmt.Sprint(i, big))
		}
		sp.Finish()
	}
	tr.Close()
	st := r.Stats()
	spans, reqs := s.got()
	if st.Sent != n+1 || len(spans) != n+1 {
		t.Fatalf("sent %d, received %d: %s", st.Sent, len(spans), st)
	}
	if reqs < 6 {
		t.Fatalf("%d requests for 24 MiB", reqs)
	}
	for _, sz := range s.sizes {
		if sz > DefaultMaxRequestBytes {
			t.Fatalf("a request of %d bytes", sz)
		}
	}
	for _, sp := range spans {
		if strings.HasPrefix(sp.Name, "bad") && (sp.Name != "bad\uFFFD name" || sp.Events[0].Name != "e\uFFFD") {
			t.Fatalf("not sanitized: %q %v", sp.Name, sp.Events)
		}
	}
}

// report makes n spans quickly and checks that Report never waits.
func report(t *testing.T, tr *tracer.Tracer, n int) {
	t.Helper()
	start := time.Now()
	for range n {
		tr.StartSpan("op").Finish()
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("%d spans took %v: the application waited for the collector", n, d)
	}
}

func TestCollectorDownHangingOrFailing(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T) string
	}{
		{"down", func(t *testing.T) string {
			l, _ := net.Listen("tcp", "127.0.0.1:0")
			addr := l.Addr().String()
			l.Close()
			return "http://" + addr
		}},
		{"hanging grpc", func(t *testing.T) string {
			s := &sink{mode: sinkHang}
			return "http://" + startGRPCSink(t, s, "127.0.0.1:0")
		}},
		{"refusing grpc", func(t *testing.T) string {
			s := &sink{mode: sinkFail}
			return "http://" + startGRPCSink(t, s, "127.0.0.1:0")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewReporter(fast(tc.setup(t), WithMaxBacklog(50), WithQueueSize(64), WithCloseTimeout(700*time.Millisecond))...)
			if err != nil {
				t.Fatal(err)
			}
			tr := newTracer(t, r)
			for range 5 {
				report(t, tr, 2000)
				time.Sleep(50 * time.Millisecond)
			}
			start := time.Now()
			tr.Close()
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("Close took %v", d)
			}
			st := r.Stats()
			balanced(t, st)
			if st.Sent != 0 || st.Dropped() != 10000 || st.Requests == 0 {
				t.Fatalf("%s", st)
			}
		})
	}
}

func TestHTTP500IsCountedAsRejected(t *testing.T) {
	s := &sink{mode: sinkFail}
	addr := startHTTPSink(t, s)
	r, err := NewReporter(fast("http://"+addr, WithProtocol(ProtocolHTTPProtobuf))...)
	if err != nil {
		t.Fatal(err)
	}
	tr := newTracer(t, r)
	report(t, tr, 100)
	time.Sleep(100 * time.Millisecond)
	s.setMode(sinkOK)
	time.Sleep(300 * time.Millisecond)
	report(t, tr, 100)
	tr.Close()
	st := r.Stats()
	balanced(t, st)
	if st.Rejected == 0 || st.Sent < 100 {
		t.Fatalf("%s", st)
	}
	spans, _ := s.got()
	if int64(len(spans)) != st.Sent {
		t.Fatalf("collector has %d, Sent %d", len(spans), st.Sent)
	}
}

func TestReportAfterCloseAndUnsampled(t *testing.T) {
	s := &sink{}
	r, err := NewReporter(fast("http://" + startGRPCSink(t, s, "127.0.0.1:0"))...)
	if err != nil {
		t.Fatal(err)
	}
	never, err := tracer.PercentageSampler(0)
	if err != nil {
		t.Fatal(err)
	}
	tr := newTracer(t, r, tracer.WithSampler(never))
	tr.StartSpan("unsampled").Finish()
	tr.Close()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); st.Unsampled != 1 || st.Reported != 0 {
		t.Fatalf("%s", st)
	}
	tr2 := newTracer(t, r)
	tr2.StartSpan("late").Finish()
	tr2.Close()
	if st := r.Stats(); st.DroppedAfterClose != 1 {
		t.Fatalf("%s", st)
	}
	if _, err := NewReporter(WithBatchSize(0)); err == nil {
		t.Fatal("batch size 0 accepted")
	}
}

func TestGRPCIsTheDefaultProtocol(t *testing.T) {
	s := &sink{}
	addr := startGRPCSink(t, s, "127.0.0.1:0")
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://"+addr)
	r, err := NewReporter(WithBatchInterval(20 * time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	tr := newTracer(t, r)
	tr.StartSpan("op").Finish()
	tr.Close()
	if spans, _ := s.got(); len(spans) != 1 || s.services[0] != "otlp-app" {
		t.Fatalf("%d spans over gRPC, services %v: %s", len(spans), s.services, r.Stats())
	}
}
