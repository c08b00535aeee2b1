package sofaotel

import (
	"context"
	"testing"
	"unsafe"

	"github.com/opentracing/opentracing-go"
	"go.opentelemetry.io/otel/trace"

	"github.com/sofatracer/sofatracer-go/span"
)

type otherKey struct{}

// The one context node of a started span answers both APIs, under values
// and cancellations added later, and passes other keys to its parent.
func TestStartedSpanIsInTheContextInBothForms(t *testing.T) {
	if otelKey == nil || otKey == nil {
		t.Fatalf("context keys not found: otel %v, opentracing %v", otelKey, otKey)
	}
	tr, _ := newTracer(t, "ctx")
	parent, cancelParent := context.WithCancel(context.WithValue(context.Background(), otherKey{}, "v"))
	ctx, sp := NewTracerProvider(tr).Tracer("test").Start(parent, "op")
	defer sp.End()
	if _, ok := ctx.(*spanCtx); !ok {
		t.Fatalf("context %T", ctx)
	}
	ctx, cancel := context.WithCancel(context.WithValue(ctx, struct{}{}, 1))
	defer cancel()
	if got := trace.SpanFromContext(ctx); got != sp {
		t.Errorf("trace.SpanFromContext: %v", got)
	}
	if got := opentracing.SpanFromContext(ctx); got != opentracing.Span(sp.(*Span).SOFASpan()) || span.FromContext(ctx) != sp.(*Span).SOFASpan() {
		t.Errorf("opentracing.SpanFromContext: %v", got)
	}
	if ctx.Value(otherKey{}) != "v" {
		t.Error("a parent's value is lost")
	}
	cancelParent()
	<-ctx.Done()
}

// Every span started through the provider holds a Span: it must stay in
// the 224-byte size class.
func TestSpanFitsIn224Bytes(t *testing.T) {
	if got := unsafe.Sizeof(Span{}); got > 224 {
		t.Fatalf("Span is %d bytes, want <= 224", got)
	}
}
