package propagation

import (
	"net/url"
	"slices"

	"github.com/sofatracer/sofatracer-go/span"
)

// sortedKeys returns the keys of m in order, in one allocation (which
// slices.Sorted(maps.Keys(m)) does not manage).
func sortedKeys(m map[string]string) []string {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Byte classes, the bits of charClass. Each is a property of single bytes
// that holds for a string when it holds for each of its bytes, so that
// one pass over a string (scan) answers all three.
const (
	clsQuerySafe = 1 << iota // url.QueryEscape leaves the byte as it is
	clsPlain                 // url.QueryUnescape leaves it as it is: not '%' or '+'
	clsID                    // span.ValidateID accepts it in an id
)

// charClass is derived from the functions it stands in for.
var charClass = func() (t [256]uint8) {
	for i := range t {
		s := string([]byte{byte(i)})
		if url.QueryEscape(s) == s {
			t[i] |= clsQuerySafe
		}
		if s != "%" && s != "+" {
			t[i] |= clsPlain
		}
		if span.ValidateID(s) == nil {
			t[i] |= clsID
		}
	}
	return t
}()

// scan returns the classes that every byte of s is in.
func scan(s string) uint8 {
	m := uint8(0xff)
	for i := 0; i < len(s); i++ {
		m &= charClass[s[i]]
	}
	return m
}

// queryEscape is url.QueryEscape, without its per-byte switch when there
// is nothing to escape (ids always).
func queryEscape(s string) string {
	if scan(s)&clsQuerySafe != 0 {
		return s
	}
	return url.QueryEscape(s)
}

// queryUnescape is url.QueryUnescape, returning s at once when it holds
// neither '%' nor '+'.
func queryUnescape(s string) (string, error) {
	if scan(s)&clsPlain != 0 {
		return s, nil
	}
	return url.QueryUnescape(s)
}
