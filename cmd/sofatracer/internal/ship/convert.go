package ship

import (
	"strings"

	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/logline"
	"github.com/sofatracer/sofatracer-go/reporter/zipkin"
)

// fieldsSkipped are the fields a span carries elsewhere.
var fieldsSkipped = map[string]bool{
	"time": true, "timestamp": true, "traceId": true, "tracerId": true, "spanId": true,
	"span.kind": true, "local.app": true, "time.cost.milliseconds": true,
}

// encoder turns digest lines into spans, with the ids the Go reporters
// (reporter/zipkin, sofaotel/otlp) and SOFATracer's Java adapter use: the
// padded TraceId, FNV-1a 64 of the dotted span ids.
type encoder struct {
	p      logline.Parser
	r      logline.Record
	fields [][2][]byte
	bag    [][2]string
	seen   map[string]bool
	tags   [][2][]byte // the span's tags but the ids and error, deduplicated
	errV   []byte      // the error tag's value, nil when the span did not fail
	kind   string      // CLIENT, SERVER, PRODUCER, CONSUMER or ""
	shared bool        // an RPC server span sharing its client's id
	op     []byte
}

// parse reads line into the encoder; false for a line that is not a span.
func (e *encoder) parse(line []byte, layout string) bool {
	e.fields = e.fields[:0]
	if err := e.p.Digest(line, layout, &e.r, func(k, v []byte) {
		e.fields = append(e.fields, [2][]byte{k, v})
	}); err != nil {
		return false
	}
	r := &e.r
	e.kind = strings.ToUpper(string(r.Kind))
	switch e.kind {
	case "CLIENT", "SERVER", "PRODUCER", "CONSUMER":
	default:
		e.kind = ""
	}
	e.shared = e.kind == "SERVER" && (r.RPC || len(r.Protocol) > 0)
	e.op = r.AppendOperation(e.op[:0])
	if e.seen == nil {
		e.seen = map[string]bool{}
	}
	seen := e.seen
	clear(seen)
	seen["origin.trace.id"], seen["origin.span.id"], seen["origin.parent.span.id"] = true, true, true
	e.errV = nil
	if r.Error() {
		e.errV = r.ErrorText
		if len(e.errV) == 0 {
			e.errV = []byte("true")
		}
		seen["error"] = true
	}
	e.tags, e.bag = e.tags[:0], e.bag[:0]
	for _, f := range e.fields {
		if fieldsSkipped[string(f[0])] || seen[string(f[0])] {
			continue
		}
		k := string(f[0])
		seen[k] = true
		if strings.HasSuffix(k, "baggage") && len(f[1]) > 0 {
			e.bag = appendBaggage(e.bag, string(f[1]))
		}
		e.tags = append(e.tags, f)
	}
	for _, kv := range e.bag { // every baggage item as a tag, as the reporters do
		if seen[kv[0]] {
			continue
		}
		seen[kv[0]] = true
		e.tags = append(e.tags, [2][]byte{[]byte(kv[0]), []byte(kv[1])})
	}
	return true
}

// parentID is the dotted id of the span's parent, "" for a root.
func (e *encoder) parentID() string {
	sid := string(e.r.SpanID)
	if i := strings.LastIndexByte(sid, '.'); i > 0 {
		return sid[:i]
	}
	return ""
}

// startDur returns the span's start and duration in microseconds.
func (e *encoder) startDur() (int64, int64) {
	cost := max(e.r.CostMs, 0)
	return (e.r.EndMs - cost) * 1000, max(cost*1000, 1)
}

// appendZipkin appends the parsed span as a Zipkin v2 JSON object.
func (e *encoder) appendZipkin(dst []byte) []byte {
	r := &e.r
	dst = append(dst, `{"traceId":"`...)
	dst = append(dst, zipkin.MapTraceID(string(r.TraceID)).String()...)
	dst = append(dst, `","id":"`...)
	dst = append(dst, zipkin.HashSpanID(string(r.SpanID)).String()...)
	dst = append(dst, '"')
	pid := e.parentID()
	if pid != "" {
		dst = append(dst, `,"parentId":"`...)
		dst = append(dst, zipkin.HashSpanID(pid).String()...)
		dst = append(dst, '"')
	}
	if e.kind != "" {
		dst = append(dst, `,"kind":"`...)
		dst = append(dst, e.kind...)
		dst = append(dst, '"')
	}
	if e.shared {
		dst = append(dst, `,"shared":true`...) // an RPC server shares its client's id
	}
	dst = append(dst, `,"name":`...)
	dst = appendString(dst, e.op)
	start, dur := e.startDur()
	dst = append(dst, `,"timestamp":`...)
	dst = appendInt(dst, start)
	dst = append(dst, `,"duration":`...)
	dst = appendInt(dst, dur)
	dst = append(dst, `,"localEndpoint":{"serviceName":`...)
	dst = appendString(dst, r.App)
	dst = append(dst, '}')
	if len(r.RemoteApp) > 0 {
		dst = append(dst, `,"remoteEndpoint":{"serviceName":`...)
		dst = appendString(dst, r.RemoteApp)
		dst = append(dst, '}')
	}
	dst = append(dst, `,"tags":{"origin.trace.id":`...)
	dst = appendString(dst, r.TraceID)
	dst = append(dst, `,"origin.span.id":`...)
	dst = appendString(dst, r.SpanID)
	if pid != "" {
		dst = append(dst, `,"origin.parent.span.id":`...)
		dst = appendString(dst, []byte(pid))
	}
	if e.errV != nil {
		dst = append(dst, `,"error":`...)
		dst = appendString(dst, e.errV)
	}
	for _, t := range e.tags {
		dst = append(dst, ',')
		dst = appendString(dst, t[0])
		dst = append(dst, ':')
		dst = appendString(dst, t[1])
	}
	return append(dst, "}}"...)
}

var unescapeBaggage = strings.NewReplacer("%3D", "=", "%26", "&", "%25", "%")

// appendBaggage splits SOFA's "k=v&k2=v2&" and unescapes %3D, %26, %25.
func appendBaggage(dst [][2]string, s string) [][2]string {
	un := unescapeBaggage
	for _, part := range strings.Split(s, "&") {
		k, v, ok := strings.Cut(part, "=")
		if !ok || k == "" {
			continue
		}
		dst = append(dst, [2]string{un.Replace(k), un.Replace(v)})
	}
	return dst
}
