package propagation

import (
	"strings"

	"github.com/sofatracer/sofatracer-go/span"
)

// HeaderBaggage is the W3C Baggage header (https://www.w3.org/TR/baggage/):
// "k1=v1,k2=v2;property", values percent-encoded. Extract reads it as
// business baggage whatever the context's format; Inject writes the
// business baggage of a context joined from a traceparent in it, instead
// of baggage-<key> headers, as OpenTelemetry services expect.
const HeaderBaggage = "baggage"

const canonBaggage = "Baggage"

// The W3C Baggage limits: a header is read, and written, up to 64
// list-members and 8192 bytes; members beyond are refused (counted).
const (
	w3cMaxMembers = 64
	w3cMaxBytes   = 8192
)

// w3cBaggage parses W3C baggage list-members into bb as business items.
// Properties (after ';') are ignored. A member that is malformed (its key
// not a token, its value holding bytes outside baggage-octet or a bad
// percent-encoding) or beyond the limits is refused and counted; the
// others are kept.
type w3cBaggage struct {
	members, bytes int
}

func (w *w3cBaggage) parse(v string, bb *span.BaggageBuilder) {
	for member := range strings.SplitSeq(v, ",") {
		if w.bytes > 0 {
			w.bytes++ // the comma
		}
		w.bytes += len(member)
		kv, _, _ := strings.Cut(member, ";")
		kv = strings.Trim(kv, " \t")
		if kv == "" && strings.Trim(member, " \t") == "" {
			continue // an empty member, e.g. a trailing comma
		}
		if w.bytes > w3cMaxBytes || w.members >= w3cMaxMembers {
			bb.Refused++
			continue
		}
		k, val, ok := strings.Cut(kv, "=")
		k, val = strings.Trim(k, " \t"), strings.Trim(val, " \t")
		dv, valid := w3cUnescape(val)
		if !ok || !isToken(k) || !valid {
			bb.Refused++
			continue
		}
		w.members++
		bb.AddBiz(k, dv)
	}
}

// isToken reports whether s is an RFC 7230 token, as W3C baggage keys are.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if !tchar[s[i]] {
			return false
		}
	}
	return s != ""
}

var tchar = func() (t [256]bool) {
	for _, c := range []byte("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		t[c] = true
	}
	return t
}()

// octet reports the W3C baggage-octet bytes: printable ASCII but space,
// '"', ',', ';' and '\'.
func octet(c byte) bool {
	return c == 0x21 || 0x23 <= c && c <= 0x2B || 0x2D <= c && c <= 0x3A || 0x3C <= c && c <= 0x5B || 0x5D <= c && c <= 0x7E
}

// w3cUnescape percent-decodes a baggage value; it reports false for a byte
// that is not a baggage-octet or a malformed escape.
func w3cUnescape(s string) (string, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1:i+3]) {
				return "", false
			}
			n++
			i += 2
		case !octet(c):
			return "", false
		}
	}
	if n == 0 {
		return s, true
	}
	b := make([]byte, 0, len(s)-2*n)
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			b = append(b, hexVal(s[i+1])<<4|hexVal(s[i+2]))
			i += 2
		} else {
			b = append(b, s[i])
		}
	}
	return string(b), true
}

// appendW3CBaggage appends the W3C baggage header value of the business
// items m, keys sorted. Items whose key is not a token cannot be sent and
// are left out, as are items beyond the limits.
func appendW3CBaggage(dst []byte, m map[string]string) []byte {
	start, members := len(dst), 0
	for _, k := range sortedKeys(m) {
		if !isToken(k) || members == w3cMaxMembers {
			continue
		}
		mark := len(dst)
		if members > 0 {
			dst = append(dst, ',')
		}
		dst = append(append(dst, k...), '=')
		v := m[k]
		for i := 0; i < len(v); i++ {
			if c := v[i]; octet(c) && c != '%' {
				dst = append(dst, c)
			} else {
				dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
			}
		}
		if len(dst)-start > w3cMaxBytes {
			dst = dst[:mark]
			continue
		}
		members++
	}
	return dst
}

const upperHex = "0123456789ABCDEF"
