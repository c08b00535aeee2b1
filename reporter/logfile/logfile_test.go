package logfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "time/tzdata" // fixed zones for the DST and half-hour-offset tests

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeClock is an injectable clock, safe for concurrent use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func loadLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("LoadLocation(%q): %v", name, err)
	}
	return loc
}

func mustOpen(t testing.TB, cfg Config) *File {
	t.Helper()
	f, err := Open(cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func mustWrite(t testing.TB, f *File, s string) {
	t.Helper()
	n, err := f.Write([]byte(s))
	if err != nil || n != len(s) {
		t.Fatalf("Write(%q) = %d, %v", s, n, err)
	}
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("ReadFile: %v", err)
	}
	return string(b)
}

func writeFile(t testing.TB, path, content string, mtime time.Time) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if !mtime.IsZero() {
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
}

func dirNames(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// record is one test line: "<seq> <RFC3339Nano write time> <padding>|end".
type record struct {
	seq  int
	when time.Time
}

func makeLine(seq int, now time.Time, pad int) string {
	return fmt.Sprintf("%d %s %s|end\n", seq, now.Format(time.RFC3339Nano), strings.Repeat("x", pad))
}

// readRecords parses every line of every file of dir, failing on a line that
// is not a complete record (a split or torn line).
func readRecords(t testing.TB, dir string) map[string][]record {
	t.Helper()
	out := map[string][]record{}
	for _, name := range dirNames(t, dir) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 0 && b[len(b)-1] != '\n' {
			t.Errorf("%s: does not end with a newline", name)
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := sc.Text()
			fields := strings.Fields(line)
			if len(fields) != 3 || !strings.HasSuffix(line, "|end") {
				t.Fatalf("%s: torn line %q", name, line)
			}
			seq, err1 := strconv.Atoi(fields[0])
			when, err2 := time.Parse(time.RFC3339Nano, fields[1])
			if err1 != nil || err2 != nil {
				t.Fatalf("%s: bad line %q", name, line)
			}
			out[name] = append(out[name], record{seq, when})
		}
	}
	return out
}

// checkOnce verifies that sequence numbers 0..n-1 appear exactly once.
func checkOnce(t testing.TB, files map[string][]record, n int) {
	t.Helper()
	seen := make([]int, n)
	for name, recs := range files {
		for _, r := range recs {
			if r.seq < 0 || r.seq >= n {
				t.Fatalf("%s: unexpected seq %d", name, r.seq)
			}
			seen[r.seq]++
		}
	}
	for seq, c := range seen {
		if c != 1 {
			t.Errorf("line %d appears %d times", seq, c)
		}
	}
}

// testTimeRolling writes continuously while the clock crosses many period
// boundaries, then checks names, placement of every line and integrity.
func testTimeRolling(t *testing.T, policy Policy, loc *time.Location, start time.Time, step time.Duration, writes int) {
	dir := t.TempDir()
	clk := newClock(start)
	f := mustOpen(t, Config{Dir: dir, Name: "x.log", Policy: policy, Now: clk.Now})

	layout, re := dailyLayout, regexp.MustCompile(`^x\.log\.(\d{4}-\d\d-\d\d)(\.\d+)?$`)
	if policy == Hourly {
		layout, re = hourlyLayout, regexp.MustCompile(`^x\.log\.(\d{4}-\d\d-\d\d_\d\d)(\.\d+)?$`)
	}
	seq := 0
	periods := map[string]bool{}
	var last time.Time
	for i := 0; i < writes; i++ {
		now := clk.Now()
		var batch strings.Builder
		for j := 0; j <= i%3; j++ { // 1 to 3 whole lines per Write
			batch.WriteString(makeLine(seq, now, 40))
			seq++
		}
		mustWrite(t, f, batch.String())
		periods[now.Format(layout)] = true // the repeated DST hour is one period
		last = now
		clk.Add(step)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	files := readRecords(t, dir)
	checkOnce(t, files, seq)
	rolled := 0
	for name, recs := range files {
		want := last.Format(layout) // the active file holds the last period
		if name != "x.log" {
			m := re.FindStringSubmatch(name)
			if m == nil {
				t.Fatalf("unexpected file name %q", name)
			}
			want = m[1]
			rolled++
		}
		for _, r := range recs {
			if got := r.when.In(loc).Format(layout); got != want {
				t.Fatalf("%s: line %d written at %s (period %s)", name, r.seq, r.when, got)
			}
		}
	}
	if rolled != len(periods)-1 {
		t.Errorf("%d rolled files, want %d (one per period but the last)", rolled, len(periods)-1)
	}
}

func TestDailyRolling(t *testing.T) {
	loc := loadLoc(t, "Asia/Shanghai")
	start := time.Date(2026, 11, 20, 9, 30, 0, 0, loc)
	testTimeRolling(t, Daily, loc, start, 5*time.Hour+7*time.Minute, 400)
}

func TestDailyRollingLocalAcrossDST(t *testing.T) {
	loc := loadLoc(t, "America/New_York") // DST ends 2026-11-01, begins 2027-03-14
	start := time.Date(2026, 10, 25, 23, 0, 0, 0, loc)
	testTimeRolling(t, Daily, loc, start, 3*time.Hour+11*time.Minute, 1300)
}

func TestHourlyRolling(t *testing.T) {
	loc := loadLoc(t, "Asia/Kolkata") // UTC+05:30: hours do not start at :00 UTC
	start := time.Date(2026, 11, 24, 13, 50, 0, 0, loc)
	testTimeRolling(t, Hourly, loc, start, 13*time.Minute, 600)
}

func TestHourlyRollingAcrossDSTFallBack(t *testing.T) {
	// 01:00-02:00 happens twice on 2026-11-01 in New York: both are the
	// period x.log.2026-11-01_01, rolled once, not a roll storm.
	loc := loadLoc(t, "America/New_York")
	start := time.Date(2026, 10, 31, 22, 0, 0, 0, loc)
	testTimeRolling(t, Hourly, loc, start, 7*time.Minute, 80)
}

func TestHourlyNames(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(time.Date(2026, 11, 24, 13, 59, 0, 0, time.Local))
	f := mustOpen(t, Config{Dir: dir, Name: "x.log", Policy: Hourly, Now: clk.Now})
	mustWrite(t, f, "a\n")
	clk.Add(time.Minute)
	mustWrite(t, f, "b\n")
	if got := readFile(t, filepath.Join(dir, "x.log.2026-11-24_13")); got != "a\n" {
		t.Errorf("rolled file = %q", got)
	}
	if got := readFile(t, f.Path()); got != "b\n" {
		t.Errorf("active file = %q", got)
	}
}

func TestEmptyPeriodNotRolled(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC))
	f := mustOpen(t, Config{Dir: dir, Name: "x.log", Now: clk.Now})
	clk.Add(72 * time.Hour)
	mustWrite(t, f, "a\n")
	clk.Add(24 * time.Hour)
	mustWrite(t, f, "b\n")
	names := dirNames(t, dir)
	if len(names) != 2 || names[1] != "x.log.2026-11-27" {
		t.Fatalf("files = %v, want [x.log x.log.2026-11-27]", names)
	}
}

func TestOpenExisting(t *testing.T) {
	loc := time.UTC
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, loc)
	yesterday := time.Date(2026, 11, 23, 18, 0, 0, 0, loc)

	t.Run("same period appends", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "x.log"), "old\n", now.Add(-time.Hour))
		f := mustOpen(t, Config{Dir: dir, Name: "x.log", Now: newClock(now).Now})
		mustWrite(t, f, "new\n")
		if got := readFile(t, f.Path()); got != "old\nnew\n" {
			t.Errorf("content = %q", got)
		}
		if n := len(dirNames(t, dir)); n != 1 {
			t.Errorf("%d files, want 1", n)
		}
	})
	t.Run("earlier period is rolled", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "x.log"), "old\n", yesterday)
		f := mustOpen(t, Config{Dir: dir, Name: "x.log", Now: newClock(now).Now})
		mustWrite(t, f, "new\n")
		if got := readFile(t, filepath.Join(dir, "x.log.2026-11-23")); got != "old\n" {
			t.Errorf("rolled = %q", got)
		}
		if got := readFile(t, f.Path()); got != "new\n" {
			t.Errorf("active = %q", got)
		}
	})
	t.Run("rolled name taken gets .N", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "x.log.2026-11-23"), "first\n", time.Time{})
		writeFile(t, filepath.Join(dir, "x.log.2026-11-23.1"), "second\n", time.Time{})
		writeFile(t, filepath.Join(dir, "x.log"), "third\n", yesterday)
		mustOpen(t, Config{Dir: dir, Name: "x.log", Now: newClock(now).Now})
		for name, want := range map[string]string{
			"x.log.2026-11-23":   "first\n",
			"x.log.2026-11-23.1": "second\n",
			"x.log.2026-11-23.2": "third\n",
			"x.log":              "",
		} {
			if got := readFile(t, filepath.Join(dir, name)); got != want {
				t.Errorf("%s = %q, want %q", name, got, want)
			}
		}
	})
	t.Run("roll into taken name gets .N", func(t *testing.T) {
		dir := t.TempDir()
		clk := newClock(now)
		writeFile(t, filepath.Join(dir, "x.log.2026-11-24"), "earlier run\n", time.Time{})
		f := mustOpen(t, Config{Dir: dir, Name: "x.log", Now: clk.Now})
		mustWrite(t, f, "a\n")
		clk.Add(24 * time.Hour)
		mustWrite(t, f, "b\n")
		if got := readFile(t, filepath.Join(dir, "x.log.2026-11-24")); got != "earlier run\n" {
			t.Errorf("clobbered: %q", got)
		}
		if got := readFile(t, filepath.Join(dir, "x.log.2026-11-24.1")); got != "a\n" {
			t.Errorf("rolled = %q", got)
		}
	})
	t.Run("torn last line is terminated", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "x.log"), "ok\ntor", now)
		f := mustOpen(t, Config{Dir: dir, Name: "x.log", Now: newClock(now).Now})
		mustWrite(t, f, "new\n")
		if got := readFile(t, f.Path()); got != "ok\ntor\nnew\n" {
			t.Errorf("content = %q", got)
		}
	})
	t.Run("empty old file is reused", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "x.log"), "", yesterday)
		mustOpen(t, Config{Dir: dir, Name: "x.log", Now: newClock(now).Now})
		if n := len(dirNames(t, dir)); n != 1 {
			t.Errorf("%d files, want 1", n)
		}
	})
}

var backupRE = regexp.MustCompile(`^x-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}\.log$`)

func testSizeRolling(t *testing.T, step time.Duration, maxBackups int) (dir string, lines int) {
	dir = t.TempDir()
	clk := newClock(time.Date(2026, 11, 24, 13, 0, 0, 0, time.Local))
	f := mustOpen(t, Config{Dir: dir, Name: "x.log", Policy: Size, MaxSizeMB: 1, MaxBackups: maxBackups, Now: clk.Now})
	total := 0
	for i := 0; total < 5<<20+1000; i++ {
		var batch strings.Builder
		for j := 0; j <= i%4; j++ {
			batch.WriteString(makeLine(lines, clk.Now(), 150))
			lines++
		}
		mustWrite(t, f, batch.String())
		total += batch.Len()
		clk.Add(step)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	for _, name := range dirNames(t, dir) {
		if name != "x.log" && !backupRE.MatchString(name) {
			t.Errorf("unexpected file %q", name)
		}
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() > 1<<20 {
			t.Errorf("%s: %d bytes, over the 1 MiB limit", name, fi.Size())
		}
	}
	return dir, lines
}

func TestSizeRolling(t *testing.T) {
	dir, lines := testSizeRolling(t, 250*time.Millisecond, 0)
	checkOnce(t, readRecords(t, dir), lines)
	if n := len(dirNames(t, dir)); n != 6 {
		t.Errorf("%d files, want 6 (5 backups + active)", n)
	}
}

func TestSizeRollingFrozenClockDoesNotClobber(t *testing.T) {
	dir, lines := testSizeRolling(t, 0, 0)
	checkOnce(t, readRecords(t, dir), lines)
}

func TestSizeMaxBackups(t *testing.T) {
	dir, _ := testSizeRolling(t, time.Second, 2)
	if names := dirNames(t, dir); len(names) != 3 {
		t.Errorf("files = %v, want 2 backups + active", names)
	}
}

func TestSizeOversizedWrite(t *testing.T) {
	dir := t.TempDir()
	f := mustOpen(t, Config{Dir: dir, Name: "x.log", Policy: Size, MaxSizeMB: 1})
	mustWrite(t, f, "small\n")
	big := strings.Repeat("y", 1<<20+10) + "\n"
	mustWrite(t, f, big) // written whole into a fresh file rather than dropped
	if got := readFile(t, f.Path()); got != big {
		t.Errorf("active file has %d bytes, want %d", len(got), len(big))
	}
}

func TestCleanup(t *testing.T) {
	now := time.Date(2026, 11, 24, 15, 0, 0, 0, time.Local) // cutoff: 2026-11-17 00:00
	keep := []string{
		"x.log",                         // active
		"x.log.2026-11-17",              // at the cutoff
		"x.log.2026-11-24",              // today
		"x.log.2026-11-17_00",           // first hour at the cutoff
		"x.log.2026-11-20.3",            // collision suffix, recent
		"x-2026-11-17T00-00-00.000.log", // Size backup at the cutoff
		"x.log.bak",                     // unrelated suffixes
		"x.log.2026-11-10.gz",
		"x.log.2026-13-45",
		"x.log.2026-11-10.x",
		"y.log.2026-11-01", // other logs
		"x.log2026-11-01",
		"xx.log.2026-11-01",
		"x-2026-11-01.log",
	}
	remove := []string{
		"x.log.2026-11-16",
		"x.log.2025-01-01",
		"x.log.2026-11-16_23",
		"x.log.2026-11-16.1",
		"x.log.2026-11-16_05.12",
		"x-2026-11-16T23-59-59.999.log",
	}
	dir := t.TempDir()
	for _, name := range append(append([]string{}, keep...), remove...) {
		writeFile(t, filepath.Join(dir, name), "l\n", now)
	}
	// A directory with a rolled name is not touched either.
	if err := os.Mkdir(filepath.Join(dir, "x.log.2026-01-01"), 0o755); err != nil {
		t.Fatal(err)
	}
	keep = append(keep, "x.log.2026-01-01")

	for _, policy := range []Policy{Daily, Hourly, Size} {
		f := mustOpen(t, Config{Dir: dir, Name: "x.log", Policy: policy, Now: newClock(now).Now, RetentionDays: -1})
		if err := f.Cleanup(); err != nil {
			t.Fatal(err)
		}
		if got := len(dirNames(t, dir)); got != len(keep)+len(remove) {
			t.Fatalf("%v: negative retention deleted files: %d left", policy, got)
		}
	}
	f := mustOpen(t, Config{Dir: dir, Name: "x.log", Policy: Hourly, Now: newClock(now).Now})
	if err := f.Cleanup(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := f.Cleanup(); err != nil { // still works after Close
		t.Fatal(err)
	}
	left := map[string]bool{}
	for _, name := range dirNames(t, dir) {
		left[name] = true
	}
	for _, name := range keep {
		if !left[name] {
			t.Errorf("deleted %s", name)
		}
	}
	for _, name := range remove {
		if left[name] {
			t.Errorf("kept %s", name)
		}
	}
}

func TestCleanupRetentionDays(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 24, 0, 30, 0, 0, time.UTC)
	for _, name := range []string{"x.log.2026-11-22", "x.log.2026-11-23", "x.log.2026-11-23_23"} {
		writeFile(t, filepath.Join(dir, name), "l\n", time.Time{})
	}
	f := mustOpen(t, Config{Dir: dir, Name: "x.log", RetentionDays: 1, Now: newClock(now).Now})
	if err := f.Cleanup(); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(dirNames(t, dir), " ")
	if want := "x.log x.log.2026-11-23 x.log.2026-11-23_23"; got != want {
		t.Errorf("files = %s, want %s", got, want)
	}
}

func TestCleanupMissingDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "logs")
	f := mustOpen(t, Config{Dir: dir, Name: "x.log"})
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := f.Cleanup(); err != nil {
		t.Errorf("Cleanup on missing dir: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	tmp := t.TempDir()
	afile := filepath.Join(tmp, "afile")
	writeFile(t, afile, "not a dir\n", time.Time{})

	_, err := Open(Config{Dir: filepath.Join(afile, "logs"), Name: "x.log"})
	if err == nil || !strings.Contains(err.Error(), "cannot create directory") {
		t.Errorf("Open under a regular file: err = %v", err)
	}
	if err := os.Mkdir(filepath.Join(tmp, "x.log"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(Config{Dir: tmp, Name: "x.log"}); err == nil {
		t.Error("Open of a directory succeeded")
	}
	for _, cfg := range []Config{
		{Dir: tmp},
		{Dir: tmp, Name: "a/b.log"},
		{Dir: tmp, Name: ".."},
		{Dir: tmp, Name: "x.log", Policy: Policy(9)},
	} {
		if _, err := Open(cfg); err == nil {
			t.Errorf("Open(%+v) succeeded", cfg)
		}
	}
}

func TestCreatesDirAndDefaults(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b", "tracelog")
	f := mustOpen(t, Config{Dir: dir, Name: "x.log"})
	if f.Path() != filepath.Join(dir, "x.log") {
		t.Errorf("Path = %s", f.Path())
	}
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o755&^umask() {
		t.Errorf("dir: %v %v", fi, err)
	}
	if f.cfg.RetentionDays != 7 || f.cfg.MaxSizeMB != 100 || f.cfg.RetryInterval != time.Second || f.cfg.Now == nil {
		t.Errorf("defaults not applied: %+v", f.cfg)
	}
	if err := f.Sync(); err != nil {
		t.Errorf("Sync: %v", err)
	}
}

func umask() os.FileMode {
	probe := filepath.Join(os.TempDir(), fmt.Sprintf("umask-probe-%d", os.Getpid()))
	defer os.Remove(probe)
	if err := os.Mkdir(probe, 0o777); err != nil {
		return 0
	}
	fi, err := os.Stat(probe)
	if err != nil {
		return 0
	}
	return 0o777 &^ fi.Mode().Perm()
}

func TestCloseIdempotentAndWriteAfterClose(t *testing.T) {
	f := mustOpen(t, Config{Dir: t.TempDir(), Name: "x.log"})
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := f.Write([]byte("a\n")); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Write after Close: %v", err)
	}
	if err := f.Sync(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Sync after Close: %v", err)
	}
}

func TestConcurrentCloseAndCleanup(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC))
	f := mustOpen(t, Config{Dir: dir, Name: "x.log", Policy: Hourly, Now: clk.Now, RetentionDays: 1})
	var wg sync.WaitGroup
	wg.Add(1)
	written := 0
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			if _, err := f.Write([]byte(makeLine(i, clk.Now(), 10))); err != nil {
				if !errors.Is(err, os.ErrClosed) {
					t.Errorf("Write: %v", err)
				}
				return
			}
			written++
			clk.Add(time.Minute)
		}
	}()
	for i := 0; i < 50; i++ {
		if err := f.Cleanup(); err != nil {
			t.Errorf("Cleanup: %v", err)
		}
		time.Sleep(100 * time.Microsecond)
	}
	if err := f.Close(); err != nil {
		t.Error(err)
	}
	wg.Wait()
	// Everything not deleted by retention is intact.
	for name, recs := range readRecords(t, dir) {
		for _, r := range recs {
			if r.when.Format(hourlyLayout) != strings.TrimPrefix(name, "x.log.") && name != "x.log" {
				t.Errorf("%s holds line %d of %s", name, r.seq, r.when)
			}
		}
	}
}

func TestPolicyString(t *testing.T) {
	for p, want := range map[Policy]string{Daily: "daily", Hourly: "hourly", Size: "size", 7: "Policy(7)"} {
		if got := p.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(p), got, want)
		}
	}
}

func BenchmarkWrite300(b *testing.B) {
	f, err := Open(Config{Dir: b.TempDir(), Name: "bench.log"})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	line := []byte(strings.Repeat("a", 299) + "\n")
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Write(line); err != nil {
			b.Fatal(err)
		}
	}
}
