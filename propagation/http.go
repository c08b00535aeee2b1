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

// Canonical forms, as net/http stores them (checked against
// http.CanonicalHeaderKey in a test). Writing and reading these keys
// directly spares canonicalizing them on every call.
const (
	canonTraceID     = "X-B3-Traceid"
	canonSpanID      = "X-B3-Spanid"
	canonParentID    = "X-B3-Parentspanid"
	canonSampled     = "X-B3-Sampled"
	canonTraceparent = "Traceparent"
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
	// The id headers are assigned under their canonical names, as h.Set
	// would, one []string of length and capacity 1 each, all sharing one
	// backing array: one allocation.
	switch sc.Format {
	case span.FormatB3:
		vals := new([4]string)
		vals[0], vals[1], vals[2] = sc.TraceID, sc.SpanID, "0"
		if sc.Sampled() {
			vals[2] = "1"
		}
		h[canonTraceID] = vals[0:1:1]
		h[canonSpanID] = vals[1:2:2]
		h[canonSampled] = vals[2:3:3]
		if sc.ParentID != "" {
			vals[3] = sc.ParentID
			h[canonParentID] = vals[3:4:4]
		}
	case span.FormatW3C:
		h[canonTraceparent] = []string{traceparent(sc)}
		if b := sc.Baggage(); len(b.Biz) > 0 {
			if v := appendW3CBaggage(nil, b.Biz); len(v) > 0 {
				h[canonBaggage] = []string{string(v)}
			}
		}
	default:
		vals := new([4]string)
		vals[0], vals[1], vals[2], vals[3] = queryEscape(sc.TraceID), queryEscape(sc.SpanID), queryEscape(sc.ParentID), sampledText(sc.Sampled())
		h[canonTraceID] = vals[0:1:1]
		h[canonSpanID] = vals[1:2:2]
		h[canonParentID] = vals[2:3:3]
		h[canonSampled] = vals[3:4:4]
	}
	if b := sc.Baggage(); !b.Empty() {
		// Canonical names, assigned as h.Set would; one backing array
		// for the values.
		vals := make([]string, 0, len(b.Sys)+len(b.Biz))
		for k, v := range baggagePairs(b, true, sc.Format != span.FormatW3C) {
			vals = append(vals, v)
			n := len(vals)
			h[k] = vals[n-1 : n : n]
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
			if b := sc.Baggage(); len(b.Biz) > 0 {
				if v := appendW3CBaggage(nil, b.Biz); len(v) > 0 && !yield(HeaderBaggage, string(v)) {
					return
				}
			}
		default:
			if !yieldSOFA(sc, yield) {
				return
			}
		}
		for k, v := range baggagePairs(sc.Baggage(), false, sc.Format != span.FormatW3C) {
			if !yield(k, v) {
				return
			}
		}
	}
}

func yieldSOFA(sc *span.Context, yield func(k, v string) bool) bool {
	return yield(HeaderTraceID, queryEscape(sc.TraceID)) &&
		yield(HeaderSpanID, queryEscape(sc.SpanID)) &&
		yield(HeaderParentSpanID, queryEscape(sc.ParentID)) &&
		yield(HeaderSampled, sampledText(sc.Sampled()))
}

// baggagePairs yields baggage headers. Keys are escaped as in SOFATracer
// (%, &, =) and then URL-escaped so that any key makes a valid header name.
// With canonical, the names are in the form net/http stores them in
// (http.CanonicalHeaderKey), else "baggage-<key>" and "baggage-sys-<key>".
// Without biz, only the system items are yielded (the business ones go in
// the W3C baggage header).
func baggagePairs(b *span.Baggage, canonical, biz bool) func(yield func(k, v string) bool) {
	return func(yield func(k, v string) bool) {
		for _, k := range sortedKeys(b.Sys) {
			if !yield(baggageKey(SysBaggagePrefix, k, false, canonical), headerValue(b.Sys[k])) {
				return
			}
		}
		for _, k := range sortedKeys(b.Biz) {
			if !biz {
				return
			}
			if !yield(baggageKey(BaggagePrefix, k, true, canonical), headerValue(b.Biz[k])) {
				return
			}
		}
	}
}

// headerValue escapes a baggage key or value: SOFATracer's escaping of %,
// & and =, then URL-escaping. A string of unreserved URL characters holds
// none of %, & and = and is its own escape.
func headerValue(s string) string {
	if scan(s)&clsQuerySafe != 0 {
		return s
	}
	return url.QueryEscape(string(span.AppendEscaped(nil, s)))
}

// baggageKey returns prefix and the escaped key k. For a business item
// (biz), a key starting with "sys-" has that '-' percent-encoded, so that
// "baggage-sys%2D..." is not read back as system baggage.
func baggageKey(prefix, k string, biz, canonical bool) string {
	hk := headerValue(k)
	var buf [64]byte
	b := append(buf[:0], prefix...)
	if biz && len(hk) >= 4 && strings.EqualFold(hk[:4], "sys-") {
		b = append(append(append(b, hk[:3]...), "%2D"...), hk[4:]...)
	} else {
		b = append(b, hk...)
	}
	if canonical {
		// An escaped key has only valid header-name bytes, so
		// http.CanonicalHeaderKey would change just the letters' case:
		// upper at the start and after '-', lower elsewhere.
		upper := true
		for i, c := range b {
			switch {
			case upper && 'a' <= c && c <= 'z':
				b[i] = c - ('a' - 'A')
			case !upper && 'A' <= c && c <= 'Z':
				b[i] = c + ('a' - 'A')
			}
			upper = c == '-'
		}
	}
	return string(b)
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
	keyW3CBaggage
)

func classify(k string) int {
	// c|0x20 is the lowercase of an ASCII letter c, and no other byte
	// maps to a lowercase letter: it picks the candidate of each length.
	// The canonical names, as net/http stores them, and Java's spellings
	// (message headers) are compared exactly before case-insensitively.
	switch len(k) {
	case 2:
		if strings.EqualFold(k, HeaderB3Single) {
			return keyB3Single
		}
	case 7:
		if k == canonBaggage || strings.EqualFold(k, HeaderBaggage) {
			return keyW3CBaggage
		}
	case 9:
		if strings.EqualFold(k, HeadKey) {
			return keyHead
		}
	case 10:
		if strings.EqualFold(k, HeaderSOFARpcID) {
			return keySOFARpcID
		}
	case 11:
		switch k[0] | 0x20 {
		case 'x':
			if k == canonSpanID || k == HeaderSpanID || strings.EqualFold(k, HeaderSpanID) {
				return keySpanID
			}
		case 't':
			if strings.EqualFold(k, HeaderTraceparent) {
				return keyTraceparent
			}
		}
	case 12:
		switch k[0] | 0x20 {
		case 'x':
			switch k[5] | 0x20 {
			case 't':
				if k == canonTraceID || k == HeaderTraceID || strings.EqualFold(k, HeaderTraceID) {
					return keyTraceID
				}
			case 's':
				if k == canonSampled || strings.EqualFold(k, HeaderSampled) {
					return keySampled
				}
			}
		case 's':
			switch k[4] | 0x20 {
			case '-':
				if strings.EqualFold(k, HeaderSOFATraceID) {
					return keySOFATraceID
				}
			case 'p':
				if strings.EqualFold(k, HeaderSOFAPenAttrs) {
					return keyPenAttrs
				}
			}
		}
	case 17:
		if k == canonParentID || k == HeaderParentSpanID || strings.EqualFold(k, HeaderParentSpanID) {
			return keyParentID
		}
	}
	if len(k) <= len(BaggagePrefix) || k[0]|0x20 != 'b' {
		return keyOther
	}
	if len(k) > len(SysBaggagePrefix) && (k[:len(SysBaggagePrefix)] == SysBaggagePrefix || strings.EqualFold(k[:len(SysBaggagePrefix)], SysBaggagePrefix)) {
		return keySysBaggage
	}
	if k[:len(BaggagePrefix)] == BaggagePrefix || strings.EqualFold(k[:len(BaggagePrefix)], BaggagePrefix) {
		return keyBaggage
	}
	return keyOther
}

// baggageRest is what follows the baggage prefix of key k, of a baggage
// kind.
func baggageRest(kind int, k string) string {
	switch kind {
	case keySysBaggage:
		return k[len(SysBaggagePrefix):]
	case keyBaggage:
		return k[len(BaggagePrefix):]
	}
	return ""
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
	w3c                     string // W3C baggage header values, joined by ','
	has                     [keyW3CBaggage + 1]bool
	cls                     [keySOFARpcID + 1]uint8 // scan of the id values, once decoded
	bag                     span.BaggageBuilder
	err                     error
	// into, when not nil, is where result makes the context of ids (see
	// extractList).
	into *span.Context
}

func (st *textMapState) add(k, v string) {
	if kind := classify(k); kind != keyOther {
		st.addKind(kind, k, v)
	}
}

// addKind records the value v of key k, of the given kind (not keyOther).
func (st *textMapState) addKind(kind int, k, v string) {
	if st.err != nil {
		return
	}
	if len(v) > st.lim.MaxCarrierSize {
		if kind == keyBaggage || kind == keySysBaggage || kind == keyW3CBaggage {
			st.bag.Refused++ // an oversized item is refused, the context kept
			return
		}
		st.err = corrupt(strings.ToLower(k), errTooLarge)
		return
	}
	if kind == keyW3CBaggage { // every value counts; parsed in result
		if st.w3c != "" {
			v = st.w3c + "," + v
		}
		st.w3c, st.has[kind] = v, true
		return
	}
	if kind != keyBaggage && kind != keySysBaggage {
		if st.has[kind] {
			return
		}
		st.has[kind] = true
	}
	// One pass over v tells whether it needs decoding and, for an id,
	// whether it is valid (see builder.valid).
	id := kind == keyTraceID || kind == keySpanID || kind == keyParentID || kind == keySOFATraceID || kind == keySOFARpcID
	var m uint8
	if st.decode || id {
		m = scan(v)
	}
	if st.decode && m&clsPlain == 0 {
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
		if id {
			m = scan(v)
		}
	}
	switch kind {
	case keyHead:
		st.head = v
	case keyTraceID:
		st.traceID, st.cls[keyTraceID] = v, m
	case keySpanID:
		st.spanID, st.cls[keySpanID] = v, m
	case keyParentID:
		st.parent, st.cls[keyParentID] = v, m
	case keySampled:
		st.sampled = v
	case keySOFATraceID:
		st.sofaTrace, st.cls[keySOFATraceID] = v, m
	case keySOFARpcID:
		st.sofaRpc, st.cls[keySOFARpcID] = v, m
	case keyPenAttrs:
		st.penAttrs = v
	case keyB3Single:
		st.b3Single = v
	case keyTraceparent:
		st.traceparent = v
	case keyBaggage, keySysBaggage:
		rest := baggageRest(kind, k)
		if st.decode {
			if dk, err := queryUnescape(rest); err == nil {
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

// addCanonical reads a header that holds nothing but X-B3 id headers
// under their canonical names, as Inject writes them, by looking those up
// instead of ranging over the map and classifying every key. It reports
// false, having read nothing, when h holds any other key.
func (st *textMapState) addCanonical(h http.Header) bool {
	n := len(h)
	if n == 0 || n > 4 {
		return false
	}
	tid, okT := h[canonTraceID]
	sid, okS := h[canonSpanID]
	pid, okP := h[canonParentID]
	smp, okM := h[canonSampled]
	if b2i(okT)+b2i(okS)+b2i(okP)+b2i(okM) != n {
		return false
	}
	if len(tid) > 0 {
		st.addKind(keyTraceID, canonTraceID, tid[0])
	}
	if len(sid) > 0 {
		st.addKind(keySpanID, canonSpanID, sid[0])
	}
	if len(pid) > 0 {
		st.addKind(keyParentID, canonParentID, pid[0])
	}
	if len(smp) > 0 {
		st.addKind(keySampled, canonSampled, smp[0])
	}
	return true
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// extractHeader is extractTextMap for an http.Header (or an
// opentracing.HTTPHeadersCarrier, the same map). Reading the map directly,
// rather than through ForeachKey, keeps st off the heap.
func extractHeader(h http.Header, lim Limits, decode bool) (*span.Context, Result, error) {
	st := textMapState{lim: lim, decode: decode, bag: span.BaggageBuilder{Max: lim.MaxBaggageSize}}
	if !st.addCanonical(h) {
		for k, vs := range h {
			if len(vs) == 0 {
				continue
			}
			switch kind := classify(k); kind {
			case keyOther:
			case keyW3CBaggage: // a list that may span several headers
				for _, v := range vs {
					st.addKind(kind, k, v)
				}
			default:
				st.addKind(kind, k, vs[0])
			}
		}
	}
	return st.result()
}

func extractTextMap(r opentracing.TextMapReader, lim Limits, decode bool) (*span.Context, Result, error) {
	st := &textMapState{lim: lim, decode: decode, bag: span.BaggageBuilder{Max: lim.MaxBaggageSize}}
	if err := r.ForeachKey(func(k, v string) error { st.add(k, v); return nil }); err != nil {
		return nil, Result{}, err
	}
	return st.result()
}

// valid returns bit when the value s of the id kind passed the scan that
// span.ValidateID would pass.
func (st *textMapState) valid(kind int, s string, bit uint8) uint8 {
	if st.cls[kind]&clsID != 0 && s != "" && len(s) <= span.MaxIDLength {
		return bit
	}
	return 0
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
		sc, res, err = newB3Context(st.into, st.traceID, st.spanID, st.parent, st.sampled, st.has[keySampled]), Result{}, nil
	case st.has[keyTraceID]:
		b := &builder{into: st.into, traceID: st.traceID, spanID: st.spanID, parentID: st.parent, hasTrace: true, hasParent: st.has[keyParentID], sampled: true}
		b.valid = st.valid(keyTraceID, st.traceID, validTrace) | st.valid(keySpanID, st.spanID, validSpan) | st.valid(keyParentID, st.parent, validParent)
		if st.has[keySampled] {
			b.sampled = parseBool(st.sampled)
		}
		sc, res, err = b.build()
	case st.has[keySOFATraceID]:
		b := &builder{into: st.into, traceID: st.sofaTrace, spanID: st.sofaRpc, hasTrace: true, sampled: true}
		b.valid = st.valid(keySOFATraceID, st.sofaTrace, validTrace) | st.valid(keySOFARpcID, st.sofaRpc, validSpan)
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
	if err == nil && st.w3c != "" {
		var w w3cBaggage
		w.parse(st.w3c, &st.bag)
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
