package span

import (
	"sync"
	"time"
	"unsafe"

	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/log"
)

// Owner is what a Span reports to, for the tracer that made it; a tracer
// implements it on a type of its own, so that its users do not see these
// methods.
type Owner interface {
	// Report receives the span once, when it finishes.
	Report(s *Span)
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
//
// A Span is 256 bytes with up to three tags: it is held by every request in
// flight, so its size is kept to one allocation size class.
type Span struct {
	// Ctx also holds the span's finished flag and tag count, in what
	// would otherwise be its padding.
	Ctx Context

	rec       *Recorder
	mu        sync.Mutex
	operation string
	startWall int64 // Unix nanoseconds
	// mono is the monotonic start (nanoseconds since the recorder's
	// origin) until Finish, then the duration.
	mono   int64
	more   *more // tags past the inline ones, logs; nil for most spans
	tagBuf [inlineTags]Tag
	// idBuf holds the span's own TraceId (root spans) or SpanId
	// (children), so that the id costs no allocation of its own.
	idBuf [32]byte
}

const inlineTags = 3

// more holds what few spans need.
type more struct {
	tags []Tag // all the tags, once there are more than inlineTags
	logs []opentracing.LogRecord
}

// overflowTags is the first capacity of more.tags: plugin spans carry
// about 15 tags.
const overflowTags = 16

// moreWithTags is allocated when a span's tags outgrow the inline ones
// before it has logs: more and the tags' first backing array in one
// object. moreWith4 and moreWith8 serve batches of known size (see
// SetTagBlock), each filling its allocation size class.
type moreWithTags struct {
	more
	arr [overflowTags]Tag
}

type moreWith4 struct {
	more
	arr [4]Tag
}

type moreWith8 struct {
	more
	arr [8]Tag
}

// newMore returns a new more and an empty array for n tags, in one
// allocation when n is at most overflowTags.
func newMore(n int) (*more, []Tag) {
	switch {
	case n <= 4:
		m := new(moreWith4)
		return &m.more, m.arr[:0]
	case n <= 8:
		m := new(moreWith8)
		return &m.more, m.arr[:0]
	case n <= overflowTags:
		m := new(moreWithTags)
		return &m.more, m.arr[:0]
	}
	return new(more), make([]Tag, 0, n)
}

// NewTraceID returns a new TraceId made at wall time unixNano, stored in
// the span's own memory: the string lives as long as the span does. Spans
// are never reused, so the string never changes.
func (s *Span) NewTraceID(unixNano int64) string {
	return s.own(appendTraceIDMilli(s.idBuf[:0], unixNano/1e6))
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

// Context implements opentracing.Span; it returns *Context.
func (s *Span) Context() opentracing.SpanContext { return &s.Ctx }

// Tracer implements opentracing.Span.
func (s *Span) Tracer() opentracing.Tracer { return s.rec.tracer }

// Finish implements opentracing.Span.
func (s *Span) Finish() {
	mono := s.rec.clock.mono()
	s.mu.Lock()
	if s.Ctx.done {
		s.mu.Unlock()
		return
	}
	s.mono = max(mono-s.mono, 0)
	s.Ctx.done = true
	s.mu.Unlock()
	s.rec.owner.Report(s)
}

// FinishWithOptions implements opentracing.Span. Only the first call
// counts.
func (s *Span) FinishWithOptions(opts opentracing.FinishOptions) {
	if opts.FinishTime.IsZero() && opts.LogRecords == nil && opts.BulkLogData == nil {
		s.Finish()
		return
	}
	s.mu.Lock()
	if s.Ctx.done {
		s.mu.Unlock()
		return
	}
	s.finishLocked(opts)
	s.mu.Unlock()
	s.rec.owner.Report(s)
}

// finishLocked records the end of the span and marks it done; the caller
// holds s.mu and reports the span after unlocking.
func (s *Span) finishLocked(opts opentracing.FinishOptions) {
	if opts.FinishTime.IsZero() {
		s.mono = max(s.rec.clock.mono()-s.mono, 0)
	} else {
		s.mono = max(opts.FinishTime.UnixNano()-s.startWall, 0)
	}
	for _, lr := range opts.LogRecords {
		s.appendLog(lr)
	}
	for _, ld := range opts.BulkLogData {
		s.appendLog(ld.ToLogRecord())
	}
	s.Ctx.done = true
}

// SetOperationName implements opentracing.Span.
func (s *Span) SetOperationName(name string) opentracing.Span {
	s.mu.Lock()
	if !s.Ctx.done {
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
	s.setTag(key, value, -1)
	s.mu.Unlock()
	return s
}

// setTag sets one tag. reserve is how many tags the caller is setting,
// this one included, when it knows (-1 when not): the size of the array
// the tags move to when they outgrow the inline ones.
func (s *Span) setTag(key string, value any, reserve int) {
	if s.Ctx.done {
		return
	}
	lim := &s.rec.limits
	if str, ok := value.(string); ok && overLimit(str, lim.MaxTagValueLen) {
		value = truncate(str, lim.MaxTagValueLen)
		s.rec.owner.Refuse("tag_value")
	}
	b, own := s.tagParts()
	if i := tagIndex(own, key); i >= 0 {
		own[i].Value = value
		return
	}
	if i := b.index(key); i >= 0 {
		s.unshare(b.tags, own)
		s.more.tags[i].Value = value
		return
	}
	if lim.MaxTags > 0 && len(b.Tags())+len(own) >= lim.MaxTags {
		s.rec.owner.Refuse("tag")
		return
	}
	if s.more == nil || s.more.tags == nil {
		if n := s.Ctx.ntags; n < inlineTags {
			s.tagBuf[n] = Tag{key, value}
			s.Ctx.ntags++
			return
		}
		s.moveTags(own, reserve)
	}
	s.more.tags = append(s.more.tags, Tag{key, value})
}

// overLimit reports whether a string tag value is longer than limit (0: no
// limit).
func overLimit(str string, limit int) bool { return limit > 0 && len(str) > limit }

// truncate cuts a string tag value to limit bytes and marks it.
func truncate(str string, limit int) string { return str[:limit] + "...(truncated)" }

// moveTags moves the span's own inline tags to more.tags, the tags' home
// once they outgrow tagBuf, with room for reserve more (-1: unknown). A
// shared block stays referenced from the first slot.
func (s *Span) moveTags(own []Tag, reserve int) {
	n := overflowTags
	if reserve >= 0 {
		n = len(own) + reserve
		if m := s.rec.limits.MaxTags; m > 0 {
			n = min(n, m)
		}
	}
	var tags []Tag
	if s.more == nil {
		s.more, tags = newMore(n)
	} else {
		tags = make([]Tag, 0, n)
	}
	s.moveTagsTo(own, tags)
}

// moveTagsTo moves the span's own inline tags into tags (empty, with room
// for them), which becomes more.tags. A shared block stays referenced
// from the first slot.
func (s *Span) moveTagsTo(own, tags []Tag) {
	s.more.tags = append(tags, own...)
	first := s.tagBuf[0]
	s.tagBuf = [inlineTags]Tag{}
	if _, ok := first.Value.(blockRef); ok {
		s.tagBuf[0] = first
	}
}

func (s *Span) setPriority(v any) {
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
	s.mu.Lock()
	if !s.Ctx.done {
		s.Ctx.sampled.Store(p > 0)
	}
	s.mu.Unlock()
}

// SetTags sets several tags under one lock; plugins use it on hot paths.
func (s *Span) SetTags(tags ...Tag) {
	s.mu.Lock()
	for i, t := range tags {
		// The default overflow array unless the batch outgrows it: then
		// one array for all of it.
		reserve := -1
		if rest := len(tags) - i; inlineTags+rest > overflowTags {
			reserve = rest
		}
		s.setTag(t.Key, t.Value, reserve)
	}
	s.mu.Unlock()
}

// LogFields implements opentracing.Span.
func (s *Span) LogFields(fields ...log.Field) {
	s.mu.Lock()
	s.appendLog(opentracing.LogRecord{Fields: fields})
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
	if s.Ctx.done {
		return
	}
	if s.more == nil {
		s.more = new(more)
	}
	if max := s.rec.limits.MaxLogs; max > 0 && len(s.more.logs) >= max {
		s.rec.owner.Refuse("log")
		return
	}
	if lr.Timestamp.IsZero() {
		lr.Timestamp = s.rec.clock.wallTime()
	}
	s.more.logs = append(s.more.logs, lr)
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
	if s.Ctx.done {
		return
	}
	max := s.rec.limits.MaxBaggageSize
	var nb *Baggage
	if sys {
		nb = s.Ctx.Baggage().WithSys(key, val, max)
	} else {
		nb = s.Ctx.Baggage().WithBiz(key, val, max)
	}
	if nb == nil {
		s.rec.owner.Refuse("baggage")
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
func (s *Span) StartTime() time.Time { return time.Unix(0, s.startWall) }

// StartUnixNano returns when the span started, in Unix nanoseconds.
func (s *Span) StartUnixNano() int64 { return s.startWall }

// Duration returns how long the span took; 0 before Finish.
func (s *Span) Duration() time.Duration {
	if !s.Ctx.done {
		return 0
	}
	return time.Duration(s.mono)
}

// EndTime returns when the span finished.
func (s *Span) EndTime() time.Time { return time.Unix(0, s.startWall+int64(s.Duration())) }

// Finished reports whether Finish was called.
func (s *Span) Finished() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Ctx.done
}

// Tags returns the span's tags in the order they were first set (those of
// a shared TagBlock first, those of a FinishDeferred source last). The
// slice must not be modified. For a span that shares a block and has tags
// of its own, it is a new slice each call.
func (s *Span) Tags() []Tag {
	if d := s.deferred(); d != nil {
		return d.all(s)
	}
	return s.ownTags()
}

// ownTags returns the tags set on the span itself: a shared block's and
// its own.
func (s *Span) ownTags() []Tag {
	b, own := s.tagParts()
	shared := b.Tags()
	switch {
	case len(shared) == 0:
		return own
	case len(own) == 0:
		return shared
	}
	return append(append(make([]Tag, 0, len(shared)+len(own)), shared...), own...)
}

// Tag returns the value of tag key, or nil.
func (s *Span) Tag(key string) any {
	b, own := s.tagParts()
	if i := tagIndex(own, key); i >= 0 {
		return own[i].Value
	}
	if i := b.index(key); i >= 0 {
		return b.tags[i].Value
	}
	if d := s.deferred(); d != nil {
		return d.lookup(s, key)
	}
	return nil
}

// Logs returns the span's log records.
func (s *Span) Logs() []opentracing.LogRecord {
	if s.more == nil {
		return nil
	}
	return s.more.logs
}
