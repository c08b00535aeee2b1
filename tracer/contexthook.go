package tracer

import (
	"context"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/span"
)

// ContextHook returns ctx with s stored in a second form, for another
// tracing API that reads contexts differently (the OpenTelemetry bridge
// stores its view of s, so that OpenTelemetry code sees OpenTracing spans).
type ContextHook func(ctx context.Context, s *span.Span) context.Context

// SetContextHook makes h run whenever a span of t is stored in a context
// with opentracing.ContextWithSpan (which t.StartSpanFromContext and the
// plugins use). A nil h removes the hook.
func (t *Tracer) SetContextHook(h ContextHook) {
	if h == nil {
		t.ctxHook.Store(nil)
		return
	}
	t.ctxHook.Store(&h)
}

var _ opentracing.TracerContextWithSpanExtension = (*Tracer)(nil)

// ContextWithSpanHook implements opentracing.TracerContextWithSpanExtension:
// opentracing.ContextWithSpan calls it, and it runs the hook set with
// SetContextHook.
func (t *Tracer) ContextWithSpanHook(ctx context.Context, sp opentracing.Span) context.Context {
	if h := t.ctxHook.Load(); h != nil {
		if s, ok := sp.(*span.Span); ok {
			return (*h)(ctx, s)
		}
	}
	return ctx
}
