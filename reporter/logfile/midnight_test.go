package logfile

import (
	"archive/zip"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// midnightChange is a change of a zone's UTC offset that skips local
// midnight (clocks jump over 00:00) or repeats it.
type midnightChange struct {
	zone string
	loc  *time.Location
	at   time.Time // first instant of the new offset
	skip bool
}

// midnightChanges scans every zone of the Go time zone database (the
// names of $GOROOT/lib/time/zoneinfo.zip; the zones load from the embedded
// time/tzdata) for offset changes from 1970 to 2037 that skip or repeat
// local midnight.
func midnightChanges(t *testing.T) []midnightChange {
	t.Helper()
	changes, err := scanMidnightChanges()
	if err != nil {
		t.Fatalf("the zone list: %v", err)
	}
	return changes
}

var scanMidnightChanges = sync.OnceValues(func() ([]midnightChange, error) {
	zr, err := zip.OpenReader(filepath.Join(runtime.GOROOT(), "lib", "time", "zoneinfo.zip"))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	var out []midnightChange
	start, end := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2038, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, zf := range zr.File {
		loc, err := time.LoadLocation(zf.Name)
		if err != nil || strings.HasSuffix(zf.Name, "/") {
			continue
		}
		_, prev := start.In(loc).Zone()
		for day := start; day.Before(end); day = day.Add(24 * time.Hour) {
			_, off := day.In(loc).Zone()
			if off == prev {
				continue
			}
			lo, hi := day.Add(-24*time.Hour).Unix(), day.Unix()
			for hi-lo > 1 { // the first second of the new offset
				mid := lo + (hi-lo)/2
				if _, o := time.Unix(mid, 0).In(loc).Zone(); o == prev {
					lo = mid
				} else {
					hi = mid
				}
			}
			// Wall times in [a, b) are skipped (forward) or repeated (back).
			a, b := min(hi+int64(prev), hi+int64(off)), max(hi+int64(prev), hi+int64(off))
			if m := ceilDiv(a, 86400) * 86400; m < b {
				out = append(out, midnightChange{zf.Name, loc, time.Unix(hi, 0).In(loc), off > prev})
			}
			prev = off
		}
	}
	return out, nil
})

func ceilDiv(a, b int64) int64 {
	q := a / b
	if q*b < a {
		q++
	}
	return q
}

// calendar returns the period label the name of a line's file must carry.
func calendar(policy Policy, t time.Time) string {
	if policy == Hourly {
		return t.Format(hourlyLayout)
	}
	return t.Format(dailyLayout)
}

// TestPeriodsAtEveryMidnightChange walks the period logic through every
// midnight change of the database, for the hourly policy every minute for
// three hours around it, for the daily one every five minutes for a day
// around it: the file in use always has the name of the
// local date (hour) of the time written, and a new period starts exactly
// where the local date (hour) changes. Where a change sets the clock back
// across a date (hour) boundary (America/Goose_Bay, 1987-10-25 00:01 ->
// 10-24 23:01), the earlier date's repeated minutes stay in the later
// date's file: periods never go back.
func TestPeriodsAtEveryMidnightChange(t *testing.T) {
	changes := midnightChanges(t)
	if len(changes) < 100 {
		t.Fatalf("only %d midnight changes found: the scan is broken", len(changes))
	}
	zones := map[string]bool{}
	for _, c := range changes {
		zones[c.zone] = true
		for _, policy := range []Policy{Daily, Hourly} {
			// A day around the change every 5 minutes, or 3 hours every minute.
			span, step := 26*time.Hour, 5*time.Minute
			if policy == Hourly {
				span, step = 3*time.Hour, time.Minute
			}
			f := &File{cfg: Config{Name: "x.log", Policy: policy}, path: "x.log"}
			now := c.at.Add(-span)
			f.setPeriod(now)
			highest := f.label(now)
			for ; now.Before(c.at.Add(span)); now = now.Add(step) {
				highest = max(highest, f.label(now))
				if !now.Before(f.nextRoll) {
					before := f.label(f.nextRoll.Add(-time.Second))
					if before != f.period || f.label(f.nextRoll) <= f.period {
						t.Fatalf("%s %v at %v: period %d ends at %v, not where the label changes", c.zone, policy, c.at, f.period, f.nextRoll)
					}
					f.roll(now) // an empty file: no I/O
				}
				if f.period != highest {
					t.Fatalf("%s %v (change at %v): a line of %v goes to %s, want %d", c.zone, policy, c.at, now, f.rolledName(f.period), highest)
				}
			}
		}
	}
	t.Logf("%d midnight changes in %d zones", len(changes), len(zones))
}

// TestRollingAtMidnightChangesOfEveryZone writes through the latest
// midnight change of each kind (skipped, repeated) of every zone that has
// one, with real files, for the daily and hourly policies: one file per
// period, named for it, holding only its lines; then retention of one day
// deletes the files of earlier dates and nothing else.
func TestRollingAtMidnightChangesOfEveryZone(t *testing.T) {
	latest := map[[2]any]midnightChange{}
	for _, c := range midnightChanges(t) {
		latest[[2]any{c.zone, c.skip}] = c
	}
	for _, c := range latest {
		for _, policy := range []Policy{Daily, Hourly} {
			rollThrough(t, c, policy)
		}
	}
}

func rollThrough(t *testing.T, c midnightChange, policy Policy) {
	// Daily: three days, so that retention has a day to delete; hourly:
	// six hours (every roll opens a file, the slow part).
	span, step := 26*time.Hour, 37*time.Minute
	if policy == Hourly {
		span, step = 3*time.Hour, 11*time.Minute
	}
	dir := t.TempDir()
	clk := newClock(c.at.Add(-span))
	f, err := Open(Config{Dir: dir, Name: "x.log", Policy: policy, Now: clk.Now, RetentionDays: 1})
	if err != nil {
		t.Fatal(err)
	}
	// The period of a line is the highest local date (hour) seen so far.
	seq, period, periods, last := 0, map[int]string{}, map[string]bool{}, time.Time{}
	for highest := ""; clk.Now().Before(c.at.Add(span)); clk.Add(step) {
		last = clk.Now()
		mustWrite(t, f, makeLine(seq, last.UTC(), 0)) // UTC: RFC 3339 drops offset seconds (-00:44:30)
		highest = max(highest, calendar(policy, last))
		period[seq], periods[highest] = highest, true
		seq++
	}
	f.Close()
	name := regexp.MustCompile(`^x\.log\.(\d{4}-\d\d-\d\d(_\d\d)?)$`)
	files := readRecords(t, dir)
	checkOnce(t, files, seq)
	if len(files) != len(periods) {
		t.Fatalf("%s %v (change at %v): %d files for %d periods: %v", c.zone, policy, c.at, len(files), len(periods), dirNames(t, dir))
	}
	names := map[string]string{} // file -> period
	for file, recs := range files {
		want := period[seq-1]
		if file != "x.log" {
			m := name.FindStringSubmatch(file)
			if m == nil {
				t.Fatalf("%s %v: unexpected file %s", c.zone, policy, file)
			}
			want = m[1]
		}
		names[file] = want
		for _, r := range recs {
			if got := period[r.seq]; got != want {
				t.Fatalf("%s %v (change at %v): %s holds a line of %s (%v)", c.zone, policy, c.at, file, got, r.when.In(c.loc))
			}
		}
	}
	// Retention of one day keeps the files of yesterday and today.
	if err := f.Cleanup(); err != nil {
		t.Fatal(err)
	}
	y, m, d := last.Date()
	keep := time.Date(y, m, d-1, 0, 0, 0, 0, time.UTC).Format(dailyLayout)
	for file, p := range names {
		_, err := os.Stat(filepath.Join(dir, file))
		date := p[:len(dailyLayout)]
		if kept := err == nil; kept != (date >= keep) {
			t.Fatalf("%s %v (change at %v): retention at %v: %s (lines of %s) kept=%v", c.zone, policy, c.at, last, file, date, kept)
		}
	}
}
