package digest

import (
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// jsonSafe marks the bytes AppendJSONString copies as they are.
var jsonSafe = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != 0x7f
	}
	return t
}()

// AppendJSONString appends s as a JSON string literal. Every value is
// escaped: quotes, backslashes, control characters, U+2028/U+2029 (which
// some readers treat as line breaks) and invalid UTF-8 (replaced by
// U+FFFD), so no value can end a line or add a key.
func AppendJSONString(dst []byte, s string) []byte {
	i := 0
	for i+8 <= len(s) && safe8(s[i:i+8]) {
		i += 8
	}
	for i < len(s) && jsonSafe[s[i]] {
		i++
	}
	if i == len(s) { // the common case: nothing to escape
		dst = append(dst, '"')
		dst = append(dst, s...)
		return append(dst, '"')
	}
	dst = append(dst, '"')
	start := 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != 0x7f {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&15])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// safe8 reports whether all 8 bytes of s are jsonSafe, testing them at once:
// (x-ones*n) &^ x & highs is non-zero exactly when some byte of x is below n
// (n <= 0x80), and a byte equal to c is a zero byte of x^(ones*c).
func safe8(s string) bool {
	x := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	q := x ^ (ones * '"')
	b := x ^ (ones * '\\')
	d := x ^ (ones * 0x7f)
	bad := x | (x-ones*0x20)&^x | (q-ones)&^q | (b-ones)&^b | (d-ones)&^d
	return bad&highs == 0
}

// AppendPlain appends s for a comma-separated line: ',' becomes %2C, CR and
// LF %0D and %0A, other control characters %XX, and invalid UTF-8 U+FFFD,
// so a value can neither add a field nor end the line.
func AppendPlain(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != ',' && c != 0x7f {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, '%', "0123456789ABCDEF"[c>>4], "0123456789ABCDEF"[c&15])
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\uFFFD"...)
			i++
			start = i
			continue
		}
		i += size
	}
	return append(dst, s[start:]...)
}
