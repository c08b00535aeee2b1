package tracer_test

import (
	"context"
	"testing"

	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"

	"github.com/sofatracer/sofatracer-go/span"
)

func TestStartSpanFromContext(t *testing.T) {
	tr := newTracer(t)
	root, ctx := tr.StartSpanFromContext(context.Background(), "root")
	if span.FromContext(ctx) != root || root.(*span.Span).Ctx.SpanID != "0" {
		t.Fatalf("root: ctx holds %v, id %q", span.FromContext(ctx), root.(*span.Span).Ctx.SpanID)
	}
	root.SetBaggageItem("user", "42")
	a, actx := tr.StartSpanFromContext(ctx, "a")
	b, _ := tr.StartSpanFromContext(ctx, "b", opentracing.Tag{Key: "k", Value: "v"})
	aa, _ := tr.StartSpanFromContext(actx, "aa")
	for _, c := range []struct {
		s                opentracing.Span
		spanID, parentID string
	}{{a, "0.1", "0"}, {b, "0.2", "0"}, {aa, "0.1.1", "0.1"}} {
		sc := &c.s.(*span.Span).Ctx
		if sc.TraceID != root.(*span.Span).Ctx.TraceID || sc.SpanID != c.spanID || sc.ParentID != c.parentID {
			t.Errorf("got %s %s parent %s, want %s parent %s", sc.TraceID, sc.SpanID, sc.ParentID, c.spanID, c.parentID)
		}
		if c.s.BaggageItem("user") != "42" {
			t.Errorf("%s lost the baggage", c.spanID)
		}
	}
	if b.(*span.Span).Tag("k") != "v" {
		t.Error("the options were ignored")
	}

	// A span of another tracer in ctx: a new trace, not a crash.
	mctx := opentracing.ContextWithSpan(context.Background(), mocktracer.New().StartSpan("m"))
	if s, _ := tr.StartSpanFromContext(mctx, "x"); s.(*span.Span).Ctx.SpanID != "0" {
		t.Errorf("child of a foreign span: id %s", s.(*span.Span).Ctx.SpanID)
	}
}
