package span_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/quick"

	"github.com/sofatracer/sofatracer-go/span"
)

// parseAll collects ParseMap's pairs in order.
func parseAll(s string) [][2]string {
	var out [][2]string
	span.ParseMap(s, func(k, v string) bool { out = append(out, [2]string{k, v}); return true })
	return out
}

func parseToMap(s string) map[string]string {
	m := map[string]string{}
	span.ParseMap(s, func(k, v string) bool { m[k] = v; return true })
	return m
}

func TestAppendMapSpecExample(t *testing.T) {
	m := map[string]string{"user": "a=b", "tag": "x&y%"}
	const want = "tag=x%26y%25&user=a%3Db&"
	if got := string(span.AppendMap(nil, m)); got != want {
		t.Fatalf("AppendMap = %q, want %q", got, want)
	}
	if got := parseToMap(want); !maps.Equal(got, m) {
		t.Errorf("ParseMap(%q) = %v, want %v", want, got, m)
	}
}

func TestAppendMap(t *testing.T) {
	tests := []struct {
		name string
		m    map[string]string
		want string
	}{
		{"nil", nil, ""},
		{"empty", map[string]string{}, ""},
		{"one", map[string]string{"k": "v"}, "k=v&"},
		{"sorted", map[string]string{"b": "2", "a": "1", "c": "3"}, "a=1&b=2&c=3&"},
		{"empty value", map[string]string{"k": ""}, "k=&"},
		{"escaped key", map[string]string{"a=b&c%": "v"}, "a%3Db%26c%25=v&"},
		{"literal escape text", map[string]string{"k": "%3D%26%25"}, "k=%253D%2526%2525&"},
		{"utf8 kept", map[string]string{"名": "値"}, "名=値&"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(span.AppendMap([]byte("pre|"), tt.m))
			if got != "pre|"+tt.want {
				t.Errorf("AppendMap = %q, want %q", got, "pre|"+tt.want)
			}
		})
	}
}

func TestParseMap(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want [][2]string
	}{
		{"empty", "", nil},
		{"one", "k=v&", [][2]string{{"k", "v"}}},
		{"trailing pair without &", "a=1&b=2", [][2]string{{"a", "1"}, {"b", "2"}}},
		{"trailing key is unescaped too", "a%3Db=1", [][2]string{{"a=b", "1"}}},
		{"empty key skipped", "=v&k=1&", [][2]string{{"k", "1"}}},
		{"no equals skipped", "junk&k=1&", [][2]string{{"k", "1"}}},
		{"empty value kept", "k=&", [][2]string{{"k", ""}}},
		{"empty pairs", "&&k=1&&", [][2]string{{"k", "1"}}},
		{"value with equals", "k=a=b&", [][2]string{{"k", "a=b"}}},
		{"escapes", "t=x%26y%25&u=a%3Db&", [][2]string{{"t", "x&y%"}, {"u", "a=b"}}},
		{"lowercase 3d", "u=a%3db&", [][2]string{{"u", "a=b"}}},
		{"unknown escape kept", "k=%41%2&", [][2]string{{"k", "%41%2"}}},
		{"order kept", "z=1&a=2&", [][2]string{{"z", "1"}, {"a", "2"}}},
		{"duplicates reported", "k=1&k=2&", [][2]string{{"k", "1"}, {"k", "2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseAll(tt.in)
			if len(got) != len(tt.want) {
				t.Fatalf("ParseMap(%q) = %q, want %q", tt.in, got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("ParseMap(%q) = %q, want %q", tt.in, got, tt.want)
				}
			}
		})
	}
}

func TestParseMapStops(t *testing.T) {
	n := 0
	span.ParseMap("a=1&b=2&c=3&", func(k, v string) bool { n++; return k != "b" })
	if n != 2 {
		t.Errorf("ParseMap called fn %d times after it returned false at the 2nd pair", n)
	}
}

func TestUnescape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"%25", "%"},
		{"%26", "&"},
		{"%3D", "="},
		{"%3d", "="},
		{"%2525", "%25"}, // one pass: no double decoding
		{"%253D", "%3D"},
		{"%", "%"},
		{"%2", "%2"},
		{"a%", "a%"},
		{"%zz", "%zz"},
		{"%20", "%20"}, // only SOFATracer's three escapes
	}
	for _, tt := range tests {
		if got := span.Unescape(tt.in); got != tt.want {
			t.Errorf("Unescape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// hostileString returns a random string biased towards the characters the
// k=v& format must escape and the escape sequences themselves.
func hostileString(r *rand.Rand, maxLen int) string {
	atoms := []string{"%", "&", "=", "%25", "%26", "%3D", "%3d", "%2", "a", "Z", "0", " ", "\x00", "\n", "é", "名", "\xff", "_sys_", "tcid", ","}
	var b strings.Builder
	n := r.IntN(maxLen + 1)
	for range n {
		b.WriteString(atoms[r.IntN(len(atoms))])
	}
	return b.String()
}

func TestEscapeRoundTripProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		s := hostileString(r, 12)
		esc := string(span.AppendEscaped(nil, s))
		if strings.ContainsAny(esc, "&=") {
			t.Fatalf("AppendEscaped(%q) = %q still holds & or =", s, esc)
		}
		if got := span.Unescape(esc); got != s {
			t.Fatalf("Unescape(AppendEscaped(%q)) = %q", s, got)
		}
	}
	// testing/quick over arbitrary strings as well.
	f := func(s string) bool { return span.Unescape(string(span.AppendEscaped(nil, s))) == s }
	if err := quick.Check(f, &quick.Config{MaxCount: 2000}); err != nil {
		t.Error(err)
	}
}

func TestMapRoundTripProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		m := map[string]string{}
		for range r.IntN(6) {
			k := hostileString(r, 6)
			if k == "" {
				continue // empty keys are skipped by ParseMap
			}
			m[k] = hostileString(r, 8)
		}
		s := string(span.AppendMap(nil, m))
		if got := parseToMap(s); !maps.Equal(got, m) {
			t.Fatalf("ParseMap(AppendMap(%q)) = %q via %q", m, got, s)
		}
		if len(m) > 0 && !strings.HasSuffix(s, "&") {
			t.Fatalf("AppendMap(%q) = %q does not end with &", m, s)
		}
		// Without the final '&' the trailing pair still parses.
		if got := parseToMap(strings.TrimSuffix(s, "&")); !maps.Equal(got, m) {
			t.Fatalf("ParseMap without trailing & = %q, want %q", got, m)
		}
		// The size accounting agrees with the serialized length.
		var b *span.Baggage = &span.Baggage{}
		for k, v := range m {
			b = b.WithBiz(k, v, 0).WithSys(k, v, 0)
		}
		if b.BizSize() != len(s) || b.SysSize() != len(s) {
			t.Fatalf("BizSize %d / SysSize %d, want len(%q) = %d", b.BizSize(), b.SysSize(), s, len(s))
		}
	}
}

func TestMapRoundTripQuick(t *testing.T) {
	f := func(m map[string]string) bool {
		delete(m, "")
		return maps.Equal(parseToMap(string(span.AppendMap(nil, m))), m)
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 500}); err != nil {
		t.Error(err)
	}
}

func TestEmptyKeySkippedByAppendMapParse(t *testing.T) {
	s := string(span.AppendMap(nil, map[string]string{"": "x", "k": "v"}))
	if got := parseToMap(s); !maps.Equal(got, map[string]string{"k": "v"}) {
		t.Errorf("ParseMap(%q) = %v, want only k=v", s, got)
	}
}

func TestBaggageWithBizLimit(t *testing.T) {
	base := &span.Baggage{}
	b := base.WithBiz("k", "v", 10) // "k=v&" = 4
	if b == nil || b.BizSize() != 4 {
		t.Fatalf("WithBiz(k, v) size %v", b)
	}
	if base.Biz != nil || base.BizSize() != 0 {
		t.Error("WithBiz modified its receiver")
	}
	tests := []struct {
		name   string
		k, v   string
		max    int
		wantOK bool
		size   int
	}{
		{"fits exactly", "ab", "cdef", 12, true, 4 + 8}, // + "ab=cdef&"
		{"one over", "ab", "cdefg", 12, false, 0},       // 4 + 9 = 13
		{"escapes count", "a", "%&=", 16, true, 4 + 12}, // a=%25%26%3D&
		{"escapes over", "a", "%&=", 15, false, 0},
		{"replace shrinks", "k", "", 3, true, 3},       // "k=&"
		{"replace grows", "k", "vvvv", 7, true, 7},     // "k=vvvv&"
		{"replace too big", "k", "vvvvv", 7, false, 0}, //
		{"no limit", "big", strings.Repeat("x", 1<<16), 0, true, 4 + 5 + 1<<16},
		{"negative is no limit", "big", "xx", -1, true, 4 + 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nb := b.WithBiz(tt.k, tt.v, tt.max)
			if (nb != nil) != tt.wantOK {
				t.Fatalf("WithBiz ok = %v, want %v", nb != nil, tt.wantOK)
			}
			if b.Biz["k"] != "v" || len(b.Biz) != 1 || b.BizSize() != 4 {
				t.Fatal("WithBiz modified its receiver")
			}
			if nb == nil {
				return
			}
			if nb.BizSize() != tt.size {
				t.Errorf("BizSize() = %d, want %d", nb.BizSize(), tt.size)
			}
			if got := len(span.AppendMap(nil, nb.Biz)); got != nb.BizSize() {
				t.Errorf("BizSize() = %d, serialized length %d", nb.BizSize(), got)
			}
			if nb.Biz[tt.k] != tt.v {
				t.Errorf("value not set")
			}
		})
	}
}

func TestBaggageWithSysIsSeparate(t *testing.T) {
	b := (&span.Baggage{}).WithBiz("k", "biz", 0).WithSys("k", "sys", 0)
	if b.Biz["k"] != "biz" || b.Sys["k"] != "sys" {
		t.Fatalf("biz %v sys %v", b.Biz, b.Sys)
	}
	if b.BizSize() != 6 || b.SysSize() != 6 {
		t.Errorf("sizes %d %d, want 6 6", b.BizSize(), b.SysSize())
	}
	// Each map has its own limit.
	if b.WithSys("x", "y", 10) == nil {
		t.Error("WithSys refused although sys holds 6 + 4 = 10 bytes")
	}
	if b.WithSys("x", "yy", 10) != nil {
		t.Error("WithSys accepted 11 bytes with max 10")
	}
}

func TestBaggageBuilder(t *testing.T) {
	bb := span.BaggageBuilder{Max: 12}
	steps := []struct {
		sys  bool
		k, v string
		ok   bool
	}{
		{false, "a", "1", true},          // biz 4
		{false, "b", "22", true},         // biz 9
		{false, "c", "3", false},         // biz would be 13
		{false, "", "x", true},           // empty key: ignored, not refused
		{false, "a", "", true},           // replace: biz 8
		{false, "c", "3", true},          // biz 12
		{true, "s", "", true},            // blank sys value: ignored
		{true, "s", "123456789", true},   // sys 12
		{true, "t", "1", false},          // sys would be 16
		{true, "s", "1234567890", false}, // replace: sys would be 13
		{false, "d", "", false},          // biz would be 15
	}
	for i, st := range steps {
		var ok bool
		if st.sys {
			ok = bb.AddSys(st.k, st.v)
		} else {
			ok = bb.AddBiz(st.k, st.v)
		}
		if ok != st.ok {
			t.Fatalf("step %d (%+v): ok = %v, want %v", i, st, ok, st.ok)
		}
	}
	if bb.Refused != 4 {
		t.Errorf("Refused = %d, want 4", bb.Refused)
	}
	b := bb.Build()
	if b == nil {
		t.Fatal("Build() = nil")
	}
	wantBiz := map[string]string{"a": "", "b": "22", "c": "3"}
	if !maps.Equal(b.Biz, wantBiz) || !maps.Equal(b.Sys, map[string]string{"s": "123456789"}) {
		t.Errorf("Build() = biz %v sys %v", b.Biz, b.Sys)
	}
	if b.BizSize() != 12 || b.SysSize() != 12 {
		t.Errorf("sizes %d/%d, want 12/12", b.BizSize(), b.SysSize())
	}
	var empty span.BaggageBuilder
	if empty.Build() != nil {
		t.Error("empty builder Build() != nil")
	}
	empty.AddSys("k", "")
	empty.AddBiz("", "v")
	if empty.Build() != nil || empty.Refused != 0 {
		t.Error("ignored items made the builder non-empty or counted as refused")
	}
}

// A flood of items is refused item by item; accepted values are never cut.
func TestBaggageBuilderNeverTruncates(t *testing.T) {
	bb := span.BaggageBuilder{Max: span.DefaultMaxBaggageSize}
	const n = 1000
	for i := range n {
		bb.AddBiz(fmt.Sprintf("k%04d", i), strings.Repeat("v", 40)) // 47 bytes each
	}
	b := bb.Build()
	if b.BizSize() > span.DefaultMaxBaggageSize {
		t.Fatalf("BizSize %d over the limit", b.BizSize())
	}
	if want := span.DefaultMaxBaggageSize / 47; len(b.Biz) != want {
		t.Errorf("accepted %d items, want %d", len(b.Biz), want)
	}
	if len(b.Biz)+bb.Refused != n {
		t.Errorf("accepted %d + refused %d != %d offered", len(b.Biz), bb.Refused, n)
	}
	for k, v := range b.Biz {
		if v != strings.Repeat("v", 40) {
			t.Fatalf("value of %q truncated to %d bytes", k, len(v))
		}
	}
	if bb.Refused == 0 {
		t.Error("nothing refused")
	}
}

func TestBaggageMerge(t *testing.T) {
	a := (&span.Baggage{}).WithBiz("x", "1", 0).WithBiz("y", "2", 0).WithSys("z", "3", 0)
	o := (&span.Baggage{}).WithBiz("y", "two", 0).WithBiz("w", "4", 0).WithSys("z", "three", 0)

	m, refused := a.Merge(o, 0)
	if refused != 0 {
		t.Errorf("refused %d without limit", refused)
	}
	if want := map[string]string{"x": "1", "y": "two", "w": "4"}; !maps.Equal(m.Biz, want) {
		t.Errorf("merged biz = %v, want %v (o wins)", m.Biz, want)
	}
	if want := map[string]string{"z": "three"}; !maps.Equal(m.Sys, want) {
		t.Errorf("merged sys = %v, want %v", m.Sys, want)
	}
	if m.BizSize() != len(span.AppendMap(nil, m.Biz)) || m.SysSize() != len(span.AppendMap(nil, m.Sys)) {
		t.Errorf("merged sizes %d/%d disagree with serialization", m.BizSize(), m.SysSize())
	}
	if a.Biz["y"] != "2" || o.Biz["y"] != "two" {
		t.Error("Merge modified an input")
	}

	// With a limit, o's items that do not fit are refused and counted;
	// the receiver's own items are kept.
	small := (&span.Baggage{}).WithBiz("a", "1", 0) // 4 bytes
	big := (&span.Baggage{}).WithBiz("b", strings.Repeat("x", 20), 0).WithBiz("c", "3", 0).WithSys("s", strings.Repeat("y", 30), 0)
	m, refused = small.Merge(big, 10)
	if refused != 2 {
		t.Errorf("refused = %d, want 2 (b and s)", refused)
	}
	if want := map[string]string{"a": "1", "c": "3"}; !maps.Equal(m.Biz, want) {
		t.Errorf("limited merge biz = %v, want %v", m.Biz, want)
	}
	if len(m.Sys) != 0 {
		t.Errorf("limited merge sys = %v, want empty", m.Sys)
	}

	// Merging two empty baggages gives an empty, non-nil one.
	m, refused = (&span.Baggage{}).Merge(&span.Baggage{}, 10)
	if m == nil || !m.Empty() || refused != 0 {
		t.Errorf("empty merge = %v, %d", m, refused)
	}
}
