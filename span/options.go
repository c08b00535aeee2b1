package span

import "github.com/opentracing/opentracing-go"

// ShareContext is a start option for RPC server spans: the span reuses the
// client's SpanId instead of taking a child id, as SOFARPC and MOSN servers
// do (client "0.1" and server "0.1" log one hop). Children of the server
// span are "0.1.1", "0.1.2", ... With a context of another tracer it is a
// plain ChildOf reference.
func ShareContext(client opentracing.SpanContext) opentracing.StartSpanOption {
	if c, ok := client.(*Context); ok && c != nil {
		return Shared{c} // pointer-shaped: no allocation
	}
	return shareOption{client}
}

// shareOption is ShareContext of another tracer's context.
type shareOption struct{ ctx opentracing.SpanContext }

func (o shareOption) Apply(opts *opentracing.StartSpanOptions) {
	if o.ctx != nil {
		opts.References = append(opts.References, opentracing.SpanReference{
			Type: opentracing.ChildOfRef, ReferencedContext: o.ctx,
		})
	}
}

// Shared is the referenced context of a span started with ShareContext: a
// tracer that finds it as a ChildOf reference gives the new span the
// context's own SpanId. It is pointer-shaped, so wrapping costs nothing.
type Shared struct{ *Context }

// Apply implements opentracing.StartSpanOption: ShareContext of a
// SOFATracer context.
func (s Shared) Apply(opts *opentracing.StartSpanOptions) {
	opts.References = append(opts.References, opentracing.SpanReference{
		Type: opentracing.ChildOfRef, ReferencedContext: s,
	})
}
