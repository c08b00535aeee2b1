package logfile

import (
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"
	"time"
)

const retry = 5 * time.Second

func TestDirRemovedWhileWriting(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "logs")
	clk := newClock(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC))
	f := mustOpen(t, Config{Dir: dir, Name: "x.log", Now: clk.Now, RetryInterval: retry})
	mustWrite(t, f, "before\n")
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	// Until the next identity check the descriptor still points at the
	// unlinked file: on Linux these writes succeed and are lost.
	f.Write([]byte("lost\n"))
	clk.Add(retry)
	mustWrite(t, f, "after\n") // stat notices, MkdirAll + reopen
	if got := readFile(t, filepath.Join(dir, "x.log")); got != "after\n" {
		t.Errorf("new file = %q", got)
	}
}

func TestDirRemovedAcrossRoll(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "logs")
	clk := newClock(time.Date(2026, 11, 24, 23, 59, 59, 0, time.UTC))
	f := mustOpen(t, Config{Dir: dir, Name: "x.log", Now: clk.Now, RetryInterval: time.Hour})
	mustWrite(t, f, "a\n")
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	clk.Add(2 * time.Second) // next day: roll's rename fails, reopen re-creates the dir
	mustWrite(t, f, "b\n")
	if got := readFile(t, filepath.Join(dir, "x.log")); got != "b\n" {
		t.Errorf("active = %q", got)
	}
}

func TestDirReplacedByFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "logs")
	clk := newClock(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC))
	f := mustOpen(t, Config{Dir: dir, Name: "x.log", Now: clk.Now, RetryInterval: retry})
	mustWrite(t, f, "before\n")
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "I am a file\n", time.Time{})

	clk.Add(retry)
	_, err := f.Write([]byte("x\n"))
	if !errors.Is(err, syscall.ENOTDIR) {
		t.Fatalf("Write with dir replaced by a file: %v", err)
	}
	// Within RetryInterval the same error comes back without retrying,
	// even though the directory could be created again by now.
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	clk.Add(retry - time.Millisecond)
	if _, err2 := f.Write([]byte("x\n")); err2 != err {
		t.Fatalf("Write during back-off = %v, want %v", err2, err)
	}
	if serr := f.Sync(); serr != err {
		t.Errorf("Sync while broken = %v, want %v", serr, err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("directory re-created during back-off: %v", err)
	}
	clk.Add(time.Millisecond)
	mustWrite(t, f, "after\n")
	if got := readFile(t, filepath.Join(dir, "x.log")); got != "after\n" {
		t.Errorf("new file = %q", got)
	}
	if err := f.Sync(); err != nil {
		t.Errorf("Sync after recovery: %v", err)
	}
}

func TestFileReplacedWhileOpen(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC))
	f := mustOpen(t, Config{Dir: dir, Name: "x.log", Now: clk.Now, RetryInterval: retry})
	mustWrite(t, f, "a\n")
	path := filepath.Join(dir, "x.log")
	if err := os.Rename(path, path+".moved"); err != nil { // e.g. an external logrotate
		t.Fatal(err)
	}
	mustWrite(t, f, "b\n") // not checked yet: still the old inode
	clk.Add(retry)
	mustWrite(t, f, "c\n")
	if got := readFile(t, path+".moved"); got != "a\nb\n" {
		t.Errorf("moved = %q", got)
	}
	if got := readFile(t, path); got != "c\n" {
		t.Errorf("new = %q", got)
	}
}

func TestDevFull(t *testing.T) {
	if fd, err := os.OpenFile("/dev/full", os.O_WRONLY, 0); err != nil {
		t.Skipf("skipping: /dev/full not usable: %v", err)
	} else {
		fd.Close()
	}
	dir := t.TempDir()
	if err := os.Symlink("/dev/full", filepath.Join(dir, "x.log")); err != nil {
		t.Skipf("skipping: cannot symlink to /dev/full: %v", err)
	}
	clk := newClock(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC))
	f := mustOpen(t, Config{Dir: dir, Name: "x.log", Now: clk.Now, RetryInterval: retry})
	for i := 0; i < 20; i++ {
		n, err := f.Write([]byte("line\n"))
		if !errors.Is(err, syscall.ENOSPC) || n != 0 {
			t.Fatalf("write %d: %d, %v; want ENOSPC", i, n, err)
		}
		clk.Add(retry / 2) // half the writes retry, half are refused by back-off
	}
	if err := f.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if fi, err := os.Lstat(filepath.Join(dir, "x.log")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("symlink disturbed: %v %v", fi, err)
	}
}

func countFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("skipping: cannot list open files: %v", err)
	}
	return len(entries)
}

func TestNoFDLeak(t *testing.T) {
	countFDs(t)
	run := func() {
		tmp := t.TempDir()
		dir := filepath.Join(tmp, "logs")
		clk := newClock(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC))
		// Many time rolls.
		f, err := Open(Config{Dir: dir, Name: "x.log", Policy: Hourly, Now: clk.Now, RetryInterval: retry})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 500; i++ {
			mustWrite(t, f, makeLine(i, clk.Now(), 10))
			clk.Add(20 * time.Minute)
		}
		// Files vanishing under an open descriptor.
		for i := 0; i < 20; i++ {
			os.RemoveAll(dir)
			clk.Add(retry)
			mustWrite(t, f, "again\n")
		}
		// Failures and recoveries.
		os.RemoveAll(dir)
		writeFile(t, dir, "file\n", time.Time{})
		for i := 0; i < 50; i++ {
			clk.Add(retry)
			f.Write([]byte("x\n"))
		}
		os.Remove(dir)
		clk.Add(retry)
		mustWrite(t, f, "back\n")
		f.Close()
		// Size rotations and open/close cycles.
		for i := 0; i < 20; i++ {
			g, err := Open(Config{Dir: dir, Name: "s.log", Policy: Size, MaxSizeMB: 1, MaxBackups: 3, Now: clk.Now})
			if err != nil {
				t.Fatal(err)
			}
			mustWrite(t, g, strings.Repeat("z", 700<<10)+"\n")
			g.Close()
			clk.Add(time.Second)
		}
	}
	// *os.File finalizers would close leaked descriptors at the next GC and
	// hide a leak: keep the GC off while counting.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	run() // warm up anything the runtime opens lazily
	before := countFDs(t)
	run()
	if after := countFDs(t); after != before {
		t.Errorf("open files: %d before, %d after", before, after)
	}
}
