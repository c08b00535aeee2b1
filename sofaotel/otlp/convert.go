package otlp

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

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
	fKVKey, fKVValue                                                      = 1, 2
	fAnyString, fAnyBool, fAnyInt, fAnyDouble                             = 1, 2, 3, 4
	fResourceSpansResource, fResourceSpansScopeSpans                      = 1, 2
	fResourceAttrs                                                        = 1
	fScopeSpansScope, fScopeSpansSpans                                    = 1, 2
	fScopeName                                                            = 1
)

// valid returns s as valid UTF-8 (a collector refuses a request holding
// anything else, which would lose all of it): each invalid byte sequence
// becomes U+FFFD.
func valid(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// begin appends the tag of the length-delimited field num and room for a
// one-byte length; end writes the length of what was appended after it.
func begin(b []byte, num protowire.Number) ([]byte, int) {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return append(b, 0), len(b) + 1
}

func end(b []byte, start int) []byte {
	n := len(b) - start
	if n < 0x80 {
		b[start-1] = byte(n)
		return b
	}
	k := protowire.SizeVarint(uint64(n))
	for range k - 1 {
		b = append(b, 0)
	}
	copy(b[start+k-1:], b[start:start+n])
	protowire.AppendVarint(b[:start-1], uint64(n))
	return b
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, valid(s))
}

func appendFixed64(b []byte, num protowire.Number, v uint64) []byte {
	return protowire.AppendFixed64(protowire.AppendTag(b, num, protowire.Fixed64Type), v)
}

func appendVarint(b []byte, num protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(b, num, protowire.VarintType), v)
}

// appendStrAttr appends a KeyValue with a string value as field num.
func appendStrAttr(b []byte, num protowire.Number, k, v string) []byte {
	b, kv := begin(b, num)
	if k != "" {
		b = appendString(b, fKVKey, k)
	}
	b, av := begin(b, fKVValue)
	b = appendString(b, fAnyString, v)
	return end(end(b, av), kv)
}

// appendAttr appends a KeyValue as field num: v keeps its type (string,
// bool, double or int); any other type is its text.
func appendAttr(b []byte, num protowire.Number, k string, v any) []byte {
	switch x := v.(type) {
	case string:
		return appendStrAttr(b, num, k, x)
	case bool, float64, float32:
	default:
		if _, ok := span.TagInt(v); !ok {
			return appendStrAttr(b, num, k, span.TagText(v))
		}
	}
	b, kv := begin(b, num)
	if k != "" {
		b = appendString(b, fKVKey, k)
	}
	b, av := begin(b, fKVValue)
	switch x := v.(type) {
	case bool:
		var n uint64
		if x {
			n = 1
		}
		b = appendVarint(b, fAnyBool, n)
	case float64:
		b = appendFixed64(b, fAnyDouble, math.Float64bits(x))
	case float32:
		b = appendFixed64(b, fAnyDouble, math.Float64bits(float64(x)))
	default:
		n, _ := span.TagInt(v)
		b = appendVarint(b, fAnyInt, uint64(n))
	}
	return end(end(b, av), kv)
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
	b = protowire.AppendBytes(protowire.AppendTag(b, fSpanTraceID, protowire.BytesType), tid[:])
	b = protowire.AppendBytes(protowire.AppendTag(b, fSpanSpanID, protowire.BytesType), sid[:])
	if c.Format == span.FormatSOFA {
		if v := c.TraceID + ";" + c.SpanID; utf8.ValidString(v) && !strings.ContainsAny(v, ",= ") {
			var st int
			b, st = begin(b, fSpanTraceState)
			b = append(append(b, "sofa="...), v...)
			b = end(b, st)
		}
	}
	if pid.IsValid() {
		b = protowire.AppendBytes(protowire.AppendTag(b, fSpanParentID, protowire.BytesType), pid[:])
	}
	if name := s.OperationName(); name != "" {
		b = appendString(b, fSpanName, name)
	}
	tags := s.Tags()
	for _, t := range tags {
		if t.Key == span.TagSpanKind {
			b = appendVarint(b, fSpanKind, uint64(kindOf(t.Value)))
			break
		}
	}
	startNano := uint64(max(s.StartUnixNano(), 0))
	if startNano != 0 {
		b = appendFixed64(b, fSpanStart, startNano)
	}
	if endNano := startNano + uint64(max(s.Duration(), 0)); endNano != 0 {
		b = appendFixed64(b, fSpanEnd, endNano)
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
		b = appendStrAttr(b, fSpanAttrs, AttrSOFATraceID, c.TraceID)
		b = appendStrAttr(b, fSpanAttrs, AttrSOFASpanID, c.SpanID)
		if c.ParentID != "" {
			b = appendStrAttr(b, fSpanAttrs, AttrSOFAParentID, c.ParentID)
		}
	}
	bag := c.Baggage()
	for _, kv := range [2]map[string]string{bag.Sys, bag.Biz} {
		for k, v := range kv {
			if s.Tag(k) == nil {
				b = appendStrAttr(b, fSpanAttrs, k, v)
			}
		}
	}
	for _, lr := range s.Logs() {
		var ev int
		b, ev = begin(b, fSpanEvents)
		if t := uint64(max(lr.Timestamp.UnixNano(), 0)); t != 0 {
			b = appendFixed64(b, fEventTime, t)
		}
		name := "log"
		for _, f := range lr.Fields {
			if f.Key() == "event" {
				name = fmt.Sprint(f.Value())
			}
		}
		if name != "" {
			b = appendString(b, fEventName, name)
		}
		for _, f := range lr.Fields {
			if f.Key() != "event" {
				b = appendAttr(b, fEventAttrs, f.Key(), f.Value())
			}
		}
		b = end(b, ev)
	}
	if failed {
		var st int
		b, st = begin(b, fSpanStatus)
		if errMsg != "" {
			b = appendString(b, fStatusMessage, errMsg)
		}
		b = appendVarint(b, fStatusCode, uint64(tracepb.Status_STATUS_CODE_ERROR))
		b = end(b, st)
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
	b, res := begin(b, fResourceSpansResource)
	b = appendStrAttr(b, fResourceAttrs, "service.name", service)
	b = appendStrAttr(b, fResourceAttrs, "telemetry.sdk.name", "sofatracer-go")
	b = appendStrAttr(b, fResourceAttrs, "telemetry.sdk.language", "go")
	b = appendStrAttr(b, fResourceAttrs, "host.ip", span.LocalIP())
	b = end(b, res)
	b, ss := begin(b, fResourceSpansScopeSpans)
	b, sc := begin(b, fScopeSpansScope)
	b = end(appendString(b, fScopeName, scopeName), sc)
	for _, sp := range spans {
		b = protowire.AppendBytes(protowire.AppendTag(b, fScopeSpansSpans, protowire.BytesType), sp)
	}
	return end(b, ss)
}
