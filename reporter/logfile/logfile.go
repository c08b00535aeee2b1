// Package logfile writes SOFATracer-compatible log files that roll over,
// are deleted after a retention period and heal themselves when their
// directory or file goes away.
//
// # Rolling
//
// With the Daily (default) and Hourly policies the active file always keeps
// its configured name, like SOFATracer's log4j-style appender. At the first
// Write after a period boundary the active file is renamed to
// name + ".2006-01-02" (Daily) or name + ".2006-01-02_15" (Hourly), using the
// period the file holds, and a fresh file is opened. Periods are computed in
// the location of the times returned by Config.Now (time.Now: the local time
// zone), as calendar days and hours: where a zone change skips local midnight
// (America/Santiago, America/Havana) the day begins at the first instant that
// has its date and the file is named for it; an hour that a change repeats
// is one period, one file. A file that received no bytes in its period is
// not renamed; it just carries on into the next period, so no empty rolled
// files are produced.
//
// If the rolled name already exists (a restart, a clock step back, another
// process), it is never overwritten: the first free name of
// name + ".2006-01-02.1", ".2", ... is used instead. Cleanup understands these
// suffixes.
//
// On Open (and whenever the file is reopened after a failure) an existing
// non-empty regular file whose modification time lies in an earlier period
// than now is rolled first, under the name of the period of its modification
// time. A file from the current period is appended to.
//
// The Size policy rolls when a Write would take the file beyond MaxSizeMB.
// Rolled files use lumberjack's naming, prefix + "-2006-01-02T15-04-05.000" +
// ext (e.g. "x-2026-11-24T13-05-00.000.log" for "x.log"), with the timestamp
// in the clock's location (lumberjack's LocalTime: true). The rotation itself
// is done here, not by lumberjack.Logger: lumberjack v2.2.1 starts a "mill"
// goroutine on its first Write that its Close never stops
// (natefinch/lumberjack#56, #205), which would leak one goroutine per File.
//
// # Retention
//
// Cleanup deletes rolled files older than RetentionDays; see Cleanup.
// Prune does the same for a file that is not open. The owner calls them,
// e.g. at start and then hourly as SOFATracer does. Only the Size policy
// prunes during Write (MaxBackups, at each rotation).
//
// # Failures
//
// Write never panics and never blocks on a broken file. When opening or
// writing fails (directory removed or replaced, ENOSPC, ...) the error is
// returned, the descriptor is closed, and further Writes return the same
// error without touching the file system until Config.RetryInterval has
// passed; the next Write after that re-creates the directory (MkdirAll) and
// reopens the file. While healthy, Write checks at most once per
// RetryInterval (one stat) that the path still names the open file, and
// reopens it if it was deleted or replaced. On Linux, writes to a file whose
// directory was deleted still succeed (into the unlinked file), so up to
// RetryInterval worth of lines can be lost in that case; this is the price of
// doing a single syscall per Write on the hot path.
//
// When a file is (re)opened and its last byte is not '\n' (a crash or a
// partial write during ENOSPC), a '\n' is appended first so the next line
// starts on a line of its own.
package logfile

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Policy selects when a File rolls over.
type Policy int

const (
	// Daily rolls when the local date changes; rolled files are named
	// name.2006-01-02.
	Daily Policy = iota
	// Hourly rolls when the local hour changes; rolled files are named
	// name.2006-01-02_15.
	Hourly
	// Size rolls when the file would exceed Config.MaxSizeMB; rolled files
	// use lumberjack's naming (prefix-2006-01-02T15-04-05.000.ext). A
	// single Write larger than the limit goes whole into a file of its own.
	Size
)

// String returns "daily", "hourly", "size", or "Policy(n)".
func (p Policy) String() string {
	switch p {
	case Daily:
		return "daily"
	case Hourly:
		return "hourly"
	case Size:
		return "size"
	}
	return "Policy(" + strconv.Itoa(int(p)) + ")"
}

// ParsePolicy returns the policy a name or a SOFATracer rolling pattern
// stands for, case-insensitively: "daily" or ".yyyy-MM-dd" (also
// "'.'yyyy-MM-dd"), "hourly" or ".yyyy-MM-dd_HH" (also "'.'yyyy-MM-dd_HH"),
// "size". Policy.String gives the names back.
func ParsePolicy(s string) (Policy, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "daily", ".yyyy-mm-dd", "'.'yyyy-mm-dd":
		return Daily, nil
	case "hourly", ".yyyy-mm-dd_hh", "'.'yyyy-mm-dd_hh":
		return Hourly, nil
	case "size":
		return Size, nil
	}
	return 0, fmt.Errorf("logfile: rolling policy %q is not daily (.yyyy-MM-dd), hourly (.yyyy-MM-dd_HH) or size", s)
}

// Defaults applied by Open to zero Config fields.
const (
	// DefaultMaxSizeMB is the Size policy's limit, as lumberjack's.
	DefaultMaxSizeMB = 100
	// DefaultRetentionDays is SOFATracer's tracer_global_log_reserve_day.
	DefaultRetentionDays = 7
	// DefaultRetryInterval is the back-off after a failure.
	DefaultRetryInterval = time.Second
)

// Suffix layouts of rolled files.
const (
	dailyLayout  = "2006-01-02"
	hourlyLayout = "2006-01-02_15"
	sizeLayout   = "2006-01-02T15-04-05.000" // lumberjack's backupTimeFormat
)

// Config describes one log file. Only Name is required.
type Config struct {
	// Dir is the directory of the file; it is created (mode 0755) if
	// missing. Empty means the current directory.
	Dir string
	// Name is the file name, e.g. "http-server-digest.log". It must not
	// contain a path separator.
	Name string
	// Policy selects the rolling policy; the zero value is Daily.
	Policy Policy
	// MaxSizeMB is the size limit in MiB of the active file under the Size
	// policy (lumberjack's MaxSize); 0 means DefaultMaxSizeMB.
	MaxSizeMB int
	// MaxBackups is the number of rolled files kept under the Size policy
	// (lumberjack's MaxBackups); 0 keeps all (retention still applies).
	MaxBackups int
	// RetentionDays is how long rolled files are kept, see File.Cleanup;
	// 0 means DefaultRetentionDays and a negative value keeps them forever.
	RetentionDays int
	// Now is the clock; nil means time.Now. Periods are computed in the
	// location of the times it returns.
	Now func() time.Time
	// RetryInterval is how long after a failure reopening is tried again,
	// and how often a healthy file checks that its path still names it;
	// 0 means DefaultRetryInterval.
	RetryInterval time.Duration
}

// errClosed is returned by Write and Sync after Close.
var errClosed = fmt.Errorf("logfile: %w", os.ErrClosed)

// File is an append-only log file that rolls, is retained and self-heals as
// described in the package documentation. Its methods are safe for
// concurrent use; concurrent Writes are serialised, each landing whole in
// one file.
type File struct {
	cfg      Config // normalised, immutable
	path     string
	maxBytes int64

	cleanMu sync.Mutex // serialises directory scans of Cleanup and Size rotation
	// rotated are the Size backups this File made, oldest first (under
	// cleanMu): MaxBackups keeps the newest by rotation, not by the time in
	// their names, which a clock stepping back makes lie.
	rotated []string

	mu        sync.Mutex
	fd        *os.File    // nil while broken or closed
	ident     os.FileInfo // identity of fd, for os.SameFile
	size      int64       // bytes in the active file
	period    int64       // Daily/Hourly: label of the period the active file holds
	nextRoll  time.Time   // Daily/Hourly: start of the following period
	nextCheck time.Time   // next time the path is stat'ed
	err       error       // last failure, returned while broken
	retryAt   time.Time   // while broken: earliest reopen attempt
	closed    bool
}

// Open creates the directory if needed and opens (appends to) the file,
// rolling an existing file from an earlier period first. It fails if the
// configuration is invalid, the directory cannot be created or the file
// cannot be opened.
func Open(cfg Config) (*File, error) {
	if err := normalize(&cfg); err != nil {
		return nil, err
	}
	f := &File{
		cfg:      cfg,
		path:     filepath.Join(cfg.Dir, cfg.Name),
		maxBytes: int64(cfg.MaxSizeMB) << 20,
	}
	if err := f.open(cfg.Now()); err != nil {
		return nil, err
	}
	return f, nil
}

func normalize(c *Config) error {
	if c.Name == "" || c.Name == "." || c.Name == ".." || filepath.Base(c.Name) != c.Name {
		return fmt.Errorf("logfile: invalid file name %q", c.Name)
	}
	if c.Policy < Daily || c.Policy > Size {
		return fmt.Errorf("logfile: unknown policy %v", c.Policy)
	}
	if c.Dir == "" {
		c.Dir = "."
	}
	if c.MaxSizeMB <= 0 {
		c.MaxSizeMB = DefaultMaxSizeMB
	}
	if c.MaxBackups < 0 {
		c.MaxBackups = 0
	}
	if c.RetentionDays == 0 {
		c.RetentionDays = DefaultRetentionDays
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.RetryInterval <= 0 {
		c.RetryInterval = DefaultRetryInterval
	}
	return nil
}

// Path returns the path of the active file.
func (f *File) Path() string { return f.path }

// Write writes p, which should hold one or more whole lines, to the active
// file with a single write call, rolling first if a period boundary has
// passed or the size limit would be exceeded; p is never split across
// files. After a failure it returns the error and, until RetryInterval has
// passed, keeps returning it without touching the file system.
func (f *File) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return 0, errClosed
	}
	if len(p) == 0 {
		return 0, nil
	}
	now := f.cfg.Now()
	if f.fd == nil {
		if now.Before(f.retryAt) {
			return 0, f.err
		}
		if err := f.reopen(now); err != nil {
			return 0, err
		}
	} else if !now.Before(f.nextCheck) {
		if err := f.check(now); err != nil {
			return 0, err
		}
	}
	if f.cfg.Policy == Size {
		if f.size > 0 && f.size+int64(len(p)) > f.maxBytes {
			if err := f.rotate(now); err != nil {
				return 0, err
			}
		}
	} else if !now.Before(f.nextRoll) {
		if err := f.roll(now); err != nil {
			return 0, err
		}
	}
	n, err := f.fd.Write(p)
	f.size += int64(n)
	if err != nil {
		f.fail(now, err)
		return n, err
	}
	return n, nil
}

// Sync commits the active file to stable storage.
func (f *File) Sync() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return errClosed
	}
	if f.fd == nil {
		return f.err
	}
	return f.fd.Sync()
}

// Close closes the active file. Further Writes fail with an error matching
// os.ErrClosed; Cleanup keeps working. Close is idempotent.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil
	}
	f.closed = true
	return f.closeFD()
}

func (f *File) closeFD() error {
	if f.fd == nil {
		return nil
	}
	err := f.fd.Close()
	f.fd, f.ident = nil, nil
	return err
}

// fail closes the descriptor after a failure and starts the retry back-off.
func (f *File) fail(now time.Time, err error) {
	f.closeFD()
	f.err = err
	f.retryAt = now.Add(f.cfg.RetryInterval)
}

// reopen opens the file after a failure, a detected replacement or a roll,
// entering the broken state if that fails.
func (f *File) reopen(now time.Time) error {
	f.closeFD()
	if err := f.open(now); err != nil {
		f.fail(now, err)
		return err
	}
	return nil
}

// check verifies, at most once per RetryInterval, that the path still names
// the open file and reopens it otherwise (deleted, replaced, directory gone).
func (f *File) check(now time.Time) error {
	if fi, err := os.Stat(f.path); err == nil && os.SameFile(fi, f.ident) {
		f.nextCheck = now.Add(f.cfg.RetryInterval)
		return nil
	}
	return f.reopen(now)
}

// open creates the directory and opens the file for appending, rolling an
// existing file from an earlier period first.
func (f *File) open(now time.Time) error {
	if err := os.MkdirAll(f.cfg.Dir, 0o755); err != nil {
		return fmt.Errorf("logfile: cannot create directory %s: %w", f.cfg.Dir, err)
	}
	if f.cfg.Policy != Size {
		if fi, err := os.Stat(f.path); err == nil && fi.Mode().IsRegular() && fi.Size() > 0 {
			if p := f.label(fi.ModTime().In(now.Location())); p < f.label(now) {
				// Best effort: if the rename fails the old file is appended to.
				_ = renameNoClobber(f.path, f.rolledName(p))
			}
		}
	}
	fd, err := os.OpenFile(f.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("logfile: %w", err)
	}
	ident, err := fd.Stat()
	if err != nil {
		fd.Close()
		return fmt.Errorf("logfile: %w", err)
	}
	var size int64
	if ident.Mode().IsRegular() {
		size = ident.Size()
		if size > 0 && !endsWithNewline(f.path, size) {
			if n, err := fd.Write([]byte{'\n'}); err == nil {
				size += int64(n)
			}
		}
	}
	f.fd, f.ident, f.size = fd, ident, size
	f.setPeriod(now)
	f.nextCheck = now.Add(f.cfg.RetryInterval)
	f.err, f.retryAt = nil, time.Time{}
	return nil
}

// endsWithNewline reports whether the file's byte at size-1 is '\n'; it
// reports true when that cannot be determined.
func endsWithNewline(path string, size int64) bool {
	r, err := os.Open(path)
	if err != nil {
		return true
	}
	defer r.Close()
	var b [1]byte
	if _, err := r.ReadAt(b[:], size-1); err != nil {
		return true
	}
	return b[0] == '\n'
}

// roll renames the active file to the name of the period it holds and opens
// a fresh one. An empty file is kept and simply moves to the new period.
func (f *File) roll(now time.Time) error {
	if f.label(now) <= f.period {
		// The local date or hour went back (a zone change crossing a
		// boundary backwards): the lines stay in this period's file.
		f.nextRoll = f.nextStart(f.period, now)
		return nil
	}
	if f.size == 0 {
		f.setPeriod(now)
		return nil
	}
	f.closeFD()
	// On failure (e.g. the directory vanished) reopen sorts things out:
	// it re-creates the directory or appends to the file it failed to move.
	_ = renameNoClobber(f.path, f.rolledName(f.period))
	return f.reopen(now)
}

// rotate renames the active file to a lumberjack backup name stamped with
// now, opens a fresh one and prunes backups beyond MaxBackups.
func (f *File) rotate(now time.Time) error {
	f.closeFD()
	target, err := renameNoClobberSize(f.path, f.backupPrefix(), f.backupExt(), now)
	if err == nil {
		f.cleanMu.Lock()
		f.rotated = append(f.rotated, filepath.Base(target))
		f.cleanMu.Unlock()
	}
	if err := f.reopen(now); err != nil {
		return err
	}
	if f.cfg.MaxBackups > 0 {
		f.cleanMu.Lock()
		_ = f.prune(now, false)
		f.cleanMu.Unlock()
	}
	return nil
}

func (f *File) setPeriod(now time.Time) {
	if f.cfg.Policy == Size {
		return
	}
	f.period = f.label(now)
	f.nextRoll = f.nextStart(f.period, now)
}

// label names the period containing t by its calendar fields in t's
// location, as a number that orders periods: yyyymmdd (Daily) or
// yyyymmddhh (Hourly). Periods are calendar days and hours, not spans of
// 24 hours or 60 minutes: where a zone change skips local midnight the
// day starts at the first instant that has its date, where it repeats an
// hour that hour is one period of two hours.
func (f *File) label(t time.Time) int64 {
	y, m, d := t.Date()
	l := int64(y)*10000 + int64(m)*100 + int64(d)
	if f.cfg.Policy == Hourly {
		l = l*100 + int64(t.Hour())
	}
	return l
}

// nextStart returns the first instant after now whose label is above
// period. It walks the zone's offsets from now: within one offset, local
// days and hours begin at multiples of 86400 or 3600 seconds of wall time.
// The walk ends within two days, as no zone change moves a clock by more
// than a day.
func (f *File) nextStart(period int64, now time.Time) time.Time {
	unit := int64(86400)
	if f.cfg.Policy == Hourly {
		unit = 3600
	}
	t := now.Truncate(time.Second).Add(time.Second)
	for limit := now.Add(50 * time.Hour); t.Before(limit); {
		if f.label(t) > period {
			return t
		}
		_, off := t.Zone()
		_, end := t.ZoneBounds()
		wall := t.Unix() + int64(off)
		for b := (wall/unit + 1) * unit; ; b += unit {
			next := time.Unix(b-int64(off), 0).In(t.Location())
			if !end.IsZero() && !next.Before(end) {
				t = end // the next offset
				break
			}
			if f.label(next) > period {
				return next
			}
		}
	}
	return now.Add(time.Hour) // unreachable: a clock that never moves on
}

// rolledName returns the SOFA name of the file holding the given period.
func (f *File) rolledName(period int64) string {
	day := period
	if f.cfg.Policy == Hourly {
		day = period / 100
	}
	name := fmt.Sprintf("%s.%04d-%02d-%02d", f.path, day/10000, day/100%100, day%100)
	if f.cfg.Policy == Hourly {
		name += fmt.Sprintf("_%02d", period%100)
	}
	return name
}

// backupPrefix and backupExt split the path like lumberjack: for "x.log"
// the backups are "x-<timestamp>.log".
func (f *File) backupExt() string { return filepath.Ext(f.cfg.Name) }

func (f *File) backupPrefix() string {
	return f.path[:len(f.path)-len(f.backupExt())] + "-"
}

// renameNoClobber renames src to dst, or to the first free dst.N (N = 1,
// 2, ...) if dst exists.
func renameNoClobber(src, dst string) error {
	target := dst
	for i := 1; exists(target); i++ {
		target = dst + "." + strconv.Itoa(i)
	}
	return os.Rename(src, target)
}

// renameNoClobberSize renames src to prefix + t + ext, moving t forward one
// millisecond at a time until the name is free, so that the name stays in
// lumberjack's format; it returns the name used.
func renameNoClobberSize(src, prefix, ext string, t time.Time) (string, error) {
	target := prefix + t.Format(sizeLayout) + ext
	for exists(target) {
		t = t.Add(time.Millisecond)
		target = prefix + t.Format(sizeLayout) + ext
	}
	return target, os.Rename(src, target)
}

// exists reports whether path exists. Other errors (e.g. the directory was
// replaced by a file) report false and are left for the rename to surface.
func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
