package ship

import (
	"encoding/binary"
	"strings"

	"github.com/sofatracer/sofatracer-go/internal/otlpwire"
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
	statusError                                   = 2
)

// The attributes holding the exact SOFA ids, as sofaotel/otlp writes them.
const (
	attrTraceID  = "sofa.trace_id"
	attrSpanID   = "sofa.span_id"
	attrParentID = "sofa.parent_span_id"
)

const scopeName = "github.com/sofatracer/sofatracer-go/cmd/sofatracer"

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
	b = otlpwire.AppendBytes(b, fSpanTraceID, id[:])
	sid := uint64(zipkin.HashSpanID(string(r.SpanID)))
	own, parent, pid := sid, uint64(0), e.parentID()
	if pid != "" {
		parent = uint64(zipkin.HashSpanID(pid))
	}
	if e.shared {
		own, parent, pid = sid^1, sid, ""
	}
	b = otlpwire.AppendBytes(b, fSpanSpanID, binary.BigEndian.AppendUint64(id[:0], own))
	if v := string(r.TraceID) + ";" + string(r.SpanID); traceStateOK(v) {
		b = otlpwire.AppendString(b, fSpanTraceState, "sofa="+v)
	}
	if parent != 0 {
		b = otlpwire.AppendBytes(b, fSpanParentID, binary.BigEndian.AppendUint64(id[:0], parent))
		if pid != "" {
			sp.parentAt, sp.parentKey = len(b)-8, string(r.TraceID)+"\x00"+pid
		}
	}
	b = otlpwire.AppendString(b, fSpanName, string(e.op))
	b = otlpwire.AppendUint(b, fSpanKind, otlpKind(e.kind))
	start, dur := e.startDur()
	b = otlpwire.AppendFixed64(b, fSpanStart, uint64(max(start, 0))*1000)
	b = otlpwire.AppendFixed64(b, fSpanEnd, uint64(max(start+dur, 0))*1000)
	b = otlpwire.AppendStrAttr(b, fSpanAttrs, attrTraceID, string(r.TraceID))
	b = otlpwire.AppendStrAttr(b, fSpanAttrs, attrSpanID, string(r.SpanID))
	if p := e.parentID(); p != "" {
		b = otlpwire.AppendStrAttr(b, fSpanAttrs, attrParentID, p)
	}
	if e.errV != nil {
		b = otlpwire.AppendStrAttr(b, fSpanAttrs, "error", string(e.errV))
	}
	for _, t := range e.tags {
		b = otlpwire.AppendStrAttr(b, fSpanAttrs, string(t[0]), string(t[1]))
	}
	if e.errV != nil {
		var st int
		b, st = otlpwire.Begin(b, fSpanStatus)
		if v := string(e.errV); v != "true" {
			b = otlpwire.AppendString(b, fStatusMessage, v)
		}
		b = otlpwire.AppendUint(b, fStatusCode, statusError)
		b = otlpwire.End(b, st)
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
		dst, rs = otlpwire.Begin(dst, fRequestResourceSpans)
		dst, res = otlpwire.Begin(dst, fResourceSpansResource)
		dst = otlpwire.AppendStrAttr(dst, fResourceAttrs, "service.name", svc)
		dst = otlpwire.AppendStrAttr(dst, fResourceAttrs, "telemetry.sdk.name", "sofatracer-go")
		dst = otlpwire.End(dst, res)
		dst, ss = otlpwire.Begin(dst, fResourceSpansScope)
		dst, sc = otlpwire.Begin(dst, fScopeSpansScope)
		dst = otlpwire.End(otlpwire.AppendString(dst, fScopeName, scopeName), sc)
		for _, sp := range by[svc] {
			dst = otlpwire.AppendBytes(dst, fScopeSpansSpans, buf[sp.start:sp.end])
		}
		dst = otlpwire.End(otlpwire.End(dst, ss), rs)
	}
	return dst
}
