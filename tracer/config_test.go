package tracer_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

func TestNewNeedsAnAppName(t *testing.T) {
	_, err := tracer.New(tracer.WithLogDir(t.TempDir()))
	if err == nil || !strings.Contains(err.Error(), "app name is required") {
		t.Fatalf("got %v", err)
	}
}

func TestNewReportsAnUnusableLogDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, nil, 0o644)
	_, err := tracer.New(tracer.WithAppName("x"), tracer.WithLogDir(filepath.Join(file, "logs")))
	if err == nil || !strings.Contains(err.Error(), "not usable") {
		t.Fatalf("got %v", err)
	}
}

func TestEnvironmentConfiguresTheTracer(t *testing.T) {
	root := t.TempDir()
	t.Setenv("SOFA_TRACER_APP_NAME", "from-env")
	t.Setenv("SOFA_TRACER_LOGGING_PATH", root)
	t.Setenv("SOFA_TRACER_JSON_OUTPUT", "false")
	t.Setenv("SOFA_TRACER_NEWLINE", "lf")
	t.Setenv("SOFA_TRACER_SAMPLER_PERCENTAGE", "0")
	tr, err := tracer.New()
	if err != nil {
		t.Fatal(err)
	}
	if tr.AppName() != "from-env" || tr.LogDir() != filepath.Join(root, "tracelog") {
		t.Fatalf("app %q dir %q", tr.AppName(), tr.LogDir())
	}
	tr.StartSpan("unsampled").Finish()
	tr.Close()
	if _, err := os.Stat(logPath(tr, "biz-digest.log")); !os.IsNotExist(err) {
		t.Fatalf("sampler percentage 0 from env was not applied: %v", err)
	}
	stat := readFile(t, logPath(tr, "biz-stat.log"))
	if !strings.HasPrefix(stat[23:], ",from-env,unsampled,1,") || !strings.HasSuffix(stat, ",Y,F\n") {
		t.Fatalf("plain stat line with LF expected, got %q", stat)
	}
	// Options win over the environment; bad values are errors.
	tr2 := newTracer(t, tracer.WithAppName("from-option"))
	if tr2.AppName() != "from-option" {
		t.Fatal("option did not win")
	}
	for k, v := range map[string]string{"SOFA_TRACER_QUEUE_SIZE": "many", "SOFA_TRACER_SAMPLER_PERCENTAGE": "101", "SOFA_TRACER_ROLLING_POLICY": "weekly"} {
		t.Run(k, func(t *testing.T) {
			t.Setenv(k, v)
			if _, err := tracer.New(); err == nil || !strings.Contains(err.Error(), k) {
				t.Fatalf("%s=%s: got %v", k, v, err)
			}
		})
	}
}

func TestQueueSizeIsBounded(t *testing.T) {
	for _, n := range []int{0, -1, tracer.MaxQueueSize + 1} {
		if _, err := tracer.New(tracer.WithAppName("q"), tracer.WithLogDir(t.TempDir()), tracer.WithQueueSize(n)); err == nil || !strings.Contains(err.Error(), "queue size") {
			t.Errorf("queue size %d: got %v", n, err)
		}
	}
}

func TestPercentageSamplerDecidesFromTheTraceID(t *testing.T) {
	s20, _ := tracer.PercentageSampler(20)
	again, _ := tracer.PercentageSampler(20)
	kept := 0
	const n = 20000
	for i := 0; i < n; i++ {
		id := span.NewTraceID(time.Now())
		a := s20.Sample(id, "op")
		if a != again.Sample(id, "other-op") {
			t.Fatal("two samplers with the same percentage disagree on one TraceId")
		}
		if a {
			kept++
		}
	}
	if kept < n*17/100 || kept > n*23/100 {
		t.Fatalf("20%% sampler kept %d of %d", kept, n)
	}
	half, _ := tracer.PercentageSampler(0.5)
	kept = 0
	for i := 0; i < n; i++ {
		if half.Sample(span.NewTraceID(time.Now()), "") {
			kept++
		}
	}
	if kept == 0 || kept > n*2/100 {
		t.Fatalf("0.5%% sampler kept %d of %d", kept, n)
	}
	if _, err := tracer.PercentageSampler(-1); err == nil {
		t.Fatal("negative percentage accepted")
	}
}

func TestSamplingIsDecidedOnceAtTheRoot(t *testing.T) {
	calls := 0
	tr := newTracer(t, tracer.WithSampler(tracer.SamplerFunc(func(string, string) bool { calls++; return false })))
	root := tr.StartSpan("root")
	child := tr.StartSpan("child", opentracing.ChildOf(root.Context()))
	if calls != 1 || child.Context().(*span.Context).Sampled() {
		t.Fatalf("sampler called %d times; child sampled %v", calls, child.Context().(*span.Context).Sampled())
	}
	child.Finish()
	root.Finish()
}

func TestRateLimitingSampler(t *testing.T) {
	s, _ := tracer.RateLimitingSampler(10)
	kept := 0
	for i := 0; i < 1000; i++ {
		if s.Sample("", "") {
			kept++
		}
	}
	if kept < 10 || kept > 12 {
		t.Fatalf("kept %d in a burst, want about 10", kept)
	}
}

func TestLogHandlerAddsTraceAndSpanIDs(t *testing.T) {
	tr := newTracer(t)
	var buf bytes.Buffer
	logger := slog.New(tracer.LogHandler(slog.NewTextHandler(&buf, nil)))
	s, ctx := opentracing.StartSpanFromContextWithTracer(context.Background(), tr, "op")
	logger.InfoContext(ctx, "hello")
	logger.Info("no context")
	s.Finish()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := "traceId=" + span.TraceIDFromContext(ctx) + " spanId=0"
	if !strings.Contains(lines[0], want) || strings.Contains(lines[1], "traceId") {
		t.Fatalf("got %q, want %q in the first line only", lines, want)
	}
}

func TestSpanMisuseIsHarmless(t *testing.T) {
	tr := newTracer(t)
	s := tr.StartSpan("op")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				s.SetTag("k", j)
				s.LogKV("j", j)
				s.SetBaggageItem("b", "v")
				_ = s.BaggageItem("b")
				if j == 50 {
					s.Finish()
				}
			}
		}()
	}
	wg.Wait()
	s.Finish()
	s.SetOperationName("renamed")
	tr.Close()
	lines := readLines(t, logPath(tr, "biz-digest.log"))
	if len(lines) != 1 || strings.Contains(lines[0], "renamed") {
		t.Fatalf("want one line for a span finished many times: %q", lines)
	}
}

func TestDailyRollingWithAnInjectedClock(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 11, 24, 23, 59, 59, 0, time.Local)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	tr := newTracer(t, tracer.WithClock(clock))
	tr.StartSpan("before-midnight").Finish()
	waitWritten(t, tr, 1)
	mu.Lock()
	now = now.Add(2 * time.Second)
	mu.Unlock()
	tr.StartSpan("after-midnight").Finish()
	tr.Close()
	rolled := readLines(t, logPath(tr, "biz-digest.log.2026-11-24"))
	active := readLines(t, logPath(tr, "biz-digest.log"))
	if len(rolled) != 1 || !strings.Contains(rolled[0], "before-midnight") || len(active) != 1 || !strings.Contains(active[0], "after-midnight") {
		t.Fatalf("rolled %q active %q", rolled, active)
	}
}

func waitWritten(t *testing.T, tr *tracer.Tracer, n int64) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if tr.Stats().Reporter.Written >= n {
			return
		}
	}
	t.Fatalf("%d lines not written in time", n)
}

func TestLogDirVanishingLaterIsCountedAndHealed(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "logs")
	tr, err := tracer.New(tracer.WithAppName("heal"), tracer.WithLogDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	tr.StartSpan("first").Finish()
	waitWritten(t, tr, 1)
	// Replace the directory by a regular file: writes fail.
	os.RemoveAll(dir)
	os.WriteFile(dir, []byte("not a dir"), 0o644)
	deadline := time.Now().Add(10 * time.Second)
	for tr.Stats().Reporter.LinesLost == 0 && time.Now().Before(deadline) {
		tr.StartSpan("while-broken").Finish()
		time.Sleep(20 * time.Millisecond)
	}
	if tr.Stats().Reporter.LinesLost == 0 {
		t.Fatal("no lost line counted while the directory was unusable")
	}
	// Make it usable again: writing resumes by itself.
	os.Remove(dir)
	before := tr.Stats().Reporter.Written
	for tr.Stats().Reporter.Written == before && time.Now().Before(deadline) {
		tr.StartSpan("healed").Finish()
		time.Sleep(20 * time.Millisecond)
	}
	tr.Close()
	if !strings.Contains(readFile(t, filepath.Join(dir, "biz-digest.log")), "healed") {
		t.Fatal("writing did not resume")
	}
	st := tr.Stats().Reporter
	if st.Written+st.LinesLost+st.Dropped != tr.Stats().Finished {
		t.Fatalf("written %d + lost %d + dropped %d != finished %d", st.Written, st.LinesLost, st.Dropped, tr.Stats().Finished)
	}
}
