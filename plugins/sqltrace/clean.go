package sqltrace

import "strings"

// maxSQLLen is SOFATracer's cap on the sql field (SqlUtils.getSqlEscaped).
const maxSQLLen = 4096

// cleanSQL is SOFATracer's cleaning of a statement: cut to 4096 bytes (at
// a character boundary) plus " ...", '\n', '\r' and '|' turned into
// spaces, runs of spaces collapsed, the result trimmed.
func cleanSQL(q string) string {
	cut := false
	if len(q) > maxSQLLen {
		n := maxSQLLen
		for n > 0 && q[n]&0xC0 == 0x80 { // not inside a UTF-8 sequence
			n--
		}
		q, cut = q[:n], true
	}
	var b strings.Builder
	b.Grow(len(q) + 4)
	space := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c == '\n' || c == '\r' || c == '|' {
			c = ' '
		}
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteByte(c)
	}
	s := strings.TrimSpace(b.String())
	if cut {
		s += " ..."
	}
	return s
}

// escapeCommas writes ',' as %2C, as SOFATracer does to the sql field.
func escapeCommas(s string) string { return strings.ReplaceAll(s, ",", "%2C") }
