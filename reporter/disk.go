package reporter

import (
	"errors"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/reporter/logfile"
	"github.com/sofatracer/sofatracer-go/span"
)

// Config configures a Disk reporter. Zero values take the defaults.
type Config struct {
	Dir          string // log directory; load-test lines go to Dir/shadow
	App          string // local.app
	JSON         bool
	Newline      string // default "\r\n"
	QueueSize    int    // spans waiting to be written; default 8192, rounded up to a power of two
	Discard      DiscardPolicy
	StatInterval time.Duration  // default 60s
	MaxStatKeys  int            // stat rows per layout and interval; default 5000
	BatchBytes   int            // flush a file buffer past this size; default 256 KiB (a write costs ~5 µs more than its bytes)
	File         logfile.Config // rolling template; Dir and Name are set per file
	// OtherFiles are files in Dir that others write (tracer-self.log,
	// static-info.log) whose rolled files the reporter's retention prunes
	// too, with the digest and stat files, at start and hourly.
	OtherFiles []string
	Now        func() time.Time
	SelfLog    *SelfLog
}

// Disk writes digest and stat logs. It implements Reporter.
type Disk struct {
	q *ring
	// Counters of the spans that never reach the ring; with the ring's
	// tail they make Stats.Reported, so that an accepted span costs no
	// counter of its own.
	hot struct {
		refused     atomic.Int64 // ring full
		oldest      atomic.Int64 // taken out of a full ring (DropOldest)
		closedEarly atomic.Int64 // reported after Close, not queued
		closedLate  atomic.Int64 // queued as a cancelled position after Close
		_           [64]byte
	}
	closed atomic.Bool
	parked atomic.Bool   // the writer sleeps until a producer wakes it
	wake   chan struct{} // producers wake or nudge the writer
	high   uint64        // queue length that triggers a nudge
	// nudgeMask: producers compare the queue length with high at every
	// position p with p&nudgeMask == 0 (every 64th, or more often in a
	// small queue).
	nudgeMask uint64
	_         [64]byte

	cfg       Config
	stop      chan struct{} // closed by Close
	closeOnce sync.Once
	done      chan struct{}
	stat      *statTable
	c         counters

	enc   digest.Encoder
	files map[fileKey]*outFile
	last  lastFile // the file of the last span written
	// for drop warnings
	lastDropped int64
}

// counters are the writer's; the producers' are in Disk.hot.
type counters struct {
	written, unsampled                                            atomic.Int64
	linesLost, writeErrors, statRows, statLinesLost, statOverflow atomic.Int64
}

// NewDisk starts a disk reporter.
func NewDisk(cfg Config) (*Disk, error) {
	if cfg.Dir == "" {
		return nil, errors.New("reporter: Config.Dir is required")
	}
	if cfg.Newline == "" {
		cfg.Newline = "\r\n"
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = 8192
	}
	if cfg.StatInterval <= 0 {
		cfg.StatInterval = 60 * time.Second
	}
	if cfg.MaxStatKeys <= 0 {
		cfg.MaxStatKeys = 5000
	}
	if cfg.BatchBytes <= 0 {
		cfg.BatchBytes = 256 << 10
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.File.Now = cfg.Now
	d := &Disk{
		cfg:   cfg,
		q:     newRing(cfg.QueueSize),
		wake:  make(chan struct{}, 1),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
		enc:   digest.Encoder{App: cfg.App, JSON: cfg.JSON, Newline: cfg.Newline},
		files: map[fileKey]*outFile{},
	}
	d.high = uint64(min(d.q.size()/4, nudgeAt))
	d.nudgeMask = min(63, max(d.high, 1)-1)
	d.stat = newStatTable(d)
	go d.run()
	go d.stat.run()
	return d, nil
}

// Report implements Reporter. It never blocks: a full queue drops a span.
func (d *Disk) Report(s *span.Span) {
	if d.closed.Load() {
		d.hot.closedEarly.Add(1)
		return
	}
	sl, pos, ok := d.q.reserve()
	if !ok && d.cfg.Discard == DropOldest {
		// A cancelled position (nil) is already counted as closedLate.
		if old, popped := d.q.pop(); popped && old != nil {
			d.hot.oldest.Add(1)
		}
		sl, pos, ok = d.q.reserve()
	}
	if !ok {
		d.hot.refused.Add(1)
		return
	}
	// Close may have begun after the check above; the writer drains
	// every position reserved before it stopped, and any reserved later
	// sees closed here.
	if d.closed.Load() {
		sl.commit(pos, nil)
		d.hot.closedLate.Add(1)
		return
	}
	sl.commit(pos, s)
	if d.parked.Load() || (pos&d.nudgeMask == 0 && int64(pos-d.q.head.Load()) > int64(d.high)) {
		d.nudge()
	}
}

// nudge wakes the writer, at most one pending signal at a time.
func (d *Disk) nudge() {
	if d.parked.Load() { // a store would take the line every producer reads
		d.parked.Store(false)
	}
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Close implements Reporter: everything reported before Close is written.
// Concurrent and repeated calls return once the first has finished.
func (d *Disk) Close() error {
	d.closeOnce.Do(func() {
		d.closed.Store(true)
		close(d.stop)
		<-d.done
		d.stat.stop()
	})
	return nil
}

func (d *Disk) dropped() int64 { return d.hot.refused.Load() + d.hot.oldest.Load() }

// Stats returns the reporter's counters.
func (d *Disk) Stats() Stats {
	return Stats{
		Reported:      int64(d.q.tail.Load()) + d.hot.refused.Load() + d.hot.closedEarly.Load(),
		Dropped:       d.dropped(),
		DroppedClosed: d.hot.closedEarly.Load() + d.hot.closedLate.Load(),
		Written:       d.c.written.Load(),
		Unsampled:     d.c.unsampled.Load(),
		LinesLost:     d.c.linesLost.Load(),
		WriteErrors:   d.c.writeErrors.Load(),
		StatRows:      d.c.statRows.Load(),
		StatLinesLost: d.c.statLinesLost.Load(),
		StatOverflow:  d.c.statOverflow.Load(),
		SelfLogLost:   d.cfg.SelfLog.Dropped(),
	}
}

// DigestPath returns where the digest file of layout l is written.
func (d *Disk) DigestPath(l *digest.Layout, loadTest bool) string {
	return filepath.Join(d.dir(loadTest), l.DigestFile())
}

// StatPath returns where the stat file of layout l is written.
func (d *Disk) StatPath(l *digest.Layout, loadTest bool) string {
	return filepath.Join(d.dir(loadTest), l.StatFile())
}

func (d *Disk) dir(loadTest bool) string {
	if loadTest {
		return filepath.Join(d.cfg.Dir, "shadow")
	}
	return d.cfg.Dir
}

// run is the writer goroutine. Under load it polls the queue every
// pollInterval instead of parking on it, so that producers do not pay for
// waking it on every span; a producer that finds more than nudgeAt spans
// waiting (a quarter of a smaller queue) nudges it at once. After
// idlePolls empty polls it parks until the next span.
func (d *Disk) run() {
	defer close(d.done)
	timer := time.NewTimer(pollInterval)
	defer timer.Stop()
	lastTick := d.cfg.Now()
	idle := 0
	for {
		if d.closed.Load() {
			d.shutdown()
			return
		}
		n := d.drain()
		if n > 0 {
			d.flushAll()
			idle = 0
		} else {
			idle++
		}
		if now := d.cfg.Now(); now.Sub(lastTick) >= time.Second {
			lastTick = now
			d.warnDrops()
		}
		if n == drainMax {
			continue
		}
		if idle < idlePolls {
			timer.Reset(pollInterval)
			select {
			case <-d.wake:
			case <-timer.C:
			case <-d.stop:
			}
			continue
		}
		// Idle: park until a producer wakes it. A producer commits, then
		// reads parked; the writer sets parked, then looks at the queue:
		// one of the two sees the other.
		d.parked.Store(true)
		if d.q.len() == 0 {
			select {
			case <-d.wake:
			case <-d.stop:
			}
		}
		d.parked.Store(false)
		idle = 0
	}
}

// shutdown writes every span reported before Close, reports drops not yet
// reported and closes the files.
func (d *Disk) shutdown() {
	end := d.q.tail.Load()
	for d.q.head.Load() < end {
		if d.drain() == 0 {
			runtime.Gosched() // a producer is between reserve and commit
		}
	}
	d.flushAll()
	d.warnDrops()
	d.closeFiles()
}

const (
	pollInterval = 2 * time.Millisecond
	idlePolls    = 500 // about a second without spans
	drainMax     = 8192
	// More than nudgeAt spans waiting wake the writer before its poll
	// (checked at every 64th position): it then takes spans in batches
	// that are still in the CPU's caches and do not pile up in the heap
	// for the garbage collector to mark. Against waiting for the 2 ms poll
	// (500 spans at 250k spans/s) this cut the CPU per span of
	// BenchmarkOtelHTTPHandler by about 0.7 µs; 32, 64 and 256 did a
	// little worse, and Kafka's benchmarks did not move at -cpu 1 or 2.
	nudgeAt = 128
)

// drain handles what is queued, up to a bound so that files get flushed
// regularly; it reports how many positions it took.
func (d *Disk) drain() int {
	for n := 0; n < drainMax; n++ {
		s, ok := d.q.pop()
		if !ok {
			return n
		}
		if s != nil {
			d.handle(s)
		}
	}
	return drainMax
}

func (d *Disk) handle(s *span.Span) {
	l := digest.Classify(s)
	loadTest := s.Ctx.IsLoadTest()
	d.stat.record(s, l, loadTest)
	if !s.Ctx.Sampled() {
		d.c.unsampled.Add(1)
		return
	}
	f := d.file(l, loadTest)
	f.buf = d.enc.AppendDigest(f.buf, s, l)
	f.lines++
	if len(f.buf) >= d.cfg.BatchBytes {
		d.flush(f)
	}
}

// retain deletes the rolled files past retention of every file the
// tracer writes, in Dir and Dir/shadow: the digest and stat files of every
// layout, whether opened by this process or not, and Config.OtherFiles.
// The stat goroutine calls it at start and hourly: it wakes every
// StatInterval whether spans come or not.
func (d *Disk) retain() {
	names := append(digest.LogFiles(), d.cfg.OtherFiles...)
	for _, loadTest := range []bool{false, true} {
		cfg := d.cfg.File
		cfg.Dir = d.dir(loadTest)
		for _, name := range names {
			cfg.Name = name
			if err := logfile.Prune(cfg); err != nil {
				d.cfg.SelfLog.Limited("retention", time.Hour, LevelWarn, "retention: %v", err)
			}
		}
	}
}

func (d *Disk) warnDrops() {
	n := d.dropped()
	if n != d.lastDropped {
		d.cfg.SelfLog.Printf(LevelWarn, "discarded %d spans: the report queue (size %d) was full; %d discarded in all", n-d.lastDropped, d.q.size(), n)
		d.lastDropped = n
	}
}

type fileKey struct {
	name     string
	loadTest bool
}

// outFile is a log file and the lines buffered for it.
type outFile struct {
	d       *Disk
	cfg     logfile.Config
	f       *logfile.File
	openErr time.Time // when opening last failed
	buf     []byte
	lines   int64
	digest  bool
	// region is a digest file's buffer outside the Go heap (see
	// offHeap; nil where there is none), released by free when the file
	// closes; buf goes back to it after each write. A line that does not
	// fit in it is appended in the heap, as append does.
	region []byte
	free   func()
}

// regionSlack is the room a digest buffer has past BatchBytes, where it is
// written: the line that crosses BatchBytes must fit.
const regionSlack = 64 << 10

// lastFile remembers the digest file of the last span: spans of one layout
// come in runs, so most spans skip the map lookup.
type lastFile struct {
	l        *digest.Layout
	loadTest bool
	f        *outFile
}

// file returns the digest file of layout l.
func (d *Disk) file(l *digest.Layout, loadTest bool) *outFile {
	if d.last.l == l && d.last.loadTest == loadTest {
		return d.last.f
	}
	k := fileKey{l.DigestFile(), loadTest}
	f := d.files[k]
	if f == nil {
		f = newOutFile(d, k.name, loadTest, true)
		d.files[k] = f
	}
	d.last = lastFile{l, loadTest, f}
	return f
}

func newOutFile(d *Disk, name string, loadTest, isDigest bool) *outFile {
	cfg := d.cfg.File
	cfg.Dir = d.dir(loadTest)
	cfg.Name = name
	f := &outFile{d: d, cfg: cfg, digest: isDigest}
	if isDigest {
		// The writer keeps up to BatchBytes of lines per file for as long
		// as the process runs. In the heap they would count towards the
		// garbage collector's goal, and with a small heap make it collect
		// more often (BenchmarkOtelHTTPHandler: about 10 % more cycles
		// and +0.2 µs CPU per request).
		region, free, err := offHeap(d.cfg.BatchBytes + regionSlack)
		if err != nil {
			d.cfg.SelfLog.Limited("offheap", time.Minute, LevelWarn, "digest buffers stay in the Go heap: %v", err)
		}
		f.region, f.free, f.buf = region, free, region
	}
	f.open()
	return f
}

func (f *outFile) open() bool {
	if f.f != nil {
		return true
	}
	if !f.openErr.IsZero() && f.d.cfg.Now().Sub(f.openErr) < time.Second {
		return false
	}
	lf, err := logfile.Open(f.cfg)
	if err != nil {
		f.openErr = f.d.cfg.Now()
		f.d.c.writeErrors.Add(1)
		f.d.cfg.SelfLog.Limited("open "+f.cfg.Name, 10*time.Second, LevelError, "cannot open %s: %v", filepath.Join(f.cfg.Dir, f.cfg.Name), err)
		return false
	}
	f.f = lf
	f.openErr = time.Time{}
	return true
}

func (d *Disk) flushAll() {
	for _, f := range d.files {
		d.flush(f)
	}
}

// flush writes the buffered lines with one call; lines that cannot be
// written are counted as lost.
func (d *Disk) flush(f *outFile) {
	if len(f.buf) == 0 {
		return
	}
	n := f.lines
	ok := f.write()
	if f.digest && ok {
		d.c.written.Add(n)
	}
}

func (f *outFile) write() bool {
	defer func() {
		f.buf, f.lines = f.buf[:0], 0
		if f.region != nil {
			f.buf = f.region
		}
	}()
	if !f.open() {
		f.lost()
		return false
	}
	if _, err := f.f.Write(f.buf); err != nil {
		f.d.c.writeErrors.Add(1)
		f.lost()
		f.d.cfg.SelfLog.Limited("write "+f.cfg.Name, 10*time.Second, LevelError, "cannot write %s, %d lines lost: %v", f.f.Path(), f.lines, err)
		return false
	}
	if cap(f.buf) > 4*f.d.cfg.BatchBytes {
		f.buf = nil // do not keep a burst's buffer forever
	}
	return true
}

// lost counts the buffered lines as lost: digest lines are spans, stat
// lines are rows, so each has its own counter.
func (f *outFile) lost() {
	if f.digest {
		f.d.c.linesLost.Add(f.lines)
	} else {
		f.d.c.statLinesLost.Add(f.lines)
	}
}

func (f *outFile) close() {
	if f.f != nil {
		f.f.Sync()
		f.f.Close()
	}
	if f.free != nil {
		f.buf, f.region = nil, nil
		f.free()
		f.free = nil
	}
}

func (d *Disk) closeFiles() {
	for _, f := range d.files {
		f.close()
	}
}
