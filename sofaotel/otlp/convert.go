package otlp

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/sofatracer/sofatracer-go/internal/otlpwire"
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

// scopeName names the instrumentation scope of every exported span.
const scopeName = "github.com/sofatracer/sofatracer-go"

// Field numbers of the OTLP messages (opentelemetry/proto/trace/v1,
// common/v1, resource/v1) that the encoder writes.
const (
	fSpanTraceID, fSpanSpanID, fSpanTraceState, fSpanParentID, fSpanName  = 1, 2, 3, 4, 5
	fSpanKind, fSpanStart, fSpanEnd, fSpanAttrs, fSpanEvents, fSpanStatus = 6, 7, 8, 9, 11, 15
	fEventTime, fEventName, fEventAttrs                                   = 1, 2, 3
	fStatusMessage, fStatusCode                                           = 2, 3
	fResourceSpansResource, fResourceSpansScopeSpans                      = 1, 2
	fResourceAttrs                                                        = 1
	fScopeSpansScope, fScopeSpansSpans                                    = 1, 2
	fScopeName                                                            = 1
)

// appendAttr appends a KeyValue as field num: v keeps its type (string,
// bool, double or int); any other type is its text.
func appendAttr(b []byte, num int, k string, v any) []byte {
	switch x := v.(type) {
	case string:
		return otlpwire.AppendStrAttr(b, num, k, x)
	case bool, float64, float32:
	default:
		if _, ok := span.TagInt(v); !ok {
			return otlpwire.AppendStrAttr(b, num, k, span.TagText(v))
		}
	}
	b, kv := otlpwire.Begin(b, num)
	if k != "" {
		b = otlpwire.AppendString(b, otlpwire.FieldKVKey, k)
	}
	b, av := otlpwire.Begin(b, otlpwire.FieldKVValue)
	switch x := v.(type) {
	case bool:
		var n uint64
		if x {
			n = 1
		}
		b = otlpwire.AppendUint(b, otlpwire.FieldAnyBool, n)
	case float64:
		b = otlpwire.AppendFixed64(b, otlpwire.FieldAnyDouble, math.Float64bits(x))
	case float32:
		b = otlpwire.AppendFixed64(b, otlpwire.FieldAnyDouble, math.Float64bits(float64(x)))
	default:
		n, _ := span.TagInt(v)
		b = otlpwire.AppendUint(b, otlpwire.FieldAnyInt, uint64(n))
	}
	return otlpwire.End(otlpwire.End(b, av), kv)
}

// appendSpan appends a finished span, encoded as an OTLP Span message
// (without its own tag and length), to b:
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
func appendSpan(b []byte, s *span.Span) []byte {
	c := &s.Ctx
	tid, sid, pid := sofaotel.IDs(c)
	b = otlpwire.AppendBytes(b, fSpanTraceID, tid[:])
	b = otlpwire.AppendBytes(b, fSpanSpanID, sid[:])
	if c.Format == span.FormatSOFA {
		if v := c.TraceID + ";" + c.SpanID; utf8.ValidString(v) && !strings.ContainsAny(v, ",= ") {
			var st int
			b, st = otlpwire.Begin(b, fSpanTraceState)
			b = append(append(b, "sofa="...), v...)
			b = otlpwire.End(b, st)
		}
	}
	if pid.IsValid() {
		b = otlpwire.AppendBytes(b, fSpanParentID, pid[:])
	}
	if name := s.OperationName(); name != "" {
		b = otlpwire.AppendString(b, fSpanName, name)
	}
	tags := s.Tags()
	for _, t := range tags {
		if t.Key == span.TagSpanKind {
			b = otlpwire.AppendUint(b, fSpanKind, uint64(kindOf(t.Value)))
			break
		}
	}
	startNano := uint64(max(s.StartUnixNano(), 0))
	if startNano != 0 {
		b = otlpwire.AppendFixed64(b, fSpanStart, startNano)
	}
	if endNano := startNano + uint64(max(s.Duration(), 0)); endNano != 0 {
		b = otlpwire.AppendFixed64(b, fSpanEnd, endNano)
	}
	var failed bool
	var errMsg string
	for _, t := range tags {
		switch t.Key {
		case span.TagSpanKind:
			continue
		case span.TagError:
			failed = t.Value == true || t.Value == "true"
		case span.TagErrorMessage:
			errMsg = span.TagText(t.Value)
		}
		b = appendAttr(b, fSpanAttrs, t.Key, t.Value)
	}
	if c.Format == span.FormatSOFA {
		b = otlpwire.AppendStrAttr(b, fSpanAttrs, AttrSOFATraceID, c.TraceID)
		b = otlpwire.AppendStrAttr(b, fSpanAttrs, AttrSOFASpanID, c.SpanID)
		if c.ParentID != "" {
			b = otlpwire.AppendStrAttr(b, fSpanAttrs, AttrSOFAParentID, c.ParentID)
		}
	}
	bag := c.Baggage()
	for _, kv := range [2]map[string]string{bag.Sys, bag.Biz} {
		for k, v := range kv {
			if s.Tag(k) == nil {
				b = otlpwire.AppendStrAttr(b, fSpanAttrs, k, v)
			}
		}
	}
	for _, lr := range s.Logs() {
		var ev int
		b, ev = otlpwire.Begin(b, fSpanEvents)
		if t := uint64(max(lr.Timestamp.UnixNano(), 0)); t != 0 {
			b = otlpwire.AppendFixed64(b, fEventTime, t)
		}
		name := "log"
		for _, f := range lr.Fields {
			if f.Key() == "event" {
				name = fmt.Sprint(f.Value())
			}
		}
		if name != "" {
			b = otlpwire.AppendString(b, fEventName, name)
		}
		for _, f := range lr.Fields {
			if f.Key() != "event" {
				b = appendAttr(b, fEventAttrs, f.Key(), f.Value())
			}
		}
		b = otlpwire.End(b, ev)
	}
	if failed {
		var st int
		b, st = otlpwire.Begin(b, fSpanStatus)
		if errMsg != "" {
			b = otlpwire.AppendString(b, fStatusMessage, errMsg)
		}
		b = otlpwire.AppendUint(b, fStatusCode, uint64(tracepb.Status_STATUS_CODE_ERROR))
		b = otlpwire.End(b, st)
	}
	return b
}

// Convert turns a finished span into an OTLP span, as the reporter sends
// it (see the package documentation). It must only be called after the
// span was finished.
func Convert(s *span.Span) *tracepb.Span {
	m := &tracepb.Span{}
	// It cannot fail: every string appendSpan writes is valid UTF-8.
	_ = proto.Unmarshal(appendSpan(nil, s), m)
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

// appendResourceSpans appends the body of a ResourceSpans message holding
// spans (each an encoded Span message) of one service: its resource
// (service.name, the SDK's name and language, host.ip) and one scope.
func appendResourceSpans(b []byte, service string, spans [][]byte) []byte {
	b, res := otlpwire.Begin(b, fResourceSpansResource)
	b = otlpwire.AppendStrAttr(b, fResourceAttrs, "service.name", service)
	b = otlpwire.AppendStrAttr(b, fResourceAttrs, "telemetry.sdk.name", "sofatracer-go")
	b = otlpwire.AppendStrAttr(b, fResourceAttrs, "telemetry.sdk.language", "go")
	b = otlpwire.AppendStrAttr(b, fResourceAttrs, "host.ip", span.LocalIP())
	b = otlpwire.End(b, res)
	b, ss := otlpwire.Begin(b, fResourceSpansScopeSpans)
	b, sc := otlpwire.Begin(b, fScopeSpansScope)
	b = otlpwire.End(otlpwire.AppendString(b, fScopeName, scopeName), sc)
	for _, sp := range spans {
		b = otlpwire.AppendBytes(b, fScopeSpansSpans, sp)
	}
	return otlpwire.End(b, ss)
}
