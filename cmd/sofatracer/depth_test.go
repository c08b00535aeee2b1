package main

import (
	"testing"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/logs"
	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/rebuild"
	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/source"
	"github.com/sofatracer/sofatracer-go/span"
)

// TestDepthRestart: past 100 levels the tracer starts a new trace and
// says so in tracer-self.log; the rebuilt trace continues in it.
func TestDepthRestart(t *testing.T) {
	dir := t.TempDir()
	tr := newTracer(t, dir, "deep")
	var spans []opentracing.Span
	parent := tr.StartSpan("level-0")
	spans = append(spans, parent)
	for i := 1; i < 105; i++ {
		parent = tr.StartSpan("level", opentracing.ChildOf(parent.Context()))
		spans = append(spans, parent)
	}
	first := spans[0].Context().(*span.Context).TraceID
	last := parent.Context().(*span.Context).TraceID
	if first == last {
		t.Fatal("the tracer did not restart the trace")
	}
	for i := len(spans) - 1; i >= 0; i-- {
		spans[i].Finish()
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	var got jsonTrace
	runJSON(t, &got, "trace", first, "--format", "json", dir)
	if len(got.Spans) != 105 {
		t.Fatalf("%d spans, want 105", len(got.Spans))
	}
	var restarted int
	for _, s := range got.Spans {
		if s.TraceID == last {
			restarted++
		}
		if s.Parent < 0 && s.SpanID != "0" {
			t.Errorf("root %s", s.SpanID)
		}
	}
	if restarted == 0 || got.Spans[0].TraceID != first {
		t.Errorf("%d spans of the continued trace", restarted)
	}
	// the index (serve) does the same
	files, err := source.Expand([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	x := logs.NewIndex()
	x.AddFiles(files, false)
	sp, links := x.Trace(first, false)
	if bt := rebuild.Build(first, sp, links); len(bt.Spans) != 105 || len(links) != 1 {
		t.Errorf("index: %d spans, %d links", len(bt.Spans), len(links))
	}
}
