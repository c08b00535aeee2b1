package span

import "github.com/opentracing/opentracing-go"

// ShareContext is a start option for RPC server spans: the span reuses the
// client's SpanId instead of taking a child id, as SOFARPC and MOSN servers
// do (client "0.1" and server "0.1" log one hop). Children of the server
// span are "0.1.1", "0.1.2", ... With a context of another tracer it is a
// plain ChildOf reference.
func ShareContext(client opentracing.SpanContext) opentracing.StartSpanOption {
	return shareOption{client}
}

type shareOption struct{ ctx opentracing.SpanContext }

func (o shareOption) Apply(opts *opentracing.StartSpanOptions) {
	ref := o.ctx
	if c, ok := ref.(*Context); ok && c != nil {
		ref = Shared{c}
	}
	if ref != nil {
		opts.References = append(opts.References, opentracing.SpanReference{
			Type: opentracing.ChildOfRef, ReferencedContext: ref,
		})
	}
}

// Shared is the referenced context of a span started with ShareContext: a
// tracer that finds it as a ChildOf reference gives the new span the
// context's own SpanId. It is pointer-shaped, so wrapping costs nothing.
type Shared struct{ *Context }
