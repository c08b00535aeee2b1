package propagation

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sofatracer/sofatracer-go/span"
)

func TestCanonicalHeaderConstants(t *testing.T) {
	for c, name := range map[string]string{
		canonTraceID:     HeaderTraceID,
		canonSpanID:      HeaderSpanID,
		canonParentID:    HeaderParentSpanID,
		canonSampled:     HeaderSampled,
		canonTraceparent: HeaderTraceparent,
	} {
		if got := http.CanonicalHeaderKey(name); got != c {
			t.Errorf("CanonicalHeaderKey(%q) = %q, constant is %q", name, got, c)
		}
	}
}

// checkFast asserts that queryEscape, queryUnescape and the id class of
// scan agree with the functions they stand in for.
func checkFast(t *testing.T, s string) {
	t.Helper()
	if got, want := queryEscape(s), url.QueryEscape(s); got != want {
		t.Fatalf("queryEscape(%q) = %q, url.QueryEscape %q", s, got, want)
	}
	got, gerr := queryUnescape(s)
	want, werr := url.QueryUnescape(s)
	if got != want || fmt.Sprint(gerr) != fmt.Sprint(werr) {
		t.Fatalf("queryUnescape(%q) = %q, %v; url.QueryUnescape %q, %v", s, got, gerr, want, werr)
	}
	if fast, err := s != "" && len(s) <= span.MaxIDLength && scan(s)&clsID != 0, span.ValidateID(s); fast != (err == nil) {
		t.Fatalf("the clsID scan of %q says valid=%v, span.ValidateID %v", s, fast, err)
	}
}

func TestFastPathsEveryByte(t *testing.T) {
	for i := 0; i < 256; i++ {
		c := string([]byte{byte(i)})
		for _, s := range []string{c, "0a" + c, c + "0.1", "ab" + c + "cd" + c, "%" + c + "0"} {
			checkFast(t, s)
		}
	}
	for _, s := range []string{"", "0", "0.1.2", "0a0fe9271567477985327100211176", "a+b", "%2B", "%zz", "%",
		strings.Repeat("a", span.MaxIDLength), strings.Repeat("a", span.MaxIDLength+1)} {
		checkFast(t, s)
	}
}

func FuzzFastPaths(f *testing.F) {
	for _, s := range []string{"0a0fe9271567477985327100211176", "0.1", "a b&c=d%", "%2B+x", "名", "\x7f"} {
		f.Add(s)
	}
	f.Fuzz(checkFast)
}

// orderedHeader reads a header's first values through ForeachKey, in a
// fixed key order: extractTextMap's generic path, without the map's
// random order.
type orderedHeader struct {
	h    http.Header
	keys []string
}

func (o orderedHeader) ForeachKey(fn func(k, v string) error) error {
	for _, k := range o.keys {
		if vs := o.h[k]; len(vs) > 0 {
			if err := fn(k, vs[0]); err != nil {
				return err
			}
		}
	}
	return nil
}

// FuzzHTTPCanonicalPath: a header holding only the canonical X-B3
// headers, read by lookups (extractHeader), gives what classifying every
// key (extractTextMap) gives.
func FuzzHTTPCanonicalPath(f *testing.F) {
	f.Add(uint8(15), "0a0fe9271567477985327100211176", "0.1", "0", "true", false)
	f.Add(uint8(15), "463ac35c9f6413ad48485a3953bb6124", "a2fb4a1d1a96d312", "", "1", false)
	f.Add(uint8(7), "a%2Bb", "0%zz", "", "false", false)
	f.Add(uint8(3), "abc\"x", "名", "", "", true)
	f.Add(uint8(11), strings.Repeat("a", 100), "0", "0.1", "x", true)
	f.Fuzz(func(t *testing.T, present uint8, tid, sid, pid, smp string, small bool) {
		h := http.Header{}
		keys := []string{canonTraceID, canonSpanID, canonParentID, canonSampled}
		for i, v := range []string{tid, sid, pid, smp} {
			switch {
			case present&(1<<i) == 0:
			case present&(16<<i) != 0:
				h[keys[i]] = nil // present without a value
			default:
				h[keys[i]] = []string{v}
			}
		}
		lim := DefaultLimits
		if small {
			lim = Limits{MaxBaggageSize: 20, MaxCarrierSize: 40}
		}
		for _, decode := range []bool{true, false} {
			sc1, res1, err1 := extractHeader(h, lim, decode)
			sc2, res2, err2 := extractTextMap(orderedHeader{h, keys}, lim, decode)
			if d1, d2 := describe(sc1, res1, err1), describe(sc2, res2, err2); d1 != d2 {
				t.Fatalf("decode %v, header %q:\nlookups  %s\nclassify %s", decode, h, d1, d2)
			}
		}
	})
}

func describe(sc *span.Context, res Result, err error) string {
	if sc == nil {
		return fmt.Sprintf("nil %d %v", res.RefusedBaggage, err)
	}
	b := sc.Baggage()
	return fmt.Sprintf("%q %q %q %v %d %v %v %d %v", sc.TraceID, sc.SpanID, sc.ParentID, sc.Sampled(), sc.Format, b.Biz, b.Sys, res.RefusedBaggage, err)
}

// checkBaggageKey asserts that baggageKey escapes k as SOFATracer's HTTP
// form does and that its canonical form is http.CanonicalHeaderKey's.
func checkBaggageKey(t *testing.T, k string) {
	t.Helper()
	esc := url.QueryEscape(string(span.AppendEscaped(nil, k)))
	if got := headerValue(k); got != esc {
		t.Fatalf("headerValue(%q) = %q, want %q", k, got, esc)
	}
	for _, biz := range []bool{false, true} {
		want := SysBaggagePrefix + esc
		if biz {
			want = BaggagePrefix + esc
			if len(esc) >= 4 && strings.EqualFold(esc[:4], "sys-") {
				want = BaggagePrefix + esc[:3] + "%2D" + esc[4:]
			}
		}
		prefix := SysBaggagePrefix
		if biz {
			prefix = BaggagePrefix
		}
		if got := baggageKey(prefix, k, biz, false); got != want {
			t.Fatalf("baggageKey(%q, biz %v) = %q, want %q", k, biz, got, want)
		}
		if got, want := baggageKey(prefix, k, biz, true), http.CanonicalHeaderKey(want); got != want {
			t.Fatalf("canonical baggageKey(%q, biz %v) = %q, want %q", k, biz, got, want)
		}
	}
}

func TestBaggageKeyEveryByte(t *testing.T) {
	for i := 0; i < 256; i++ {
		c := string([]byte{byte(i)})
		for _, k := range []string{c, "a" + c + "b", "sys" + c + "x", "SYS-" + c, "-" + c + "-" + c} {
			checkBaggageKey(t, k)
		}
	}
	for _, k := range []string{"", "uid", "Mark", "sys-x", "Sys-", "sys", "a b", "k=v&%", "名", strings.Repeat("Ab-", 40)} {
		checkBaggageKey(t, k)
	}
}

func FuzzBaggageKey(f *testing.F) {
	for _, k := range []string{"uid", "sys-x", "a b&c=d%", "名", "X-Y-z"} {
		f.Add(k)
	}
	f.Fuzz(checkBaggageKey)
}
