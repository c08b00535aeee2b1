package logfile

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Cleanup applies retention now. It deletes the rolled files of this log
// whose period began before the cutoff, local midnight of today minus
// RetentionDays days (SOFATracer's rule); with RetentionDays < 0 it deletes
// nothing by age. Under the Size policy it also keeps only the MaxBackups
// newest backups (if MaxBackups > 0): the ones this File rotated last, then
// the others by the time in their names (a clock that stepped back makes
// those times lie, not the rotation order).
//
// Rolled files are the regular files in Dir named, whatever the current
// policy:
//
//	name.2006-01-02     (a day)   and name.2006-01-02.N
//	name.2006-01-02_15  (an hour) and name.2006-01-02_15.N
//	prefix-2006-01-02T15-04-05.000ext  (a Size backup, stamped when rotated)
//
// where prefix and ext are name split at its extension ("x-<timestamp>.log"
// for "x.log"). The active file and files not matching these patterns are never
// deleted. Dates are calendar dates in the location of Config.Now. Cleanup may be
// called concurrently with Write and after Close; it returns the errors of
// the deletions that failed.
func (f *File) Cleanup() error {
	f.cleanMu.Lock()
	defer f.cleanMu.Unlock()
	return f.prune(f.cfg.Now(), true)
}

// Prune applies the retention of cfg to the rolled files of cfg.Name in
// cfg.Dir, as File.Cleanup does, without opening the file: the owner of
// several logs prunes those it has not opened (yet) this way.
func Prune(cfg Config) error {
	if err := normalize(&cfg); err != nil {
		return err
	}
	f := &File{cfg: cfg, path: filepath.Join(cfg.Dir, cfg.Name)}
	return f.prune(cfg.Now(), true)
}

type backup struct {
	name string
	t    time.Time
}

// prune deletes rolled files by age (if byAge) and Size backups beyond
// MaxBackups. The caller holds cleanMu.
func (f *File) prune(now time.Time, byAge bool) error {
	entries, err := os.ReadDir(f.cfg.Dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("logfile: cleanup: %w", err)
	}
	byAge = byAge && f.cfg.RetentionDays > 0
	// Names and the cutoff are compared as calendar fields (read as UTC),
	// so that a day whose local midnight does not exist is still a day.
	var cutoff time.Time
	if byAge {
		y, m, d := now.Date()
		cutoff = time.Date(y, m, d-f.cfg.RetentionDays, 0, 0, 0, 0, time.UTC)
	}
	var errs []error
	var backups []backup
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		t, isBackup, ok := f.parseRolled(e.Name())
		if !ok {
			continue
		}
		if byAge && t.Before(cutoff) {
			errs = append(errs, f.remove(e.Name()))
			continue
		}
		if isBackup {
			backups = append(backups, backup{e.Name(), t})
		}
	}
	if f.cfg.Policy == Size && f.cfg.MaxBackups > 0 && len(backups) > f.cfg.MaxBackups {
		// Newest first: this File's rotations, the last one first, then
		// the others by the time in their names.
		rank := make(map[string]int, len(f.rotated))
		for i, name := range f.rotated {
			rank[name] = i + 1
		}
		slices.SortFunc(backups, func(a, b backup) int {
			if c := cmp.Compare(rank[b.name], rank[a.name]); c != 0 {
				return c
			}
			return b.t.Compare(a.t)
		})
		for _, b := range backups[f.cfg.MaxBackups:] {
			errs = append(errs, f.remove(b.name))
		}
		if n := len(f.rotated) - f.cfg.MaxBackups; n > 0 {
			f.rotated = slices.Delete(f.rotated, 0, n) // deleted above
		}
	}
	return errors.Join(errs...)
}

func (f *File) remove(name string) error {
	err := os.Remove(filepath.Join(f.cfg.Dir, name))
	if err == nil || errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return fmt.Errorf("logfile: cleanup: %w", err)
}

// parseRolled reports whether file is a rolled file of this log, the
// calendar fields of the period it holds (as a UTC time), and whether it is
// a Size (lumberjack) backup.
func (f *File) parseRolled(file string) (t time.Time, isBackup, ok bool) {
	if rest, found := strings.CutPrefix(file, f.cfg.Name+"."); found {
		if i := strings.LastIndexByte(rest, '.'); i >= 0 && isDigits(rest[i+1:]) {
			rest = rest[:i] // collision suffix ".N"
		}
		for _, layout := range [...]string{hourlyLayout, dailyLayout} {
			if t, err := time.Parse(layout, rest); err == nil {
				return t, false, true
			}
		}
		return time.Time{}, false, false
	}
	ext := filepath.Ext(f.cfg.Name)
	prefix := f.cfg.Name[:len(f.cfg.Name)-len(ext)] + "-"
	if len(file) > len(prefix)+len(ext) && strings.HasPrefix(file, prefix) && strings.HasSuffix(file, ext) {
		if t, err := time.Parse(sizeLayout, file[len(prefix):len(file)-len(ext)]); err == nil {
			return t, true, true
		}
	}
	return time.Time{}, false, false
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
