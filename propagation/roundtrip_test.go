package propagation_test

import (
	"bytes"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/propagation"
	"github.com/sofatracer/sofatracer-go/span"
)

// carrierFormat is one way to inject and extract.
type carrierFormat struct {
	name string
	// roundTrip injects sc and extracts it again.
	roundTrip func(t *testing.T, sc *span.Context) (*span.Context, propagation.Result, error)
	// lowerKeys: baggage keys come back lowercased (HTTP header names).
	lowerKeys bool
	// keepsParent: the form carries the parent id (else it is derived).
	keepsParent bool
}

func textMapRoundTrip(format any) func(t *testing.T, sc *span.Context) (*span.Context, propagation.Result, error) {
	return func(t *testing.T, sc *span.Context) (*span.Context, propagation.Result, error) {
		c := opentracing.TextMapCarrier{}
		if err := propagation.Inject(sc, format, c); err != nil {
			t.Fatalf("Inject: %v", err)
		}
		return propagation.Extract(format, c, propagation.Limits{})
	}
}

var carrierFormats = []carrierFormat{
	{
		name: "HTTPHeaders/http.Header",
		roundTrip: func(t *testing.T, sc *span.Context) (*span.Context, propagation.Result, error) {
			h := http.Header{}
			if err := propagation.Inject(sc, opentracing.HTTPHeaders, h); err != nil {
				t.Fatalf("Inject: %v", err)
			}
			return propagation.Extract(opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(h), propagation.Limits{})
		},
		lowerKeys: true, keepsParent: true,
	},
	{
		name: "HTTPHeaders/HTTPHeadersCarrier",
		roundTrip: func(t *testing.T, sc *span.Context) (*span.Context, propagation.Result, error) {
			h := http.Header{}
			if err := propagation.Inject(sc, opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(h)); err != nil {
				t.Fatalf("Inject: %v", err)
			}
			// Through a real request, as a server would see it.
			req, _ := http.NewRequest("GET", "http://x/", nil)
			req.Header = h.Clone()
			return propagation.Extract(opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(req.Header), propagation.Limits{})
		},
		lowerKeys: true, keepsParent: true,
	},
	{name: "HTTPHeaders/TextMapCarrier", roundTrip: textMapRoundTrip(opentracing.HTTPHeaders), lowerKeys: true, keepsParent: true},
	{name: "TextMap", roundTrip: textMapRoundTrip(opentracing.TextMap), keepsParent: true},
	{
		name: "Binary",
		roundTrip: func(t *testing.T, sc *span.Context) (*span.Context, propagation.Result, error) {
			var buf bytes.Buffer
			if err := propagation.Inject(sc, opentracing.Binary, &buf); err != nil {
				t.Fatalf("Inject: %v", err)
			}
			return propagation.Extract(opentracing.Binary, &buf, propagation.Limits{})
		},
		keepsParent: true,
	},
	{name: "SOFARPC", roundTrip: textMapRoundTrip(propagation.SOFARPC)},
	{name: "SOFARPCNew", roundTrip: textMapRoundTrip(propagation.SOFARPCNew), keepsParent: true},
	{name: "Triple", roundTrip: textMapRoundTrip(propagation.Triple)},
}

// Baggage with every character the formats must escape. Keys are lower
// case so that the HTTP header forms keep them.
var (
	hostileBiz = map[string]string{
		"user": "a=b", "tag": "x&y%", "sp ace": "v a l", "uni": "名前", "crlf": "a\r\nb", "quotes": `"'\`,
		"comma": "a,b", "plus": "a+b", "pct": "%41%zz%25%3D", "k&=%": "v&=%", "empty": "", "mark": "T",
		"semi;colon": "x;y", "bad-utf8": "\xff\xfe", "tab": "a\tb", "nul": "a\x00b",
	}
	hostileSys = map[string]string{"zone": "gz00a", "ldc": "a=b&c%d", "sp ace": "x y", "uni": "區"}
)

func TestInjectExtractRoundTrip(t *testing.T) {
	contexts := []struct {
		name string
		sc   func() *span.Context
	}{
		{"root sampled", func() *span.Context { return newCtx(sofaTrace, "0", "", true, nil, nil) }},
		{"root unsampled", func() *span.Context { return newCtx(sofaTrace, "0", "", false, nil, nil) }},
		{"child", func() *span.Context { return newCtx(sofaTrace, "0.1.2", "0.1", true, nil, nil) }},
		{"no-ip trace, long pid", func() *span.Context { return newCtx("ffffffff15674779853271002112345", "0.1", "0", false, nil, nil) }},
		{"biz baggage", func() *span.Context { return newCtx(sofaTrace, "0.1", "0", true, hostileBiz, nil) }},
		{"sys baggage", func() *span.Context { return newCtx(sofaTrace, "0.1", "0", false, nil, hostileSys) }},
		{"biz and sys", func() *span.Context { return newCtx(sofaTrace, "0.2", "0", true, hostileBiz, hostileSys) }},
		{"same key in both", func() *span.Context {
			return newCtx(sofaTrace, "0.2", "0", true, map[string]string{"k": "biz"}, map[string]string{"k": "sys"})
		}},
		{"b3 hex ids", func() *span.Context {
			return newCtx(b3Trace, b3Span, "", true, map[string]string{"k": "v"}, nil)
		}},
		{"punctuation ids", func() *span.Context { return newCtx("a-b_c.d:e/f+g~h", "0.1", "0", true, nil, nil) }},
	}
	for _, cf := range carrierFormats {
		t.Run(cf.name, func(t *testing.T) {
			for _, c := range contexts {
				t.Run(c.name, func(t *testing.T) {
					want := c.sc()
					got, res, err := cf.roundTrip(t, want)
					if err != nil {
						t.Fatalf("Extract: %v", err)
					}
					if res.RefusedBaggage != 0 {
						t.Errorf("RefusedBaggage = %d", res.RefusedBaggage)
					}
					exp := newCtx(want.TraceID, want.SpanID, want.ParentID, want.Sampled(), want.Baggage().Biz, want.Baggage().Sys)
					if !cf.keepsParent {
						exp.ParentID = span.ParentOf(want.SpanID)
					}
					if cf.name == "HTTPHeaders/http.Header" || strings.HasPrefix(cf.name, "HTTPHeaders/") {
						if c.name == "b3 hex ids" {
							// Hex ids in the X-B3 headers read back as a real B3 trace.
							exp.Format = span.FormatB3
						}
					}
					if d := diffCtx(got, exp); d != "" {
						t.Errorf("round trip:%s", d)
					}
				})
			}
		})
	}
}

// SOFATracer's HTTP form lowercases baggage keys (header names are
// case-insensitive); the serialized forms keep them.
func TestRoundTripKeyCase(t *testing.T) {
	sc := newCtx(sofaTrace, "0.1", "0", true, map[string]string{"UserId": "U1"}, map[string]string{"Zone": "Z"})
	for _, cf := range carrierFormats {
		got, _, err := cf.roundTrip(t, sc)
		if err != nil {
			t.Fatalf("%s: %v", cf.name, err)
		}
		wantBiz, wantSys := map[string]string{"UserId": "U1"}, map[string]string{"Zone": "Z"}
		if cf.lowerKeys {
			wantBiz, wantSys = map[string]string{"userid": "U1"}, map[string]string{"zone": "Z"}
		}
		if !maps.Equal(got.Baggage().Biz, wantBiz) || !maps.Equal(got.Baggage().Sys, wantSys) {
			t.Errorf("%s: biz %v sys %v, want %v %v", cf.name, got.Baggage().Biz, got.Baggage().Sys, wantBiz, wantSys)
		}
	}
}

// A business baggage item whose key is one of the serialized form's own
// keys (tcid, spid, pspid, sample) or starts with the system prefix must
// not change the ids, the sampling flag or the system baggage downstream.
func TestRoundTripBaggageCannotSpoofIDs(t *testing.T) {
	biz := map[string]string{"tcid": "evil", "spid": "6.6.6", "pspid": "6.6", "sample": "false"}
	sc := newCtx(sofaTrace, "0.1", "0", true, biz, nil)
	for _, cf := range carrierFormats {
		t.Run(cf.name, func(t *testing.T) {
			got, _, err := cf.roundTrip(t, sc)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if got.TraceID != sofaTrace || got.SpanID != "0.1" || got.ParentID != "0" || !got.Sampled() {
				knownBug(t, "serialized-key-spoof", "biz baggage %v rewrote the context to trace %q span %q parent %q sampled %v: "+
					"Parse lets later tcid/spid/pspid/sample pairs overwrite the first ones", biz, got.TraceID, got.SpanID, got.ParentID, got.Sampled())
			}
			if !maps.Equal(got.Baggage().Biz, biz) {
				t.Errorf("biz baggage %v, want %v", got.Baggage().Biz, biz)
			}
		})
	}
}

// A business key "sys-..." must stay business baggage in every form.
func TestRoundTripBizKeyWithSysPrefix(t *testing.T) {
	biz := map[string]string{"sys-zone": "biz"}
	sc := newCtx(sofaTrace, "0.1", "0", true, biz, nil)
	var bugs []string
	for _, cf := range carrierFormats {
		got, _, err := cf.roundTrip(t, sc)
		if err != nil {
			t.Fatalf("%s: %v", cf.name, err)
		}
		if !maps.Equal(got.Baggage().Biz, biz) || len(got.Baggage().Sys) != 0 {
			bugs = append(bugs, cf.name+": biz "+mapText(got.Baggage().Biz)+" sys "+mapText(got.Baggage().Sys))
		}
	}
	if len(bugs) > 0 {
		knownBug(t, "http-sys-prefix", "business key sys-zone came back as system baggage: %s", strings.Join(bugs, "; "))
	}
}

// The serialized form (sftc_head, Binary, new_rpc_trace_context) cannot
// tell a business key starting with "_sys_" from a system key: SOFATracer's
// format has no escape for it. The test records the limitation.
func TestRoundTripBizKeyWithSerializedSysPrefix(t *testing.T) {
	biz := map[string]string{"_sys_zone": "biz"}
	sc := newCtx(sofaTrace, "0.1", "0", true, biz, nil)
	var lost []string
	for _, cf := range carrierFormats {
		got, _, err := cf.roundTrip(t, sc)
		if err != nil {
			t.Fatalf("%s: %v", cf.name, err)
		}
		if !maps.Equal(got.Baggage().Biz, biz) || len(got.Baggage().Sys) != 0 {
			lost = append(lost, cf.name)
		}
	}
	if len(lost) > 0 {
		t.Logf("LIMITATION of the k=v& context format: business key _sys_zone turns into system key zone in %s", strings.Join(lost, ", "))
	}
}

func mapText(m map[string]string) string { return string(span.AppendMap(nil, m)) }
