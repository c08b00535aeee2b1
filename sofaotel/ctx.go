package sofaotel

import (
	"context"

	"github.com/opentracing/opentracing-go"
	"go.opentelemetry.io/otel/trace"
)

// spanCtx holds a started span in both APIs' forms in one context node,
// where trace.ContextWithSpan and opentracing.ContextWithSpan would make
// two: it answers both APIs' context keys.
type spanCtx struct {
	context.Context
	w *Span
}

// The two APIs' context keys, which they do not export: each is the key
// its SpanFromContext asks a context for (see probeKey).
var otelKey, otKey = probeKey(func(ctx context.Context) { trace.SpanFromContext(ctx) }),
	probeKey(func(ctx context.Context) { opentracing.SpanFromContext(ctx) })

// keyProbe records the key a lookup asks for.
type keyProbe struct {
	context.Context
	key any
}

func (p *keyProbe) Value(key any) any {
	p.key = key
	return nil
}

func probeKey(lookup func(context.Context)) any {
	p := &keyProbe{Context: context.Background()}
	lookup(p)
	return p.key
}

func (c *spanCtx) Value(key any) any {
	switch key {
	case otelKey:
		return trace.Span(c.w)
	case otKey:
		return opentracing.Span(c.w.sp)
	}
	return c.Context.Value(key)
}

// contextWithSpan returns ctx holding w in both APIs' forms; the node is
// part of w, so that it costs no allocation of its own.
func contextWithSpan(ctx context.Context, w *Span) context.Context {
	if otelKey == nil || otKey == nil { // an API that no longer asks its context
		return opentracing.ContextWithSpan(trace.ContextWithSpan(ctx, w), w.sp)
	}
	w.node = spanCtx{Context: ctx, w: w}
	return &w.node
}
