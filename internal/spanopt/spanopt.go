// Package spanopt holds the start options that the tracer recognises on
// hot paths, so that the plugins can start spans without allocating; it is
// internal, leaving users one way to write each option (opentracing's).
package spanopt

import (
	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/span"
)

// ChildOf is opentracing.ChildOf of a *span.Context, pointer-shaped, so
// that it becomes a StartSpanOption without an allocation: (*ChildOf)(c).
// As the only option of the tracer's StartSpan it costs no allocation of
// the options either; anywhere else it is a plain ChildOf reference.
type ChildOf span.Context

// Apply implements opentracing.StartSpanOption.
func (c *ChildOf) Apply(o *opentracing.StartSpanOptions) {
	o.References = append(o.References, opentracing.SpanReference{Type: opentracing.ChildOfRef, ReferencedContext: (*span.Context)(c)})
}
