package span_test

import (
	"maps"
	"testing"

	"github.com/sofatracer/sofatracer-go/span"
)

// FuzzParseMap: ParseMap never panics, never yields an empty key, and what
// it parsed survives AppendMap + ParseMap unchanged.
func FuzzParseMap(f *testing.F) {
	for _, s := range []string{
		"",
		"tag=x%26y%25&user=a%3Db&",
		"tcid=0a0fe9271567477985327100211176&spid=0.1&pspid=0&sample=true&_sys_zone=gz00a&uid=123&",
		"mark=T&",
		"a=1&b=2",
		"=v&k=&&junk&k=a=b",
		"%25%26%3D=%3d%2&",
		"k=\xff\x00\n&",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m := map[string]string{}
		span.ParseMap(s, func(k, v string) bool {
			if k == "" {
				t.Fatalf("ParseMap(%q) yielded an empty key", s)
			}
			m[k] = v
			return true
		})
		out := span.AppendMap(nil, m)
		if got := parseToMap(string(out)); !maps.Equal(got, m) {
			t.Fatalf("round trip of %q: parsed %q, re-serialized %q, re-parsed %q", s, m, out, got)
		}
		for k, v := range m {
			if span.Unescape(string(span.AppendEscaped(nil, k))) != k || span.Unescape(string(span.AppendEscaped(nil, v))) != v {
				t.Fatalf("escape round trip broken for %q=%q", k, v)
			}
		}
	})
}
