package tracer_test

import (
	"testing"

	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/harness"

	"github.com/sofatracer/sofatracer-go/span"
)

// probe tells the harness which spans and contexts belong together.
type probe struct{}

func (probe) SameTrace(a, b opentracing.Span) bool {
	ca, ok1 := a.Context().(*span.Context)
	cb, ok2 := b.Context().(*span.Context)
	return ok1 && ok2 && ca.TraceID == cb.TraceID
}

func (probe) SameSpanContext(s opentracing.Span, sc opentracing.SpanContext) bool {
	a, ok1 := s.Context().(*span.Context)
	b, ok2 := sc.(*span.Context)
	return ok1 && ok2 && a.TraceID == b.TraceID && a.SpanID == b.SpanID && a.Sampled() == b.Sampled()
}

func TestOpenTracingAPIHarness(t *testing.T) {
	newTracer := func() (opentracing.Tracer, func()) {
		tr := newTracer(t)
		return tr, func() {
			if err := tr.Close(); err != nil {
				t.Error(err)
			}
		}
	}
	harness.RunAPIChecks(t, newTracer, harness.CheckEverything(), harness.UseProbe(probe{}))
}
