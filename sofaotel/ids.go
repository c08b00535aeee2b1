package sofaotel

import (
	"encoding/binary"
	"strings"

	"go.opentelemetry.io/otel/trace"

	"github.com/sofatracer/sofatracer-go/reporter/zipkin"
	"github.com/sofatracer/sofatracer-go/span"
)

// stateKey is the tracestate member that carries the exact SOFA ids:
// sofa=<TraceId>;<SpanId>.
const stateKey = "sofa"

// IDs returns the OpenTelemetry ids of a SOFA span context: the trace id
// and span id the Zipkin reporter sends (reporter/zipkin.IDs: the TraceId
// left-padded to 32 hex digits, the SpanId's FNV-1a 64 hash; hex ids of a
// B3 or W3C trace as they are) and the parent's span id (invalid for a
// root). A server span that shares its client's SpanId has the client's
// id as parent and that id with its lowest bit flipped as its own,
// because OTLP, unlike Zipkin, has no shared spans; its children
// (span.Context.ParentShared) have that flipped id as parent. Zipkin
// gives those children the shared id as parent, which Zipkin and Jaeger
// attribute to the server side.
func IDs(c *span.Context) (trace.TraceID, trace.SpanID, trace.SpanID) {
	zt, zs, zp := zipkin.IDs(c)
	var (
		tid       trace.TraceID
		sid, psid trace.SpanID
	)
	binary.BigEndian.PutUint64(tid[:8], zt.High)
	binary.BigEndian.PutUint64(tid[8:], zt.Low)
	binary.BigEndian.PutUint64(sid[:], uint64(zs))
	if zp != nil {
		binary.BigEndian.PutUint64(psid[:], uint64(*zp))
		if c.ParentShared {
			psid[7] ^= 1
		}
	}
	if c.Shared {
		psid = sid
		sid[7] ^= 1
	}
	return tid, sid, psid
}

// spanContext returns the OpenTelemetry span context of c; ts is the
// tracestate inherited from the parent, to which the sofa member is added
// for SOFA-format traces.
func spanContext(c *span.Context, ts trace.TraceState, remote bool) trace.SpanContext {
	tid, sid, _ := IDs(c)
	var flags trace.TraceFlags
	if c.Sampled() {
		flags = trace.FlagsSampled
	}
	if c.Format == span.FormatSOFA {
		if v := stateValue(c); v != "" {
			if nts, err := ts.Insert(stateKey, v); err == nil {
				ts = nts
			}
		}
	}
	return trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: flags, TraceState: ts, Remote: remote})
}

// stateValue is the sofa member's value, or "" when an id holds a
// character a tracestate value may not (only printable ASCII but ',' and
// '=', at most 256 characters, not ending in a space).
func stateValue(c *span.Context) string {
	v := c.TraceID + ";" + c.SpanID
	if len(v) > 256 || strings.HasSuffix(v, " ") {
		return ""
	}
	for i := 0; i < len(v); i++ {
		if b := v[i]; b < 0x20 || b > 0x7e || b == ',' || b == '=' {
			return ""
		}
	}
	return v
}

// fromTraceState returns the SOFA context carried in psc's sofa member,
// when its ids map to psc's trace id; nil otherwise. The context is
// Shared when psc's span id is that of a shared server span.
func fromTraceState(psc trace.SpanContext) *span.Context {
	v := psc.TraceState().Get(stateKey)
	tid, sid, ok := strings.Cut(v, ";")
	if !ok || span.ValidateID(tid) != nil || span.ValidateID(sid) != nil {
		return nil
	}
	c := span.NewContext(tid, sid, span.ParentOf(sid), psc.IsSampled())
	t, s, _ := IDs(c)
	if t != psc.TraceID() {
		return nil
	}
	s[7] ^= 1
	c.Shared = s == psc.SpanID()
	return c
}

// hexContext joins a trace of another tracer with its hex ids, as the
// core does with a W3C traceparent.
func hexContext(psc trace.SpanContext) *span.Context {
	c := span.NewContext(psc.TraceID().String(), psc.SpanID().String(), "", psc.IsSampled())
	c.Format = span.FormatW3C
	return c
}
