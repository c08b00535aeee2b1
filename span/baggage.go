package span

import (
	"maps"
	"slices"
	"strings"
)

// DefaultMaxBaggageSize is the default limit on the serialized size of each
// baggage map (SOFATracer's baggageMaxLength).
const DefaultMaxBaggageSize = 1024

// Baggage holds a context's business and system baggage. It is immutable:
// the With methods return a modified copy, so a Baggage may be shared by a
// parent and its children and read from any goroutine.
type Baggage struct {
	Biz, Sys         map[string]string
	bizSize, sysSize int
}

var emptyBaggage Baggage

// BizSize and SysSize return the serialized size of each map in the k=v&
// form.
func (b *Baggage) BizSize() int { return b.bizSize }

// SysSize returns the serialized size of the system baggage.
func (b *Baggage) SysSize() int { return b.sysSize }

// Empty reports whether there is no baggage at all.
func (b *Baggage) Empty() bool { return len(b.Biz) == 0 && len(b.Sys) == 0 }

// WithBiz returns a copy with business item k set to v, or nil when the
// serialized map would exceed max bytes (max <= 0 means no limit).
func (b *Baggage) WithBiz(k, v string, max int) *Baggage {
	m, size, ok := with(b.Biz, b.bizSize, k, v, max)
	if !ok {
		return nil
	}
	return &Baggage{Biz: m, Sys: b.Sys, bizSize: size, sysSize: b.sysSize}
}

// WithSys returns a copy with system item k set to v, or nil when the
// serialized map would exceed max bytes.
func (b *Baggage) WithSys(k, v string, max int) *Baggage {
	m, size, ok := with(b.Sys, b.sysSize, k, v, max)
	if !ok {
		return nil
	}
	return &Baggage{Biz: b.Biz, Sys: m, bizSize: b.bizSize, sysSize: size}
}

func with(m map[string]string, size int, k, v string, max int) (map[string]string, int, bool) {
	if old, ok := m[k]; ok {
		size -= entrySize(k, old)
	}
	size += entrySize(k, v)
	if max > 0 && size > max {
		return nil, 0, false
	}
	n := make(map[string]string, len(m)+1)
	maps.Copy(n, m)
	n[k] = v
	return n, size, true
}

func entrySize(k, v string) int { return escapedLen(k) + escapedLen(v) + 2 }

// BizOnly returns the business baggage of b alone.
func (b *Baggage) BizOnly() *Baggage {
	return &Baggage{Biz: b.Biz, bizSize: b.bizSize}
}

// Merge returns b with the items of o added (o wins on clashes) and how
// many items of o were refused because a map would exceed max bytes.
func (b *Baggage) Merge(o *Baggage, max int) (*Baggage, int) {
	bb := BaggageBuilder{Max: max}
	for k, v := range b.Biz {
		bb.AddBiz(k, v)
	}
	for k, v := range b.Sys {
		bb.AddSys(k, v)
	}
	bb.Refused = 0
	for k, v := range o.Biz {
		bb.AddBiz(k, v)
	}
	for k, v := range o.Sys {
		bb.AddSys(k, v)
	}
	if r := bb.Build(); r != nil {
		return r, bb.Refused
	}
	return &emptyBaggage, bb.Refused
}

// AppendMap appends m in SOFATracer's k=v& form, keys sorted so that lines
// are reproducible: every pair is escape(k)=escape(v)&.
func AppendMap(dst []byte, m map[string]string) []byte {
	switch len(m) {
	case 0:
		return dst
	case 1:
		for k, v := range m {
			return appendPair(dst, "", k, v)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		dst = appendPair(dst, "", k, m[k])
	}
	return dst
}

func appendPair(dst []byte, prefix, k, v string) []byte {
	dst = append(dst, prefix...)
	dst = AppendEscaped(dst, k)
	dst = append(dst, '=')
	dst = AppendEscaped(dst, v)
	return append(dst, '&')
}

// AppendEscaped appends s with '%', '&' and '=' escaped as %25, %26, %3D.
func AppendEscaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '%':
			dst = append(dst, "%25"...)
		case '&':
			dst = append(dst, "%26"...)
		case '=':
			dst = append(dst, "%3D"...)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

func escapedLen(s string) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '%', '&', '=':
			n += 2
		}
	}
	return n
}

// Unescape reverses AppendEscaped.
func Unescape(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			switch s[i+1 : i+3] {
			case "25":
				b.WriteByte('%')
				i += 2
				continue
			case "26":
				b.WriteByte('&')
				i += 2
				continue
			case "3D", "3d":
				b.WriteByte('=')
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ParseMap decodes the k=v& form, calling fn with each unescaped pair in
// order; pairs with an empty key are skipped, and a trailing pair without
// '&' counts. It stops when fn returns false.
func ParseMap(s string, fn func(k, v string) bool) {
	for s != "" {
		pair := s
		if i := strings.IndexByte(s, '&'); i >= 0 {
			pair, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		k, v, ok := strings.Cut(pair, "=")
		if !ok || k == "" {
			continue
		}
		if !fn(Unescape(k), Unescape(v)) {
			return
		}
	}
}

// BaggageBuilder collects incoming baggage items under a size limit.
// The zero value has no items and no limit.
type BaggageBuilder struct {
	Max     int // serialized size limit of each map; <= 0 means none
	Refused int // items refused by the limit
	b       Baggage
}

// AddBiz adds a business item unless it would exceed Max.
func (bb *BaggageBuilder) AddBiz(k, v string) bool {
	return bb.add(&bb.b.Biz, &bb.b.bizSize, k, v)
}

// AddSys adds a system item unless it would exceed Max; blank values are
// ignored as in SOFATracer.
func (bb *BaggageBuilder) AddSys(k, v string) bool {
	if v == "" {
		return true
	}
	return bb.add(&bb.b.Sys, &bb.b.sysSize, k, v)
}

func (bb *BaggageBuilder) add(m *map[string]string, size *int, k, v string) bool {
	if k == "" {
		return true
	}
	n := *size + entrySize(k, v)
	if old, ok := (*m)[k]; ok {
		n -= entrySize(k, old)
	}
	if bb.Max > 0 && n > bb.Max {
		bb.Refused++
		return false
	}
	if *m == nil {
		*m = make(map[string]string)
	}
	(*m)[k] = v
	*size = n
	return true
}

// Build returns the collected baggage, or nil when there is none.
func (bb *BaggageBuilder) Build() *Baggage {
	if bb.b.Empty() {
		return nil
	}
	b := bb.b
	return &b
}
