package tracer_test

import (
	"bytes"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sofatracer/sofatracer-go/reporter"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// TestFloodEverySpanWrittenOrCounted finishes a million spans from eight
// goroutines into a small queue: each span is either written or counted as
// dropped, and Close leaves no goroutine behind.
func TestFloodEverySpanWrittenOrCounted(t *testing.T) {
	const producers, perProducer = 8, 125_000
	tr, err := tracer.New(tracer.WithAppName("flood"), tracer.WithLogDir(t.TempDir()), tracer.WithQueueSize(256))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for p := 0; p < producers; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perProducer; i++ {
				tr.StartSpan("f").Finish()
			}
		}()
	}
	wg.Wait()
	// When the pressure ends, delivery recovers: the next span is written.
	waitWritten(t, tr, 1)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if r := tr.Stats().Reporter; r.Written+r.Dropped == producers*perProducer {
			break
		}
	}
	droppedInFlood := tr.Stats().Reporter.Dropped
	tr.StartSpan("after-flood").Finish()
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tr.Close(); err != nil { // twice is fine
		t.Fatal(err)
	}
	tr.StartSpan("late").Finish() // after Close: dropped and counted

	st := tr.Stats()
	r := st.Reporter
	const finished = producers*perProducer + 1
	if st.Finished != finished+1 || st.AfterClose != 1 {
		t.Fatalf("finished %d after-close %d", st.Finished, st.AfterClose)
	}
	if r.Written+r.Dropped+r.DroppedClosed != finished {
		t.Fatalf("written %d + dropped %d + dropped at close %d != finished %d", r.Written, r.Dropped, r.DroppedClosed, finished)
	}
	data, err := os.ReadFile(logPath(tr, "biz-digest.log"))
	if err != nil {
		t.Fatal(err)
	}
	if lines := int64(bytes.Count(data, []byte("\n"))); lines != r.Written {
		t.Fatalf("file has %d lines, reporter says %d written", lines, r.Written)
	}
	if r.Dropped != droppedInFlood || !bytes.Contains(data, []byte(`"method":"after-flood"`)) {
		t.Fatal("the span finished after the flood was not written")
	}
	if r.Dropped == 0 {
		t.Log("no span was dropped: the writer kept up with the producers")
	}
	if r.Dropped > 0 && !bytes.Contains([]byte(readFile(t, logPath(tr, "tracer-self.log"))), []byte("discarded")) {
		t.Error("drops were not reported in tracer-self.log")
	}
	t.Logf("written %d, dropped %d (%.1f%%)", r.Written, r.Dropped, 100*float64(r.Dropped)/finished)
	goleak.VerifyNone(t)
}

// TestDropOldestKeepsTheNewestSpans floods a tiny queue with DropOldest:
// the counts still add up, and the last span finished is written.
func TestDropOldestKeepsTheNewestSpans(t *testing.T) {
	tr, err := tracer.New(tracer.WithAppName("oldest"), tracer.WithLogDir(t.TempDir()),
		tracer.WithQueueSize(4), tracer.WithDiscardPolicy(reporter.DropOldest))
	if err != nil {
		t.Fatal(err)
	}
	const n = 20000
	for i := 0; i < n-1; i++ {
		tr.StartSpan("old").Finish()
	}
	tr.StartSpan("newest").Finish()
	tr.Close()
	r := tr.Stats().Reporter
	if r.Written+r.Dropped != n {
		t.Fatalf("written %d + dropped %d != %d", r.Written, r.Dropped, n)
	}
	lines := readLines(t, logPath(tr, "biz-digest.log"))
	if !strings.Contains(lines[len(lines)-1], `"method":"newest"`) {
		t.Fatalf("newest span not written last: %s", lines[len(lines)-1])
	}
}
