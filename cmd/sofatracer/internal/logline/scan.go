// Package logline parses SOFATracer digest and stat lines, JSON or plain,
// of every layout sofatracer-go and Java SOFATracer, SOFARPC and MOSN
// write, without depending on key order.
package logline

import (
	"bytes"
	"errors"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/sofatracer/sofatracer-go/internal/hexnum"
)

// Value types reported by Scanner.
const (
	TypeString = iota + 1
	TypeNumber // also true, false, null: the raw literal
	TypeObject // raw text including braces
	TypeArray  // raw text including brackets
)

// ErrSyntax is returned for a line that is not a (lenient) JSON object.
var ErrSyntax = errors.New("logline: not a JSON object")

// Scanner walks the top-level keys of one JSON object line. It is lenient
// where Java's writer is wrong: a quote inside a string value ends it only
// when a separator and the next key (or the closing brace) follow, raw
// control characters are kept, and a value that begins with { or [ is
// skipped as a whole. For valid JSON it reads exactly what encoding/json
// reads.
type Scanner struct {
	line []byte
	pos  int
	done bool
}

// Reset starts scanning line.
func (s *Scanner) Reset(line []byte) error {
	i := skipWS(line, 0)
	if i >= len(line) || line[i] != '{' {
		return ErrSyntax
	}
	*s = Scanner{line: line, pos: i + 1}
	j := skipWS(line, s.pos)
	if j < len(line) && line[j] == '}' {
		if skipWS(line, j+1) != len(line) {
			return ErrSyntax
		}
		s.done = true
	}
	return nil
}

// Next returns the next key (raw, still escaped) and value. For a string,
// val is the raw content between the quotes: decode it with Unquote. ok is
// false at the end of the object; err reports a malformed line.
func (s *Scanner) Next() (key, val []byte, typ int, ok bool, err error) {
	if s.done {
		return nil, nil, 0, false, nil
	}
	l := s.line
	i := skipWS(l, s.pos)
	if i >= len(l) || l[i] != '"' {
		return nil, nil, 0, false, ErrSyntax
	}
	end, ok2 := s.strEnd(i+1, true)
	if !ok2 {
		return nil, nil, 0, false, ErrSyntax
	}
	key = l[i+1 : end]
	i = skipWS(l, end+1)
	if i >= len(l) || l[i] != ':' {
		return nil, nil, 0, false, ErrSyntax
	}
	i = skipWS(l, i+1)
	if i >= len(l) {
		return nil, nil, 0, false, ErrSyntax
	}
	var next int
	switch c := l[i]; c {
	case '"':
		e, ok := s.strEnd(i+1, false)
		if !ok {
			return nil, nil, 0, false, ErrSyntax
		}
		val, typ, next = l[i+1:e], TypeString, e+1
	case '{', '[':
		e, ok := skipNested(l, i)
		if !ok {
			return nil, nil, 0, false, ErrSyntax
		}
		typ = TypeObject
		if c == '[' {
			typ = TypeArray
		}
		val, next = l[i:e], e
	default:
		e := i
		for e < len(l) && l[e] != ',' && l[e] != '}' && !isWS(l[e]) {
			e++
		}
		if e == i || !validLiteral(l[i:e]) {
			return nil, nil, 0, false, ErrSyntax
		}
		val, typ, next = l[i:e], TypeNumber, e
	}
	next = skipWS(l, next)
	switch {
	case next < len(l) && l[next] == ',':
		s.pos = next + 1
	case next < len(l) && l[next] == '}':
		if skipWS(l, next+1) != len(l) {
			return nil, nil, 0, false, ErrSyntax
		}
		s.done = true
	default:
		return nil, nil, 0, false, ErrSyntax
	}
	return key, val, typ, true, nil
}

// strEnd finds the closing quote of a string starting at i. A quote that is
// not followed by what must come after the string (":" after a key; ","
// and a key, or the final "}", after a value) is taken as part of the text.
func (s *Scanner) strEnd(i int, isKey bool) (int, bool) {
	l := s.line
	for {
		j := bytes.IndexByte(l[i:], '"')
		if j < 0 {
			return 0, false
		}
		j += i
		bs := 0
		for k := j - 1; k >= 0 && l[k] == '\\'; k-- {
			bs++
		}
		if bs%2 == 1 {
			i = j + 1
			continue
		}
		n := skipWS(l, j+1)
		if n < len(l) {
			switch {
			case isKey && l[n] == ':':
				return j, true
			case !isKey && l[n] == ',':
				if m := skipWS(l, n+1); m < len(l) && l[m] == '"' {
					return j, true
				}
			case !isKey && l[n] == '}' && skipWS(l, n+1) == len(l):
				return j, true
			}
		}
		i = j + 1
	}
}

func isWS(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipWS(l []byte, i int) int {
	for i < len(l) && isWS(l[i]) {
		i++
	}
	return i
}

// skipNested returns the index after the object or array starting at i.
func skipNested(l []byte, i int) (int, bool) {
	depth := 0
	for ; i < len(l); i++ {
		switch l[i] {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1, true
			}
		case '"':
			for i++; i < len(l) && l[i] != '"'; i++ {
				if l[i] == '\\' {
					i++
				}
			}
			if i >= len(l) {
				return 0, false
			}
		}
	}
	return 0, false
}

// validLiteral accepts true, false, null and JSON numbers.
func validLiteral(b []byte) bool {
	switch string(b) {
	case "true", "false", "null":
		return true
	}
	i := 0
	if b[0] == '-' {
		i++
	}
	if i >= len(b) {
		return false
	}
	if b[i] == '0' {
		i++
	} else if b[i] >= '1' && b[i] <= '9' {
		i = digits(b, i)
	} else {
		return false
	}
	if i < len(b) && b[i] == '.' {
		d := i + 1
		if i = digits(b, d); i == d {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		if i = digits(b, d); i == d {
			return false
		}
	}
	return i == len(b)
}

// digits returns the index after the decimal digits that start at b[i].
func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

// Unquote decodes the raw content of a JSON string as encoding/json does
// (escapes, surrogate pairs, invalid UTF-8 and lone surrogates become
// U+FFFD). Without escapes and with valid UTF-8 it returns raw itself;
// otherwise it appends to buf and returns the new part.
func Unquote(raw, buf []byte) (out, newBuf []byte) {
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return raw, buf
	}
	start := len(buf)
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '\\' && i+1 < len(raw):
			i++
			switch raw[i] {
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'u':
				r, ok := hex4(raw, i+1)
				if !ok {
					buf = append(buf, 'u')
					i++
					continue
				}
				i += 5
				if utf16.IsSurrogate(r) {
					r2, ok2 := rune(-1), false
					if i+1 < len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
						r2, ok2 = hex4(raw, i+2)
					}
					if dec := utf16.DecodeRune(r, r2); ok2 && dec != utf8.RuneError {
						buf = utf8.AppendRune(buf, dec)
						i += 6
						continue
					}
					r = utf8.RuneError
				}
				buf = utf8.AppendRune(buf, r)
				continue
			default: // '"', '\\', '/', and lenient: the character itself
				buf = append(buf, raw[i])
			}
			i++
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			i++
		default:
			r, size := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && size == 1 {
				buf = append(buf, "\uFFFD"...)
			} else {
				buf = append(buf, raw[i:i+size]...)
			}
			i += size
		}
	}
	return buf[start:], buf
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	v, ok := hexnum.Parse(b[i : i+4])
	return rune(v), ok
}
