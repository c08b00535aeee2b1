package propagation

import (
	"errors"
	"strings"

	"github.com/sofatracer/sofatracer-go/span"
)

// Headers of the other tracing formats read on extraction, so that a Go
// service behind a Zipkin- or OpenTelemetry-instrumented caller joins that
// caller's trace. SOFATracer's own HTTP format reuses the X-B3 names with
// SOFA ids; real B3 is told apart by its 16-hex-digit span id.
const (
	HeaderB3Single    = "b3"
	HeaderTraceparent = "traceparent"
)

var errNotHex = errors.New("not a hex id of the right length")

// isHexID reports whether s is n hex digits (n may be 16 or 32 for trace
// ids; pass 0 to accept both).
func isHexID(s string, n int) bool {
	switch {
	case n == 0 && len(s) != 16 && len(s) != 32:
		return false
	case n != 0 && len(s) != n:
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return strings.Trim(s, "0") != ""
}

// b3Context builds a context joined from real B3 ids.
func b3Context(traceID, spanID, parentID, sampled string, hasSampled bool) (*span.Context, Result, error) {
	if !isHexID(traceID, 0) {
		return nil, Result{}, corrupt("b3_trace_id", errNotHex)
	}
	if !isHexID(spanID, 16) {
		return nil, Result{}, corrupt("b3_span_id", errNotHex)
	}
	if parentID != "" && !isHexID(parentID, 16) {
		return nil, Result{}, corrupt("b3_parent_id", errNotHex)
	}
	return newB3Context(nil, traceID, spanID, parentID, sampled, hasSampled), Result{}, nil
}

// newB3Context is b3Context for ids known to be valid, made in into when
// it is not nil.
func newB3Context(into *span.Context, traceID, spanID, parentID, sampled string, hasSampled bool) *span.Context {
	s := true
	if hasSampled {
		s = sampled == "1" || sampled == "d" || strings.EqualFold(sampled, "true")
	}
	sc := newContext(into, strings.ToLower(traceID), strings.ToLower(spanID), strings.ToLower(parentID), s)
	sc.Format = span.FormatB3
	return sc
}

// parseB3Single reads "traceid-spanid[-sampled[-parentspanid]]" or a lone
// sampling flag (which carries no context).
func parseB3Single(v string) (*span.Context, Result, error) {
	parts := strings.Split(v, "-")
	switch len(parts) {
	case 1:
		return nil, Result{}, corrupt("b3", errors.New("sampling flag only"))
	case 2:
		return b3Context(parts[0], parts[1], "", "", false)
	case 3:
		return b3Context(parts[0], parts[1], "", parts[2], true)
	case 4:
		return b3Context(parts[0], parts[1], parts[3], parts[2], true)
	}
	return nil, Result{}, corrupt("b3", errors.New("too many fields"))
}

func yieldB3(sc *span.Context, yield func(k, v string) bool) bool {
	ok := yield(HeaderTraceID, sc.TraceID) && yield(HeaderSpanID, sc.SpanID)
	if ok && sc.ParentID != "" {
		ok = yield(HeaderParentSpanID, sc.ParentID)
	}
	s := "0"
	if sc.Sampled() {
		s = "1"
	}
	return ok && yield(HeaderSampled, s)
}

// parseTraceparent reads a W3C traceparent "00-<32 hex>-<16 hex>-<2 hex>".
// Later versions are read by the same rule, as the spec asks.
func parseTraceparent(v string) (*span.Context, Result, error) {
	v = strings.TrimSpace(v)
	if len(v) < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-' || (len(v) > 55 && v[55] != '-') {
		return nil, Result{}, corrupt("traceparent", errors.New("malformed"))
	}
	version, traceID, spanID, flags := v[0:2], v[3:35], v[36:52], v[53:55]
	if !isHex(version) || version == "ff" || (version == "00" && len(v) != 55) {
		return nil, Result{}, corrupt("traceparent", errors.New("bad version"))
	}
	if !isHexID(traceID, 32) || !isHexID(spanID, 16) || !isHex(flags) {
		return nil, Result{}, corrupt("traceparent", errNotHex)
	}
	sampled := (hexVal(flags[1]) & 1) == 1
	sc := span.NewContext(strings.ToLower(traceID), strings.ToLower(spanID), "", sampled)
	sc.Format = span.FormatW3C
	return sc, Result{}, nil
}

func traceparent(sc *span.Context) string {
	flags := "00"
	if sc.Sampled() {
		flags = "01"
	}
	return "00-" + sc.TraceID + "-" + sc.SpanID + "-" + flags
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return s != ""
}

func hexVal(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// isB3SamplingFlag reports whether a single b3 header is only a sampling
// decision ("0", "1" or "d"), which carries no context.
func isB3SamplingFlag(v string) bool { return v == "0" || v == "1" || v == "d" }
