package logline

import (
	"strconv"
	"time"
)

// timeCache turns "2006-01-02 15:04:05.000" (SOFATracer's time, local
// zone, no offset) into epoch milliseconds, computing the zone offset once
// per hour of text.
type timeCache struct {
	hour   [13]byte
	loc    *time.Location
	hourMs int64
	ok     bool
}

// TimeLayout is the time format of digest and stat lines.
const TimeLayout = "2006-01-02 15:04:05.000"

func (c *timeCache) parse(v []byte, loc *time.Location) (int64, bool) {
	if loc == nil {
		loc = time.Local
	}
	if len(v) < 19 || v[4] != '-' || v[7] != '-' || v[10] != ' ' || v[13] != ':' || v[16] != ':' {
		return parseOther(v, loc)
	}
	if !c.ok || c.loc != loc || string(c.hour[:]) != string(v[:13]) {
		t, err := time.ParseInLocation("2006-01-02 15", string(v[:13]), loc)
		if err != nil {
			return 0, false
		}
		copy(c.hour[:], v[:13])
		c.loc, c.hourMs, c.ok = loc, t.UnixMilli(), true
	}
	mm, ok1 := two(v[14], v[15])
	ss, ok2 := two(v[17], v[18])
	if !ok1 || !ok2 || mm > 59 || ss > 60 {
		return 0, false
	}
	ms := int64(0)
	if len(v) > 19 {
		if v[19] != '.' && v[19] != ',' {
			return 0, false
		}
		frac := v[20:]
		if len(frac) == 0 || len(frac) > 9 {
			return 0, false
		}
		for i, d := range frac {
			if d < '0' || d > '9' {
				return 0, false
			}
			if i < 3 {
				ms = ms*10 + int64(d-'0')
			}
		}
		for i := len(frac); i < 3; i++ {
			ms *= 10
		}
	}
	return c.hourMs + int64(mm)*60000 + int64(ss)*1000 + ms, true
}

func two(a, b byte) (int, bool) {
	if a < '0' || a > '9' || b < '0' || b > '9' {
		return 0, false
	}
	return int(a-'0')*10 + int(b-'0'), true
}

// parseOther accepts RFC 3339 and epoch milliseconds.
func parseOther(v []byte, loc *time.Location) (int64, bool) {
	s := string(v)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UnixMilli(), true
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 1e11 {
		return n, true
	}
	return 0, false
}

// ParseTime parses a digest time (see TimeLayout) in loc (nil: local).
func ParseTime(v string, loc *time.Location) (int64, bool) {
	var c timeCache
	return c.parse([]byte(v), loc)
}
