package redistrace

import (
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/opentracing/opentracing-go/mocktracer"
	"github.com/redis/go-redis/v9"
)

// TestLargeArgumentNotCopied: with statements on, a 10 MB value is cut
// to 1024 bytes as it is appended, not copied whole first, by a command
// and by a pipeline.
func TestLargeArgumentNotCopied(t *testing.T) {
	big := strings.Repeat("v", 10<<20)
	ctx := context.Background()
	tr := mocktracer.New()
	h := NewHook(tr, WithStatements(true))
	done := func(context.Context, redis.Cmder) error { return nil }
	doneAll := func(context.Context, []redis.Cmder) error { return nil }
	set, get := redis.NewStatusCmd(ctx, "set", "k", big), redis.NewStringCmd(ctx, "get", "k")
	setBytes := redis.NewStatusCmd(ctx, "set", "k", []byte(big))
	for _, tc := range []struct {
		name string
		run  func()
	}{
		{"command", func() { h.ProcessHook(done)(ctx, set) }},
		{"pipeline", func() { h.ProcessPipelineHook(doneAll)(ctx, []redis.Cmder{set, get}) }},
		{"bytes", func() { h.ProcessHook(done)(ctx, setBytes) }},
	} {
		tr.Reset()
		tc.run()
		spans := tr.FinishedSpans()
		if len(spans) != 1 {
			t.Fatalf("%s: %d spans", tc.name, len(spans))
		}
		st, _ := spans[0].Tag(tagStmt).(string)
		if want := "set k " + big[:maxStmtLen-len("set k ")] + "..."; st != want {
			t.Errorf("%s: db.statement of %d bytes, want %d ending in ...", tc.name, len(st), len(want))
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		const runs = 5
		for range runs {
			tr.Reset()
			tc.run()
		}
		runtime.ReadMemStats(&after)
		if per := (after.TotalAlloc - before.TotalAlloc) / runs; per > 64<<10 {
			t.Errorf("%s: %d bytes allocated per command, want at most 64 KiB", tc.name, per)
		}
	}
}
