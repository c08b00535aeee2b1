package digest

import "strings"

// maxSQLLen is SOFATracer's cap on a statement (SqlUtils.getSqlEscaped).
const maxSQLLen = 4096

// CleanSQL is SOFATracer's cleaning of a statement for the DataSource
// layout: cut to 4096 bytes (at a character boundary) plus " ...", '\n',
// '\r' and '|' turned into spaces, runs of spaces collapsed, the result
// trimmed. A statement that needs none of it is returned as is.
func CleanSQL(q string) string {
	if clean(q) {
		return q
	}
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

// clean reports whether CleanSQL would leave q unchanged.
func clean(q string) bool {
	if len(q) > maxSQLLen || q != strings.TrimSpace(q) {
		return false
	}
	for i := 0; i < len(q); i++ {
		switch q[i] {
		case '\n', '\r', '|':
			return false
		case ' ':
			if i > 0 && q[i-1] == ' ' {
				return false
			}
		}
	}
	return true
}

// SQLField returns a cleaned statement as the TagSQL value: ',' written
// as %2C, as SOFATracer writes the sql field.
func SQLField(cleaned string) string { return strings.ReplaceAll(cleaned, ",", "%2C") }
