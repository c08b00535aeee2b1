// Package propagation carries SOFATracer span contexts across process
// boundaries in SOFATracer's own formats:
//
//   - opentracing.HTTPHeaders: the X-B3-TraceId, X-B3-SpanId,
//     X-B3-ParentSpanId and X-B3-Sampled headers carrying SOFA ids, plus
//     baggage-<key> and baggage-sys-<key> items, URL-encoded, as
//     SOFATracer's HTTP plugins write them. Extraction also accepts the
//     sftc_head header, SOFARPC REST's SOFA-TraceId / SOFA-RpcId, B3 and
//     W3C traceparent with its W3C baggage header (HeaderBaggage); a
//     context joined from a traceparent is injected back in W3C form,
//     its business baggage in the baggage header.
//   - opentracing.TextMap: one key, sftc_head, holding the serialized
//     context "tcid=..&spid=..&pspid=..&sample=..&" + baggage.
//   - opentracing.Binary: the bytes "sftc_head", a big-endian int32 length
//     and the serialized context, as SOFATracer's binary format.
//   - SOFARPC (Bolt rpc_trace_context.* keys) and Triple (gRPC metadata
//     keys), for the RPC plugins.
//
// Incoming ids are validated (span.ValidateID): a carrier whose ids could
// break a log line or a header is rejected with a *CorruptError, which the
// tracer counts and turns into opentracing.ErrSpanContextCorrupted.
package propagation

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/span"
)

// CorruptError says why a carrier's context was rejected.
type CorruptError struct {
	Reason string // short counter key, e.g. "trace_id: empty id"
}

// Error implements error.
func (e *CorruptError) Error() string { return "span context corrupted: " + e.Reason }

// Is makes errors.Is(err, opentracing.ErrSpanContextCorrupted) true.
func (e *CorruptError) Is(target error) bool { return target == opentracing.ErrSpanContextCorrupted }

func corrupt(field string, err error) error {
	return &CorruptError{Reason: field + ": " + err.Error()}
}

// Limits bound what extraction accepts.
type Limits struct {
	MaxBaggageSize int // serialized size of each baggage map; items beyond are refused
	MaxCarrierSize int // bytes of a serialized context or binary carrier
}

// DefaultLimits are used where a zero Limits is given.
var DefaultLimits = Limits{MaxBaggageSize: span.DefaultMaxBaggageSize, MaxCarrierSize: 64 << 10}

func (l Limits) orDefault() Limits {
	if l.MaxBaggageSize == 0 {
		l.MaxBaggageSize = DefaultLimits.MaxBaggageSize
	}
	if l.MaxCarrierSize == 0 {
		l.MaxCarrierSize = DefaultLimits.MaxCarrierSize
	}
	return l
}

// Result reports what extraction had to leave out.
type Result struct {
	RefusedBaggage int // items refused because the baggage limit was reached
}

// Custom formats understood by Inject and Extract besides OpenTracing's.
type format int

const (
	// SOFARPC is the Bolt request-header form: rpc_trace_context.sofaTraceId,
	// .sofaRpcId, .samp, .sofaPenAttrs, .sysPenAttrs (and, on extraction,
	// the single key new_rpc_trace_context). The carrier is a TextMap
	// reader or writer.
	SOFARPC format = iota + 1
	// SOFARPCNew is the new_rpc_trace_context form for providers of
	// SOFARPC 5.1.0 and later.
	SOFARPCNew
	// Triple is SOFARPC Triple's gRPC metadata form: sofa-traceid,
	// sofa-rpcid, tri-trace-traceid, tri-trace-rpcid, tri-trace-biz-baggage,
	// tri-trace-sys-baggage, tri-trace-samp.
	Triple
)

func (f format) String() string {
	switch f {
	case SOFARPC:
		return "SOFARPC"
	case SOFARPCNew:
		return "SOFARPCNew"
	case Triple:
		return "Triple"
	}
	return fmt.Sprintf("format(%d)", int(f))
}

// Inject writes sc into carrier in format.
func Inject(sc *span.Context, fmt_ any, carrier any) error {
	// A type switch, then a switch on the value, spares comparing fmt_
	// with each format as interfaces.
	switch f := fmt_.(type) {
	case opentracing.BuiltinFormat:
		switch f {
		case opentracing.HTTPHeaders:
			return injectHTTP(sc, carrier)
		case opentracing.TextMap:
			w, ok := carrier.(opentracing.TextMapWriter)
			if !ok {
				return opentracing.ErrInvalidCarrier
			}
			w.Set(HeadKey, Serialize(sc))
			return nil
		case opentracing.Binary:
			return injectBinary(sc, carrier)
		}
	case format:
		switch f {
		case SOFARPC, SOFARPCNew, Triple:
			w, ok := carrier.(opentracing.TextMapWriter)
			if !ok {
				return opentracing.ErrInvalidCarrier
			}
			injectRPC(sc, f, w)
			return nil
		}
	}
	return opentracing.ErrUnsupportedFormat
}

// Extract reads a context from carrier in format. It returns
// opentracing.ErrSpanContextNotFound when the carrier holds none, a
// *CorruptError when it holds a bad one, and never panics.
func Extract(fmt_ any, carrier any, lim Limits) (*span.Context, Result, error) {
	lim = lim.orDefault()
	switch f := fmt_.(type) {
	case opentracing.BuiltinFormat:
		switch f {
		case opentracing.HTTPHeaders, opentracing.TextMap:
			decode := f == opentracing.HTTPHeaders
			switch c := carrier.(type) {
			case opentracing.HTTPHeadersCarrier:
				return extractHeader(http.Header(c), lim, decode)
			case http.Header:
				return extractHeader(c, lim, decode)
			case HeaderList:
				return extractList(c, lim, decode)
			}
			r, ok := carrier.(opentracing.TextMapReader)
			if !ok {
				return nil, Result{}, opentracing.ErrInvalidCarrier
			}
			return extractTextMap(r, lim, decode)
		case opentracing.Binary:
			return extractBinary(carrier, lim)
		}
	case format:
		switch f {
		case SOFARPC, SOFARPCNew, Triple:
			r, ok := carrier.(opentracing.TextMapReader)
			if !ok {
				return nil, Result{}, opentracing.ErrInvalidCarrier
			}
			return extractRPC(r, f, lim)
		}
	}
	return nil, Result{}, opentracing.ErrUnsupportedFormat
}

var errTooLarge = errors.New("carrier larger than MaxCarrierSize")
