package reporter

import (
	"errors"
	"path/filepath"
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
	QueueSize    int    // default 8192
	Discard      DiscardPolicy
	StatInterval time.Duration  // default 60s
	MaxStatKeys  int            // stat rows per layout and interval; default 5000
	BatchBytes   int            // flush a file buffer past this size; default 64 KiB
	File         logfile.Config // rolling template; Dir and Name are set per file
	Now          func() time.Time
	SelfLog      *SelfLog
}

// Disk writes digest and stat logs. It implements Reporter.
type Disk struct {
	// What producers touch on every span has cache lines of its own, so
	// that the writer's counters do not bounce them between cores.
	hot struct {
		// qmu orders Report against Close: Report holds it shared while
		// it checks closed and enqueues, Close holds it exclusively to
		// close q.
		qmu                              sync.RWMutex
		reported, dropped, droppedClosed atomic.Int64
		_                                [64]byte
	}
	q      chan *span.Span
	wake   chan struct{} // producers nudge the writer when the queue fills up
	high   int           // queue length that triggers a nudge
	closed atomic.Bool
	_      [64]byte

	cfg  Config
	done chan struct{}
	stat *statTable
	c    counters

	enc   digest.Encoder
	files map[fileKey]*outFile
	// for drop warnings
	lastDropped int64
}

// counters are the writer's; the producers' are in Disk.hot.
type counters struct {
	written, unsampled                             atomic.Int64
	linesLost, writeErrors, statRows, statOverflow atomic.Int64
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
		cfg.BatchBytes = 64 << 10
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.File.Now = cfg.Now
	d := &Disk{
		cfg:   cfg,
		q:     make(chan *span.Span, cfg.QueueSize),
		wake:  make(chan struct{}, 1),
		high:  cfg.QueueSize / 4,
		done:  make(chan struct{}),
		enc:   digest.Encoder{App: cfg.App, JSON: cfg.JSON, Newline: cfg.Newline},
		files: map[fileKey]*outFile{},
	}
	d.stat = newStatTable(d)
	go d.run()
	go d.stat.run()
	return d, nil
}

// Report implements Reporter. It never blocks: a full queue drops a span.
func (d *Disk) Report(s *span.Span) {
	d.hot.reported.Add(1)
	d.hot.qmu.RLock()
	defer d.hot.qmu.RUnlock()
	if d.closed.Load() {
		d.hot.droppedClosed.Add(1)
		return
	}
	select {
	case d.q <- s:
		if len(d.q) > d.high {
			select {
			case d.wake <- struct{}{}:
			default:
			}
		}
		return
	default:
	}
	if d.cfg.Discard == DropOldest {
		select {
		case <-d.q:
			d.hot.dropped.Add(1)
		default:
		}
		select {
		case d.q <- s:
			return
		default:
		}
	}
	d.hot.dropped.Add(1)
}

// Close implements Reporter: everything reported before Close is written.
func (d *Disk) Close() error {
	d.hot.qmu.Lock()
	if d.closed.Swap(true) {
		d.hot.qmu.Unlock()
		<-d.done
		return nil
	}
	close(d.q)
	d.hot.qmu.Unlock()
	<-d.done
	d.stat.stop()
	return nil
}

// Stats returns the reporter's counters.
func (d *Disk) Stats() Stats {
	return Stats{
		Reported:      d.hot.reported.Load(),
		Dropped:       d.hot.dropped.Load(),
		DroppedClosed: d.hot.droppedClosed.Load(),
		Written:       d.c.written.Load(),
		Unsampled:     d.c.unsampled.Load(),
		LinesLost:     d.c.linesLost.Load(),
		WriteErrors:   d.c.writeErrors.Load(),
		StatRows:      d.c.statRows.Load(),
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
// waking it on every span; a producer that finds the queue a quarter full
// nudges it at once. After idlePolls empty polls it parks until the next
// span.
func (d *Disk) run() {
	defer close(d.done)
	timer := time.NewTimer(pollInterval)
	defer timer.Stop()
	lastTick := d.cfg.Now()
	lastCleanup := lastTick
	idle := 0
	for {
		n, open := d.drain()
		if !open {
			d.shutdown()
			return
		}
		if n > 0 {
			d.flushAll()
			idle = 0
		} else {
			idle++
		}
		if now := d.cfg.Now(); now.Sub(lastTick) >= time.Second {
			lastTick = now
			d.warnDrops()
			if now.Sub(lastCleanup) >= time.Hour {
				lastCleanup = now
				for _, f := range d.files {
					f.cleanup()
				}
			}
		}
		if idle < idlePolls {
			if n < 8192 { // the queue ran dry: wait a little
				timer.Reset(pollInterval)
				select {
				case <-d.wake:
				case <-timer.C:
				}
			}
			continue
		}
		// Idle: park until a span arrives or the queue is closed.
		s, ok := <-d.q
		if !ok {
			d.shutdown()
			return
		}
		d.handle(s)
		if _, open := d.drain(); open {
			d.flushAll()
		}
		idle = 0
	}
}

// shutdown writes what is buffered, reports drops not yet reported and
// closes the files.
func (d *Disk) shutdown() {
	d.flushAll()
	d.warnDrops()
	d.closeFiles()
}

const (
	pollInterval = 2 * time.Millisecond
	idlePolls    = 500 // about a second without spans
)

// drain handles what is queued, up to a bound so that files get flushed
// regularly; it reports how many spans it handled and whether the queue is
// still open.
func (d *Disk) drain() (int, bool) {
	for n := 0; n < 8192; n++ {
		select {
		case s, ok := <-d.q:
			if !ok {
				return n, false
			}
			d.handle(s)
		default:
			return n, true
		}
	}
	return 8192, true
}

func (d *Disk) handle(s *span.Span) {
	l := digest.Classify(s)
	loadTest := s.Ctx.IsLoadTest()
	d.stat.record(s, l, loadTest)
	if !s.Ctx.Sampled() {
		d.c.unsampled.Add(1)
		return
	}
	f := d.file(l.DigestFile(), loadTest)
	f.buf = d.enc.AppendDigest(f.buf, s, l)
	f.lines++
	if len(f.buf) >= d.cfg.BatchBytes {
		d.flush(f)
	}
}

func (d *Disk) warnDrops() {
	n := d.hot.dropped.Load()
	if n != d.lastDropped {
		d.cfg.SelfLog.Printf(LevelWarn, "discarded %d spans: the report queue (size %d) was full; %d discarded in all", n-d.lastDropped, d.cfg.QueueSize, n)
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
}

func (d *Disk) file(name string, loadTest bool) *outFile {
	k := fileKey{name, loadTest}
	if f := d.files[k]; f != nil {
		return f
	}
	f := newOutFile(d, name, loadTest, true)
	d.files[k] = f
	return f
}

func newOutFile(d *Disk, name string, loadTest, isDigest bool) *outFile {
	cfg := d.cfg.File
	cfg.Dir = d.dir(loadTest)
	cfg.Name = name
	f := &outFile{d: d, cfg: cfg, digest: isDigest}
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
	lf.Cleanup()
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
	defer func() { f.buf, f.lines = f.buf[:0], 0 }()
	if !f.open() {
		f.d.c.linesLost.Add(f.lines)
		return false
	}
	if _, err := f.f.Write(f.buf); err != nil {
		f.d.c.writeErrors.Add(1)
		f.d.c.linesLost.Add(f.lines)
		f.d.cfg.SelfLog.Limited("write "+f.cfg.Name, 10*time.Second, LevelError, "cannot write %s, %d lines lost: %v", f.f.Path(), f.lines, err)
		return false
	}
	if cap(f.buf) > 4*f.d.cfg.BatchBytes {
		f.buf = nil // do not keep a burst's buffer forever
	}
	return true
}

func (f *outFile) cleanup() {
	if f.f != nil {
		f.f.Cleanup()
	}
}

func (f *outFile) close() {
	if f.f != nil {
		f.f.Sync()
		f.f.Close()
	}
}

func (d *Disk) closeFiles() {
	for _, f := range d.files {
		f.close()
	}
}
