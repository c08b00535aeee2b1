package tracer_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// fakeClock is a clock a test moves; safe for concurrent use.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock(t time.Time) *fakeClock {
	c := &fakeClock{}
	c.ns.Store(t.UnixNano())
	return c
}

func (c *fakeClock) Now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) Set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func (c *fakeClock) Add(d time.Duration) { c.ns.Add(int64(d)) }

// rolledFiles counts, per active file name (relative to dir), the rolled
// daily files beside it.
func rolledFiles(t *testing.T, dir string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, sub := range []string{"", "shadow"} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if i := strings.Index(e.Name(), ".log."); i >= 0 {
				k := filepath.Join(sub, e.Name()[:i+4])
				out[k] = append(out[k], e.Name()[i+5:])
			}
		}
	}
	for _, v := range out {
		sort.Strings(v)
	}
	return out
}

// retainedKinds are the files of a tracer that finishes biz spans, normal and
// load-test, and writes its self log; static-info.log is written at
// start.
var retainedKinds = []string{"biz-digest.log", "biz-stat.log", "tracer-self.log",
	filepath.Join("shadow", "biz-digest.log"), filepath.Join("shadow", "biz-stat.log")}

// deepParent is a context too deep to have children: a span started from
// it writes a record to tracer-self.log.
var deepParent = span.NewContext("0a0fe9271567477985327100211176", "0"+strings.Repeat(".1", 100), "", true)

func finishDay(tr *tracer.Tracer) {
	tr.StartSpan("a", opentracing.ChildOf(deepParent)).Finish() // a record in tracer-self.log
	tr.StartSpan("b").Finish()
	s := tr.StartSpan("shadow")
	s.SetBaggageItem("mark", "T")
	s.Finish()
}

func checkTwoRolled(t *testing.T, dir string, kinds []string, last time.Time) {
	t.Helper()
	got := rolledFiles(t, dir)
	want := []string{last.AddDate(0, 0, -2).Format("2006-01-02"), last.AddDate(0, 0, -1).Format("2006-01-02")}
	for _, k := range kinds {
		if strings.Join(got[k], " ") != strings.Join(want, " ") {
			t.Errorf("%s: rolled %v, want %v", k, got[k], want)
		}
	}
}

// TestRetentionPrunesEveryFileHourly runs one tracer through twelve days
// of a fake clock with retention 2: every kind of file the tracer writes
// keeps exactly its two newest rolled files, pruned while it runs.
func TestRetentionPrunesEveryFileHourly(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2026, 3, 1, 10, 0, 0, 0, time.Local)
	clock := newFakeClock(start)
	tr := newTracer(t, tracer.WithLogDir(dir), tracer.WithClock(clock.Now), tracer.WithRetentionDays(2),
		tracer.WithStatInterval(5*time.Millisecond), tracer.WithMaxStatKeys(1))
	var day time.Time
	for i := 0; i < 12; i++ {
		day = start.AddDate(0, 0, i)
		clock.Set(day)
		before := tr.Stats().Reporter
		finishDay(tr)
		deadline := time.Now().Add(10 * time.Second)
		for {
			// Every line of the day written before the clock moves on.
			self, _ := readFileErr(filepath.Join(dir, "tracer-self.log"))
			r := tr.Stats().Reporter
			if r.Written >= before.Written+3 && r.StatRows >= before.StatRows+3 && strings.Contains(self, day.Format("2006-01-02")) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("day %d: stat rows or self log not written: %+v\n%s", i, tr.Stats().Reporter, self)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	clock.Add(2 * time.Hour) // the next hourly pruning
	before := tr.Stats().Reporter
	tr.StartSpan("last").Finish()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		// Written and printed before the clock jumps, so that no file
		// rolls after the jump.
		if r := tr.Stats().Reporter; r.Written > before.Written && r.StatRows > before.StatRows {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("the last span was not written: %+v", r)
		}
	}
	waitRolled(t, dir, day, 2)
	// Three idle days later (no span, the writer asleep) the pruning has
	// gone on: no rolled file is left.
	clock.Add(3 * 24 * time.Hour)
	waitRolled(t, dir, day, 0)
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
}

// waitRolled waits until every kind has the n rolled files before last.
func waitRolled(t *testing.T, dir string, last time.Time, n int) {
	t.Helper()
	var want []string
	for i := n; i > 0; i-- {
		want = append(want, last.AddDate(0, 0, -i).Format("2006-01-02"))
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, ok := rolledFiles(t, dir), true
		for _, k := range retainedKinds {
			ok = ok && strings.Join(got[k], " ") == strings.Join(want, " ")
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("rolled files %v, want %v of each kind", got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestRetentionPrunesEveryFileAtStart starts a tracer on each of twelve
// days (the files' times set as a real day would leave them): at each
// start every file rolls and retention 2 prunes every kind, static-info.log
// included.
func TestRetentionPrunesEveryFileAtStart(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2026, 3, 1, 10, 0, 0, 0, time.Local)
	var day time.Time
	for i := 0; i < 12; i++ {
		day = start.AddDate(0, 0, i)
		clock := newFakeClock(day)
		tr, err := tracer.New(tracer.WithAppName("restart"), tracer.WithLogDir(dir), tracer.WithClock(clock.Now),
			tracer.WithRetentionDays(2), tracer.WithMaxStatKeys(1))
		if err != nil {
			t.Fatal(err)
		}
		finishDay(tr)
		if err := tr.Close(); err != nil {
			t.Fatal(err)
		}
		for _, sub := range []string{"", "shadow"} {
			entries, _ := os.ReadDir(filepath.Join(dir, sub))
			for _, e := range entries {
				if strings.HasSuffix(e.Name(), ".log") {
					os.Chtimes(filepath.Join(dir, sub, e.Name()), day, day)
				}
			}
		}
	}
	checkTwoRolled(t, dir, append([]string{"static-info.log"}, retainedKinds...), day)
}
