package pluginutil

import (
	"sync"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/internal/spanopt"
	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// ChildOf is opentracing.ChildOf(SC) as a pointer: kept in memory the
// caller reuses (a pool, per-call state), it is passed to StartSpan
// without an allocation.
type ChildOf struct{ SC opentracing.SpanContext }

// Apply implements opentracing.StartSpanOption.
func (c *ChildOf) Apply(o *opentracing.StartSpanOptions) {
	o.References = append(o.References, opentracing.SpanReference{Type: opentracing.ChildOfRef, ReferencedContext: c.SC})
}

// childStarter is a ChildOf and the option slice that holds it, reused.
type childStarter struct {
	ref  ChildOf
	opts [1]opentracing.StartSpanOption
}

var childStarters = sync.Pool{New: func() any {
	s := new(childStarter)
	s.opts[0] = &s.ref
	return s
}}

// StartChild starts a span named op, a child of sc, as
// tr.StartSpan(op, opentracing.ChildOf(sc)) does, allocating no option:
// for a SOFATracer context and tracer with spanopt.ChildOf (no pooled
// options either), for any other with a pooled ChildOf.
func StartChild(tr opentracing.Tracer, op string, sc opentracing.SpanContext) opentracing.Span {
	if c, ok := sc.(*span.Context); ok {
		if t, ok := tr.(*tracer.Tracer); ok {
			return t.StartSpan(op, (*spanopt.ChildOf)(c))
		}
	}
	s := childStarters.Get().(*childStarter)
	s.ref.SC = sc
	sp := tr.StartSpan(op, s.opts[:]...)
	s.ref.SC = nil
	childStarters.Put(s)
	return sp
}
