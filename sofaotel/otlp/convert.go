package otlp

import (
	"fmt"
	"strings"
	"unicode/utf8"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/sofatracer/sofatracer-go/sofaotel"
	"github.com/sofatracer/sofatracer-go/span"
)

// Attributes that carry the exact SOFA ids, which the OTLP ids are derived
// from.
const (
	AttrSOFATraceID  = "sofa.trace_id"
	AttrSOFASpanID   = "sofa.span_id"
	AttrSOFAParentID = "sofa.parent_span_id"
)

// scope names the instrumentation scope of every exported span.
var scope = &commonpb.InstrumentationScope{Name: "github.com/sofatracer/sofatracer-go"}

// valid returns s as valid UTF-8 (protobuf refuses to marshal anything
// else, which would lose the whole request): each invalid byte sequence
// becomes U+FFFD.
func valid(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func str(k, v string) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: valid(k), Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: valid(v)}}}
}

// attrs builds a span's attributes with three allocations in all rather
// than three per attribute: the messages live in slabs.
type attrs struct {
	out  []*commonpb.KeyValue
	kvs  []commonpb.KeyValue
	avs  []commonpb.AnyValue
	strs []commonpb.AnyValue_StringValue
}

func newAttrs(n int) *attrs {
	return &attrs{out: make([]*commonpb.KeyValue, 0, n), kvs: make([]commonpb.KeyValue, n),
		avs: make([]commonpb.AnyValue, n), strs: make([]commonpb.AnyValue_StringValue, n)}
}

func (a *attrs) next(k string) *commonpb.AnyValue {
	i := len(a.out)
	if i == len(a.kvs) { // more than counted: plain allocations
		kv := &commonpb.KeyValue{Key: valid(k), Value: &commonpb.AnyValue{}}
		a.out = append(a.out, kv)
		return kv.Value
	}
	kv, av := &a.kvs[i], &a.avs[i]
	kv.Key, kv.Value = valid(k), av
	a.out = append(a.out, kv)
	return av
}

func (a *attrs) str(k, v string) {
	av := a.next(k)
	if i := len(a.out) - 1; i < len(a.strs) {
		sv := &a.strs[i]
		sv.StringValue = valid(v)
		av.Value = sv
		return
	}
	av.Value = &commonpb.AnyValue_StringValue{StringValue: valid(v)}
}

func (a *attrs) add(k string, v any) {
	switch x := v.(type) {
	case string:
		a.str(k, x)
	case bool:
		a.next(k).Value = &commonpb.AnyValue_BoolValue{BoolValue: x}
	case float64:
		a.next(k).Value = &commonpb.AnyValue_DoubleValue{DoubleValue: x}
	case float32:
		a.next(k).Value = &commonpb.AnyValue_DoubleValue{DoubleValue: float64(x)}
	default:
		if n, ok := intValue(v); ok {
			a.next(k).Value = &commonpb.AnyValue_IntValue{IntValue: n}
			return
		}
		a.str(k, span.TagText(v))
	}
}

func intValue(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case int16:
		return int64(x), true
	case int8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint8:
		return int64(x), true
	}
	return 0, false
}

// Convert turns a finished span into an OTLP span:
//
//   - ids: sofaotel.IDs, the same as the Zipkin reporter's, so a trace
//     reported partly over Zipkin and partly over OTLP is one trace; the
//     SOFA ids are also in sofa.trace_id, sofa.span_id and
//     sofa.parent_span_id, and in the tracestate member sofa;
//   - kind from the span.kind tag; status Error when the error tag is
//     true, with error.message;
//   - every tag an attribute of its type; every baggage item whose key is
//     not a tag an attribute too;
//   - every log record an event: named by its event field ("log" when it
//     has none), its other fields attributes;
//   - every string valid UTF-8.
//
// Convert must only be called after the span was finished.
func Convert(s *span.Span) *tracepb.Span {
	c := &s.Ctx
	tid, sid, pid := sofaotel.IDs(c)
	m := &tracepb.Span{
		TraceId:           tid[:],
		SpanId:            sid[:],
		Name:              valid(s.OperationName()),
		StartTimeUnixNano: uint64(max(s.StartUnixNano(), 0)),
	}
	m.EndTimeUnixNano = m.StartTimeUnixNano + uint64(max(s.Duration(), 0))
	if pid.IsValid() {
		m.ParentSpanId = pid[:]
	}
	tags := s.Tags()
	bag := c.Baggage()
	a := newAttrs(len(tags) + len(bag.Biz) + len(bag.Sys) + 3)
	var failed bool
	var errMsg string
	for _, t := range tags {
		switch t.Key {
		case span.TagSpanKind:
			m.Kind = kindOf(t.Value)
			continue
		case span.TagError:
			failed = t.Value == true || t.Value == "true"
		case span.TagErrorMessage:
			errMsg = span.TagText(t.Value)
		}
		a.add(t.Key, t.Value)
	}
	if c.Format == span.FormatSOFA {
		a.str(AttrSOFATraceID, c.TraceID)
		a.str(AttrSOFASpanID, c.SpanID)
		if c.ParentID != "" {
			a.str(AttrSOFAParentID, c.ParentID)
		}
		if v := c.TraceID + ";" + c.SpanID; utf8.ValidString(v) && !strings.ContainsAny(v, ",= ") {
			m.TraceState = "sofa=" + v
		}
	}
	for _, kv := range [2]map[string]string{bag.Sys, bag.Biz} {
		for k, v := range kv {
			if s.Tag(k) == nil {
				a.str(k, v)
			}
		}
	}
	m.Attributes = a.out
	if failed {
		m.Status = &tracepb.Status{Code: tracepb.Status_STATUS_CODE_ERROR, Message: valid(errMsg)}
	}
	for _, lr := range s.Logs() {
		ev := &tracepb.Span_Event{Name: "log", TimeUnixNano: uint64(max(lr.Timestamp.UnixNano(), 0))}
		for _, f := range lr.Fields {
			if f.Key() == "event" {
				ev.Name = valid(fmt.Sprint(f.Value()))
				continue
			}
			ev.Attributes = append(ev.Attributes, &commonpb.KeyValue{Key: valid(f.Key()), Value: anyValue(f.Value())})
		}
		m.Events = append(m.Events, ev)
	}
	return m
}

func kindOf(v any) tracepb.Span_SpanKind {
	switch v {
	case span.KindServer:
		return tracepb.Span_SPAN_KIND_SERVER
	case span.KindClient:
		return tracepb.Span_SPAN_KIND_CLIENT
	case span.KindProducer:
		return tracepb.Span_SPAN_KIND_PRODUCER
	case span.KindConsumer:
		return tracepb.Span_SPAN_KIND_CONSUMER
	}
	return tracepb.Span_SPAN_KIND_INTERNAL
}

// resource describes one service: service.name is its app name.
func resource(service string) *resourcepb.Resource {
	return &resourcepb.Resource{Attributes: []*commonpb.KeyValue{
		str("service.name", service),
		str("telemetry.sdk.name", "sofatracer-go"),
		str("telemetry.sdk.language", "go"),
		str("host.ip", span.LocalIP()),
	}}
}

// sizeBound is an upper bound of the encoded size of m, cheaper than
// proto.Size: each string, key and value costs its length plus the most
// its tags and length prefixes can take, each number the most a varint or
// fixed64 takes.
func sizeBound(m *tracepb.Span) int {
	n := 128 + len(m.Name) + len(m.TraceState) + len(m.Status.GetMessage())
	kvs := func(attrs []*commonpb.KeyValue) {
		for _, a := range attrs {
			n += 24 + len(a.Key) + len(a.Value.GetStringValue())
		}
	}
	kvs(m.Attributes)
	for _, e := range m.Events {
		n += 32 + len(e.Name)
		kvs(e.Attributes)
	}
	return n
}

// anyValue converts one value (of a log field).
func anyValue(v any) *commonpb.AnyValue {
	var a attrs
	a.add("", v)
	return a.out[0].Value
}
