package propagation

import (
	"strings"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/span"
)

// HeadKey is the single carrier key of the TextMap and HTTPHeaders
// formats in SOFATracer ("sftc_head").
const HeadKey = "sftc_head"

const sysPrefix = "_sys_"

// Serialize returns sc in SOFATracer's serialized form:
// "tcid=<traceId>&spid=<spanId>&pspid=<parentId>&sample=<bool>&", then
// system baggage as "_sys_<k>=<v>&" and business baggage as "<k>=<v>&".
func Serialize(sc *span.Context) string {
	return string(AppendSerialized(make([]byte, 0, 96), sc))
}

// AppendSerialized appends the serialized form of sc to dst.
func AppendSerialized(dst []byte, sc *span.Context) []byte {
	dst = append(dst, "tcid="...)
	dst = span.AppendEscaped(dst, sc.TraceID)
	dst = append(dst, "&spid="...)
	dst = span.AppendEscaped(dst, sc.SpanID)
	dst = append(dst, "&pspid="...)
	dst = span.AppendEscaped(dst, sc.ParentID)
	if sc.Sampled() {
		dst = append(dst, "&sample=true&"...)
	} else {
		dst = append(dst, "&sample=false&"...)
	}
	b := sc.Baggage()
	for _, k := range sortedKeys(b.Sys) {
		dst = append(dst, sysPrefix...)
		dst = span.AppendEscaped(dst, k)
		dst = append(dst, '=')
		dst = span.AppendEscaped(dst, b.Sys[k])
		dst = append(dst, '&')
	}
	return span.AppendMap(dst, b.Biz)
}

// Parse reads a serialized context. A string with neither tcid nor spid
// nor baggage is ErrSpanContextNotFound; one with baggage or a span id but
// no tcid is corrupted.
func Parse(s string, lim Limits) (*span.Context, Result, error) {
	lim = lim.orDefault()
	if len(s) > lim.MaxCarrierSize {
		return nil, Result{}, corrupt(HeadKey, errTooLarge)
	}
	b := newBuilder(lim)
	var hasSpan, hasSample bool
	// The first tcid/spid/pspid/sample are the context's; a later pair
	// with such a key is a business item (Serialize writes them first).
	span.ParseMap(s, func(k, v string) bool {
		switch {
		case k == "tcid" && !b.hasTrace:
			b.traceID, b.hasTrace = v, true
		case k == "spid" && !hasSpan:
			b.spanID, hasSpan = v, true
		case k == "pspid" && !b.hasParent:
			b.parentID, b.hasParent = v, true
		case k == "sample" && !hasSample:
			b.sampled, hasSample = parseBool(v), true
		default:
			if sk, ok := strings.CutPrefix(k, sysPrefix); ok {
				b.bag.AddSys(sk, v)
			} else {
				b.bag.AddBiz(k, v)
			}
		}
		return true
	})
	if !b.hasTrace && b.spanID == "" && b.bag.Build() == nil {
		return nil, Result{}, opentracing.ErrSpanContextNotFound
	}
	return b.build()
}

// builder assembles an extracted context and validates it.
type builder struct {
	traceID, spanID, parentID string
	hasTrace, hasParent       bool
	sampled                   bool
	valid                     uint8 // ids already known to be valid
	bag                       span.BaggageBuilder
	into                      *span.Context // where build makes the context, when not nil
}

// Bits of builder.valid.
const (
	validTrace = 1 << iota
	validSpan
	validParent
)

func newBuilder(lim Limits) *builder {
	return &builder{sampled: true, bag: span.BaggageBuilder{Max: lim.MaxBaggageSize}}
}

// newContext is span.NewContext, made in into when it is not nil.
func newContext(into *span.Context, traceID, spanID, parentID string, sampled bool) *span.Context {
	if into == nil {
		return span.NewContext(traceID, spanID, parentID, sampled)
	}
	into.Init(traceID, spanID, parentID, sampled)
	return into
}

func (b *builder) build() (*span.Context, Result, error) {
	res := Result{RefusedBaggage: b.bag.Refused}
	if b.valid&validTrace == 0 {
		if err := span.ValidateID(b.traceID); err != nil {
			return nil, res, corrupt("trace_id", err)
		}
	}
	if b.spanID == "" {
		b.spanID = "0"
	}
	if b.valid&validSpan == 0 {
		if err := span.ValidateID(b.spanID); err != nil {
			return nil, res, corrupt("span_id", err)
		}
	}
	if !b.hasParent {
		b.parentID = span.ParentOf(b.spanID)
	} else if b.parentID != "" && b.valid&validParent == 0 {
		if err := span.ValidateID(b.parentID); err != nil {
			return nil, res, corrupt("parent_id", err)
		}
	}
	sc := newContext(b.into, b.traceID, b.spanID, b.parentID, b.sampled)
	if bag := b.bag.Build(); bag != nil {
		sc.SetBaggage(bag)
	}
	return sc, res, nil
}

// parseBool reads a sampled flag: "1"/"0", else case-insensitive "true";
// anything else is false, as Java's Boolean.parseBoolean.
func parseBool(v string) bool {
	switch v {
	case "1", "true":
		return true
	case "0", "false":
		return false
	}
	return strings.EqualFold(v, "true")
}
