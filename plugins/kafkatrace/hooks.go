package kafkatrace

import (
	"context"
	"slices"

	"github.com/opentracing/opentracing-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sofatracer/sofatracer-go/internal/strcache"
	"github.com/sofatracer/sofatracer-go/plugins/internal/pluginutil"
	"github.com/sofatracer/sofatracer-go/propagation"
	"github.com/sofatracer/sofatracer-go/span"
)

// NewHooks returns the produce hooks that trace every record the client
// produces with tr (see the package documentation). Use it as
// kgo.WithHooks(kafkatrace.NewHooks(tr)).
func NewHooks(tr opentracing.Tracer, opts ...Option) kgo.Hook {
	o := options{sendOp: "mq-kafka-send"}
	for _, opt := range opts {
		opt(&o)
	}
	return &hooks{tr: tr, op: o.sendOp}
}

type hooks struct {
	tr opentracing.Tracer
	op string
}

var (
	_ kgo.HookProduceRecordBuffered   = (*hooks)(nil)
	_ kgo.HookProduceRecordUnbuffered = (*hooks)(nil)
)

// sendCtx is the record's context while it is in flight: the caller's
// context and the send span. OnProduceRecordUnbuffered puts the caller's
// back. It is also the text-map writer of the injection, holding the
// header values in buf when they fit, and the headers in hdr when the
// record had none: one allocation for all of it.
type sendCtx struct {
	context.Context
	sp  opentracing.Span
	r   *kgo.Record
	hdr [4]kgo.RecordHeader
	buf [96]byte
	n   int
	// fresh: the record had no headers and every Set so far was the next
	// of javaIDs.
	fresh bool
}

// javaIDs are the keys InjectMessage writes first, in this order, for a
// SOFATracer context. They differ from each other, so in a record that had
// no headers the i-th of them, set i-th, replaces none.
var javaIDs = [...]string{propagation.HeaderTraceID, propagation.HeaderSpanID, propagation.HeaderParentSpanID, propagation.HeaderSampled}

// Set implements opentracing.TextMapWriter on c.r's headers.
func (c *sendCtx) Set(k, v string) {
	var b []byte
	if c.n+len(v) <= len(c.buf) {
		b = c.buf[c.n : c.n+copy(c.buf[c.n:], v) : c.n+len(v)]
		c.n += len(v)
	} else {
		b = []byte(v)
	}
	if i := len(c.r.Headers); c.fresh && i < len(javaIDs) && k == javaIDs[i] {
		c.r.Headers = append(c.r.Headers, kgo.RecordHeader{Key: k, Value: b})
		return
	}
	c.fresh = false
	setHeader(c.r, k, b)
}

type sendKey struct{}

// Value returns the sendCtx itself for sendKey, so that it is found
// under contexts that other hooks wrapped around it.
func (c *sendCtx) Value(k any) any {
	if k == (sendKey{}) {
		return c
	}
	return c.Context.Value(k)
}

// OnProduceRecordBuffered starts the send span of r and writes its
// context into r's headers.
func (h *hooks) OnProduceRecordBuffered(r *kgo.Record) {
	parent := r.Context
	if parent == nil {
		parent = context.Background()
	}
	var sp opentracing.Span
	if ps := opentracing.SpanFromContext(parent); ps != nil {
		sp = pluginutil.StartChild(h.tr, h.op, ps.Context())
	} else {
		sp = h.tr.StartSpan(h.op)
	}
	c := &sendCtx{Context: parent, sp: sp, r: r}
	// The headers are written into memory of the record's own: the
	// caller's slice may be shared with other records.
	if len(r.Headers) == 0 {
		r.Headers, c.fresh = c.hdr[:0], true
	} else {
		r.Headers = slices.Grow(slices.Clip(r.Headers), 4)
	}
	// An error here (a tracer that cannot inject) loses only the link.
	_ = pluginutil.InjectMessage(h.tr, sp.Context(), c)
	c.r = nil
	r.Context = c
}

// OnProduceRecordUnbuffered sets the tags of the send span of r, all at
// once, and finishes it: with the partition and offset the broker
// assigned, or with result.code 99 and err.
func (h *hooks) OnProduceRecordUnbuffered(r *kgo.Record, err error) {
	c, ok := r.Context.(*sendCtx)
	if ok {
		r.Context = c.Context
	} else if r.Context == nil {
		return
	} else if c, ok = r.Context.Value(sendKey{}).(*sendCtx); !ok {
		return
	}
	sp := c.sp
	if sp == nil { // already finished
		return
	}
	c.sp = nil // the header values keep c alive, not the span
	t := sendTags.Get(r.Topic, newSendTags)
	if err != nil {
		pluginutil.EndMQ(sp, t, err)
		return
	}
	pluginutil.EndMQ(sp, t, nil,
		span.Tag{Key: TagPartition, Value: r.Partition},
		span.Tag{Key: TagOffset, Value: r.Offset})
}

// The constant tags of the spans of each topic, cached: topics repeat.
var sendTags, consumeTags strcache.Cache[pluginutil.MQTags]

func newSendTags(topic string) pluginutil.MQTags {
	return pluginutil.NewMQTags(
		span.Tag{Key: span.TagComponent, Value: Component},
		span.Tag{Key: span.TagSpanKind, Value: span.KindClient},
		span.Tag{Key: span.TagThreadName, Value: "kafkamq-send"},
		span.Tag{Key: TagTopic, Value: topic})
}

func newConsumeTags(topic string) pluginutil.MQTags {
	return pluginutil.NewMQTags(
		span.Tag{Key: span.TagComponent, Value: Component},
		span.Tag{Key: span.TagSpanKind, Value: span.KindServer},
		span.Tag{Key: span.TagThreadName, Value: "kafkamq-consume"},
		span.Tag{Key: TagTopic, Value: topic})
}
