package reporter_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"
	"go.uber.org/goleak"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/reporter"
	"github.com/sofatracer/sofatracer-go/reporter/logfile"
	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// finishedSpans makes n finished spans with a tracer whose own reporter is
// not under test.
func finishedSpans(t *testing.T, n int) []*span.Span {
	tr, err := tracer.New(tracer.WithAppName("maker"), tracer.WithLogDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	out := make([]*span.Span, n)
	for i := range out {
		s := tr.StartSpan("op", opentracing.Tag{Key: "component", Value: "net/http"}, opentracing.Tag{Key: "span.kind", Value: "server"})
		s.Finish()
		out[i] = s.(*span.Span)
	}
	return out
}

func TestDiskWritesEverythingReportedBeforeClose(t *testing.T) {
	dir := t.TempDir()
	self, err := reporter.OpenSelfLog(logfile.Config{Dir: dir, Name: "tracer-self.log"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := reporter.NewDisk(reporter.Config{Dir: dir, App: "disk", JSON: true, StatInterval: time.Hour, SelfLog: self})
	if err != nil {
		t.Fatal(err)
	}
	spans := finishedSpans(t, 100)
	for _, s := range spans {
		d.Report(s)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d.Close()
	d.Report(spans[0]) // after Close: counted, not written
	self.Close()
	st := d.Stats()
	if st.Reported != 101 || st.Written != 100 || st.DroppedClosed != 1 || st.StatRows != 1 {
		t.Fatalf("%+v", st)
	}
	data, err := os.ReadFile(d.DigestPath(digest.HTTPServer, false))
	if err != nil || strings.Count(string(data), "\r\n") != 100 {
		t.Fatalf("digest file: %v, %d lines", err, strings.Count(string(data), "\r\n"))
	}
	if _, err := os.Stat(filepath.Join(dir, "http-server-stat.log")); err != nil {
		t.Fatal(err)
	}
}

func TestDiskNeedsADirectory(t *testing.T) {
	if _, err := reporter.NewDisk(reporter.Config{}); err == nil {
		t.Fatal("a reporter without a directory was made")
	}
}

// Every span reported around a Close from many goroutines, into a tiny
// DropOldest queue, ends up in exactly one counter; concurrent Close calls
// neither panic nor return before the files are closed.
func TestDiskCountsEverySpanAcrossClose(t *testing.T) {
	spans := finishedSpans(t, 64)
	for round := range 40 {
		dir := t.TempDir()
		d, err := reporter.NewDisk(reporter.Config{Dir: dir, App: "close", QueueSize: 2, Discard: reporter.DropOldest, StatInterval: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		var calls atomic.Int64
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for g := range 8 {
			wg.Go(func() {
				for i := g; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					d.Report(spans[i%len(spans)])
					calls.Add(1)
				}
			})
		}
		time.Sleep(2 * time.Millisecond)
		var closers sync.WaitGroup
		for range 3 {
			closers.Go(func() { d.Close() })
		}
		closers.Wait()
		close(stop)
		wg.Wait()
		st := d.Stats()
		if st.Reported != calls.Load() {
			t.Fatalf("round %d: %d calls, %d reported", round, calls.Load(), st.Reported)
		}
		if got := st.Written + st.Unsampled + st.Dropped + st.DroppedClosed + st.LinesLost; got != st.Reported {
			t.Fatalf("round %d: written %d + unsampled %d + dropped %d + closed %d + lost %d = %d, reported %d",
				round, st.Written, st.Unsampled, st.Dropped, st.DroppedClosed, st.LinesLost, got, st.Reported)
		}
	}
}

// Lines are written whole and in order whether they fit the writer's
// buffer, cross its flush threshold or are larger than the whole buffer
// (which then grows in the heap for that write and is reused after it).
func TestDiskWritesLinesLargerThanItsBuffer(t *testing.T) {
	tr, err := tracer.New(tracer.WithAppName("maker"), tracer.WithLogDir(t.TempDir()), tracer.WithSpanLimits(64, 1<<20, 8))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	sizes := []int{10, 200 << 10, 10, 3000, 5000, 70 << 10, 10, 200 << 10, 200 << 10, 10}
	dir := t.TempDir()
	d, err := reporter.NewDisk(reporter.Config{Dir: dir, App: "disk", JSON: true, StatInterval: time.Hour, BatchBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		for i, n := range sizes {
			s := tr.StartSpan("op", opentracing.Tag{Key: "component", Value: "net/http"}, opentracing.Tag{Key: "span.kind", Value: "server"},
				opentracing.Tag{Key: "http.url", Value: fmt.Sprintf("/%d/%d/", round, i) + strings.Repeat("x", n)})
			s.Finish()
			d.Report(s.(*span.Span))
		}
		time.Sleep(5 * time.Millisecond) // let the writer write between rounds, too
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(d.DigestPath(digest.HTTPServer, false))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n")
	if len(lines) != 3*len(sizes) {
		t.Fatalf("%d lines, want %d", len(lines), 3*len(sizes))
	}
	for j, line := range lines {
		round, i := j/len(sizes), j%len(sizes)
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %d (%d bytes): %v", j, len(line), err)
		}
		want := fmt.Sprintf("/%d/%d/", round, i) + strings.Repeat("x", sizes[i])
		if m["request.url"] != want {
			t.Fatalf("line %d: request.url of %d bytes, want %d", j, len(fmt.Sprint(m["request.url"])), len(want))
		}
	}
}
