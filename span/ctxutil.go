package span

import (
	"context"

	"github.com/opentracing/opentracing-go"
)

// FromContext returns the SOFATracer span that opentracing.ContextWithSpan
// (or opentracing.StartSpanFromContext) stored in ctx, or nil.
func FromContext(ctx context.Context) *Span {
	s, _ := opentracing.SpanFromContext(ctx).(*Span)
	return s
}

// TraceIDFromContext returns the TraceId of the span in ctx, or "".
func TraceIDFromContext(ctx context.Context) string {
	if s := FromContext(ctx); s != nil {
		return s.Ctx.TraceID
	}
	return ""
}

// SpanIDFromContext returns the SpanId of the span in ctx, or "".
func SpanIDFromContext(ctx context.Context) string {
	if s := FromContext(ctx); s != nil {
		return s.Ctx.SpanID
	}
	return ""
}
