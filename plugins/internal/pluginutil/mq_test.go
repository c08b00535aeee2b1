package pluginutil

import (
	"reflect"
	"testing"

	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"

	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// TestInjectMessageJavaB3TextMap: a SOFA context is written as Java's
// TextMapB3Formatter writes it: raw ids, "true", baggage %-escaped only.
func TestInjectMessageJavaB3TextMap(t *testing.T) {
	sc := span.NewContext("0a0fe91d156743109138810017302", "0.1.2", "0.1", true)
	sc.SetBaggage(&span.Baggage{Biz: map[string]string{"user": "a b=c&d%", "k=1": "v"}, Sys: map[string]string{"zone": "gz00b"}})
	got := opentracing.TextMapCarrier{}
	if err := InjectMessage(mocktracer.New(), sc, got); err != nil {
		t.Fatal(err)
	}
	want := opentracing.TextMapCarrier{
		"X-B3-TraceId": "0a0fe91d156743109138810017302", "X-B3-SpanId": "0.1.2", "X-B3-ParentSpanId": "0.1",
		"X-B3-Sampled": "true", "baggage-user": "a b%3Dc%26d%25", "baggage-k%3D1": "v", "baggage-sys-zone": "gz00b",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("headers %v, want %v", got, want)
	}
}

// TestInjectMessageOtherTracer: another tracer's context goes through
// its own TextMap injection, and ExtractMessage reads it back.
func TestInjectMessageOtherTracer(t *testing.T) {
	tr := mocktracer.New()
	sp := tr.StartSpan("send")
	c := opentracing.TextMapCarrier{}
	if err := InjectMessage(tr, sp.Context(), c); err != nil || len(c) == 0 {
		t.Fatalf("inject: %v, %v", err, c)
	}
	got, ok := ExtractMessage(tr, c).(mocktracer.MockSpanContext)
	if !ok || got.SpanID != sp.Context().(mocktracer.MockSpanContext).SpanID {
		t.Errorf("extracted %v from %v", got, c)
	}
	if ExtractMessage(tr, opentracing.TextMapCarrier{}) != nil {
		t.Error("a context from empty headers")
	}
}

// TestStartChild: with a SOFATracer, the span is the next child of the
// extracted context, started with one allocation (the span); with
// another tracer, a ChildOf.
func TestStartChild(t *testing.T) {
	tr, err := tracer.New(tracer.WithAppName("test"), tracer.WithLogDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	sc := span.NewContext("0a0fe91d156743109138810017302", "0.1", "0", true)
	sp := StartChild(tr, "consume", sc).(*span.Span)
	if sp.Ctx.TraceID != sc.TraceID || sp.Ctx.ParentID != "0.1" || sp.Ctx.SpanID != "0.1.1" {
		t.Errorf("child %s %s of %s, want 0.1.1 of 0.1", sp.Ctx.TraceID, sp.Ctx.SpanID, sp.Ctx.ParentID)
	}
	if n := testing.AllocsPerRun(100, func() { StartChild(tr, "consume", sc) }); n > 1 {
		t.Errorf("%v allocations, want 1 (the span)", n)
	}

	mt := mocktracer.New()
	parent := mt.StartSpan("send")
	child := StartChild(mt, "consume", parent.Context()).(*mocktracer.MockSpan)
	if child.ParentID != parent.Context().(mocktracer.MockSpanContext).SpanID {
		t.Errorf("mock child of %d, want %d", child.ParentID, parent.Context().(mocktracer.MockSpanContext).SpanID)
	}
}
