package digest

import (
	"strings"
	"time"

	"github.com/sofatracer/sofatracer-go/span"
)

// OverflowValue replaces every key value of the stat row that collects the
// spans of keys beyond the cardinality cap.
const OverflowValue = "__overflow__"

// StatRow is one aggregated stat line: the spans of one interval that share
// a layout, key values, success flag and load-test flag.
type StatRow struct {
	Layout   *Layout
	Key      string // key values, each followed by 0x00 (see AppendStatKey)
	Success  bool
	LoadTest bool
	Count    int64
	CostMs   int64
}

// AppendStatKey appends the stat key values of s to dst, each followed by
// 0x00; the result identifies a row together with the flags.
func (e *Encoder) AppendStatKey(dst []byte, s *span.Span, l *Layout) []byte {
	for i := range l.StatKey {
		f := &l.StatKey[i]
		v, ok := e.value(s, l, f)
		if !ok {
			v = f.Default
		}
		if strings.IndexByte(v, 0) >= 0 {
			v = strings.ReplaceAll(v, "\x00", "\uFFFD")
		}
		dst = append(dst, v...)
		dst = append(dst, 0)
	}
	return dst
}

// OverflowKey returns the key of layout l's overflow row.
func (e *Encoder) OverflowKey(l *Layout) string {
	var b []byte
	for i := range l.StatKey {
		if l.StatKey[i].Source == FromApp {
			b = append(b, e.App...)
		} else {
			b = append(b, OverflowValue...)
		}
		b = append(b, 0)
	}
	return string(b)
}

// Success reports whether s counts as a success in its stat row.
func Success(s *span.Span, l *Layout) bool { return l.Success(ResultCode(s, l), failed(s)) }

// AppendStat appends the stat line of r, stamped now.
func (e *Encoder) AppendStat(dst []byte, now time.Time, r *StatRow) []byte {
	w := lineWriter{dst: dst, json: e.JSON}
	w.open()
	w.key("time")
	w.dst = e.tc.append(w.quote(), now)
	w.unquote()
	if w.json {
		w.key("stat.key")
		w.dst = append(w.dst, '{')
	}
	key := r.Key
	for i := range r.Layout.StatKey {
		v, rest, _ := strings.Cut(key, "\x00")
		key = rest
		if w.json {
			if i > 0 {
				w.dst = append(w.dst, ',')
			}
			w.dst = AppendJSONString(w.dst, r.Layout.StatKey[i].Name)
			w.dst = append(w.dst, ':')
			w.dst = AppendJSONString(w.dst, v)
		} else {
			w.sep()
			w.dst = AppendPlain(w.dst, v)
		}
	}
	if w.json {
		w.dst = append(w.dst, '}')
	}
	w.key("count")
	w.dst = appendInt(w.dst, r.Count)
	w.key("total.cost.milliseconds")
	w.dst = appendInt(w.dst, r.CostMs)
	w.str("success", yn(r.Success, "Y", "N"))
	if r.Layout.StatLoadTest || !w.json {
		w.str("load.test", yn(r.LoadTest, "T", "F"))
	}
	w.close()
	return append(w.dst, e.Newline...)
}

func yn(b bool, y, n string) string {
	if b {
		return y
	}
	return n
}
