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
