package digest

import (
	"strconv"
	"time"
)

// timeCache formats "2006-01-02 15:04:05.000" in the local zone, reusing
// the text of the current second. It belongs to one goroutine.
type timeCache struct {
	sec    int64
	prefix []byte // "2006-01-02 15:04:05."
}

func (c *timeCache) append(dst []byte, t time.Time) []byte {
	t = t.In(time.Local)
	if sec := t.Unix(); sec != c.sec || c.prefix == nil {
		c.sec = sec
		c.prefix = t.AppendFormat(c.prefix[:0], "2006-01-02 15:04:05.")
	}
	dst = append(dst, c.prefix...)
	ms := t.Nanosecond() / 1e6
	return append(dst, byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
}

func appendInt(dst []byte, n int64) []byte { return strconv.AppendInt(dst, n, 10) }
