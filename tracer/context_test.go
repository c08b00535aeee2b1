package tracer_test

import (
	"context"
	"testing"

	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"

	"github.com/sofatracer/sofatracer-go/internal/spanopt"
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

// Only a child of a shared server span is marked ParentShared: neither
// the server span, nor a child of the client, nor a grandchild.
func TestChildOfSharedSpanIsMarked(t *testing.T) {
	tr := newTracer(t)
	client := tr.StartSpan("client")
	server := tr.StartSpan("server", span.ShareContext(client.Context()))
	child := tr.StartSpan("child", opentracing.ChildOf(server.Context()))
	follows := tr.StartSpan("follows", opentracing.FollowsFrom(server.Context()))
	sibling := tr.StartSpan("sibling", opentracing.ChildOf(client.Context()))
	grandchild := tr.StartSpan("grandchild", opentracing.ChildOf(child.Context()))
	for _, c := range []struct {
		s    opentracing.Span
		want bool
	}{{client, false}, {server, false}, {child, true}, {follows, true}, {sibling, false}, {grandchild, false}} {
		sc := &c.s.(*span.Span).Ctx
		if sc.ParentShared != c.want {
			t.Errorf("%s (%s parent %s): ParentShared %v", c.s.(*span.Span).OperationName(), sc.SpanID, sc.ParentID, sc.ParentShared)
		}
		c.s.Finish()
	}
	if sc := &child.(*span.Span).Ctx; sc.SpanID != "0.1" || sc.ParentID != "0" {
		t.Errorf("child %s parent %s", sc.SpanID, sc.ParentID)
	}
}

// TestChildOf: a span started with spanopt.ChildOf alone, or with another option,
// is what opentracing.ChildOf gives (ids, sampling, baggage, format), and
// ChildOf alone costs the span's own allocation only.
func TestChildOf(t *testing.T) {
	tr := newTracer(t)
	root := tr.StartSpan("root").(*span.Span)
	root.SetBaggageItem("user", "u-42")
	defer root.Finish()
	unsampled := span.NewContext("0a0fe91d156743109138810017302", "0.3", "0", false)
	b3 := span.NewContext("463ac35c9f6413ad48485a3953bb6124", "a2fb4a1d1a96d312", "", true)
	b3.Format = span.FormatB3
	for _, parent := range []*span.Context{&root.Ctx, unsampled, b3, nil} {
		for _, more := range [][]opentracing.StartSpanOption{nil, {opentracing.Tag{Key: "k", Value: "v"}}} {
			got := tr.StartSpan("child", append([]opentracing.StartSpanOption{(*spanopt.ChildOf)(parent)}, more...)...).(*span.Span)
			var ref opentracing.SpanContext
			if parent != nil {
				ref = parent
			}
			want := tr.StartSpan("child", append([]opentracing.StartSpanOption{opentracing.ChildOf(ref)}, more...)...).(*span.Span)
			g, w := &got.Ctx, &want.Ctx
			if parent != nil && (g.TraceID != w.TraceID || g.ParentID != w.ParentID || g.SpanID == w.SpanID) {
				t.Errorf("parent %v: ChildOf gave %s %s %s, opentracing.ChildOf %s %s %s", parent, g.TraceID, g.SpanID, g.ParentID, w.TraceID, w.SpanID, w.ParentID)
			}
			if parent == nil && (g.SpanID != "0" || g.ParentID != "" || g.TraceID == w.TraceID) {
				t.Errorf("nil parent: ChildOf gave %s %s %s, want a new root", g.TraceID, g.SpanID, g.ParentID)
			}
			if g.Sampled() != w.Sampled() || g.Format != w.Format || g.BaggageItem("user") != w.BaggageItem("user") || got.Tag("k") != want.Tag("k") {
				t.Errorf("parent %v, %d more options: ChildOf and opentracing.ChildOf differ", parent, len(more))
			}
			got.Finish()
			want.Finish()
		}
	}
	if g, w := tr.StartSpan("c", (*spanopt.ChildOf)(&root.Ctx)).(*span.Span).Ctx.SpanID, "0.5"; g != w { // after the four above
		t.Errorf("the root's fifth child is %s, want %s", g, w)
	}
	opt := (*spanopt.ChildOf)(&root.Ctx)
	if n := testing.AllocsPerRun(100, func() { tr.StartSpan("c", opt) }); n != 1 {
		t.Errorf("%v allocations per StartSpan(op, ChildOf(parent)), want 1 (the span)", n)
	}
}
