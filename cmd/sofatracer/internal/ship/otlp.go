package ship

import (
	"encoding/binary"
	"strings"
	"unicode/utf8"

	"github.com/sofatracer/sofatracer-go/reporter/zipkin"
)

// OTLPPath is appended to the --otlp base URL, as OTLP/HTTP specifies.
const OTLPPath = "/v1/traces"

// Field numbers of the OTLP messages (opentelemetry/proto/collector/trace/v1,
// trace/v1, common/v1, resource/v1) written here.
const (
	fRequestResourceSpans                         = 1
	fResourceSpansResource, fResourceSpansScope   = 1, 2
	fResourceAttrs                                = 1
	fScopeSpansScope, fScopeSpansSpans            = 1, 2
	fScopeName                                    = 1
	fSpanTraceID, fSpanSpanID, fSpanTraceState    = 1, 2, 3
	fSpanParentID, fSpanName, fSpanKind           = 4, 5, 6
	fSpanStart, fSpanEnd, fSpanAttrs, fSpanStatus = 7, 8, 9, 15
	fStatusMessage, fStatusCode                   = 2, 3
	fKVKey, fKVValue, fAnyString                  = 1, 2, 1
	statusError                                   = 2
)

// Protobuf wire types.
const (
	wireVarint, wireFixed64, wireBytes = 0, 1, 2
)

// The attributes holding the exact SOFA ids, as sofaotel/otlp writes them.
const (
	attrTraceID  = "sofa.trace_id"
	attrSpanID   = "sofa.span_id"
	attrParentID = "sofa.parent_span_id"
)

const scopeName = "github.com/sofatracer/sofatracer-go/cmd/sofatracer"

func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func appendTag(b []byte, num, typ int) []byte { return appendVarint(b, uint64(num)<<3|uint64(typ)) }

func appendBytesField(b []byte, num int, v []byte) []byte {
	return append(appendVarint(appendTag(b, num, wireBytes), uint64(len(v))), v...)
}

// appendStringField writes v as valid UTF-8: a collector refuses a request
// holding anything else, which would lose all of it.
func appendStringField(b []byte, num int, v string) []byte {
	if !utf8.ValidString(v) {
		v = strings.ToValidUTF8(v, "\uFFFD")
	}
	b = appendVarint(appendTag(b, num, wireBytes), uint64(len(v)))
	return append(b, v...)
}

func appendFixed64Field(b []byte, num int, v uint64) []byte {
	return binary.LittleEndian.AppendUint64(appendTag(b, num, wireFixed64), v)
}

// begin appends the tag of the message field num and room for a one-byte
// length; end writes the length of what was appended since.
func begin(b []byte, num int) ([]byte, int) {
	b = appendTag(b, num, wireBytes)
	return append(b, 0), len(b) + 1
}

func end(b []byte, start int) []byte {
	n := len(b) - start
	if n < 0x80 {
		b[start-1] = byte(n)
		return b
	}
	var l [10]byte
	ln := appendVarint(l[:0], uint64(n))
	b = append(b, ln[1:]...)
	copy(b[start+len(ln)-1:], b[start:start+n])
	copy(b[start-1:], ln)
	return b
}

// appendStrAttr appends a KeyValue with a string value as field num.
func appendStrAttr(b []byte, num int, k, v string) []byte {
	b, kv := begin(b, num)
	b = appendStringField(b, fKVKey, k)
	b, av := begin(b, fKVValue)
	b = appendStringField(b, fAnyString, v)
	return end(end(b, av), kv)
}

// otlpSpan is where an encoded span lies in a batch's buffer.
type otlpSpan struct {
	service    string
	start, end int
	// parentAt is the offset of the parent id's 8 bytes (-1 for a root);
	// parentKey names the parent (TraceId, NUL, SpanId), whose id has its
	// lowest bit flipped when it is a shared server span.
	parentAt  int
	parentKey string
}

// otlpKind maps the span kind to OTLP's enum.
func otlpKind(kind string) uint64 {
	switch kind {
	case "SERVER":
		return 2
	case "CLIENT":
		return 3
	case "PRODUCER":
		return 4
	case "CONSUMER":
		return 5
	}
	return 1
}

// appendOTLP appends the parsed span as an OTLP Span message (without its
// own tag and length) with the ids of sofaotel.IDs: those the Zipkin
// encoder writes, but a shared RPC server span, which OTLP cannot share,
// has its client's id as parent and that id with its lowest bit flipped
// as its own (see otlpSpan.parentKey for its children).
func (e *encoder) appendOTLP(b []byte) ([]byte, otlpSpan) {
	r := &e.r
	sp := otlpSpan{service: string(r.App), start: len(b), parentAt: -1}
	tid := zipkin.MapTraceID(string(r.TraceID))
	var id [16]byte
	binary.BigEndian.PutUint64(id[:8], tid.High)
	binary.BigEndian.PutUint64(id[8:], tid.Low)
	b = appendBytesField(b, fSpanTraceID, id[:])
	sid := uint64(zipkin.HashSpanID(string(r.SpanID)))
	own, parent, pid := sid, uint64(0), e.parentID()
	if pid != "" {
		parent = uint64(zipkin.HashSpanID(pid))
	}
	if e.shared {
		own, parent, pid = sid^1, sid, ""
	}
	b = appendBytesField(b, fSpanSpanID, binary.BigEndian.AppendUint64(id[:0], own))
	if v := string(r.TraceID) + ";" + string(r.SpanID); traceStateOK(v) {
		b = appendStringField(b, fSpanTraceState, "sofa="+v)
	}
	if parent != 0 {
		b = appendBytesField(b, fSpanParentID, binary.BigEndian.AppendUint64(id[:0], parent))
		if pid != "" {
			sp.parentAt, sp.parentKey = len(b)-8, string(r.TraceID)+"\x00"+pid
		}
	}
	b = appendStringField(b, fSpanName, string(e.op))
	b = appendVarint(appendTag(b, fSpanKind, wireVarint), otlpKind(e.kind))
	start, dur := e.startDur()
	b = appendFixed64Field(b, fSpanStart, uint64(max(start, 0))*1000)
	b = appendFixed64Field(b, fSpanEnd, uint64(max(start+dur, 0))*1000)
	b = appendStrAttr(b, fSpanAttrs, attrTraceID, string(r.TraceID))
	b = appendStrAttr(b, fSpanAttrs, attrSpanID, string(r.SpanID))
	if p := e.parentID(); p != "" {
		b = appendStrAttr(b, fSpanAttrs, attrParentID, p)
	}
	if e.errV != nil {
		b = appendStrAttr(b, fSpanAttrs, "error", string(e.errV))
	}
	for _, t := range e.tags {
		b = appendStrAttr(b, fSpanAttrs, string(t[0]), string(t[1]))
	}
	if e.errV != nil {
		var st int
		b, st = begin(b, fSpanStatus)
		if v := string(e.errV); v != "true" {
			b = appendStringField(b, fStatusMessage, v)
		}
		b = appendVarint(appendTag(b, fStatusCode, wireVarint), statusError)
		b = end(b, st)
	}
	sp.end = len(b)
	return b, sp
}

// traceStateOK reports whether v may be a tracestate value: printable
// ASCII but ',' and '=', at most 256 characters, not ending in a space.
func traceStateOK(v string) bool {
	if len(v) > 256 || strings.HasSuffix(v, " ") {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c > 0x7e || c == ',' || c == '=' {
			return false
		}
	}
	return true
}

// appendRequest appends an ExportTraceServiceRequest holding the spans
// (in buf), one ResourceSpans per service, to dst.
func appendRequest(dst, buf []byte, spans []otlpSpan) []byte {
	var order []string
	by := map[string][]otlpSpan{}
	for _, sp := range spans {
		if _, ok := by[sp.service]; !ok {
			order = append(order, sp.service)
		}
		by[sp.service] = append(by[sp.service], sp)
	}
	for _, svc := range order {
		var rs, res, ss, sc int
		dst, rs = begin(dst, fRequestResourceSpans)
		dst, res = begin(dst, fResourceSpansResource)
		dst = appendStrAttr(dst, fResourceAttrs, "service.name", svc)
		dst = appendStrAttr(dst, fResourceAttrs, "telemetry.sdk.name", "sofatracer-go")
		dst = end(dst, res)
		dst, ss = begin(dst, fResourceSpansScope)
		dst, sc = begin(dst, fScopeSpansScope)
		dst = end(appendStringField(dst, fScopeName, scopeName), sc)
		for _, sp := range by[svc] {
			dst = appendBytesField(dst, fScopeSpansSpans, buf[sp.start:sp.end])
		}
		dst = end(end(dst, ss), rs)
	}
	return dst
}
