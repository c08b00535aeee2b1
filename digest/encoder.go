package digest

import (
	"slices"
	"strconv"
	"strings"

	"github.com/sofatracer/sofatracer-go/span"
)

// Encoder appends digest and stat lines. It keeps per-goroutine caches, so
// each writer goroutine owns one.
type Encoder struct {
	App     string // local.app
	JSON    bool   // JSON lines (default in SOFATracer) or comma-separated
	Newline string // line ending: "\r\n" as in Java, or "\n"
	tc      timeCache
}

// AppendDigest appends the digest line of s in layout l.
func (e *Encoder) AppendDigest(dst []byte, s *span.Span, l *Layout) []byte {
	w := lineWriter{dst: dst, json: e.JSON}
	w.open()
	end := s.EndTime()
	switch l.Style {
	case RPC:
		w.key("timestamp")
		w.dst = e.tc.append(w.quote(), end)
		w.unquote()
		w.str("tracerId", s.Ctx.TraceID)
		w.str("spanId", s.Ctx.SpanID)
		for i := range l.Fields {
			e.field(&w, s, l, &l.Fields[i], true)
		}
		e.extraTags(&w, s, l)
		w.key("baggage")
		w.dst = w.appendBaggage(s.Ctx.Baggage().Biz)
	default:
		w.key("time")
		w.dst = e.tc.append(w.quote(), end)
		w.unquote()
		w.str("local.app", e.App)
		w.str("traceId", s.Ctx.TraceID)
		w.str("spanId", s.Ctx.SpanID)
		w.str("span.kind", tagString(s, span.TagSpanKind))
		w.str("result.code", ResultCode(s, l))
		w.str("current.thread.name", threadName(s))
		w.key("time.cost.milliseconds")
		w.dst = append(appendInt(w.quote(), s.Duration().Milliseconds()), "ms"...)
		w.unquote()
		for i := range l.Fields {
			e.field(&w, s, l, &l.Fields[i], false)
		}
		e.extraTags(&w, s, l)
		b := s.Ctx.Baggage()
		w.key("sys.baggage")
		w.dst = w.appendBaggage(b.Sys)
		w.key("biz.baggage")
		w.dst = w.appendBaggage(b.Biz)
	}
	w.close()
	return append(w.dst, e.Newline...)
}

func (e *Encoder) field(w *lineWriter, s *span.Span, l *Layout, f *Field, rpc bool) {
	if f.JSONOnly && !w.json {
		return
	}
	var (
		v  string
		ok bool
	)
	if f.Source == FromTag {
		raw := firstTag(s, f.Tags)
		if n, isInt := span.TagInt(raw); isInt { // sizes, status codes: no string made
			w.int(f.Name, n, f.Num)
			return
		}
		v, ok = span.TagText(raw), raw != nil
	} else {
		v, ok = e.value(s, l, f)
	}
	if !ok && f.Optional && rpc && w.json {
		return
	}
	if !ok {
		v = f.Default
	}
	if f.Num && w.json {
		w.key(f.Name)
		if !isJSONNumber(v) {
			v = f.Default
		}
		w.dst = append(w.dst, v...)
		return
	}
	w.str(f.Name, v)
}

// value returns a field's text and whether the span had it.
func (e *Encoder) value(s *span.Span, l *Layout, f *Field) (string, bool) {
	switch f.Source {
	case FromTag:
		v := firstTag(s, f.Tags)
		return span.TagText(v), v != nil
	case FromResult:
		return ResultCode(s, l), true
	case FromCostMs:
		return strconv.FormatInt(s.Duration().Milliseconds(), 10), true
	case FromApp:
		return e.App, true
	case FromThread:
		return threadName(s), true
	case FromError:
		msg := errorText(s)
		return msg, msg != ""
	case FromOperation:
		return s.OperationName(), true
	case FromSpanKind:
		return tagString(s, span.TagSpanKind), true
	case FromHTTPRoute:
		if v := s.Tag(span.TagHTTPRoute); v != nil {
			return span.TagText(v), true
		}
		u := tagString(s, span.TagHTTPURL)
		return urlPath(u), u != ""
	case FromHTTPMethod:
		m := tagString(s, span.TagHTTPMethod)
		if m == "" || StandardHTTPMethod(m) {
			return m, m != ""
		}
		return "_OTHER", true
	}
	return "", false
}

// StandardHTTPMethod reports whether m is one of RFC 9110's methods or
// PATCH: the methods a stat key keeps, and that caches keyed by method
// accept, so that a client cannot mint entries with made-up ones.
func StandardHTTPMethod(m string) bool {
	switch m {
	case "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH":
		return true
	}
	return false
}

// urlPath returns the path of an absolute or relative URL, without query
// or fragment.
func urlPath(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
		j := strings.IndexByte(u, '/')
		if j < 0 {
			return "/"
		}
		u = u[j:]
	}
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	return u
}

// firstTag returns the value of the first of keys that s has, or nil.
func firstTag(s *span.Span, keys []string) any {
	for _, k := range keys {
		if v := s.Tag(k); v != nil {
			return v
		}
	}
	return nil
}

// extraTags writes the tags no field consumed, for layouts that keep them
// (the biz layout). A tag whose key is a fixed field name is written as
// "tag.<key>" so that it cannot duplicate a key.
func (e *Encoder) extraTags(w *lineWriter, s *span.Span, l *Layout) {
	if !l.AppendTags {
		return
	}
	tags := s.Tags()
	var renamed []string // keys this line gave renamed tags
	for _, t := range tags {
		use := l.keys[t.Key]
		if use&keyConsumed != 0 {
			continue
		}
		key := t.Key
		if use&keyTaken != 0 {
			for use&keyTaken != 0 || hasKey(tags, key) || slices.Contains(renamed, key) {
				key = "tag." + key
				use = l.keys[key]
			}
			renamed = append(renamed, key)
		}
		v := span.TagText(t.Value)
		if w.json {
			w.sep()
			w.dst = AppendJSONString(w.dst, key)
			w.dst = append(w.dst, ':')
			w.dst = AppendJSONString(w.dst, v)
		} else {
			w.sep()
			w.dst = AppendPlain(w.dst, key)
			w.dst = append(w.dst, ':')
			w.dst = AppendPlain(w.dst, v)
		}
	}
}

func hasKey(tags []span.Tag, key string) bool {
	for i := range tags {
		if tags[i].Key == key {
			return true
		}
	}
	return false
}

var fixedKeys = map[string]bool{
	"time": true, "timestamp": true, "local.app": true, "traceId": true, "tracerId": true,
	"spanId": true, "span.kind": true, "result.code": true, "current.thread.name": true,
	"time.cost.milliseconds": true, "sys.baggage": true, "biz.baggage": true, "baggage": true,
}

// ResultCode returns the result.code of s in layout l: the result.code tag
// when set, else what the layout derives.
func ResultCode(s *span.Span, l *Layout) string {
	if v := s.Tag(span.TagResultCode); v != nil {
		return span.TagText(v)
	}
	return l.Result(s)
}

func threadName(s *span.Span) string {
	if v, ok := s.Tag(span.TagThreadName).(string); ok {
		return v
	}
	return "goroutine"
}

func errorText(s *span.Span) string {
	if v := s.Tag(span.TagErrorMessage); v != nil {
		return span.TagText(v)
	}
	if failed(s) {
		return "true"
	}
	return ""
}

func tagString(s *span.Span, key string) string {
	if v := s.Tag(key); v != nil {
		return span.TagText(v)
	}
	return ""
}

// lineWriter writes keyed (JSON) or positional (plain) fields.
type lineWriter struct {
	dst   []byte
	json  bool
	count int
}

func (w *lineWriter) open() {
	if w.json {
		w.dst = append(w.dst, '{')
	}
}

func (w *lineWriter) close() {
	if w.json {
		w.dst = append(w.dst, '}')
	}
}

func (w *lineWriter) sep() {
	if w.count > 0 {
		w.dst = append(w.dst, ',')
	}
	w.count++
}

// key writes a constant key; caller-controlled keys go through
// AppendJSONString instead.
func (w *lineWriter) key(k string) { w.dst = w.appendKey(w.dst, k) }

// appendKey appends the separator and key k to d. The field writers
// append to a local slice and store w.dst once: every store through w
// costs a write barrier while the garbage collector runs.
func (w *lineWriter) appendKey(d []byte, k string) []byte {
	if w.count > 0 {
		d = append(d, ',')
	}
	w.count++
	if w.json {
		d = append(d, '"')
		d = append(d, k...)
		d = append(d, '"', ':')
	}
	return d
}

// quote opens a string value that the caller appends without escaping
// (times, numbers); unquote closes it.
func (w *lineWriter) quote() []byte {
	if w.json {
		return append(w.dst, '"')
	}
	return w.dst
}

func (w *lineWriter) unquote() {
	if w.json {
		w.dst = append(w.dst, '"')
	}
}

func (w *lineWriter) str(k, v string) {
	d := w.appendKey(w.dst, k)
	if w.json {
		w.dst = AppendJSONString(d, v)
	} else {
		w.dst = AppendPlain(d, v)
	}
}

// int writes n, quoted in JSON unless num.
func (w *lineWriter) int(k string, n int64, num bool) {
	d := w.appendKey(w.dst, k)
	if num || !w.json {
		w.dst = strconv.AppendInt(d, n, 10)
		return
	}
	w.dst = append(strconv.AppendInt(append(d, '"'), n, 10), '"')
}

func (w *lineWriter) appendBaggage(m map[string]string) []byte {
	if len(m) == 0 {
		if w.json {
			return append(w.dst, '"', '"')
		}
		return w.dst
	}
	var buf [256]byte
	raw := span.AppendMap(buf[:0], m)
	if w.json {
		return AppendJSONString(w.dst, string(raw))
	}
	return AppendPlain(w.dst, string(raw))
}

// isJSONNumber reports whether s is a number in JSON's grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func isJSONNumber(s string) bool {
	i := 0
	digits := func() int {
		n := 0
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		digits()
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}
