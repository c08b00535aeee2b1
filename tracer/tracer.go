// Package tracer is SOFATracer for Go: an opentracing.Tracer whose spans
// carry SOFATracer's global TraceId and hierarchical SpanId, propagate in
// SOFATracer's wire formats, and are written asynchronously to
// SOFATracer's digest and stat log files.
//
//	t, err := tracer.New(tracer.WithAppName("orders"))
//	if err != nil { ... }
//	defer t.Close()
//	opentracing.SetGlobalTracer(t)
package tracer

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/internal/spanopt"
	"github.com/sofatracer/sofatracer-go/propagation"
	"github.com/sofatracer/sofatracer-go/reporter"
	"github.com/sofatracer/sofatracer-go/reporter/logfile"
	"github.com/sofatracer/sofatracer-go/span"
)

// Tracer implements opentracing.Tracer. It is safe for concurrent use.
type Tracer struct {
	cfg    *config
	rec    *span.Recorder
	disk   *reporter.Disk
	self   *reporter.SelfLog
	plim   propagation.Limits
	closed atomic.Bool

	afterClose    atomic.Int64
	depthExceeded atomic.Int64
	refused       sync.Map // what -> *atomic.Int64
	corrupted     sync.Map // reason -> *atomic.Int64
	closeOnce     sync.Once
	closeErr      error
	ctxHook       atomic.Pointer[ContextHook]
}

var _ opentracing.Tracer = (*Tracer)(nil)

// New starts a tracer: it checks the log directory (an unwritable one is an
// error here, not later), writes static-info.log and starts the reporter.
// The environment is read first (see docs/configuration.md), then opts are applied.
func New(opts ...Option) (*Tracer, error) {
	cfg := defaultConfig()
	envOpts, err := envOptions()
	if err != nil {
		return nil, fmt.Errorf("sofatracer: %w", err)
	}
	for _, o := range append(envOpts, opts...) {
		if err := o(cfg); err != nil {
			return nil, fmt.Errorf("sofatracer: %w", err)
		}
	}
	if cfg.app == "" {
		return nil, errors.New("sofatracer: an app name is required: use tracer.WithAppName or SOFA_TRACER_APP_NAME")
	}
	if cfg.logDir == "" {
		cfg.logDir = DefaultLogDir()
	}
	fileCfg := logfile.Config{Dir: cfg.logDir, Policy: cfg.rolling, MaxSizeMB: cfg.maxFileSizeMB, RetentionDays: cfg.retentionDays, Now: cfg.now}
	if err := writeStaticInfo(cfg, fileCfg); err != nil {
		return nil, fmt.Errorf("sofatracer: log directory %s is not usable: %w", cfg.logDir, err)
	}
	selfCfg := fileCfg
	selfCfg.Name = selfLogFile
	self, err := reporter.OpenSelfLog(selfCfg)
	if err != nil {
		return nil, fmt.Errorf("sofatracer: log directory %s is not usable: %w", cfg.logDir, err)
	}
	disk, err := reporter.NewDisk(reporter.Config{
		Dir:          cfg.logDir,
		App:          cfg.app,
		JSON:         cfg.json,
		Newline:      cfg.newline,
		QueueSize:    cfg.queueSize,
		Discard:      cfg.discard,
		StatInterval: cfg.statInterval,
		MaxStatKeys:  cfg.maxStatKeys,
		File:         fileCfg,
		OtherFiles:   []string{selfLogFile, staticInfoFile},
		Now:          cfg.now,
		SelfLog:      self,
	})
	if err != nil {
		self.Close()
		return nil, fmt.Errorf("sofatracer: %w", err)
	}
	t := &Tracer{
		cfg:  cfg,
		disk: disk,
		self: self,
		plim: propagation.Limits{MaxBaggageSize: cfg.limits.MaxBaggageSize, MaxCarrierSize: cfg.maxCarrier},
	}
	t.rec = span.NewRecorder(t, (*owner)(t), cfg.limits, cfg.now)
	self.Printf(reporter.LevelInfo, "sofatracer started: app=%s dir=%s json=%v stat_log_interval=%v queue=%d", cfg.app, cfg.logDir, cfg.json, cfg.statInterval, cfg.queueSize)
	return t, nil
}

// Files the tracer writes besides the digest and stat files.
const (
	selfLogFile    = "tracer-self.log"
	staticInfoFile = "static-info.log"
)

// writeStaticInfo appends "PID,IP,ZONE,TIMEZONE\n" to static-info.log,
// which rolls like the other files; it is also the check that the
// directory is writable.
func writeStaticInfo(cfg *config, fileCfg logfile.Config) error {
	fileCfg.Name = staticInfoFile
	f, err := logfile.Open(fileCfg)
	if err != nil {
		return err
	}
	ip := span.LocalIP()
	if ip == "" {
		ip = "null"
	}
	_, err = fmt.Fprintf(f, "%d,%s,%s,%s\n", os.Getpid(), ip, cfg.zone, timeZoneName())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func timeZoneName() string {
	if tz := os.Getenv("TZ"); tz != "" {
		return strings.TrimPrefix(tz, ":")
	}
	if b, err := os.ReadFile("/etc/timezone"); err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b))
	}
	if l, err := os.Readlink("/etc/localtime"); err == nil {
		if i := strings.Index(l, "zoneinfo/"); i >= 0 {
			return l[i+len("zoneinfo/"):]
		}
	}
	name, _ := time.Now().Zone()
	return name
}

// StartSpan implements opentracing.Tracer. A span with a SOFA parent takes
// the next child id of that parent ("0.1", "0.2", ...), or the parent's own
// id when started with span.ShareContext; a span without one starts a new
// trace, and the sampler decides for the whole trace.
func (t *Tracer) StartSpan(operationName string, opts ...opentracing.StartSpanOption) opentracing.Span {
	if len(opts) == 0 {
		return t.start(operationName, &noOptions)
	}
	if c, ok := opts[0].(*spanopt.ChildOf); ok && len(opts) == 1 {
		// The one reference on the stack: no pooled options.
		refs := [1]opentracing.SpanReference{{Type: opentracing.ChildOfRef, ReferencedContext: (*span.Context)(c)}}
		return t.start(operationName, &opentracing.StartSpanOptions{References: refs[:]})
	}
	o := optionsPool.Get().(*opentracing.StartSpanOptions)
	for _, opt := range opts {
		opt.Apply(o)
	}
	s := t.start(operationName, o)
	clear(o.References)
	*o = opentracing.StartSpanOptions{References: o.References[:0]}
	optionsPool.Put(o)
	return s
}

var (
	noOptions   opentracing.StartSpanOptions
	optionsPool = sync.Pool{New: func() any { return new(opentracing.StartSpanOptions) }}
)

func (t *Tracer) start(operationName string, o *opentracing.StartSpanOptions) *span.Span {
	s := t.rec.Start(operationName, o.StartTime)
	t.initContext(s, o, operationName)
	if len(o.Tags) > 0 { // ranging over even a nil map costs an iterator
		for k, v := range o.Tags {
			s.SetTag(k, v)
		}
	}
	return s
}

func (t *Tracer) initContext(s *span.Span, o *opentracing.StartSpanOptions, op string) {
	// The preferred parent is the first ChildOf reference, else the first
	// reference; the others only contribute baggage.
	var parent *span.Context
	var others []*span.Context
	parentIsChild, shared := false, false
	for _, ref := range o.References {
		pc, ok := ref.ReferencedContext.(*span.Context)
		sh, isShared := ref.ReferencedContext.(span.Shared)
		if isShared {
			pc, ok = sh.Context, true
		}
		if !ok || pc == nil {
			continue
		}
		switch {
		case parent == nil:
			parent, parentIsChild, shared = pc, ref.Type == opentracing.ChildOfRef, isShared
		case ref.Type == opentracing.ChildOfRef && !parentIsChild:
			others = append(others, parent)
			parent, parentIsChild, shared = pc, true, isShared
		default:
			others = append(others, pc)
		}
	}
	if parent == nil {
		traceID := s.NewTraceID(s.StartUnixNano())
		s.Ctx.Init(traceID, "0", "", t.cfg.sampler.Sample(traceID, op))
		return
	}
	bag := parent.Baggage()
	for _, oc := range others {
		bag, _ = bag.Merge(oc.Baggage(), t.cfg.limits.MaxBaggageSize)
	}
	switch {
	case parent.TooDeep():
		t.depthExceeded.Add(1)
		traceID := s.NewTraceID(s.StartUnixNano())
		s.Ctx.Init(traceID, "0", "", t.cfg.sampler.Sample(traceID, op))
		t.self.Limited("depth", time.Second, reporter.LevelError, "OpenTracing Span layer exceed max layer limit %d: trace %s span %s starts new trace %s", span.MaxDepth, parent.TraceID, parent.SpanID, traceID)
		bag = bag.BizOnly()
	case shared:
		s.Ctx.Init(parent.TraceID, parent.SpanID, parent.ParentID, parent.Sampled())
		s.Ctx.Shared = true
		s.Ctx.Format = parent.Format
	default:
		s.Ctx.Init(parent.TraceID, s.NewChildID(parent), parent.SpanID, parent.Sampled())
		s.Ctx.Format = parent.Format
		s.Ctx.ParentShared = parent.Shared
	}
	if !bag.Empty() {
		s.Ctx.SetBaggage(bag)
	}
}

// Inject implements opentracing.Tracer for the formats of the propagation
// package.
func (t *Tracer) Inject(sc opentracing.SpanContext, format any, carrier any) error {
	c, ok := sc.(*span.Context)
	if !ok || c == nil {
		return opentracing.ErrInvalidSpanContext
	}
	return propagation.Inject(c, format, carrier)
}

// Extract implements opentracing.Tracer. A carrier with no context gives
// opentracing.ErrSpanContextNotFound; one whose context is malformed gives
// opentracing.ErrSpanContextCorrupted, and the reason is counted (Stats).
// Baggage beyond the size limit is refused and counted.
func (t *Tracer) Extract(format any, carrier any) (opentracing.SpanContext, error) {
	c, res, err := propagation.Extract(format, carrier, t.plim)
	if res.RefusedBaggage > 0 {
		t.count(&t.refused, "baggage", int64(res.RefusedBaggage))
	}
	if err != nil {
		var ce *propagation.CorruptError
		if errors.As(err, &ce) {
			t.count(&t.corrupted, ce.Reason, 1)
			return nil, opentracing.ErrSpanContextCorrupted
		}
		return nil, err
	}
	return c, nil
}

func (t *Tracer) count(m *sync.Map, key string, n int64) {
	v, ok := m.Load(key)
	if !ok {
		v, _ = m.LoadOrStore(key, new(atomic.Int64))
	}
	v.(*atomic.Int64).Add(n)
}

// owner is the Tracer as its spans see it: span.Owner, implemented on a
// type of its own so that Report and Refuse are not in Tracer's API.
type owner Tracer

// Report implements span.Owner: it hands a finished span to the reporters.
func (o *owner) Report(s *span.Span) {
	t := (*Tracer)(o)
	if t.closed.Load() {
		t.afterClose.Add(1)
		return
	}
	t.disk.Report(s)
	for _, r := range t.cfg.reporters {
		r.Report(s)
	}
}

// Refuse implements span.Owner.
func (o *owner) Refuse(what string) { (*Tracer)(o).count(&o.refused, what, 1) }

// Close stops the tracer: spans finished before it are written, files are
// flushed and synced, and every goroutine of the tracer has ended when it
// returns. Spans finished afterwards are dropped and counted. It is safe
// to call more than once.
func (t *Tracer) Close() error {
	t.closeOnce.Do(func() {
		t.closed.Store(true)
		errs := []error{t.disk.Close()}
		for _, r := range t.cfg.reporters {
			errs = append(errs, r.Close())
		}
		t.self.Printf(reporter.LevelInfo, "sofatracer closed: %s", t.Stats())
		errs = append(errs, t.self.Close())
		t.closeErr = errors.Join(errs...)
	})
	return t.closeErr
}

// AppName returns the tracer's local.app.
func (t *Tracer) AppName() string { return t.cfg.app }

// LogDir returns the directory the log files are written to.
func (t *Tracer) LogDir() string { return t.cfg.logDir }

// Reporter returns the tracer's disk reporter (file paths, counters).
func (t *Tracer) Reporter() *reporter.Disk { return t.disk }
