package tracer

import (
	"context"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/span"
)

// StartSpanFromContext starts a span that is a child of the span in ctx, if
// there is one, and returns it with a copy of ctx that holds it. It does
// what opentracing.StartSpanFromContextWithTracer does, with two fewer
// allocations: the new span and the new context are all it allocates.
func (t *Tracer) StartSpanFromContext(ctx context.Context, operationName string, opts ...opentracing.StartSpanOption) (opentracing.Span, context.Context) {
	parent := opentracing.SpanFromContext(ctx)
	var s opentracing.Span
	if p, ok := parent.(*span.Span); ok && len(opts) == 0 {
		refs := [1]opentracing.SpanReference{{Type: opentracing.ChildOfRef, ReferencedContext: &p.Ctx}}
		s = t.start(operationName, &opentracing.StartSpanOptions{References: refs[:]})
	} else {
		if parent != nil {
			opts = append(opts, opentracing.ChildOf(parent.Context()))
		}
		s = t.StartSpan(operationName, opts...)
	}
	return s, opentracing.ContextWithSpan(ctx, s)
}
