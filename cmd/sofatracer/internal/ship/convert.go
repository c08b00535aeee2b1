package ship

import (
	"strings"

	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/logline"
	"github.com/sofatracer/sofatracer-go/reporter/zipkin"
)

// fieldsSkipped are the fields a Zipkin span carries elsewhere.
var fieldsSkipped = map[string]bool{
	"time": true, "timestamp": true, "traceId": true, "tracerId": true, "spanId": true,
	"span.kind": true, "local.app": true, "time.cost.milliseconds": true,
}

// encoder turns digest lines into Zipkin v2 JSON spans, appended to a
// buffer, with the ids the Go reporter (reporter/zipkin) and SOFATracer's
// Java adapter use: the padded TraceId, FNV-1a 64 of the dotted span ids.
type encoder struct {
	p      logline.Parser
	r      logline.Record
	fields [][2][]byte
	bag    [][2]string
	seen   map[string]bool
	op     []byte
}

// appendSpan parses line and appends its span as a JSON object; ok is
// false for a line that is not a span.
func (e *encoder) appendSpan(dst []byte, line []byte, layout string) ([]byte, bool) {
	e.fields = e.fields[:0]
	if err := e.p.Digest(line, layout, &e.r, func(k, v []byte) {
		e.fields = append(e.fields, [2][]byte{k, v})
	}); err != nil {
		return dst, false
	}
	r := &e.r
	sid := string(r.SpanID)
	dst = append(dst, `{"traceId":"`...)
	dst = append(dst, zipkin.MapTraceID(string(r.TraceID)).String()...)
	dst = append(dst, `","id":"`...)
	dst = append(dst, zipkin.HashSpanID(sid).String()...)
	dst = append(dst, '"')
	if i := strings.LastIndexByte(sid, '.'); i > 0 {
		dst = append(dst, `,"parentId":"`...)
		dst = append(dst, zipkin.HashSpanID(sid[:i]).String()...)
		dst = append(dst, '"')
	}
	kind := strings.ToUpper(string(r.Kind))
	switch kind {
	case "CLIENT", "SERVER", "PRODUCER", "CONSUMER":
		dst = append(dst, `,"kind":"`...)
		dst = append(dst, kind...)
		dst = append(dst, '"')
	}
	if kind == "SERVER" && (r.RPC || len(r.Protocol) > 0) {
		dst = append(dst, `,"shared":true`...) // an RPC server shares its client's id
	}
	dst = append(dst, `,"name":`...)
	e.op = r.AppendOperation(e.op[:0])
	dst = appendString(dst, e.op)
	cost := max(r.CostMs, 0)
	dst = append(dst, `,"timestamp":`...)
	dst = appendInt(dst, (r.EndMs-cost)*1000)
	dst = append(dst, `,"duration":`...)
	dst = appendInt(dst, max(cost*1000, 1))
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
	if i := strings.LastIndexByte(sid, '.'); i > 0 {
		dst = append(dst, `,"origin.parent.span.id":`...)
		dst = appendString(dst, r.SpanID[:i])
	}
	if e.seen == nil {
		e.seen = map[string]bool{}
	}
	seen := e.seen
	clear(seen)
	seen["origin.trace.id"], seen["origin.span.id"], seen["origin.parent.span.id"] = true, true, true
	if r.Error() {
		v := r.ErrorText
		if len(v) == 0 {
			v = []byte("true")
		}
		dst = append(dst, `,"error":`...)
		dst = appendString(dst, v)
		seen["error"] = true
	}
	e.bag = e.bag[:0]
	for _, f := range e.fields {
		if fieldsSkipped[string(f[0])] || seen[string(f[0])] {
			continue
		}
		k := string(f[0])
		seen[k] = true
		if strings.HasSuffix(k, "baggage") && len(f[1]) > 0 {
			e.bag = appendBaggage(e.bag, string(f[1]))
		}
		dst = append(dst, ',')
		dst = appendString(dst, f[0])
		dst = append(dst, ':')
		dst = appendString(dst, f[1])
	}
	for _, kv := range e.bag { // every baggage item as a tag, as the reporter does
		if seen[kv[0]] {
			continue
		}
		seen[kv[0]] = true
		dst = append(dst, ',')
		dst = appendString(dst, []byte(kv[0]))
		dst = append(dst, ':')
		dst = appendString(dst, []byte(kv[1]))
	}
	return append(dst, "}}"...), true
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
