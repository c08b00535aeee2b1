package sofaotel

import (
	"context"
	"net/http"
	"testing"

	"github.com/opentracing/opentracing-go"
	"go.opentelemetry.io/otel/baggage"
	otelprop "go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/sofatracer/sofatracer-go/span"
)

func TestHTTPPropagatorWritesWhatNethttpReads(t *testing.T) {
	tr, _ := newTracer(t, "prop")
	ot := NewTracerProvider(tr).Tracer("x")
	ctx, root := ot.Start(context.Background(), "root")
	root.(*Span).SOFASpan().SetBaggageItem("user", "u-42")
	h := http.Header{}
	HTTPPropagator().Inject(ctx, otelprop.HeaderCarrier(h))
	c := &root.(*Span).SOFASpan().Ctx
	if h.Get("X-B3-TraceId") != c.TraceID || h.Get("X-B3-SpanId") != "0" || h.Get("Baggage-User") != "u-42" {
		t.Fatalf("headers %v", h)
	}
	// The core tracer (as the nethttp plugin) extracts the same context.
	got, err := tr.Extract(opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(h))
	if err != nil || got.(*span.Context).TraceID != c.TraceID || got.(*span.Context).BaggageItem("user") != "u-42" {
		t.Fatalf("core extract: %v %v", got, err)
	}
	// Extraction gives a remote parent whose children continue the ids.
	sctx := HTTPPropagator().Extract(context.Background(), otelprop.HeaderCarrier(h))
	rsc := trace.SpanContextFromContext(sctx)
	if !rsc.IsRemote() || rsc.TraceID() != root.SpanContext().TraceID() || rsc.SpanID() != root.SpanContext().SpanID() {
		t.Fatalf("remote span context %v, want ids of %v", rsc, root.SpanContext())
	}
	_, srv := ot.Start(sctx, "server", trace.WithSpanKind(trace.SpanKindServer))
	ss := srv.(*Span).SOFASpan()
	if ss.Ctx.TraceID != c.TraceID || ss.Ctx.SpanID != "0.1" || ss.BaggageItem("user") != "u-42" {
		t.Fatalf("server span %s %s %q", ss.Ctx.TraceID, ss.Ctx.SpanID, ss.BaggageItem("user"))
	}
	// Other SOFA forms are read too.
	for _, hh := range []http.Header{
		{"Sftc_head": {"tcid=" + c.TraceID + "&spid=0.3&sample=true&"}},
		{"Sofa-Traceid": {c.TraceID}, "Sofa-Rpcid": {"0.3"}},
	} {
		sc := trace.SpanContextFromContext(HTTPPropagator().Extract(context.Background(), otelprop.HeaderCarrier(hh)))
		if _, want, _ := IDs(span.NewContext(c.TraceID, "0.3", "", true)); sc.SpanID() != want {
			t.Errorf("%v: span id %s", hh, sc.SpanID())
		}
	}
	if f := HTTPPropagator().Fields(); len(f) != 4 || f[0] != "X-B3-TraceId" {
		t.Errorf("fields %v", f)
	}
	if ctx := HTTPPropagator().Extract(context.Background(), otelprop.HeaderCarrier(http.Header{"X-B3-Traceid": {"a b"}})); trace.SpanContextFromContext(ctx).IsValid() {
		t.Error("a corrupt id was extracted")
	}
	srv.End()
	root.End()
}

func TestTriplePropagatorServerSharesClientID(t *testing.T) {
	tr, _ := newTracer(t, "tri")
	ot := NewTracerProvider(tr).Tracer("x")
	ctx, root := ot.Start(context.Background(), "root")
	ctx, cl := ot.Start(ctx, "client", trace.WithSpanKind(trace.SpanKindClient))
	cl.(*Span).SOFASpan().SetBaggageItem("k", "v&=")
	md := otelprop.MapCarrier{}
	TriplePropagator().Inject(ctx, md)
	if md["tri-trace-rpcid"] != "0.1" || md["sofa-traceid"] != root.(*Span).SOFASpan().Ctx.TraceID || md["tri-trace-biz-baggage"] == "" {
		t.Fatalf("metadata %v", md)
	}
	sctx := TriplePropagator().Extract(context.Background(), md)
	_, srv := ot.Start(sctx, "server", trace.WithSpanKind(trace.SpanKindServer))
	sc := &srv.(*Span).SOFASpan().Ctx
	if sc.SpanID != "0.1" || !sc.Shared || sc.BaggageItem("k") != "v&=" {
		t.Fatalf("server %q shared %v baggage %q", sc.SpanID, sc.Shared, sc.BaggageItem("k"))
	}
	if srv.SpanContext().SpanID() == cl.SpanContext().SpanID() {
		t.Fatal("the shared server span has its client's OpenTelemetry span id")
	}
	srv.End()
	cl.End()
	root.End()
}

// The propagators work with the OpenTelemetry SDK's tracer, composed with
// TraceContext and Baggage: a SOFA caller's TraceId survives an SDK hop.
func TestPropagatorsWithTheSDKAndW3C(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	sdk := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	defer sdk.Shutdown(context.Background())
	prop := otelprop.NewCompositeTextMapPropagator(otelprop.TraceContext{}, otelprop.Baggage{}, HTTPPropagator())

	in := http.Header{"X-B3-Traceid": {"0a0fe9271567477985327100211176"}, "X-B3-Spanid": {"0.2"}, "X-B3-Sampled": {"true"}, "Baggage-User": {"u-1"}}
	ctx := prop.Extract(context.Background(), otelprop.HeaderCarrier(in))
	ctx, s := sdk.Tracer("sdk").Start(ctx, "sdk-span")
	if got := s.SpanContext().TraceID().String(); got != "000a0fe9271567477985327100211176" {
		t.Fatalf("SDK span joined trace %s", got)
	}
	out := http.Header{}
	prop.Inject(ctx, otelprop.HeaderCarrier(out))
	if out.Get("X-B3-TraceId") != "0a0fe9271567477985327100211176" || out.Get("X-B3-SpanId") != "0.2.1" || out.Get("Baggage-User") != "u-1" {
		t.Fatalf("SOFA headers after an SDK hop: %v", out)
	}
	if tp := out.Get("traceparent"); tp == "" || tp[3:35] != "000a0fe9271567477985327100211176" {
		t.Fatalf("traceparent %q", tp)
	}
	s.End()

	// A W3C caller (the SDK) and our provider: one trace, parent linked.
	tr, cap := newTracer(t, "w3c")
	ours := NewTracerProvider(tr).Tracer("x")
	cctx, caller := sdk.Tracer("sdk").Start(baggage.ContextWithoutBaggage(context.Background()), "caller", trace.WithSpanKind(trace.SpanKindClient))
	wire := http.Header{}
	prop.Inject(cctx, otelprop.HeaderCarrier(wire))
	sctx := prop.Extract(context.Background(), otelprop.HeaderCarrier(http.Header{"Traceparent": wire["Traceparent"]}))
	_, srv := ours.Start(sctx, "server", trace.WithSpanKind(trace.SpanKindServer))
	srv.End()
	caller.End()
	fin := cap.byName(t, "server")
	if fin.Ctx.TraceID != caller.SpanContext().TraceID().String() || fin.Ctx.ParentID != caller.SpanContext().SpanID().String() {
		t.Fatalf("server %s parent %s, caller %v", fin.Ctx.TraceID, fin.Ctx.ParentID, caller.SpanContext())
	}
	if srv.SpanContext().TraceID() != caller.SpanContext().TraceID() {
		t.Fatal("OpenTelemetry trace ids differ")
	}
}
