package propagation_test

import (
	"fmt"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/propagation"
	"github.com/sofatracer/sofatracer-go/span"
)

const w3cParent = "00-" + w3cTrace + "-" + w3cSpan + "-01"

// extractW3C extracts a traceparent context with the given baggage header
// values.
func extractW3C(t *testing.T, baggage ...string) (*span.Context, propagation.Result) {
	t.Helper()
	h := http.Header{"Traceparent": {w3cParent}}
	if len(baggage) > 0 {
		h["Baggage"] = baggage
	}
	sc, res, err := propagation.Extract(opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(h), propagation.Limits{MaxBaggageSize: 1 << 20})
	if err != nil {
		t.Fatalf("baggage %q: %v", baggage, err)
	}
	if sc.TraceID != w3cTrace {
		t.Fatalf("trace id %q", sc.TraceID)
	}
	return sc, res
}

func TestW3CBaggageIsExtracted(t *testing.T) {
	for _, c := range []struct {
		name    string
		headers []string
		want    map[string]string
		refused int
	}{
		{"spec example", []string{"key1=value1;property1;property2, key2 = value2, key3=value3; propertyKey=propertyValue"},
			map[string]string{"key1": "value1", "key2": "value2", "key3": "value3"}, 0},
		{"percent-encoding", []string{"serverNode=DF%2028,userId=%E4%BD%A0%E5%A5%BD,pct=100%25,plus=a+b"},
			map[string]string{"serverNode": "DF 28", "userId": "你好", "pct": "100%", "plus": "a+b"}, 0},
		{"several headers", []string{"a=1", "b=2,c=3"}, map[string]string{"a": "1", "b": "2", "c": "3"}, 0},
		{"empty members", []string{",a=1,, ,b=2,"}, map[string]string{"a": "1", "b": "2"}, 0},
		{"empty value", []string{"a="}, map[string]string{"a": ""}, 0},
		{"bad keys", []string{"bad key=1,=2,(x)=3,k,ok=4,ключ=5"}, map[string]string{"ok": "4"}, 5},
		{"bad values", []string{`a=b c,d="q",e=%zz,f=%4,g=x\y,h=ok`}, map[string]string{"h": "ok"}, 5},
		{"CR LF", []string{"a=1\r\nX-Evil: 1,b=2"}, map[string]string{"b": "2"}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			sc, res := extractW3C(t, c.headers...)
			if got := sc.Baggage().Biz; !maps.Equal(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
				t.Errorf("baggage %v, want %v", got, c.want)
			}
			if res.RefusedBaggage != c.refused {
				t.Errorf("refused %d, want %d", res.RefusedBaggage, c.refused)
			}
		})
	}
}

// The W3C limits: 64 members and 8192 bytes are read, what lies beyond is
// refused and counted; the context is kept.
func TestW3CBaggageLimits(t *testing.T) {
	var members []string
	for i := 0; i < 100; i++ {
		members = append(members, fmt.Sprintf("k%d=%d", i, i))
	}
	sc, res := extractW3C(t, strings.Join(members, ","))
	if n := len(sc.Baggage().Biz); n != 64 || res.RefusedBaggage != 36 || sc.Baggage().Biz["k63"] != "63" {
		t.Errorf("100 members: kept %d, refused %d", n, res.RefusedBaggage)
	}
	big := strings.Repeat("v", 5000)
	sc, res = extractW3C(t, "a="+big+",b="+big+",c=1")
	if got := sc.Baggage().Biz; len(got) != 1 || got["a"] != big || res.RefusedBaggage != 2 {
		t.Errorf("over 8192 bytes: kept %d items, refused %d", len(got), res.RefusedBaggage)
	}
	// Beyond the carrier limit the header is refused whole.
	h := http.Header{"Traceparent": {w3cParent}, "Baggage": {"a=" + strings.Repeat("v", 70<<10)}}
	sc, res, err := propagation.Extract(opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(h), propagation.Limits{})
	if err != nil || !sc.Baggage().Empty() || res.RefusedBaggage != 1 {
		t.Errorf("oversized header: %v, %v, refused %d", err, sc.Baggage(), res.RefusedBaggage)
	}
	// The tracer's own baggage limit applies too.
	sc, res, err = propagation.Extract(opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(http.Header{"Traceparent": {w3cParent}, "Baggage": {"a=" + big}}), propagation.Limits{})
	if err != nil || !sc.Baggage().Empty() || res.RefusedBaggage != 1 {
		t.Errorf("over MaxBaggageSize: %v, %v, refused %d", err, sc.Baggage(), res.RefusedBaggage)
	}
}

// A W3C context's business baggage goes out in the baggage header, encoded
// so that any value comes back the same; keys that are not tokens cannot
// be sent; system baggage keeps its SOFA headers.
func TestW3CBaggageRoundTrip(t *testing.T) {
	biz := map[string]string{"user": "alice", "odd": "a b,c;d=e\"f\\g%h\r\nü", "empty": "", "not a token": "x"}
	sc := newCtx(w3cTrace, w3cSpan, "", true, biz, map[string]string{"zone": "gz"})
	sc.Format = span.FormatW3C
	for _, carrier := range []any{http.Header{}, opentracing.TextMapCarrier{}} {
		if err := propagation.Inject(sc, opentracing.HTTPHeaders, carrier); err != nil {
			t.Fatal(err)
		}
		var got map[string]string
		switch c := carrier.(type) {
		case http.Header:
			if v := c.Get("Baggage"); strings.ContainsAny(v, " \r\n\"\\") || !strings.Contains(v, "user=alice") {
				t.Errorf("baggage header %q", v)
			}
			if c.Get("Baggage-User") != "" || c.Get("Baggage-Sys-Zone") != "gz" {
				t.Errorf("headers %v", c)
			}
			out, _, err := propagation.Extract(opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(c), propagation.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			got = out.Baggage().Biz
			if out.Baggage().Sys["zone"] != "gz" {
				t.Errorf("system baggage lost: %v", out.Baggage())
			}
		case opentracing.TextMapCarrier:
			out, _, err := propagation.Extract(opentracing.HTTPHeaders, c, propagation.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			got = out.Baggage().Biz
		}
		want := maps.Clone(biz)
		delete(want, "not a token")
		if !maps.Equal(got, want) {
			t.Errorf("%T: round trip gives %q, want %q", carrier, got, want)
		}
	}
}

func FuzzW3CBaggage(f *testing.F) {
	for _, s := range []string{"k=v", "key1=value1;p, key2 = v%202", "a=%zz,b=1", ",,", "k=" + strings.Repeat("x", 9000), "a=1;b=2;c", "\x00=\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		h := http.Header{"Traceparent": {w3cParent}, "Baggage": {header}}
		sc, _, err := propagation.Extract(opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(h), propagation.Limits{})
		if err != nil {
			t.Fatalf("the traceparent was lost: %v", err)
		}
		biz := sc.Baggage().Biz
		if len(biz) > 64 {
			t.Fatalf("%d items", len(biz))
		}
		out := http.Header{}
		if err := propagation.Inject(sc, opentracing.HTTPHeaders, out); err != nil {
			t.Fatal(err)
		}
		if v := out.Get("Baggage"); strings.ContainsAny(v, " \r\n\x00") || len(v) > 8192 {
			t.Fatalf("injected baggage %q", v)
		}
		again, _, err := propagation.Extract(opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(out), propagation.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if got := again.Baggage().Biz; !maps.Equal(got, biz) && len(got)+len(biz) > 0 {
			t.Fatalf("round trip: %q became %q", biz, got)
		}
	})
}
