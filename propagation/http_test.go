package propagation_test

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/propagation"
	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

func TestInjectHTTPHeadersWire(t *testing.T) {
	tests := []struct {
		name string
		sc   *span.Context
		want http.Header
	}{
		{
			"child with baggage",
			newCtx(sofaTrace, "0.1", "0", true, map[string]string{"uid": "a b&c=d%", "mark": "T"}, map[string]string{"zone": "gz 00a"}),
			http.Header{
				"X-B3-Traceid":      {sofaTrace},
				"X-B3-Spanid":       {"0.1"},
				"X-B3-Parentspanid": {"0"},
				"X-B3-Sampled":      {"true"},
				"Baggage-Uid":       {"a+b%2526c%253Dd%2525"},
				"Baggage-Mark":      {"T"},
				"Baggage-Sys-Zone":  {"gz+00a"},
			},
		},
		{
			"root unsampled: empty parent still sent",
			newCtx(sofaTrace, "0", "", false, nil, nil),
			http.Header{
				"X-B3-Traceid":      {sofaTrace},
				"X-B3-Spanid":       {"0"},
				"X-B3-Parentspanid": {""},
				"X-B3-Sampled":      {"false"},
			},
		},
		{
			"ids are URL-encoded",
			newCtx("a+b/c:d", "0.1", "0", true, nil, nil),
			http.Header{
				"X-B3-Traceid":      {"a%2Bb%2Fc%3Ad"},
				"X-B3-Spanid":       {"0.1"},
				"X-B3-Parentspanid": {"0"},
				"X-B3-Sampled":      {"true"},
			},
		},
		{
			"hostile baggage keys become valid header names",
			newCtx(sofaTrace, "0", "", true, map[string]string{"a b": "1", "k=v&%": "2", "名": "3"}, nil),
			http.Header{
				"X-B3-Traceid":              {sofaTrace},
				"X-B3-Spanid":               {"0"},
				"X-B3-Parentspanid":         {""},
				"X-B3-Sampled":              {"true"},
				"Baggage-A+b":               {"1"},
				"Baggage-K%253dv%2526%2525": {"2"},
				"Baggage-%e5%90%8d":         {"3"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if err := propagation.Inject(tt.sc, opentracing.HTTPHeaders, h); err != nil {
				t.Fatal(err)
			}
			if !headerEqual(h, tt.want) {
				t.Errorf("headers\n got %v\nwant %v", h, tt.want)
			}
			for k := range h {
				if !validHeaderName(k) {
					t.Errorf("invalid header name %q", k)
				}
			}
			// The same pairs through a plain TextMap writer, in order: ids
			// first, then sys, then biz baggage.
			var keys []string
			c := opentracing.TextMapCarrier{}
			if err := propagation.Inject(tt.sc, opentracing.HTTPHeaders, recorder{c, &keys}); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(keys[:4], []string{"X-B3-TraceId", "X-B3-SpanId", "X-B3-ParentSpanId", "X-B3-Sampled"}) {
				t.Errorf("TextMap writer keys %q", keys)
			}
			for k, v := range c {
				if got := tt.want.Get(k); got != v {
					t.Errorf("TextMap writer %s = %q, http.Header has %q", k, v, got)
				}
			}
		})
	}
}

// recorder is a TextMapWriter that records the order of keys.
type recorder struct {
	c    opentracing.TextMapCarrier
	keys *[]string
}

func (r recorder) Set(k, v string) { *r.keys = append(*r.keys, k); r.c.Set(k, v) }

func headerEqual(a, b http.Header) bool {
	return maps.EqualFunc(a, b, func(x, y []string) bool { return slices.Equal(x, y) })
}

func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c <= ' ' || c >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, rune(c)) {
			return false
		}
	}
	return true
}

// Inject replaces stale trace headers instead of adding a second value.
func TestInjectHTTPReplacesOldHeaders(t *testing.T) {
	h := http.Header{}
	h.Set("X-B3-TraceId", "old")
	h.Add("X-B3-SpanId", "old")
	if err := propagation.Inject(newCtx(sofaTrace, "0.1", "0", true, nil, nil), opentracing.HTTPHeaders, h); err != nil {
		t.Fatal(err)
	}
	if got := h.Values("X-B3-TraceId"); !slices.Equal(got, []string{sofaTrace}) {
		t.Errorf("X-B3-TraceId = %q", got)
	}
	if got := h.Values("X-B3-SpanId"); !slices.Equal(got, []string{"0.1"}) {
		t.Errorf("X-B3-SpanId = %q", got)
	}
	// The four id headers share one backing array: appending to one must
	// not overwrite another.
	h.Add("X-B3-TraceId", "extra")
	if h.Get("X-B3-SpanId") != "0.1" || h.Get("X-B3-ParentSpanId") != "0" {
		t.Errorf("appending to X-B3-TraceId changed the other headers: %v", h)
	}
}

func TestExtractHTTPHeaders(t *testing.T) {
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h[kv[i]] = append(h[kv[i]], kv[i+1]) // raw, not canonicalized
		}
		return h
	}
	tests := []struct {
		name string
		h    http.Header
		want *span.Context
	}{
		{
			"SOFATracer B3 headers",
			hdr("X-B3-TraceId", sofaTrace, "X-B3-SpanId", "0.1", "X-B3-ParentSpanId", "0", "X-B3-Sampled", "true",
				"baggage-uid", "a+b%2526c", "baggage-sys-zone", "gz00a"),
			newCtx(sofaTrace, "0.1", "0", true, map[string]string{"uid": "a b&c"}, map[string]string{"zone": "gz00a"}),
		},
		{
			"lower-case header names",
			hdr("x-b3-traceid", sofaTrace, "x-b3-spanid", "0.1.1", "x-b3-parentspanid", "0.1", "x-b3-sampled", "false"),
			newCtx(sofaTrace, "0.1.1", "0.1", false, nil, nil),
		},
		{
			"upper-case header names",
			hdr("X-B3-TRACEID", sofaTrace, "X-B3-SPANID", "0.2", "X-B3-SAMPLED", "0", "BAGGAGE-UID", "1", "BAGGAGE-SYS-ZONE", "z"),
			newCtx(sofaTrace, "0.2", "0", false, map[string]string{"uid": "1"}, map[string]string{"zone": "z"}),
		},
		{
			"canonical header names",
			http.Header{"X-B3-Traceid": {sofaTrace}, "X-B3-Spanid": {"0.1"}, "X-B3-Sampled": {"1"}, "Baggage-Mark": {"T"}},
			newCtx(sofaTrace, "0.1", "0", true, map[string]string{"mark": "T"}, nil),
		},
		{
			"missing span id is 0, missing sampled is true",
			hdr("X-B3-TraceId", sofaTrace),
			newCtx(sofaTrace, "0", "", true, nil, nil),
		},
		{
			"missing parent is derived",
			hdr("X-B3-TraceId", sofaTrace, "X-B3-SpanId", "0.3.4"),
			newCtx(sofaTrace, "0.3.4", "0.3", true, nil, nil),
		},
		{
			"empty parent header kept empty",
			hdr("X-B3-TraceId", sofaTrace, "X-B3-SpanId", "0.1", "X-B3-ParentSpanId", ""),
			newCtx(sofaTrace, "0.1", "", true, nil, nil),
		},
		{
			"sampled TRUE",
			hdr("X-B3-TraceId", sofaTrace, "X-B3-Sampled", "TRUE"),
			newCtx(sofaTrace, "0", "", true, nil, nil),
		},
		{
			"sampled garbage is false",
			hdr("X-B3-TraceId", sofaTrace, "X-B3-Sampled", "yes"),
			newCtx(sofaTrace, "0", "", false, nil, nil),
		},
		{
			"first value wins",
			http.Header{"X-B3-Traceid": {sofaTrace, "other"}, "X-B3-Spanid": {"0.1", "0.9"}},
			newCtx(sofaTrace, "0.1", "0", true, nil, nil),
		},
		{
			"baggage-sys-k goes to sys only",
			hdr("X-B3-TraceId", sofaTrace, "baggage-sys-k", "v", "Baggage-Sys-Other", "w"),
			newCtx(sofaTrace, "0", "", true, nil, map[string]string{"k": "v", "other": "w"}),
		},
		{
			"blank sys baggage ignored, blank biz kept",
			hdr("X-B3-TraceId", sofaTrace, "baggage-sys-k", "", "baggage-b", ""),
			newCtx(sofaTrace, "0", "", true, map[string]string{"b": ""}, nil),
		},
		{
			"bad URL escape in baggage refuses the item only",
			hdr("X-B3-TraceId", sofaTrace, "baggage-bad", "%zz", "baggage-ok", "1"),
			newCtx(sofaTrace, "0", "", true, map[string]string{"ok": "1"}, nil),
		},
		{
			"SOFARPC REST headers",
			hdr("SOFA-TraceId", "0ba616a11523251819114100218738", "SOFA-RpcId", "0.1.1", "sofaPenAttrs", "mark=T&uid=1&"),
			newCtx("0ba616a11523251819114100218738", "0.1.1", "0.1", true, map[string]string{"mark": "T", "uid": "1"}, nil),
		},
		{
			"SOFARPC REST lower-case, no rpc id",
			hdr("sofa-traceid", "0ba616a11523251819114100218738", "sofapenattrs", "k=a%3Db&"),
			newCtx("0ba616a11523251819114100218738", "0", "", true, map[string]string{"k": "a=b"}, nil),
		},
		{
			"X-B3 wins over SOFA-TraceId",
			hdr("SOFA-TraceId", "other", "X-B3-TraceId", sofaTrace, "X-B3-SpanId", "0.1"),
			newCtx(sofaTrace, "0.1", "0", true, nil, nil),
		},
		{
			"sftc_head, URL-encoded",
			hdr("sftc_head", "tcid%3D"+sofaTrace+"%26spid%3D0.1%26pspid%3D0%26sample%3Dfalse%26_sys_zone%3Dgz%26uid%3D1%26"),
			newCtx(sofaTrace, "0.1", "0", false, map[string]string{"uid": "1"}, map[string]string{"zone": "gz"}),
		},
		{
			"sftc_head plus baggage headers",
			hdr("Sftc_head", "tcid="+sofaTrace+"&spid=0.1&", "baggage-extra", "x"),
			newCtx(sofaTrace, "0.1", "0", true, map[string]string{"extra": "x"}, nil),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, res, err := propagation.Extract(opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(tt.h), propagation.Limits{})
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			_ = res
			if d := diffCtx(got, tt.want); d != "" {
				t.Errorf("%s", d)
			}
			// The same headers through a TextMapCarrier.
			c := opentracing.TextMapCarrier{}
			for k, vs := range tt.h {
				c[k] = vs[0]
			}
			got2, _, err := propagation.Extract(opentracing.HTTPHeaders, c, propagation.Limits{})
			if err != nil {
				t.Fatalf("Extract from TextMapCarrier: %v", err)
			}
			if d := diffCtx(got2, tt.want); d != "" && !strings.Contains(tt.name, "first value") {
				t.Errorf("TextMapCarrier: %s", d)
			}
		})
	}
}

// Extract accepts a plain http.Header, as Inject does.
func TestExtractHTTPPlainHeader(t *testing.T) {
	h := http.Header{}
	sc := newCtx(sofaTrace, "0.1", "0", true, nil, nil)
	if err := propagation.Inject(sc, opentracing.HTTPHeaders, h); err != nil {
		t.Fatal(err)
	}
	got, _, err := propagation.Extract(opentracing.HTTPHeaders, h, propagation.Limits{})
	if errors.Is(err, opentracing.ErrInvalidCarrier) {
		knownBug(t, "http-header-carrier", "Inject(HTTPHeaders, http.Header) works but Extract(HTTPHeaders, http.Header) "+
			"returns ErrInvalidCarrier; Extract only takes TextMapReader carriers")
	}
	if err != nil {
		t.Fatal(err)
	}
	if d := diffCtx(got, sc); d != "" {
		t.Error(d)
	}
}

func TestExtractB3AndW3C(t *testing.T) {
	tests := []struct {
		name string
		c    opentracing.TextMapCarrier
		want *span.Context
		fmt  span.Format
	}{
		{
			"B3 multi 128-bit",
			opentracing.TextMapCarrier{"X-B3-TraceId": b3Trace, "X-B3-SpanId": b3Span, "X-B3-ParentSpanId": b3Parent, "X-B3-Sampled": "1"},
			span.NewContext(b3Trace, b3Span, b3Parent, true), span.FormatB3,
		},
		{
			"B3 multi 64-bit, upper-case hex, not sampled",
			opentracing.TextMapCarrier{"x-b3-traceid": "48485A3953BB6124", "x-b3-spanid": "A2FB4A1D1A96D312", "x-b3-sampled": "0"},
			span.NewContext("48485a3953bb6124", b3Span, "", false), span.FormatB3,
		},
		{
			"B3 multi, sampled absent",
			opentracing.TextMapCarrier{"X-B3-TraceId": b3Trace, "X-B3-SpanId": b3Span},
			span.NewContext(b3Trace, b3Span, "", true), span.FormatB3,
		},
		{
			"B3 multi, sampled true",
			opentracing.TextMapCarrier{"X-B3-TraceId": b3Trace, "X-B3-SpanId": b3Span, "X-B3-Sampled": "true"},
			span.NewContext(b3Trace, b3Span, "", true), span.FormatB3,
		},
		{
			"b3 single, 4 fields",
			opentracing.TextMapCarrier{"b3": "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90"},
			span.NewContext("80f198ee56343ba864fe8b2a57d3eff7", "e457b5a2e4d86bd1", "05e3ac9a4f6e3b90", true), span.FormatB3,
		},
		{
			"b3 single, debug",
			opentracing.TextMapCarrier{"B3": "80F198EE56343BA864FE8B2A57D3EFF7-E457B5A2E4D86BD1-d"},
			span.NewContext("80f198ee56343ba864fe8b2a57d3eff7", "e457b5a2e4d86bd1", "", true), span.FormatB3,
		},
		{
			"b3 single, deny",
			opentracing.TextMapCarrier{"b3": "64fe8b2a57d3eff7-e457b5a2e4d86bd1-0"},
			span.NewContext("64fe8b2a57d3eff7", "e457b5a2e4d86bd1", "", false), span.FormatB3,
		},
		{
			"b3 single, no flag",
			opentracing.TextMapCarrier{"b3": "64fe8b2a57d3eff7-e457b5a2e4d86bd1"},
			span.NewContext("64fe8b2a57d3eff7", "e457b5a2e4d86bd1", "", true), span.FormatB3,
		},
		{
			"traceparent sampled",
			opentracing.TextMapCarrier{"traceparent": "00-" + w3cTrace + "-" + w3cSpan + "-01"},
			span.NewContext(w3cTrace, w3cSpan, "", true), span.FormatW3C,
		},
		{
			"traceparent not sampled, other flags",
			opentracing.TextMapCarrier{"Traceparent": "00-" + w3cTrace + "-" + w3cSpan + "-02"},
			span.NewContext(w3cTrace, w3cSpan, "", false), span.FormatW3C,
		},
		{
			"traceparent future version with extra field",
			opentracing.TextMapCarrier{"traceparent": "01-" + w3cTrace + "-" + w3cSpan + "-03-future"},
			span.NewContext(w3cTrace, w3cSpan, "", true), span.FormatW3C,
		},
		{
			"B3 wins over traceparent",
			opentracing.TextMapCarrier{"traceparent": "00-" + w3cTrace + "-" + w3cSpan + "-01", "X-B3-TraceId": b3Trace, "X-B3-SpanId": b3Span},
			span.NewContext(b3Trace, b3Span, "", true), span.FormatB3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.want.Format = tt.fmt
			for _, carrier := range []opentracing.TextMapReader{tt.c, opentracing.HTTPHeadersCarrier(toHeader(tt.c))} {
				got, _, err := propagation.Extract(opentracing.HTTPHeaders, carrier, propagation.Limits{})
				if err != nil {
					t.Fatalf("Extract(%T): %v", carrier, err)
				}
				if d := diffCtx(got, tt.want); d != "" {
					t.Errorf("%T:%s", carrier, d)
				}
			}
		})
	}
}

func toHeader(c opentracing.TextMapCarrier) http.Header {
	h := http.Header{}
	for k, v := range c {
		h.Add(k, v)
	}
	return h
}

// A trace joined from B3 or W3C travels on in the same form: injecting it
// (or a child of it) writes B3 headers or traceparent, not SOFA ids.
func TestInjectB3AndW3C(t *testing.T) {
	tr, err := tracer.New(tracer.WithAppName("t"), tracer.WithLogDir(t.TempDir()), tracer.WithStatInterval(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()

	b3 := opentracing.TextMapCarrier{"X-B3-TraceId": b3Trace, "X-B3-SpanId": b3Span, "X-B3-ParentSpanId": b3Parent, "X-B3-Sampled": "0", "baggage-k": "v"}
	sc, _, err := propagation.Extract(opentracing.HTTPHeaders, b3, propagation.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	if err := propagation.Inject(sc, opentracing.HTTPHeaders, h); err != nil {
		t.Fatal(err)
	}
	want := http.Header{"X-B3-Traceid": {b3Trace}, "X-B3-Spanid": {b3Span}, "X-B3-Parentspanid": {b3Parent}, "X-B3-Sampled": {"0"}, "Baggage-K": {"v"}}
	if !headerEqual(h, want) {
		t.Errorf("B3 inject\n got %v\nwant %v", h, want)
	}

	// A child made by the tracer: new 16-hex span id, parent = the B3 span.
	child := tr.StartSpan("out", opentracing.ChildOf(sc))
	h = http.Header{}
	if err := tr.Inject(child.Context(), opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(h)); err != nil {
		t.Fatal(err)
	}
	cs := h.Get("X-B3-SpanId")
	if h.Get("X-B3-TraceId") != b3Trace || len(cs) != 16 || cs == b3Span || strings.Trim(cs, "0123456789abcdef") != "" ||
		h.Get("X-B3-ParentSpanId") != b3Span || h.Get("X-B3-Sampled") != "0" || h.Get("Baggage-K") != "v" {
		t.Errorf("B3 child inject: %v", h)
	}
	child.Finish()

	// A root of a B3 trace has no parent header.
	root := span.NewContext(b3Trace, b3Span, "", true)
	root.Format = span.FormatB3
	h = http.Header{}
	if err := propagation.Inject(root, opentracing.HTTPHeaders, h); err != nil {
		t.Fatal(err)
	}
	if _, ok := h["X-B3-Parentspanid"]; ok || h.Get("X-B3-Sampled") != "1" {
		t.Errorf("B3 root inject: %v", h)
	}

	w3c := opentracing.TextMapCarrier{"traceparent": "00-" + w3cTrace + "-" + w3cSpan + "-01", "baggage-k": "v"}
	sc, _, err = propagation.Extract(opentracing.HTTPHeaders, w3c, propagation.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	h = http.Header{}
	if err := propagation.Inject(sc, opentracing.HTTPHeaders, h); err != nil {
		t.Fatal(err)
	}
	// A W3C trace's business baggage goes out in the W3C baggage header.
	want = http.Header{"Traceparent": {"00-" + w3cTrace + "-" + w3cSpan + "-01"}, "Baggage": {"k=v"}}
	if !headerEqual(h, want) {
		t.Errorf("W3C inject\n got %v\nwant %v", h, want)
	}
	child = tr.StartSpan("out", opentracing.ChildOf(sc))
	c := opentracing.TextMapCarrier{}
	if err := tr.Inject(child.Context(), opentracing.HTTPHeaders, c); err != nil {
		t.Fatal(err)
	}
	tp := c["traceparent"]
	if !strings.HasPrefix(tp, "00-"+w3cTrace+"-") || !strings.HasSuffix(tp, "-01") || len(tp) != 55 || strings.Contains(tp, w3cSpan) {
		t.Errorf("W3C child traceparent %q", tp)
	}
	if _, ok := c["X-B3-TraceId"]; ok {
		t.Errorf("W3C child also wrote SOFA/B3 headers: %v", c)
	}
	child.Finish()

	// Unsampled W3C.
	sc.Format = span.FormatW3C
	un := span.NewContext(w3cTrace, w3cSpan, "", false)
	un.Format = span.FormatW3C
	c = opentracing.TextMapCarrier{}
	if err := propagation.Inject(un, opentracing.HTTPHeaders, c); err != nil {
		t.Fatal(err)
	}
	if c["traceparent"] != "00-"+w3cTrace+"-"+w3cSpan+"-00" {
		t.Errorf("unsampled traceparent %q", c["traceparent"])
	}
}

func TestExtractNotFound(t *testing.T) {
	tests := []struct {
		name    string
		format  any
		carrier any
	}{
		{"HTTP empty", opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier{}},
		{"HTTP unrelated", opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier{"Content-Type": {"text/plain"}, "X-B3-Flags": {"1"}}},
		{"HTTP only parent and sampled", opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier{"X-B3-Spanid": {"0.1"}, "X-B3-Sampled": {"1"}}},
		{"HTTP only baggage", opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier{"Baggage-K": {"v"}}},
		{"HTTP only sofaPenAttrs", opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier{"Sofapenattrs": {"k=v&"}}},
		{"HTTP bare prefix", opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier{"Baggage-": {"v"}}},
		{"HTTP empty sftc_head", opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier{"Sftc_head": {""}}},
		{"TextMap empty", opentracing.TextMap, opentracing.TextMapCarrier{}},
		{"TextMap empty head", opentracing.TextMap, opentracing.TextMapCarrier{"sftc_head": ""}},
		{"TextMap head without pairs", opentracing.TextMap, opentracing.TextMapCarrier{"sftc_head": "&&=x&junk"}},
		{"Binary empty", opentracing.Binary, strings.NewReader("")},
		{"Binary no marker", opentracing.Binary, strings.NewReader("tcid=x&spid=0&")},
		{"SOFARPC empty", propagation.SOFARPC, opentracing.TextMapCarrier{}},
		{"SOFARPC no trace id", propagation.SOFARPC, opentracing.TextMapCarrier{propagation.RPCSpanID: "0.1", propagation.RPCSampled: "true"}},
		{"SOFARPCNew empty", propagation.SOFARPCNew, opentracing.TextMapCarrier{}},
		{"Triple empty", propagation.Triple, opentracing.TextMapCarrier{}},
		{"Triple only baggage", propagation.Triple, opentracing.TextMapCarrier{propagation.TriBizBaggage: "k=v&"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, _, err := propagation.Extract(tt.format, tt.carrier, propagation.Limits{})
			if !errors.Is(err, opentracing.ErrSpanContextNotFound) || sc != nil {
				t.Errorf("Extract = %v, %v; want ErrSpanContextNotFound", sc, err)
			}
		})
	}
	// A lone B3 sampling flag carries no context: not found, not corrupted.
	for _, flag := range []string{"0", "1", "d"} {
		_, _, err := propagation.Extract(opentracing.HTTPHeaders, opentracing.TextMapCarrier{"b3": flag}, propagation.Limits{})
		if !errors.Is(err, opentracing.ErrSpanContextNotFound) {
			knownBug(t, "b3-sampling-only", "b3: %s (a valid B3 header that carries only a sampling decision) gives %v, "+
				"want ErrSpanContextNotFound: parseB3Single returns corrupt(\"b3\", \"sampling flag only\")", flag, err)
		}
	}
}

func TestExtractCorrupted(t *testing.T) {
	h := func(kv ...string) opentracing.TextMapCarrier {
		c := opentracing.TextMapCarrier{}
		for i := 0; i < len(kv); i += 2 {
			c[kv[i]] = kv[i+1]
		}
		return c
	}
	bin := func(n int32, body string) *strings.Reader {
		b := []byte("sftc_head")
		b = append(b, byte(uint32(n)>>24), byte(uint32(n)>>16), byte(uint32(n)>>8), byte(uint32(n)))
		return strings.NewReader(string(b) + body)
	}
	tests := []struct {
		name    string
		format  any
		carrier any
	}{
		{"quote in trace id", opentracing.HTTPHeaders, h("X-B3-TraceId", `abc"x`)},
		{"comma in trace id", opentracing.HTTPHeaders, h("X-B3-TraceId", "abc,x")},
		{"encoded & in trace id", opentracing.HTTPHeaders, h("X-B3-TraceId", "abc%26x")},
		{"encoded CRLF in trace id", opentracing.HTTPHeaders, h("X-B3-TraceId", "abc%0D%0Ax")},
		{"plus decodes to space", opentracing.HTTPHeaders, h("X-B3-TraceId", "abc+x")},
		{"bad URL escape", opentracing.HTTPHeaders, h("X-B3-TraceId", "%zz")},
		{"empty trace id", opentracing.HTTPHeaders, h("X-B3-TraceId", "")},
		{"trace id too long", opentracing.HTTPHeaders, h("X-B3-TraceId", strings.Repeat("a", span.MaxIDLength+1))},
		{"huge trace id", opentracing.HTTPHeaders, h("X-B3-TraceId", strings.Repeat("a", 100<<10))},
		{"NUL in span id", opentracing.HTTPHeaders, h("X-B3-TraceId", sofaTrace, "X-B3-SpanId", "0.1%00")},
		{"backslash in parent", opentracing.HTTPHeaders, h("X-B3-TraceId", sofaTrace, "X-B3-SpanId", "0.1", "X-B3-ParentSpanId", `0\`)},
		{"b3 single all-zero trace id", opentracing.HTTPHeaders, h("b3", strings.Repeat("0", 32)+"-"+b3Span+"-1")},
		{"B3 bad parent", opentracing.HTTPHeaders, h("X-B3-TraceId", b3Trace, "X-B3-SpanId", b3Span, "X-B3-ParentSpanId", "0,1")},
		{"b3 single malformed", opentracing.HTTPHeaders, h("b3", "abc-def")},
		{"b3 single too many fields", opentracing.HTTPHeaders, h("b3", b3Trace+"-"+b3Span+"-1-"+b3Parent+"-x")},
		{"b3 single zero span", opentracing.HTTPHeaders, h("b3", b3Trace+"-0000000000000000-1")},
		{"traceparent garbage", opentracing.HTTPHeaders, h("traceparent", "00-zzzz-yyyy-01")},
		{"traceparent zero trace", opentracing.HTTPHeaders, h("traceparent", "00-00000000000000000000000000000000-"+w3cSpan+"-01")},
		{"traceparent zero span", opentracing.HTTPHeaders, h("traceparent", "00-"+w3cTrace+"-0000000000000000-01")},
		{"traceparent version ff", opentracing.HTTPHeaders, h("traceparent", "ff-"+w3cTrace+"-"+w3cSpan+"-01")},
		{"traceparent v00 extra", opentracing.HTTPHeaders, h("traceparent", "00-"+w3cTrace+"-"+w3cSpan+"-01-x")},
		{"traceparent bad flags", opentracing.HTTPHeaders, h("traceparent", "00-"+w3cTrace+"-"+w3cSpan+"-0g")},
		{"sftc_head span without trace", opentracing.HTTPHeaders, h("sftc_head", "spid=0.1&")},
		{"sftc_head baggage without trace", opentracing.TextMap, h("sftc_head", "k=v&")},
		{"sftc_head bad trace", opentracing.TextMap, h("sftc_head", "tcid=a b&spid=0&")},
		{"sftc_head empty trace", opentracing.TextMap, h("sftc_head", "tcid=&spid=0&")},
		{"sftc_head encoded quote", opentracing.TextMap, h("sftc_head", `tcid=a"b&`)},
		{"sftc_head too large", opentracing.TextMap, h("sftc_head", "tcid=x&"+strings.Repeat("k=v&", 20<<10))},
		{"SOFA-TraceId bad", opentracing.HTTPHeaders, h("SOFA-TraceId", "a'b")},
		{"Binary short", opentracing.Binary, strings.NewReader("sftc_head\x00\x00")},
		{"Binary length too big", opentracing.Binary, bin(100, "tcid=x&")},
		{"Binary negative length", opentracing.Binary, bin(-1, "tcid=x&")},
		{"Binary bad id", opentracing.Binary, bin(8, "tcid=x,y")},
		{"Binary too large", opentracing.Binary, strings.NewReader("sftc_head" + strings.Repeat("x", 64<<10))},
		{"SOFARPC quote", propagation.SOFARPC, h(propagation.RPCTraceID, `a"b`)},
		{"SOFARPC empty trace id", propagation.SOFARPC, h(propagation.RPCTraceID, "", propagation.RPCSpanID, "0")},
		{"SOFARPC bad span", propagation.SOFARPC, h(propagation.RPCTraceID, sofaTrace, propagation.RPCSpanID, "0.1\n")},
		{"SOFARPC new bad", propagation.SOFARPC, h(propagation.RPCNewContext, "tcid=a=b&")},
		{"SOFARPC huge value", propagation.SOFARPC, h(propagation.RPCTraceID, sofaTrace, propagation.RPCPenAttrs, strings.Repeat("k=v&", 20<<10))},
		{"SOFARPCNew bad", propagation.SOFARPCNew, h(propagation.RPCNewContext, "spid=0&")},
		{"Triple comma", propagation.Triple, h(propagation.TriSOFATraceID, "a,b")},
		{"Triple bad span", propagation.Triple, h(propagation.TriTraceID, sofaTrace, propagation.TriSpanID, "0 1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, _, err := propagation.Extract(tt.format, tt.carrier, propagation.Limits{})
			if !isCorrupt(err) || sc != nil {
				t.Errorf("Extract = %v, %v; want a *CorruptError matching ErrSpanContextCorrupted", sc, err)
			}
		})
	}
}

func TestExtractInvalidCarrierAndFormat(t *testing.T) {
	sc := newCtx(sofaTrace, "0", "", true, nil, nil)
	for _, f := range []any{opentracing.HTTPHeaders, opentracing.TextMap, opentracing.Binary, propagation.SOFARPC, propagation.SOFARPCNew, propagation.Triple} {
		if err := propagation.Inject(sc, f, 42); !errors.Is(err, opentracing.ErrInvalidCarrier) {
			t.Errorf("Inject(%v, int) = %v", f, err)
		}
		if _, _, err := propagation.Extract(f, 42, propagation.Limits{}); !errors.Is(err, opentracing.ErrInvalidCarrier) {
			t.Errorf("Extract(%v, int) = %v", f, err)
		}
	}
	if err := propagation.Inject(sc, "nope", opentracing.TextMapCarrier{}); !errors.Is(err, opentracing.ErrUnsupportedFormat) {
		t.Errorf("Inject(unknown format) = %v", err)
	}
	if _, _, err := propagation.Extract("nope", opentracing.TextMapCarrier{}, propagation.Limits{}); !errors.Is(err, opentracing.ErrUnsupportedFormat) {
		t.Errorf("Extract(unknown format) = %v", err)
	}
	// A reader's error is passed on.
	boom := errors.New("boom")
	if _, _, err := propagation.Extract(opentracing.TextMap, failingReader{boom}, propagation.Limits{}); !errors.Is(err, boom) {
		t.Errorf("Extract with failing reader = %v", err)
	}
	if _, _, err := propagation.Extract(propagation.SOFARPC, failingReader{boom}, propagation.Limits{}); !errors.Is(err, boom) {
		t.Errorf("Extract SOFARPC with failing reader = %v", err)
	}
}

type failingReader struct{ err error }

func (f failingReader) ForeachKey(func(k, v string) error) error { return f.err }

// A flood of baggage is refused item by item and never truncated.
func TestExtractBaggageFlood(t *testing.T) {
	const max = span.DefaultMaxBaggageSize
	value := strings.Repeat("v", 58)
	entry := len("k0000") + len(value) + 2 // 65 bytes per item
	n := (64 << 10) / 64                   // 1024 headers, ~64 KiB in all
	h := http.Header{}
	h.Set("X-B3-TraceId", sofaTrace)
	h.Set("X-B3-SpanId", "0.1")
	for i := range n {
		h.Set(fmt.Sprintf("baggage-k%04d", i), value)
	}
	sc, res, err := propagation.Extract(opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(h), propagation.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	biz := sc.Baggage().Biz
	if want := max / entry; len(biz) != want {
		t.Errorf("accepted %d items, want %d", len(biz), want)
	}
	if len(biz)+res.RefusedBaggage != n {
		t.Errorf("accepted %d + refused %d != %d sent", len(biz), res.RefusedBaggage, n)
	}
	if sc.Baggage().BizSize() > max {
		t.Errorf("BizSize %d > %d", sc.Baggage().BizSize(), max)
	}
	for k, v := range biz {
		if v != value {
			t.Fatalf("item %s truncated to %d bytes", k, len(v))
		}
	}

	// One header of exactly 64 KiB: that item is refused, the rest kept.
	h = http.Header{}
	h.Set("X-B3-TraceId", sofaTrace)
	h.Set("baggage-big", strings.Repeat("x", 64<<10))
	h.Set("baggage-small", "ok")
	h.Set("baggage-sys-big", strings.Repeat("y", 64<<10))
	sc, res, err = propagation.Extract(opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(h), propagation.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if res.RefusedBaggage != 2 || !maps.Equal(sc.Baggage().Biz, map[string]string{"small": "ok"}) || len(sc.Baggage().Sys) != 0 {
		t.Errorf("64 KiB items: refused %d, biz %v, sys %d items", res.RefusedBaggage, sc.Baggage().Biz, len(sc.Baggage().Sys))
	}

	// sofaPenAttrs of ~64 KiB, and an sftc_head of ~60 KiB.
	var pen strings.Builder
	for i := 0; pen.Len() < 64<<10-100; i++ {
		fmt.Fprintf(&pen, "k%04d=%s&", i, value)
	}
	sent := strings.Count(pen.String(), "&")
	for _, c := range []struct {
		name string
		f    any
		c    opentracing.TextMapCarrier
	}{
		{"sofaPenAttrs", opentracing.HTTPHeaders, opentracing.TextMapCarrier{"SOFA-TraceId": sofaTrace, "sofaPenAttrs": pen.String()}},
		{"sftc_head", opentracing.TextMap, opentracing.TextMapCarrier{"sftc_head": "tcid=" + sofaTrace + "&spid=0&" + pen.String()}},
		{"SOFARPC sofaPenAttrs", propagation.SOFARPC, opentracing.TextMapCarrier{propagation.RPCTraceID: sofaTrace, propagation.RPCPenAttrs: pen.String()}},
		{"Triple biz baggage", propagation.Triple, opentracing.TextMapCarrier{propagation.TriTraceID: sofaTrace, propagation.TriBizBaggage: pen.String()}},
	} {
		sc, res, err := propagation.Extract(c.f, c.c, propagation.Limits{})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		biz := sc.Baggage().Biz
		if len(biz) != max/entry || len(biz)+res.RefusedBaggage != sent {
			t.Errorf("%s: accepted %d, refused %d, sent %d", c.name, len(biz), res.RefusedBaggage, sent)
		}
		for k, v := range biz {
			if v != value {
				t.Fatalf("%s: item %s truncated", c.name, k)
			}
		}
	}

	// A custom limit applies to each map.
	c := opentracing.TextMapCarrier{"X-B3-TraceId": sofaTrace, "baggage-a": "1234", "baggage-b": "5678", "baggage-sys-c": "1234"}
	sc, res, err = propagation.Extract(opentracing.HTTPHeaders, c, propagation.Limits{MaxBaggageSize: 8})
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Baggage().Biz) != 1 || len(sc.Baggage().Sys) != 1 || res.RefusedBaggage != 1 {
		t.Errorf("limit 8: biz %v sys %v refused %d", sc.Baggage().Biz, sc.Baggage().Sys, res.RefusedBaggage)
	}
}

// A single baggage header larger than MaxCarrierSize is one refused item,
// not a reason to drop the whole trace context; an id header that large
// still makes the carrier corrupted.
func TestExtractOversizeHeader(t *testing.T) {
	for _, k := range []string{"baggage-huge", "baggage-sys-huge", "Baggage-Sys-Huge"} {
		h := http.Header{}
		h.Set("X-B3-TraceId", sofaTrace)
		h.Set("X-B3-SpanId", "0.1")
		h.Set(k, strings.Repeat("x", 64<<10+1))
		h.Set("baggage-small", "ok")
		sc, res, err := propagation.Extract(opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(h), propagation.Limits{})
		if err != nil {
			t.Fatalf("%s of 64 KiB + 1: %v; want the item refused and the context kept", k, err)
		}
		if sc.TraceID != sofaTrace || sc.SpanID != "0.1" || res.RefusedBaggage != 1 ||
			!maps.Equal(sc.Baggage().Biz, map[string]string{"small": "ok"}) || len(sc.Baggage().Sys) != 0 {
			t.Errorf("%s: got %q/%q biz %v sys %v refused %d", k, sc.TraceID, sc.SpanID, sc.Baggage().Biz, sc.Baggage().Sys, res.RefusedBaggage)
		}
	}
	for _, k := range []string{"X-B3-SpanId", "X-B3-ParentSpanId", "sftc_head", "b3", "traceparent", "sofaPenAttrs"} {
		h := http.Header{}
		h.Set("X-B3-TraceId", sofaTrace)
		h.Set(k, strings.Repeat("x", 64<<10+1))
		if sc, _, err := propagation.Extract(opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(h), propagation.Limits{}); !isCorrupt(err) || sc != nil {
			t.Errorf("%s of 64 KiB + 1: %v, %v; want corrupted", k, sc, err)
		}
	}
}

// A business key starting with "sys-" must not turn into system baggage
// on the next hop.
func TestHTTPBizKeyWithSysPrefix(t *testing.T) {
	c := opentracing.TextMapCarrier{"X-B3-TraceId": sofaTrace, "baggage-sys%2Dzone": "biz"}
	sc, _, err := propagation.Extract(opentracing.HTTPHeaders, c, propagation.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(sc.Baggage().Biz, map[string]string{"sys-zone": "biz"}) {
		t.Fatalf("biz %v, want sys-zone=biz", sc.Baggage().Biz)
	}
	out := http.Header{}
	if err := propagation.Inject(sc, opentracing.HTTPHeaders, out); err != nil {
		t.Fatal(err)
	}
	sc2, _, err := propagation.Extract(opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(out), propagation.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(sc2.Baggage().Biz, sc.Baggage().Biz) || len(sc2.Baggage().Sys) != 0 {
		knownBug(t, "http-sys-prefix", "biz key sys-zone was injected as header %v and read back as biz %v sys %v; "+
			"baggagePairs must escape the '-' of a leading \"sys-\" in business keys", out, sc2.Baggage().Biz, sc2.Baggage().Sys)
	}
}

// A SOFA context whose span id happens to be 16 hex digits (as when a
// B3-joined caller sent its ids over SOFARPC) must read back from the
// X-B3 headers this package writes for it.
func TestHTTPHexLookingSOFAContextRoundTrips(t *testing.T) {
	tests := []struct {
		name string
		sc   *span.Context
	}{
		{"non-hex trace id", newCtx(sofaTrace, b3Span, "", true, nil, nil)},
		{"dotted parent", newCtx(b3Trace, b3Span, "0", false, nil, nil)},
		{"upper-case span id, dotted parent", newCtx(b3Trace, strings.ToUpper(b3Span), "0.1", true, nil, nil)},
	}
	var bugs []string
	for _, tt := range tests {
		h := http.Header{}
		if err := propagation.Inject(tt.sc, opentracing.HTTPHeaders, h); err != nil {
			t.Fatal(err)
		}
		got, _, err := propagation.Extract(opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(h), propagation.Limits{})
		if err != nil {
			bugs = append(bugs, fmt.Sprintf("%s: %v", tt.name, err))
			continue
		}
		if d := diffCtx(got, tt.sc); d != "" {
			t.Errorf("%s:%s", tt.name, d)
		}
	}
	if len(bugs) > 0 {
		knownBug(t, "b3-detection", "our own X-B3 headers are rejected as corrupted B3: %s; textMapState.result "+
			"treats any 16-hex X-B3-SpanId as real B3 without checking the trace and parent ids", strings.Join(bugs, "; "))
	}
}
