package span

import (
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/log"
)

// Owner is what a Span reports to: the tracer that made it.
type Owner interface {
	opentracing.Tracer
	// Report receives the span once, when it finishes.
	Report(s *Span)
	// Limits returns the limits the span enforces.
	Limits() *Limits
	// Refuse counts an item the span refused to keep (what names it:
	// "baggage", "tag", "log").
	Refuse(what string)
}

// Limits bound what one span holds, so that no caller can make the tracer
// hold or write unbounded data.
type Limits struct {
	MaxBaggageSize int // serialized size of each baggage map
	MaxTags        int // tags per span
	MaxTagValueLen int // bytes of a string tag value; longer ones are cut and marked
	MaxLogs        int // log records per span
}

// Tag is one span tag. Values keep the type they were set with.
type Tag struct {
	Key   string
	Value any
}

// Span is a SOFATracer span. It implements opentracing.Span and is safe for
// concurrent use. After Finish the span is immutable: later calls that
// would change it are ignored, and a second Finish is ignored.
type Span struct {
	Ctx Context

	owner     Owner
	mu        sync.Mutex
	operation string
	start     time.Time
	duration  time.Duration
	finished  atomic.Bool
	tags      []Tag
	logs      *[]opentracing.LogRecord // allocated on the first log
	tagBuf    [4]Tag
	// idBuf holds a root span's TraceId, so that the id costs no
	// allocation of its own (NewTraceID).
	idBuf [32]byte
}

// NewTraceID returns a new TraceId made at time now, stored in the span's
// own memory: the string lives as long as the span does. Spans are never
// reused, so the string never changes.
func (s *Span) NewTraceID(now time.Time) string {
	return s.own(AppendTraceID(s.idBuf[:0], now))
}

// NewChildID returns the SpanId of a new child of parent (see
// Context.NextChildID), stored in the span's own memory like NewTraceID.
func (s *Span) NewChildID(parent *Context) string {
	return s.own(parent.AppendNextChildID(s.idBuf[:0]))
}

// own returns b, built on s.idBuf, as a string without copying it, unless
// it outgrew the buffer.
func (s *Span) own(b []byte) string {
	if len(b) == 0 || &b[0] != &s.idBuf[0] {
		return string(b)
	}
	return unsafe.String(&s.idBuf[0], len(b))
}

// New returns a started span owned by o. The caller fills the context's ids
// before the span is shared.
func New(o Owner, operation string, start time.Time) *Span {
	s := &Span{owner: o, operation: operation, start: start}
	s.tags = s.tagBuf[:0]
	return s
}

// Context implements opentracing.Span; it returns *Context.
func (s *Span) Context() opentracing.SpanContext { return &s.Ctx }

// Tracer implements opentracing.Span.
func (s *Span) Tracer() opentracing.Tracer { return s.owner }

// Finish implements opentracing.Span.
func (s *Span) Finish() { s.FinishWithOptions(opentracing.FinishOptions{}) }

// FinishWithOptions implements opentracing.Span. Only the first call
// counts.
func (s *Span) FinishWithOptions(opts opentracing.FinishOptions) {
	s.mu.Lock()
	if s.finished.Load() {
		s.mu.Unlock()
		return
	}
	if opts.FinishTime.IsZero() {
		s.duration = time.Since(s.start)
	} else {
		s.duration = opts.FinishTime.Sub(s.start)
	}
	if s.duration < 0 {
		s.duration = 0
	}
	for _, lr := range opts.LogRecords {
		s.appendLog(lr)
	}
	for _, ld := range opts.BulkLogData {
		s.appendLog(ld.ToLogRecord())
	}
	s.finished.Store(true)
	s.mu.Unlock()
	s.owner.Report(s)
}

// SetOperationName implements opentracing.Span.
func (s *Span) SetOperationName(name string) opentracing.Span {
	s.mu.Lock()
	if !s.finished.Load() {
		s.operation = name
	}
	s.mu.Unlock()
	return s
}

// SetTag implements opentracing.Span. A tag set again replaces the old
// value. The tag "sampling.priority" (0 or >0) overrides the sampling
// decision of a root span before it propagates.
func (s *Span) SetTag(key string, value any) opentracing.Span {
	if key == "sampling.priority" {
		s.setPriority(value)
		return s
	}
	s.mu.Lock()
	s.setTagLocked(key, value)
	s.mu.Unlock()
	return s
}

func (s *Span) setTagLocked(key string, value any) {
	if s.finished.Load() {
		return
	}
	if str, ok := value.(string); ok {
		if max := s.owner.Limits().MaxTagValueLen; max > 0 && len(str) > max {
			value = str[:max] + "...(truncated)"
			s.owner.Refuse("tag_value")
		}
	}
	for i := range s.tags {
		if s.tags[i].Key == key {
			s.tags[i].Value = value
			return
		}
	}
	if max := s.owner.Limits().MaxTags; max > 0 && len(s.tags) >= max {
		s.owner.Refuse("tag")
		return
	}
	if len(s.tags) == cap(s.tags) && cap(s.tags) == len(s.tagBuf) {
		// Past the inline tags: plugin spans carry about 15, so grow once.
		grown := make([]Tag, len(s.tags), 16)
		copy(grown, s.tags)
		s.tags = grown
	}
	s.tags = append(s.tags, Tag{key, value})
}

func (s *Span) setPriority(v any) {
	if s.finished.Load() {
		return
	}
	var p int64
	switch n := v.(type) {
	case int:
		p = int64(n)
	case uint16:
		p = int64(n)
	case int64:
		p = n
	case int32:
		p = int64(n)
	case uint32:
		p = int64(n)
	default:
		return
	}
	s.Ctx.sampled.Store(p > 0)
}

// SetTags sets several tags under one lock; plugins use it on hot paths.
func (s *Span) SetTags(tags ...Tag) {
	s.mu.Lock()
	for _, t := range tags {
		s.setTagLocked(t.Key, t.Value)
	}
	s.mu.Unlock()
}

// LogFields implements opentracing.Span.
func (s *Span) LogFields(fields ...log.Field) {
	s.mu.Lock()
	s.appendLog(opentracing.LogRecord{Timestamp: time.Now(), Fields: fields})
	s.mu.Unlock()
}

// LogKV implements opentracing.Span.
func (s *Span) LogKV(alternatingKeyValues ...any) {
	fields, err := log.InterleavedKVToFields(alternatingKeyValues...)
	if err != nil {
		fields = []log.Field{log.Error(err), log.String("function", "LogKV")}
	}
	s.LogFields(fields...)
}

func (s *Span) appendLog(lr opentracing.LogRecord) {
	if s.finished.Load() {
		return
	}
	if s.logs == nil {
		s.logs = new([]opentracing.LogRecord)
	}
	if max := s.owner.Limits().MaxLogs; max > 0 && len(*s.logs) >= max {
		s.owner.Refuse("log")
		return
	}
	if lr.Timestamp.IsZero() {
		lr.Timestamp = time.Now()
	}
	*s.logs = append(*s.logs, lr)
}

// SetBaggageItem implements opentracing.Span: it sets a business baggage
// item, which every later child and every downstream service inherits. An
// item that would make the serialized baggage exceed the limit is refused
// and counted.
func (s *Span) SetBaggageItem(key, val string) opentracing.Span {
	s.setBaggage(key, val, false)
	return s
}

// SetSysBaggageItem sets a system baggage item. Blank keys or values are
// ignored, as in SOFATracer.
func (s *Span) SetSysBaggageItem(key, val string) {
	if val == "" {
		return
	}
	s.setBaggage(key, val, true)
}

func (s *Span) setBaggage(key, val string, sys bool) {
	if key == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finished.Load() {
		return
	}
	max := s.owner.Limits().MaxBaggageSize
	var nb *Baggage
	if sys {
		nb = s.Ctx.Baggage().WithSys(key, val, max)
	} else {
		nb = s.Ctx.Baggage().WithBiz(key, val, max)
	}
	if nb == nil {
		s.owner.Refuse("baggage")
		return
	}
	s.Ctx.SetBaggage(nb)
}

// BaggageItem implements opentracing.Span.
func (s *Span) BaggageItem(key string) string { return s.Ctx.BaggageItem(key) }

// LogEvent implements the deprecated opentracing.Span method.
func (s *Span) LogEvent(event string) { s.LogFields(log.String("event", event)) }

// LogEventWithPayload implements the deprecated opentracing.Span method.
func (s *Span) LogEventWithPayload(event string, payload any) {
	s.LogFields(log.String("event", event), log.Object("payload", payload))
}

// Log implements the deprecated opentracing.Span method.
func (s *Span) Log(ld opentracing.LogData) {
	s.mu.Lock()
	s.appendLog(ld.ToLogRecord())
	s.mu.Unlock()
}

// Accessors for reporters. They may be called without locking only after
// the span was handed to Owner.Report.

// OperationName returns the span's operation name.
func (s *Span) OperationName() string { return s.operation }

// StartTime returns when the span started.
func (s *Span) StartTime() time.Time { return s.start }

// Duration returns how long the span took; 0 before Finish.
func (s *Span) Duration() time.Duration { return s.duration }

// EndTime returns when the span finished.
func (s *Span) EndTime() time.Time { return s.start.Add(s.duration) }

// Finished reports whether Finish was called.
func (s *Span) Finished() bool { return s.finished.Load() }

// Tags returns the span's tags in the order they were first set. The slice
// must not be modified.
func (s *Span) Tags() []Tag { return s.tags }

// Tag returns the value of tag key, or nil.
func (s *Span) Tag(key string) any {
	for i := range s.tags {
		if s.tags[i].Key == key {
			return s.tags[i].Value
		}
	}
	return nil
}

// Logs returns the span's log records.
func (s *Span) Logs() []opentracing.LogRecord {
	if s.logs == nil {
		return nil
	}
	return *s.logs
}
