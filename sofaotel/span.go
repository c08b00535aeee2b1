package sofaotel

import (
	"fmt"
	"sync"
	"time"

	"github.com/opentracing/opentracing-go"
	otlog "github.com/opentracing/opentracing-go/log"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/sofatracer/sofatracer-go/span"
)

// Span is the OpenTelemetry view of a sofatracer span (trace.Span). It is
// safe for concurrent use. Attributes are kept as they are set and turned
// into the span's tags when it ends, so that the digest layout their
// semantic conventions call for is chosen once, from all of them.
type Span struct {
	// trace.Span, a no-op span, answers AddLink (links are not recorded)
	// and the methods a later version of the API adds; an interface, 16
	// bytes where noop.Span took 80.
	trace.Span
	sp       *span.Span
	p        *TracerProvider
	kind     trace.SpanKind
	parentTS trace.TraceState
	// ot marks the view of a span started through OpenTracing: its
	// attributes become tags at once, and its plugin owns its tags.
	ot bool

	// Guarded by mu (the small fields together: the struct, 224 bytes,
	// fills its size class).
	mu     sync.Mutex
	ended  bool
	status codes.Code
	attrs  []attribute.KeyValue // the start options' own slice
	late   []attribute.KeyValue // set later, kept apart so attrs is not copied
	desc   string
	errMsg string             // the last recorded error, for error.message
	sc     *trace.SpanContext // made by the first SpanContext: a span nobody asks (an otelhttp server span) never needs it

	node   spanCtx        // the context a Start returned
	bounds span.TagBounds // of attrs and late, set by End
}

var _ trace.Span = (*Span)(nil)

var noopSpan trace.Span = noop.Span{}

func (p *TracerProvider) wrap(s *span.Span, kind trace.SpanKind, ts trace.TraceState, ot bool) *Span {
	return &Span{Span: noopSpan, sp: s, p: p, kind: kind, parentTS: ts, ot: ot}
}

// SOFASpan returns the sofatracer span behind the view.
func (w *Span) SOFASpan() *span.Span { return w.sp }

// SpanContext implements trace.Span: the ids are those the Zipkin
// reporter sends (see IDs), and the tracestate carries the exact SOFA ids
// in the member sofa=<TraceId>;<SpanId>.
func (w *Span) SpanContext() trace.SpanContext {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sc == nil {
		sc := spanContext(&w.sp.Ctx, w.parentTS, false)
		w.sc = &sc
	}
	return *w.sc
}

// IsRecording implements trace.Span: true until the span ends.
func (w *Span) IsRecording() bool {
	if w.ot {
		return !w.sp.Finished()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return !w.ended
}

// SetAttributes implements trace.Span.
func (w *Span) SetAttributes(kv ...attribute.KeyValue) {
	if len(kv) == 0 {
		return
	}
	if w.ot {
		w.sp.SetTags(appendAttrTags(make([]span.Tag, 0, len(kv)), kv)...)
		return
	}
	w.mu.Lock()
	if !w.ended {
		if w.late == nil { // sized for the first call: otelhttp makes one
			w.late = make([]attribute.KeyValue, 0, len(kv))
		}
		w.late = append(w.late, kv...)
	}
	w.mu.Unlock()
}

// SetStatus implements trace.Span: Ok is final, Error keeps its
// description (the digest's error field), Unset is ignored.
func (w *Span) SetStatus(code codes.Code, description string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ended || code == codes.Unset || w.status == codes.Ok {
		return
	}
	w.status = code
	if code == codes.Error {
		w.desc = description
	} else {
		w.desc = ""
	}
	if w.ot && code == codes.Error {
		w.sp.SetTag(span.TagError, true)
		if description != "" {
			w.sp.SetTag(span.TagErrorMessage, description)
		}
	}
}

// SetName implements trace.Span.
func (w *Span) SetName(name string) { w.sp.SetOperationName(name) }

// AddEvent implements trace.Span: the event becomes a span log record
// with the field event=name and the event's attributes.
func (w *Span) AddEvent(name string, opts ...trace.EventOption) {
	cfg := trace.NewEventConfig(opts...)
	w.log(name, cfg.Attributes())
}

// RecordError implements trace.Span: an "exception" event with
// exception.type and exception.message, as the OpenTelemetry SDK records
// it. It does not change the status.
func (w *Span) RecordError(err error, opts ...trace.EventOption) {
	if err == nil {
		return
	}
	cfg := trace.NewEventConfig(opts...)
	attrs := append([]attribute.KeyValue{
		attribute.String("exception.type", fmt.Sprintf("%T", err)),
		attribute.String("exception.message", err.Error()),
	}, cfg.Attributes()...)
	w.mu.Lock()
	w.errMsg = err.Error()
	w.mu.Unlock()
	w.log("exception", attrs)
}

func (w *Span) log(event string, attrs []attribute.KeyValue) {
	fields := make([]otlog.Field, 0, 1+len(attrs))
	fields = append(fields, otlog.String("event", event))
	for _, a := range attrs {
		fields = append(fields, otlog.String(string(a.Key), a.Value.Emit()))
	}
	w.sp.LogFields(fields...)
}

// TracerProvider implements trace.Span.
func (w *Span) TracerProvider() trace.TracerProvider { return w.p }

// End implements trace.Span: the span gets the tags of the digest layout
// its attributes' semantic conventions call for (see the package
// documentation), and each attribute as a tag of its own, converted only
// when a reporter reads it; then it finishes: its digest and stat lines
// are written and it goes to the tracer's reporters. Only the first End
// counts.
func (w *Span) End(opts ...trace.SpanEndOption) {
	var fin opentracing.FinishOptions
	if len(opts) > 0 {
		cfg := trace.NewSpanEndConfig(opts...)
		fin.FinishTime = cfg.Timestamp()
	}
	if w.ot {
		w.sp.FinishWithOptions(fin)
		return
	}
	w.mu.Lock()
	if w.ended {
		w.mu.Unlock()
		return
	}
	w.ended = true
	attrs, late, st, desc, errMsg := w.attrs, w.late, w.status, w.desc, w.errMsg
	w.mu.Unlock()
	dur := func() time.Duration { // the database layout's only
		if !fin.FinishTime.IsZero() {
			return fin.FinishTime.Sub(w.sp.StartTime())
		}
		return time.Since(w.sp.StartTime())
	}
	var buf [16]span.Tag // FinishDeferred copies them: most spans need no heap
	tags, block, bounds := semconvTags(buf[:0], w.kind, w.sp.OperationName(), attrs, late, st, firstNonEmpty(desc, errMsg), dur)
	w.bounds = bounds // read by attrTags.Bounds; written before the span is shared
	w.sp.FinishDeferred(block, tags, (*attrTags)(w), fin)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// tagValue returns an attribute value as a tag value of the type it was
// set with; arrays as their JSON text.
func tagValue(a attribute.KeyValue) any {
	v := a.Value
	switch v.Type() {
	case attribute.BOOL:
		return v.AsBool()
	case attribute.INT64:
		return v.AsInt64()
	case attribute.FLOAT64:
		return v.AsFloat64()
	case attribute.STRING:
		if lowCardinality(string(a.Key)) {
			return box(v.AsString())
		}
		return v.AsString()
	}
	return v.Emit()
}
