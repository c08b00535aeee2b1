package tracer_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/sofatracer/sofatracer-go/tracer"
)

// TestFailingStatFileKeepsSpanAccountingExact points biz-stat.log at
// /dev/full: the stat rows that cannot be written are counted in
// StatLinesLost, in rows, and never mixed into LinesLost, so that
// written + dropped + LinesLost == finished stays exact.
func TestFailingStatFileKeepsSpanAccountingExact(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skipf("no /dev/full on this system: %v", err)
	}
	dir := t.TempDir()
	if err := os.Symlink("/dev/full", filepath.Join(dir, "biz-stat.log")); err != nil {
		t.Fatal(err)
	}
	tr := newTracer(t, tracer.WithLogDir(dir))
	const ops, perOp = 7, 30
	for i := 0; i < ops*perOp; i++ {
		tr.StartSpan(fmt.Sprintf("op-%d", i%ops)).Finish()
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	st := tr.Stats()
	r := st.Reporter
	if r.Written+r.Dropped+r.LinesLost != st.Finished {
		t.Fatalf("written %d + dropped %d + lost %d != finished %d", r.Written, r.Dropped, r.LinesLost, st.Finished)
	}
	if r.LinesLost != 0 || r.Written != ops*perOp {
		t.Fatalf("digest lines: written %d lost %d, want %d and 0", r.Written, r.LinesLost, ops*perOp)
	}
	if r.StatLinesLost != ops || r.StatRows != 0 || r.WriteErrors == 0 {
		t.Fatalf("stat rows lost %d written %d (write errors %d), want %d lost", r.StatLinesLost, r.StatRows, r.WriteErrors, ops)
	}
	if got := len(readLines(t, filepath.Join(dir, "biz-digest.log"))); got != ops*perOp {
		t.Fatalf("%d digest lines", got)
	}
}
