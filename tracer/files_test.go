package tracer_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

type digestLine struct {
	Time       string `json:"time"`
	App        string `json:"local.app"`
	TraceID    string `json:"traceId"`
	SpanID     string `json:"spanId"`
	Kind       string `json:"span.kind"`
	ResultCode string `json:"result.code"`
	Thread     string `json:"current.thread.name"`
	Cost       string `json:"time.cost.milliseconds"`
	Method     string `json:"method"`
	SysBaggage string `json:"sys.baggage"`
	BizBaggage string `json:"biz.baggage"`
}

func TestParentWithThreeChildrenAcrossGoroutines(t *testing.T) {
	tr := newTracer(t)
	root, ctx := opentracing.StartSpanFromContextWithTracer(context.Background(), tr, "parent")
	root.SetBaggageItem("user", "u=1&x")
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			child, _ := opentracing.StartSpanFromContextWithTracer(ctx, tr, "child")
			child.Finish()
		}()
	}
	wg.Wait()
	root.Finish()
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}

	raw := readLines(t, logPath(tr, "biz-digest.log"))
	if len(raw) != 4 {
		t.Fatalf("want 4 digest lines, got %d: %q", len(raw), raw)
	}
	traceID := root.Context().(*span.Context).TraceID
	ids := map[string]bool{}
	for _, l := range raw {
		var d digestLine
		if err := json.Unmarshal([]byte(l), &d); err != nil {
			t.Fatalf("line is not JSON: %v: %s", err, l)
		}
		if d.TraceID != traceID {
			t.Errorf("traceId %q, want %q", d.TraceID, traceID)
		}
		if d.App != "test-app" || d.BizBaggage != "user=u%3D1%26x&" {
			t.Errorf("bad line %s", l)
		}
		ids[d.SpanID] = true
	}
	for _, id := range []string{"0", "0.1", "0.2", "0.3"} {
		if !ids[id] {
			t.Errorf("span id %s missing; have %v", id, ids)
		}
	}
}

func TestLinesEndWithCRLFByDefaultAndLFWhenAsked(t *testing.T) {
	for _, nl := range []string{"\r\n", "\n"} {
		tr := newTracer(t, tracer.WithNewline(nl))
		tr.StartSpan("op").Finish()
		tr.Close()
		data := readFile(t, logPath(tr, "biz-digest.log"))
		if !strings.HasSuffix(data, "}"+nl) || strings.Count(data, "\n") != 1 {
			t.Errorf("newline %q: got %q", nl, data)
		}
	}
}

type statLine struct {
	Key      map[string]string `json:"stat.key"`
	Count    int64             `json:"count"`
	Cost     int64             `json:"total.cost.milliseconds"`
	Success  string            `json:"success"`
	LoadTest string            `json:"load.test"`
}

func TestStatLinesCountAfterAnInterval(t *testing.T) {
	tr := newTracer(t, tracer.WithStatInterval(50*time.Millisecond))
	start := time.Now()
	for i := 0; i < 5; i++ {
		s := tr.StartSpan("pay", opentracing.StartTime(start))
		s.FinishWithOptions(opentracing.FinishOptions{FinishTime: start.Add(10 * time.Millisecond)})
	}
	s := tr.StartSpan("pay")
	s.SetTag("error", true)
	s.Finish()
	unsampled := tr.StartSpan("pay", opentracing.Tag{Key: "sampling.priority", Value: 0})
	unsampled.FinishWithOptions(opentracing.FinishOptions{FinishTime: time.Now()})

	// The stat file appears after an interval, without Close.
	var lines []string
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if data, err := readFileErr(logPath(tr, "biz-stat.log")); err == nil && strings.Count(data, "\n") >= 2 {
			lines = strings.Split(strings.TrimSpace(data), "\r\n")
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(lines) != 2 {
		t.Fatalf("want 2 stat lines (success and failure rows), got %q", lines)
	}
	got := map[string]statLine{}
	for _, l := range lines {
		var st statLine
		if err := json.Unmarshal([]byte(l), &st); err != nil {
			t.Fatalf("stat line not JSON: %s", l)
		}
		if st.Key["local.app"] != "test-app" || st.Key["method"] != "pay" || st.LoadTest != "F" {
			t.Errorf("bad key in %s", l)
		}
		got[st.Success] = st
	}
	// 5 sampled successes + 1 unsampled success (unsampled spans still count).
	if y := got["Y"]; y.Count != 6 || y.Cost < 50 {
		t.Errorf("success row: %+v", y)
	}
	if n := got["N"]; n.Count != 1 {
		t.Errorf("failure row: %+v", n)
	}
	tr.Close()
	if n := len(readLines(t, logPath(tr, "biz-digest.log"))); n != 6 {
		t.Errorf("unsampled span must not be in the digest: %d lines", n)
	}
	if st := tr.Stats(); st.Reporter.Unsampled != 1 {
		t.Errorf("unsampled count %d", st.Reporter.Unsampled)
	}
}

func TestLoadTestSpansGoToShadow(t *testing.T) {
	tr := newTracer(t)
	s := tr.StartSpan("shadow-op")
	s.SetBaggageItem("mark", "T")
	s.Finish()
	tr.StartSpan("normal-op").Finish()
	tr.Close()
	shadow := readLines(t, logPath(tr, "shadow/biz-digest.log"))
	normal := readLines(t, logPath(tr, "biz-digest.log"))
	if len(shadow) != 1 || !strings.Contains(shadow[0], "shadow-op") || len(normal) != 1 || !strings.Contains(normal[0], "normal-op") {
		t.Fatalf("shadow %q normal %q", shadow, normal)
	}
	stat := readLines(t, logPath(tr, "shadow/biz-stat.log"))
	if len(stat) != 1 || !strings.Contains(stat[0], `"load.test":"T"`) {
		t.Fatalf("shadow stat %q", stat)
	}
}

func TestStatKeyCardinalityIsCapped(t *testing.T) {
	tr := newTracer(t, tracer.WithMaxStatKeys(10))
	for i := 0; i < 100; i++ {
		tr.StartSpan("op-" + strings.Repeat("x", i)).Finish()
	}
	tr.Close()
	lines := readLines(t, logPath(tr, "biz-stat.log"))
	if len(lines) != 11 {
		t.Fatalf("want 10 rows + 1 overflow row, got %d", len(lines))
	}
	var over statLine
	for _, l := range lines {
		if strings.Contains(l, "__overflow__") {
			json.Unmarshal([]byte(l), &over)
		}
	}
	if over.Count != 90 || tr.Stats().Reporter.StatOverflow != 90 {
		t.Fatalf("overflow row %+v, counter %d", over, tr.Stats().Reporter.StatOverflow)
	}
}

// TestLineIsWrittenPromptlyAfterIdle: a span finished after the writer
// went idle is written without waiting for another span or Close.
func TestLineIsWrittenPromptlyAfterIdle(t *testing.T) {
	tr := newTracer(t)
	tr.StartSpan("first").Finish()
	waitWritten(t, tr, 1)
	time.Sleep(1500 * time.Millisecond) // the writer parks after about a second
	tr.StartSpan("after-idle").Finish()
	waitWritten(t, tr, 2)
}
