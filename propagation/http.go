package propagation

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/span"
)

// SOFATracer's HTTP header names. The B3 names carry SOFA ids.
const (
	HeaderTraceID      = "X-B3-TraceId"
	HeaderSpanID       = "X-B3-SpanId"
	HeaderParentSpanID = "X-B3-ParentSpanId"
	HeaderSampled      = "X-B3-Sampled"
	// BaggagePrefix and SysBaggagePrefix start the names of baggage
	// headers. HTTP header names are case-insensitive and Go servers
	// canonicalize them, so baggage keys read from HTTP headers are
	// lowercased; the sftc_head form keeps their case.
	BaggagePrefix    = "baggage-"
	SysBaggagePrefix = "baggage-sys-"
	// SOFARPC REST and MOSN headers, read on extraction.
	HeaderSOFATraceID  = "SOFA-TraceId"
	HeaderSOFARpcID    = "SOFA-RpcId"
	HeaderSOFAPenAttrs = "sofaPenAttrs"
)

// Canonical forms, as net/http stores them.
var (
	canonTraceID  = http.CanonicalHeaderKey(HeaderTraceID)
	canonSpanID   = http.CanonicalHeaderKey(HeaderSpanID)
	canonParentID = http.CanonicalHeaderKey(HeaderParentSpanID)
	canonSampled  = http.CanonicalHeaderKey(HeaderSampled)
)

func injectHTTP(sc *span.Context, carrier any) error {
	var h http.Header
	switch c := carrier.(type) {
	case opentracing.HTTPHeadersCarrier:
		h = http.Header(c)
	case http.Header:
		h = c
	case opentracing.TextMapWriter:
		for k, v := range httpPairs(sc) {
			c.Set(k, v)
		}
		return nil
	default:
		return opentracing.ErrInvalidCarrier
	}
	if sc.Format != span.FormatSOFA {
		for k, v := range httpPairs(sc) {
			h.Set(k, v)
		}
		return nil
	}
	// One backing array for the four id headers: one allocation.
	vals := [4]string{url.QueryEscape(sc.TraceID), url.QueryEscape(sc.SpanID), url.QueryEscape(sc.ParentID), sampledText(sc.Sampled())}
	backing := vals[:]
	h[canonTraceID] = backing[0:1:1]
	h[canonSpanID] = backing[1:2:2]
	h[canonParentID] = backing[2:3:3]
	h[canonSampled] = backing[3:4:4]
	if b := sc.Baggage(); !b.Empty() {
		for k, v := range baggagePairs(b) {
			h.Set(k, v)
		}
	}
	return nil
}

// httpPairs yields the headers of sc for a generic carrier.
func httpPairs(sc *span.Context) func(yield func(k, v string) bool) {
	return func(yield func(k, v string) bool) {
		switch sc.Format {
		case span.FormatB3:
			if !yieldB3(sc, yield) {
				return
			}
		case span.FormatW3C:
			if !yield(HeaderTraceparent, traceparent(sc)) {
				return
			}
		default:
			if !yieldSOFA(sc, yield) {
				return
			}
		}
		for k, v := range baggagePairs(sc.Baggage()) {
			if !yield(k, v) {
				return
			}
		}
	}
}

func yieldSOFA(sc *span.Context, yield func(k, v string) bool) bool {
	return yield(HeaderTraceID, url.QueryEscape(sc.TraceID)) &&
		yield(HeaderSpanID, url.QueryEscape(sc.SpanID)) &&
		yield(HeaderParentSpanID, url.QueryEscape(sc.ParentID)) &&
		yield(HeaderSampled, sampledText(sc.Sampled()))
}

// baggagePairs yields baggage headers. Keys are escaped as in SOFATracer
// (%, &, =) and then URL-escaped so that any key makes a valid header name.
func baggagePairs(b *span.Baggage) func(yield func(k, v string) bool) {
	return func(yield func(k, v string) bool) {
		for _, k := range sortedKeys(b.Sys) {
			if !yield(SysBaggagePrefix+headerKey(k), url.QueryEscape(string(span.AppendEscaped(nil, b.Sys[k])))) {
				return
			}
		}
		for _, k := range sortedKeys(b.Biz) {
			if !yield(BaggagePrefix+bizHeaderKey(k), url.QueryEscape(string(span.AppendEscaped(nil, b.Biz[k])))) {
				return
			}
		}
	}
}

func headerKey(k string) string { return url.QueryEscape(string(span.AppendEscaped(nil, k))) }

// bizHeaderKey is headerKey for a business item: a key starting with
// "sys-" has that '-' percent-encoded, so that "baggage-sys%2D..." is not
// read back as system baggage.
func bizHeaderKey(k string) string {
	hk := headerKey(k)
	if len(hk) >= 4 && strings.EqualFold(hk[:4], "sys-") {
		hk = hk[:3] + "%2D" + hk[4:]
	}
	return hk
}

func sampledText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// key kinds recognised in text-map carriers.
const (
	keyOther = iota
	keyTraceID
	keySpanID
	keyParentID
	keySampled
	keyHead
	keySOFATraceID
	keySOFARpcID
	keyPenAttrs
	keyB3Single
	keyTraceparent
	keyBaggage
	keySysBaggage
)

func classify(k string) (kind int, rest string) {
	switch len(k) {
	case 2:
		if strings.EqualFold(k, HeaderB3Single) {
			return keyB3Single, ""
		}
	case 9:
		if strings.EqualFold(k, HeadKey) {
			return keyHead, ""
		}
	case 10:
		if strings.EqualFold(k, HeaderSOFARpcID) {
			return keySOFARpcID, ""
		}
	case 11:
		if strings.EqualFold(k, HeaderSpanID) {
			return keySpanID, ""
		}
		if strings.EqualFold(k, HeaderTraceparent) {
			return keyTraceparent, ""
		}
	case 12:
		switch {
		case strings.EqualFold(k, HeaderTraceID):
			return keyTraceID, ""
		case strings.EqualFold(k, HeaderSampled):
			return keySampled, ""
		case strings.EqualFold(k, HeaderSOFATraceID):
			return keySOFATraceID, ""
		case strings.EqualFold(k, HeaderSOFAPenAttrs):
			return keyPenAttrs, ""
		}
	case 17:
		if strings.EqualFold(k, HeaderParentSpanID) {
			return keyParentID, ""
		}
	}
	if len(k) > len(SysBaggagePrefix) && strings.EqualFold(k[:len(SysBaggagePrefix)], SysBaggagePrefix) {
		return keySysBaggage, k[len(SysBaggagePrefix):]
	}
	if len(k) > len(BaggagePrefix) && strings.EqualFold(k[:len(BaggagePrefix)], BaggagePrefix) {
		return keyBaggage, k[len(BaggagePrefix):]
	}
	return keyOther, ""
}

// textMapState gathers what a text-map carrier holds. The first value of
// each key wins.
type textMapState struct {
	lim                     Limits
	decode                  bool // URL-decode values (HTTP headers)
	head                    string
	traceID, spanID, parent string
	sofaTrace, sofaRpc      string
	penAttrs                string
	b3Single, traceparent   string
	sampled                 string
	has                     [keySysBaggage + 1]bool
	bag                     span.BaggageBuilder
	err                     error
}

func (st *textMapState) add(k, v string) {
	kind, rest := classify(k)
	if kind == keyOther || st.err != nil {
		return
	}
	if len(v) > st.lim.MaxCarrierSize {
		if kind == keyBaggage || kind == keySysBaggage {
			st.bag.Refused++ // an oversized item is refused, the context kept
			return
		}
		st.err = corrupt(strings.ToLower(k), errTooLarge)
		return
	}
	if kind != keyBaggage && kind != keySysBaggage {
		if st.has[kind] {
			return
		}
		st.has[kind] = true
	}
	if st.decode {
		dv, err := url.QueryUnescape(v)
		if err != nil {
			if kind == keyBaggage || kind == keySysBaggage {
				st.bag.Refused++
				return
			}
			st.err = corrupt(strings.ToLower(k), err)
			return
		}
		v = dv
	}
	switch kind {
	case keyHead:
		st.head = v
	case keyTraceID:
		st.traceID = v
	case keySpanID:
		st.spanID = v
	case keyParentID:
		st.parent = v
	case keySampled:
		st.sampled = v
	case keySOFATraceID:
		st.sofaTrace = v
	case keySOFARpcID:
		st.sofaRpc = v
	case keyPenAttrs:
		st.penAttrs = v
	case keyB3Single:
		st.b3Single = v
	case keyTraceparent:
		st.traceparent = v
	case keyBaggage, keySysBaggage:
		if st.decode {
			if dk, err := url.QueryUnescape(rest); err == nil {
				rest = dk
			}
		}
		key := strings.ToLower(span.Unescape(rest))
		if kind == keySysBaggage {
			st.bag.AddSys(key, span.Unescape(v))
		} else {
			st.bag.AddBiz(key, span.Unescape(v))
		}
	}
}

func extractTextMap(r opentracing.TextMapReader, lim Limits, decode bool) (*span.Context, Result, error) {
	if h, ok := r.(opentracing.HTTPHeadersCarrier); ok {
		// Ranging over the map directly keeps st off the heap.
		st := textMapState{lim: lim, decode: decode, bag: span.BaggageBuilder{Max: lim.MaxBaggageSize}}
		for k, vs := range h {
			if len(vs) > 0 {
				st.add(k, vs[0])
			}
		}
		return st.result()
	}
	st := &textMapState{lim: lim, decode: decode, bag: span.BaggageBuilder{Max: lim.MaxBaggageSize}}
	if err := r.ForeachKey(func(k, v string) error { st.add(k, v); return nil }); err != nil {
		return nil, Result{}, err
	}
	return st.result()
}

func (st *textMapState) result() (*span.Context, Result, error) {
	if st.err != nil {
		return nil, Result{RefusedBaggage: st.bag.Refused}, st.err
	}
	var (
		sc  *span.Context
		res Result
		err error
	)
	switch {
	case st.has[keyHead]:
		sc, res, err = Parse(st.head, st.lim)
	case st.has[keyTraceID] && isHexID(st.spanID, 16) && isHexID(st.traceID, 0) && (st.parent == "" || isHexID(st.parent, 16)):
		sc, res, err = b3Context(st.traceID, st.spanID, st.parent, st.sampled, st.has[keySampled])
	case st.has[keyTraceID]:
		b := &builder{traceID: st.traceID, spanID: st.spanID, parentID: st.parent, hasTrace: true, hasParent: st.has[keyParentID], sampled: true}
		if st.has[keySampled] {
			b.sampled = parseBool(st.sampled)
		}
		sc, res, err = b.build()
	case st.has[keySOFATraceID]:
		b := &builder{traceID: st.sofaTrace, spanID: st.sofaRpc, hasTrace: true, sampled: true}
		sc, res, err = b.build()
		if err == nil && st.penAttrs != "" {
			span.ParseMap(st.penAttrs, func(k, v string) bool { st.bag.AddBiz(k, v); return true })
		}
	case st.has[keyB3Single] && !isB3SamplingFlag(st.b3Single):
		sc, res, err = parseB3Single(st.b3Single)
	case st.has[keyTraceparent]:
		sc, res, err = parseTraceparent(st.traceparent)
	default:
		return nil, Result{RefusedBaggage: st.bag.Refused}, opentracing.ErrSpanContextNotFound
	}
	res.RefusedBaggage += st.bag.Refused
	if err != nil {
		return nil, res, err
	}
	if extra := st.bag.Build(); extra != nil {
		merged, refused := sc.Baggage().Merge(extra, st.lim.MaxBaggageSize)
		res.RefusedBaggage += refused
		sc.SetBaggage(merged)
	}
	return sc, res, nil
}
