package span

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
)

// MaxDepth is the deepest SpanId a span may have as a parent: a parent
// whose id has more segments starts a new trace instead (SOFATracer's
// MAX_LAYER guard against runaway recursion).
const MaxDepth = 100

// Context is a SOFATracer span context: the global TraceId, the dotted
// SpanId ("0", "0.1", "0.1.2"), the parent's SpanId, the sampling decision
// and the baggage. It implements opentracing.SpanContext.
//
// The ids never change once the context exists; baggage is replaced, never
// mutated, so a Context may be read from any goroutine. A Context must not
// be copied by value.
type Context struct {
	TraceID  string
	SpanID   string
	ParentID string

	sampled  atomic.Bool
	children atomic.Uint32
	baggage  atomic.Pointer[Baggage]
	// Shared marks a server span that reuses its client's SpanId, as
	// SOFARPC servers do.
	Shared bool
	// ParentShared marks a child of a Shared span, started in the same
	// process: in OTLP, which has no shared spans, that parent has an id
	// of its own (see sofaotel.IDs).
	ParentShared bool
	// Format is the id scheme of the trace: SOFA dotted ids, or the hex
	// ids of a trace that arrived in B3 or W3C form and keeps travelling
	// in it.
	Format Format

	// A Span's own state, kept here because it fits in the padding:
	// guarded by the span's mutex.
	done     bool  // Finish was called
	ntags    uint8 // inline tags in use
	deferred bool  // more is the head of a moreDeferred (see FinishDeferred)
}

// Format is the id scheme a trace travels in.
type Format uint8

const (
	// FormatSOFA: SOFATracer TraceId and dotted SpanIds.
	FormatSOFA Format = iota
	// FormatB3: a trace joined from real B3 headers: hex ids, children get
	// random 64-bit hex ids, and it propagates as B3 downstream.
	FormatB3
	// FormatW3C: a trace joined from a W3C traceparent: as FormatB3, but
	// propagated as traceparent.
	FormatW3C
)

// NewContext returns a context with the given ids and sampling decision.
// The caller must have validated the ids (see ValidateID).
func NewContext(traceID, spanID, parentID string, sampled bool) *Context {
	c := &Context{TraceID: traceID, SpanID: spanID, ParentID: parentID}
	c.sampled.Store(sampled)
	return c
}

// Init sets the ids and sampling decision of a context that is not yet
// shared, such as the one embedded in a new Span.
func (c *Context) Init(traceID, spanID, parentID string, sampled bool) {
	c.TraceID, c.SpanID, c.ParentID = traceID, spanID, parentID
	c.sampled.Store(sampled)
}

// Sampled reports whether the trace is sampled: whether its digest lines
// are written. Unsampled spans still count in the stat logs.
func (c *Context) Sampled() bool { return c.sampled.Load() }

// Baggage returns the context's baggage; never nil.
func (c *Context) Baggage() *Baggage {
	if b := c.baggage.Load(); b != nil {
		return b
	}
	return &emptyBaggage
}

// SetBaggage replaces the context's baggage. The maps must not be modified
// afterwards.
func (c *Context) SetBaggage(b *Baggage) { c.baggage.Store(b) }

// BaggageItem returns the business baggage item k, or "".
func (c *Context) BaggageItem(k string) string { return c.Baggage().Biz[k] }

// SysBaggageItem returns the system baggage item k, or "".
func (c *Context) SysBaggageItem(k string) string { return c.Baggage().Sys[k] }

// ForeachBaggageItem implements opentracing.SpanContext: it visits the
// business baggage, then the system baggage, as SOFATracer's
// baggageItems() does.
func (c *Context) ForeachBaggageItem(handler func(k, v string) bool) {
	b := c.Baggage()
	for k, v := range b.Biz {
		if !handler(k, v) {
			return
		}
	}
	for k, v := range b.Sys {
		if !handler(k, v) {
			return
		}
	}
}

// NextChildID returns the SpanId of this context's next child:
// "0" -> "0.1", "0.2", ...; the counter belongs to this context and is safe
// for concurrent use.
//
// In a B3 or W3C trace a child gets a random 64-bit hex id instead.
func (c *Context) NextChildID() string {
	var buf [64]byte
	return string(c.AppendNextChildID(buf[:0]))
}

// AppendNextChildID appends the SpanId of this context's next child to
// dst (see NextChildID).
func (c *Context) AppendNextChildID(dst []byte) []byte {
	if c.Format != FormatSOFA {
		return appendHexID(dst)
	}
	dst = append(dst, c.SpanID...)
	dst = append(dst, '.')
	return strconv.AppendUint(dst, uint64(c.children.Add(1)), 10)
}

// TooDeep reports whether a child of this context would exceed MaxDepth.
func (c *Context) TooDeep() bool {
	return strings.Count(c.SpanID, ".") >= MaxDepth
}

// IsLoadTest reports whether the trace is load-test traffic: business
// baggage mark=T. Its lines go to the shadow/ log folder.
func (c *Context) IsLoadTest() bool { return c.Baggage().Biz["mark"] == "T" }

// ParentOf derives the parent SpanId from a dotted SpanId: "0.1.2" -> "0.1",
// "0" -> "".
func ParentOf(spanID string) string {
	if i := strings.LastIndexByte(spanID, '.'); i >= 0 {
		return spanID[:i]
	}
	return ""
}

// NewHexID returns a random non-zero 64-bit id as 16 lowercase hex digits.
func NewHexID() string {
	var b [16]byte
	return string(appendHexID(b[:0]))
}

func appendHexID(dst []byte) []byte {
	v := rand.Uint64() | 1
	for shift := 60; shift >= 0; shift -= 4 {
		dst = append(dst, "0123456789abcdef"[v>>uint(shift)&15])
	}
	return dst
}
