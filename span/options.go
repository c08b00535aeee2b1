package span

import "github.com/opentracing/opentracing-go"

// TagShared is the start-option tag by which ShareContext asks a SOFA
// tracer to reuse the referenced context's SpanId. Other tracers see a
// plain ChildOf reference and a boolean tag.
const TagShared = "sofa.shared"

// ShareContext is a start option for RPC server spans: the span reuses the
// client's SpanId instead of taking a child id, as SOFARPC and MOSN servers
// do (client "0.1" and server "0.1" log one hop). Children of the server
// span are "0.1.1", "0.1.2", ...
func ShareContext(client opentracing.SpanContext) opentracing.StartSpanOption {
	return shareOption{client}
}

type shareOption struct{ ctx opentracing.SpanContext }

func (o shareOption) Apply(opts *opentracing.StartSpanOptions) {
	if o.ctx != nil {
		opts.References = append(opts.References, opentracing.SpanReference{
			Type: opentracing.ChildOfRef, ReferencedContext: o.ctx,
		})
	}
	if opts.Tags == nil {
		opts.Tags = make(map[string]any, 1)
	}
	opts.Tags[TagShared] = true
}
