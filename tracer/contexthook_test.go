package tracer

import (
	"context"
	"testing"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/span"
)

type hookKey struct{}

func TestContextHookRunsOnContextWithSpan(t *testing.T) {
	tr, err := New(WithAppName("hook"), WithLogDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	tr.SetContextHook(func(ctx context.Context, s *span.Span) context.Context {
		return context.WithValue(ctx, hookKey{}, s.Ctx.SpanID)
	})
	sp, ctx := tr.StartSpanFromContext(context.Background(), "root")
	if got := ctx.Value(hookKey{}); got != "0" {
		t.Fatalf("hook after StartSpanFromContext: %v", got)
	}
	child := tr.StartSpan("child", opentracing.ChildOf(sp.Context()))
	if got := opentracing.ContextWithSpan(ctx, child).Value(hookKey{}); got != "0.1" {
		t.Fatalf("hook after ContextWithSpan: %v", got)
	}
	tr.SetContextHook(nil)
	if got := opentracing.ContextWithSpan(context.Background(), child).Value(hookKey{}); got != nil {
		t.Fatalf("removed hook still ran: %v", got)
	}
	child.Finish()
	sp.Finish()
}
