package otel

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/sofatracer/sofatracer-go/bench/internal/measure"
	"github.com/sofatracer/sofatracer-go/sofaotel"
	"github.com/sofatracer/sofatracer-go/sofaotel/otlp"
	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// Sub-benchmark names.
const (
	bare     = "bare"
	noopName = "otel-noop"
	sofa     = "sofaotel"
	otelSDK  = "otel-sdk"
	sofaOTLP = "sofaotel-otlp-reporter"
	sdkOTLP  = "otel-sdk-otlptracegrpc"
)

func newTracer(b *testing.B, opts ...tracer.Option) *tracer.Tracer {
	b.Helper()
	tr, err := tracer.New(append([]tracer.Option{tracer.WithAppName("bench"), tracer.WithLogDir(b.TempDir()),
		tracer.WithStatInterval(time.Hour)}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	return tr
}

// BenchmarkOtelHTTPHandler: one request through the same otelhttp handler
// with sofaotel's provider (the real digest pipeline writing files) and
// with the OpenTelemetry SDK (batch span processor with a no-op exporter,
// as the SDK peer of the other benchmarks); bare is the handler alone and
// otel-noop the handler inside otelhttp with the no-op provider, so that
// the providers' own cost per span is the difference to otel-noop.
func BenchmarkOtelHTTPHandler(b *testing.B) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	run := func(b *testing.B, h http.Handler) {
		req := httptest.NewRequest(http.MethodGet, "http://shop/orders/42", nil)
		b.ReportAllocs()
		b.ResetTimer()
		cpu, gcs := measure.ProcessCPU(), measure.GCCycles()
		for range b.N {
			h.ServeHTTP(httptest.NewRecorder(), req)
		}
		b.ReportMetric(float64((measure.ProcessCPU()-cpu).Nanoseconds())/float64(b.N), "cpu-ns/op")
		b.ReportMetric(float64(measure.GCCycles()-gcs)*1000/float64(b.N), "gc/kop")
	}
	b.Run(bare, func(b *testing.B) { run(b, ok) })
	b.Run(noopName, func(b *testing.B) {
		run(b, otelhttp.NewHandler(ok, "orders", otelhttp.WithTracerProvider(noop.NewTracerProvider()), otelhttp.WithPropagators(propagation.TraceContext{})))
	})
	b.Run(sofa, func(b *testing.B) {
		tr := newTracer(b)
		defer tr.Close()
		run(b, otelhttp.NewHandler(ok, "orders", otelhttp.WithTracerProvider(sofaotel.NewTracerProvider(tr)),
			otelhttp.WithPropagators(sofaotel.HTTPPropagator())))
		b.StopTimer()
		st := tr.Stats().Reporter
		b.ReportMetric(float64(st.Dropped)/float64(b.N), "dropped/op")
	})
	b.Run(otelSDK, func(b *testing.B) {
		tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithBatcher(tracetest.NewNoopExporter()))
		defer tp.Shutdown(context.Background())
		run(b, otelhttp.NewHandler(ok, "orders", otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(propagation.TraceContext{})))
	})
}

// sink is a local OTLP/gRPC collector that counts spans. It reads each
// request at the wire level (rawCodec keeps the bytes, countSpans walks
// them) instead of unmarshalling every attribute into Go structs: that
// work would be the same for both exporters and, in the benchmark's
// process, would dominate the measurement of theirs (it is 60 allocations
// and about two thirds of the CPU per span). A real collector runs in its
// own process.
type sink struct {
	coltracepb.UnimplementedTraceServiceServer
	spans atomic.Int64
}

func (s *sink) Export(_ context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	n, err := countSpans(req.ProtoReflect().GetUnknown())
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	s.spans.Add(int64(n))
	return &coltracepb.ExportTraceServiceResponse{}, nil
}

// countSpans counts the spans of an encoded ExportTraceServiceRequest:
// resource_spans (1) > scope_spans (2) > spans (2).
func countSpans(b []byte) (int, error) {
	n := 0
	err := fields(b, 1, func(rs []byte) error {
		return fields(rs, 2, func(ss []byte) error {
			return fields(ss, 2, func([]byte) error { n++; return nil })
		})
	})
	return n, err
}

// fields calls f with each length-delimited field num of message b.
func fields(b []byte, num protowire.Number, f func([]byte) error) error {
	for len(b) > 0 {
		n, typ, l := protowire.ConsumeTag(b)
		if l < 0 {
			return protowire.ParseError(l)
		}
		b = b[l:]
		if n == num && typ == protowire.BytesType {
			v, l := protowire.ConsumeBytes(b)
			if l < 0 {
				return protowire.ParseError(l)
			}
			if err := f(v); err != nil {
				return err
			}
			b = b[l:]
			continue
		}
		if l = protowire.ConsumeFieldValue(n, typ, b); l < 0 {
			return protowire.ParseError(l)
		}
		b = b[l:]
	}
	return nil
}

// rawCodec is the sink's gRPC codec: a request keeps its bytes as the
// message's unknown fields, unparsed.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return proto.Marshal(v.(proto.Message)) }
func (rawCodec) Unmarshal(data []byte, v any) error {
	v.(proto.Message).ProtoReflect().SetUnknown(bytes.Clone(data))
	return nil
}
func (rawCodec) Name() string { return "proto" }

func startSink(b *testing.B) (*sink, string) {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	s := &sink{}
	srv := grpc.NewServer(grpc.ForceServerCodec(rawCodec{}))
	coltracepb.RegisterTraceServiceServer(srv, s)
	go srv.Serve(l)
	b.Cleanup(srv.Stop)
	return s, "http://" + l.Addr().String()
}

var attrs = []attribute.KeyValue{
	attribute.String("http.request.method", "GET"), attribute.String("url.path", "/orders/42"),
	attribute.String("server.address", "shop"), attribute.Int("server.port", 8080), attribute.Int("http.response.status_code", 200),
}

// BenchmarkOTLPExport: finished spans (made before the timer starts, with
// the same content: the SDK's get the attributes our reporter sends for
// ours, see samePayload) delivered to a local
// OTLP/gRPC collector by our reporter (Report, then Close) and by the
// SDK's otlptracegrpc exporter (ExportSpans in batches of 512, as its
// batch span processor calls it, then Shutdown). The time runs until the
// collector has every span, so ns/op is the exporter's cost of one
// delivered span and spans/s its throughput. Neither side may drop: our
// queue and backlog hold b.N spans.
func BenchmarkOTLPExport(b *testing.B) {
	ctx := context.Background()
	measure := func(b *testing.B, s *sink, export func()) {
		b.ReportAllocs()
		b.ResetTimer()
		start, cpu := time.Now(), measure.ProcessCPU()
		export()
		el, cpu := time.Since(start), measure.ProcessCPU()-cpu
		b.StopTimer()
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
		if got := s.spans.Load(); got != int64(b.N) {
			b.Fatalf("collector got %d of %d spans", got, b.N)
		}
		b.ReportMetric(float64(b.N)/el.Seconds(), "spans/s")
	}
	b.Run(sofaOTLP, func(b *testing.B) {
		c := &capture{}
		tr := newTracer(b, tracer.WithReporter(c), tracer.WithQueueSize(1<<20))
		ot := sofaotel.NewTracerProvider(tr).Tracer("bench")
		for range b.N {
			_, sp := ot.Start(ctx, "GET /orders/{id}", trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
			sp.End()
		}
		tr.Close()
		s, url := startSink(b)
		r, err := otlp.NewReporter(otlp.WithEndpointURL(url), otlp.WithQueueSize(b.N+1), otlp.WithMaxBacklog(b.N+1),
			otlp.WithCloseTimeout(time.Minute), otlp.WithTimeout(time.Minute))
		if err != nil {
			b.Fatal(err)
		}
		measure(b, s, func() {
			for _, sp := range c.spans {
				r.Report(sp)
			}
			r.Close()
		})
		if st := r.Stats(); st.Dropped() != 0 {
			b.Fatalf("%s", st)
		}
	})
	b.Run(sdkOTLP, func(b *testing.B) {
		same := samePayload(b)
		mem := tracetest.NewInMemoryExporter()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithSyncer(mem))
		ot := tp.Tracer("bench")
		for range b.N {
			_, sp := ot.Start(ctx, "GET /orders/{id}", trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(same...))
			sp.End()
		}
		spans := mem.GetSpans().Snapshots()
		s, url := startSink(b)
		exp, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpointURL(url))
		if err != nil {
			b.Fatal(err)
		}
		measure(b, s, func() {
			for i := 0; i < len(spans); i += 512 {
				if err := exp.ExportSpans(ctx, spans[i:min(i+512, len(spans))]); err != nil {
					b.Fatal(err)
				}
			}
			exp.Shutdown(ctx)
		})
	})
}

// samePayload returns the attributes our reporter sends for the
// benchmark's span (the five, the SOFA layout's tags and the SOFA ids),
// so that both exporters send the same content.
func samePayload(b *testing.B) []attribute.KeyValue {
	c := &capture{}
	tr := newTracer(b, tracer.WithReporter(c))
	_, sp := sofaotel.NewTracerProvider(tr).Tracer("bench").Start(context.Background(), "GET /orders/{id}",
		trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
	sp.End()
	tr.Close()
	var out []attribute.KeyValue
	for _, a := range otlp.Convert(c.spans[0]).Attributes {
		switch v := a.Value.Value.(type) {
		case *commonpb.AnyValue_StringValue:
			out = append(out, attribute.String(a.Key, v.StringValue))
		case *commonpb.AnyValue_IntValue:
			out = append(out, attribute.Int64(a.Key, v.IntValue))
		}
	}
	if len(out) <= len(attrs) {
		b.Fatalf("payload %v", out)
	}
	return out
}

// capture keeps finished spans.
type capture struct{ spans []*span.Span }

func (c *capture) Report(s *span.Span) { c.spans = append(c.spans, s) }
func (c *capture) Close() error        { return nil }

// BenchmarkSpan: one span started and ended through each provider with
// the attributes otelhttp's server sets (half at start, half at the end),
// without otelhttp.
func BenchmarkSpan(b *testing.B) {
	benchSpans(b, "GET /orders/{id}", []attribute.KeyValue{
		attribute.String("http.request.method", "GET"), attribute.String("url.scheme", "http"),
		attribute.String("server.address", "shop"), attribute.Int("server.port", 8080), attribute.String("url.path", "/orders/42"),
		attribute.String("network.peer.address", "10.0.0.1"), attribute.Int("network.peer.port", 51234),
		attribute.String("user_agent.original", "Go-http-client/1.1"), attribute.String("network.protocol.version", "1.1"),
	}, []attribute.KeyValue{attribute.Int("http.response.status_code", 200), attribute.Int("http.response.body.size", 2)})
}

// BenchmarkSpanRPC: as BenchmarkSpan, with the attributes otelgrpc's
// server sets.
func BenchmarkSpanRPC(b *testing.B) {
	benchSpans(b, "shop.Orders/Get", []attribute.KeyValue{
		attribute.String("rpc.system", "grpc"), attribute.String("rpc.service", "shop.Orders"), attribute.String("rpc.method", "Get"),
		attribute.String("network.peer.address", "10.0.0.1"), attribute.Int("network.peer.port", 51234),
		attribute.String("server.address", "shop"), attribute.Int("server.port", 9090),
	}, []attribute.KeyValue{attribute.Int("rpc.grpc.status_code", 0)})
}

// benchSpans starts and ends a server span named name with attributes
// start, then end, through our provider and through the SDK.
func benchSpans(b *testing.B, name string, start, end []attribute.KeyValue) {
	run := func(b *testing.B, ot trace.Tracer) {
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		cpu, gcs := measure.ProcessCPU(), measure.GCCycles()
		defer func() {
			b.ReportMetric(float64((measure.ProcessCPU()-cpu).Nanoseconds())/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(measure.GCCycles()-gcs)*1000/float64(b.N), "gc/kop")
		}()
		for range b.N {
			_, sp := ot.Start(ctx, name, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(start...))
			sp.SetAttributes(end...)
			sp.End()
		}
	}
	b.Run(sofa, func(b *testing.B) {
		tr := newTracer(b)
		defer tr.Close()
		run(b, sofaotel.NewTracerProvider(tr).Tracer("bench"))
	})
	b.Run(otelSDK, func(b *testing.B) {
		tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithBatcher(tracetest.NewNoopExporter()))
		defer tp.Shutdown(context.Background())
		run(b, tp.Tracer("bench"))
	})
}
