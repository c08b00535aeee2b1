package tracer_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sofatracer/sofatracer-go/reporter/logfile"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// TestCrashHelperProcess is not a test: TestSIGKILLMidFlood runs the test
// binary again with SOFA_CRASH_DIR set, and this writes spans until killed.
func TestCrashHelperProcess(t *testing.T) {
	dir := os.Getenv("SOFA_CRASH_DIR")
	if dir == "" {
		t.Skip("helper process for TestSIGKILLMidFlood; runs only when SOFA_CRASH_DIR is set")
	}
	tr, err := tracer.New(tracer.WithAppName("crash"), tracer.WithLogDir(dir))
	if err != nil {
		os.Exit(2)
	}
	for {
		s := tr.StartSpan("flood")
		s.SetTag("payload", strings.Repeat("p", 200))
		s.SetTag("quote", `"`)
		s.Finish()
	}
}

// TestSIGKILLMidFlood kills a process that is writing spans at full speed:
// every complete line of its files parses, and at most the last line of a
// file is partial.
func TestSIGKILLMidFlood(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelperProcess$")
	cmd.Env = append(os.Environ(), "SOFA_CRASH_DIR="+dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "biz-digest.log")
	deadline := time.Now().Add(20 * time.Second)
	for {
		if fi, err := os.Stat(path); err == nil && fi.Size() > 2<<20 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal("the child wrote less than 2 MiB in 20 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(data, []byte("\r\n"))
	last := lines[len(lines)-1] // "" when the file ends with a whole line
	for i, l := range lines[:len(lines)-1] {
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("line %d of %d is not JSON: %v: %.200q", i, len(lines)-1, err, l)
		}
	}
	t.Logf("%d whole lines; partial tail: %d bytes", len(lines)-1, len(last))
}

// TestWritesToAFullDiskAreCountedAndResume points the digest file at
// /dev/full (a real ENOSPC): the application keeps going, the lost lines
// are counted and reported in tracer-self.log, and writing resumes once
// the file is a normal file again.
func TestWritesToAFullDiskAreCountedAndResume(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skipf("no /dev/full on this system: %v", err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "biz-digest.log")
	if err := os.Symlink("/dev/full", path); err != nil {
		t.Fatal(err)
	}
	tr, err := tracer.New(tracer.WithAppName("full"), tracer.WithLogDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	deadline := time.Now().Add(10 * time.Second)
	for tr.Stats().Reporter.LinesLost == 0 && time.Now().Before(deadline) {
		tr.StartSpan("on-full-disk").Finish()
		time.Sleep(5 * time.Millisecond)
	}
	if tr.Stats().Reporter.LinesLost == 0 || tr.Stats().Reporter.WriteErrors == 0 {
		t.Fatalf("ENOSPC not counted: %+v", tr.Stats().Reporter)
	}
	os.Remove(path) // the disk has room again
	before := tr.Stats().Reporter.Written
	for tr.Stats().Reporter.Written == before && time.Now().Before(deadline) {
		tr.StartSpan("after").Finish()
		time.Sleep(20 * time.Millisecond)
	}
	tr.Close()
	st := tr.Stats()
	if st.Reporter.Written == 0 || !strings.Contains(readFile(t, path), `"method":"after"`) {
		t.Fatalf("writing did not resume: %+v", st.Reporter)
	}
	if st.Reporter.Written+st.Reporter.LinesLost+st.Reporter.Dropped != st.Finished {
		t.Fatalf("written %d + lost %d + dropped %d != finished %d", st.Reporter.Written, st.Reporter.LinesLost, st.Reporter.Dropped, st.Finished)
	}
	if self := readFile(t, filepath.Join(dir, "tracer-self.log")); !strings.Contains(self, "no space left on device") {
		t.Fatalf("tracer-self.log does not report the failure:\n%s", self)
	}
}

// TestRollingUnderLoad drives hourly, daily and size rolling through many
// rolls (48 hours or 48 days of a fake clock, or 1 MB files) while four
// goroutines finish spans at full speed: the lines across the active and
// rolled files are exactly the lines written, every one whole, and no
// file descriptor is left open.
func TestRollingUnderLoad(t *testing.T) {
	for _, c := range []struct {
		name   string
		policy logfile.Policy
		step   time.Duration // fake time per 1000 spans of a goroutine
	}{
		{"hourly", tracer.RollHourly, time.Hour},
		{"daily", tracer.RollDaily, 24 * time.Hour},
		{"size", tracer.RollSize, time.Minute},
	} {
		t.Run(c.name, func(t *testing.T) { rollUnderLoad(t, c.policy, c.step) })
	}
}

func rollUnderLoad(t *testing.T, policy logfile.Policy, step time.Duration) {
	fdsBefore := openFDs(t)
	var now atomic.Int64
	now.Store(time.Date(2026, 11, 24, 0, 0, 0, 0, time.Local).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	dir := t.TempDir()
	tr, err := tracer.New(tracer.WithAppName("roll"), tracer.WithLogDir(dir), tracer.WithClock(clock),
		tracer.WithRolling(policy, 1), tracer.WithRetentionDays(-1), tracer.WithQueueSize(1<<14))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var finished atomic.Int64
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 12000; i++ {
				s := tr.StartSpan("roll")
				s.SetTag("pad", strings.Repeat("x", 100))
				s.Finish()
				n := finished.Add(1)
				if i%1000 == 999 {
					// Let the writer take what was finished so far before the
					// clock moves on: on a busy machine it may otherwise not
					// run until the producers are done, and write every line
					// in the last period.
					for st := tr.Stats().Reporter; st.Written+st.Dropped < n; st = tr.Stats().Reporter {
						time.Sleep(time.Millisecond)
					}
					now.Add(int64(step))
				}
			}
		}()
	}
	wg.Wait()
	tr.Close()
	st := tr.Stats().Reporter
	files, _ := filepath.Glob(filepath.Join(dir, "biz-digest*"))
	var lines int64
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) > 0 && !bytes.HasSuffix(data, []byte("\r\n")) {
			t.Fatalf("%s ends in a partial line", f)
		}
		for _, l := range bytes.Split(bytes.TrimSuffix(data, []byte("\r\n")), []byte("\r\n")) {
			if len(l) == 0 {
				continue
			}
			var m map[string]any
			if err := json.Unmarshal(l, &m); err != nil {
				t.Fatalf("%s: split or broken line %.100q", f, l)
			}
			lines++
		}
	}
	if lines != st.Written || st.Written+st.Dropped != 48000 {
		t.Fatalf("%d lines in %d files; written %d, dropped %d", lines, len(files), st.Written, st.Dropped)
	}
	if len(files) < 2 { // a batch written after several clock periods lands in one file
		t.Fatalf("%d file: the log never rolled", len(files))
	}
	if after := openFDs(t); after > fdsBefore {
		t.Fatalf("file descriptors: %d before, %d after", fdsBefore, after)
	}
	t.Logf("%d files, %d lines, %d dropped", len(files), lines, st.Dropped)
}

func openFDs(t *testing.T) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count file descriptors: %v", err)
	}
	return len(entries)
}

// TestCloseWhileSpansFinish closes the tracer while four goroutines keep
// finishing spans: no race, no panic, and every span is accounted for.
func TestCloseWhileSpansFinish(t *testing.T) {
	tr, err := tracer.New(tracer.WithAppName("closing"), tracer.WithLogDir(t.TempDir()), tracer.WithQueueSize(64))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					s := tr.StartSpan("racing")
					s.SetTag("k", "v")
					s.Finish()
				}
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond) // spans keep finishing after Close
	close(stop)
	wg.Wait()
	st := tr.Stats()
	r := st.Reporter
	if r.Written+r.Dropped+r.DroppedClosed+st.AfterClose != st.Finished || st.AfterClose == 0 {
		t.Fatalf("written %d + dropped %d + dropped at close %d + after close %d != finished %d",
			r.Written, r.Dropped, r.DroppedClosed, st.AfterClose, st.Finished)
	}
}

// TestHeapIsBoundedByTheQueue floods a tracer with spans far faster than
// it can write them: the heap stays near its starting size, because a
// full queue drops spans instead of keeping them.
func TestHeapIsBoundedByTheQueue(t *testing.T) {
	tr, err := tracer.New(tracer.WithAppName("bounded"), tracer.WithLogDir(t.TempDir()), tracer.WithQueueSize(1024))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak uint64
	const spans = 1_000_000 // 384 MB if every span were kept
	for i := 0; i < spans; i++ {
		tr.StartSpan("flood").Finish()
		if i%50_000 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	tr.Close()
	if grown := int64(peak) - int64(base); grown > 64<<20 {
		t.Fatalf("heap grew by %d MB under a flood with a queue of 1024", grown>>20)
	}
	if r := tr.Stats().Reporter; r.Written+r.Dropped != spans {
		t.Fatalf("written %d + dropped %d != %d", r.Written, r.Dropped, spans)
	}
}

// TestReadOnlyLogDir lays a read-only bind mount over the log directory
// while the tracer runs (root cannot be stopped by file modes): files that
// must be opened now fail, the lost lines are counted, and writing resumes
// once the directory is writable again.
func TestReadOnlyLogDir(t *testing.T) {
	dir := t.TempDir()
	tr, err := tracer.New(tracer.WithAppName("ro"), tracer.WithLogDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if out, err := exec.Command("mount", "--bind", "-o", "ro", dir, dir).CombinedOutput(); err != nil {
		t.Skipf("cannot make a read-only bind mount here (needs root and mount): %v %s", err, out)
	}
	mounted := true
	defer func() {
		if mounted {
			exec.Command("umount", dir).Run()
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for tr.Stats().Reporter.LinesLost == 0 && time.Now().Before(deadline) {
		tr.StartSpan("while-read-only").Finish() // biz-digest.log is not open yet
		time.Sleep(10 * time.Millisecond)
	}
	if tr.Stats().Reporter.LinesLost == 0 || tr.Stats().Reporter.WriteErrors == 0 {
		t.Fatalf("writes to a read-only directory not counted: %+v", tr.Stats().Reporter)
	}
	if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
		t.Fatalf("umount: %v %s", err, out)
	}
	mounted = false
	before := tr.Stats().Reporter.Written
	for tr.Stats().Reporter.Written == before && time.Now().Before(deadline) {
		tr.StartSpan("writable-again").Finish()
		time.Sleep(20 * time.Millisecond)
	}
	tr.Close()
	if !strings.Contains(readFile(t, filepath.Join(dir, "biz-digest.log")), "writable-again") {
		t.Fatal("writing did not resume")
	}
	if !strings.Contains(readFile(t, filepath.Join(dir, "tracer-self.log")), "read-only file system") {
		t.Fatal("tracer-self.log does not report the failure")
	}
}
