package logfile

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSizeBackupsAfterTheClockStepsBack: the clock steps back an hour
// between rotations. MaxBackups keeps the backups rotated last, whatever
// time their names carry: the file just rotated is never the one deleted.
func TestSizeBackupsAfterTheClockStepsBack(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(time.Date(2026, 11, 24, 13, 0, 0, 0, time.Local))
	f := mustOpen(t, Config{Dir: dir, Name: "x.log", Policy: Size, MaxSizeMB: 1, MaxBackups: 2, Now: clk.Now})
	chunk := strings.Repeat("z", 600<<10) + "\n" // two chunks do not fit in 1 MiB
	for i, step := range []time.Duration{time.Minute, time.Minute, -time.Hour, time.Minute, -time.Hour, time.Minute} {
		mustWrite(t, f, string(rune('a'+i))+chunk)
		clk.Add(step)
	}
	f.Close()
	// Six chunks: the active file holds the last, the two backups the two
	// before it.
	var firsts []string
	for _, name := range dirNames(t, dir) {
		firsts = append(firsts, readFile(t, filepath.Join(dir, name))[:1])
	}
	if strings.Join(firsts, "") == "" || len(firsts) != 3 {
		t.Fatalf("files %v", dirNames(t, dir))
	}
	got := map[string]bool{}
	for _, c := range firsts {
		got[c] = true
	}
	for _, want := range []string{"d", "e", "f"} {
		if !got[want] {
			t.Errorf("chunk %s lost: the files hold %v (%v)", want, firsts, dirNames(t, dir))
		}
	}
}
