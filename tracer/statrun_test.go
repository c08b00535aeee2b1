package tracer_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sofatracer/sofatracer-go/tracer"
)

// TestStatRunsOfOneKeySpanIntervals: spans of one stat key, recorded in a
// run that an interval ends, are counted once each, in the interval they
// were recorded in (the writer remembers the last key's row; a new
// interval must not reuse the printed one).
func TestStatRunsOfOneKeySpanIntervals(t *testing.T) {
	tr := newTracer(t, tracer.WithStatInterval(50*time.Millisecond))
	waitLines := func(n int) []string {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if data, err := readFileErr(logPath(tr, "biz-stat.log")); err == nil && strings.Count(data, "\n") >= n {
				return strings.Split(strings.TrimSpace(data), "\r\n")
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("fewer than %d stat lines after 5s", n)
		return nil
	}
	for i := 0; i < 3; i++ {
		tr.StartSpan("pay").Finish()
	}
	waitLines(1)
	for i := 0; i < 4; i++ {
		tr.StartSpan("pay").Finish()
	}
	lines := waitLines(2)
	tr.Close()
	var counts []int64
	for _, l := range lines {
		var st statLine
		if err := json.Unmarshal([]byte(l), &st); err != nil {
			t.Fatalf("stat line not JSON: %s", l)
		}
		if st.Key["method"] != "pay" {
			t.Fatalf("bad key in %s", l)
		}
		counts = append(counts, st.Count)
	}
	if len(counts) != 2 || counts[0] != 3 || counts[1] != 4 {
		t.Fatalf("want rows of 3 then 4 spans, got %v", counts)
	}
}
