// Package hexnum parses hexadecimal numbers without allocating, for the
// Zipkin ids of reporter/zipkin and the \u escapes the sofatracer command
// reads in log lines.
package hexnum

// Parse reads 1-16 hex digits, either case.
func Parse[T string | []byte](s T) (uint64, bool) {
	if len(s) == 0 || len(s) > 16 {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		v = v<<4 | uint64(c)
	}
	return v, true
}
