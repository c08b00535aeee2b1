package pluginutil

import (
	"context"
	"fmt"
	"sort"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/propagation"
	"github.com/sofatracer/sofatracer-go/span"
)

// InjectMessage writes sc into a message's headers through w. A SOFATracer context is written as Java's B3 text map: X-B3-TraceId,
// X-B3-SpanId, X-B3-ParentSpanId, X-B3-Sampled ("true"/"false") with the
// SOFA ids, then baggage-sys-<k> and baggage-<k> with keys and values
// escaped as SOFATracer escapes baggage (%, &, =) and nothing else (a
// business key starting with "sys-" is read back as system baggage; Java
// reads it as both). A context that arrived in real B3 or W3C form is written in that form
// (tr's opentracing.HTTPHeaders), any other tracer's in its
// opentracing.TextMap form. ExtractMessage reads all of them back.
func InjectMessage(tr opentracing.Tracer, sc opentracing.SpanContext, w opentracing.TextMapWriter) error {
	c, ok := sc.(*span.Context)
	if !ok {
		return tr.Inject(sc, opentracing.TextMap, w)
	}
	if c.Format != span.FormatSOFA {
		return tr.Inject(sc, opentracing.HTTPHeaders, w)
	}
	sampled := "false"
	if c.Sampled() {
		sampled = "true"
	}
	w.Set(propagation.HeaderTraceID, c.TraceID)
	w.Set(propagation.HeaderSpanID, c.SpanID)
	w.Set(propagation.HeaderParentSpanID, c.ParentID)
	w.Set(propagation.HeaderSampled, sampled)
	b := c.Baggage()
	if b.Empty() {
		return nil
	}
	var buf [128]byte
	for _, k := range sortedKeys(b.Sys) {
		w.Set(string(span.AppendEscaped(append(buf[:0], propagation.SysBaggagePrefix...), k)), escaped(b.Sys[k]))
	}
	for _, k := range sortedKeys(b.Biz) {
		w.Set(string(span.AppendEscaped(append(buf[:0], propagation.BaggagePrefix...), k)), escaped(b.Biz[k]))
	}
	return nil
}

func escaped(s string) string {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '%', '&', '=':
			return string(span.AppendEscaped(make([]byte, 0, len(s)+8), s))
		}
	}
	return s
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ExtractMessage reads the producer's context from a received message's
// headers (any form InjectMessage writes; with a SOFATracer, also the
// sftc_head and SOFA-TraceId forms, names matched case-insensitively). It
// returns nil when the headers hold no context or a malformed one: the
// consumer then starts a new trace. A SOFATracer counts malformed
// contexts in Stats().Corrupted, by reason.
func ExtractMessage(tr opentracing.Tracer, r opentracing.TextMapReader) opentracing.SpanContext {
	sc, err := tr.Extract(opentracing.TextMap, r)
	if err != nil {
		return nil
	}
	return sc
}

// MQResult is the result code of a messaging span without a result.code
// tag: "99" when it has error=true, else "00".
func MQResult(s *span.Span) string {
	if v, _ := s.Tag(span.TagError).(bool); v {
		return "99"
	}
	return "00"
}

// MQSuccess is SOFATracer's isMQSimpleSuccess: only "00" succeeds.
func MQSuccess(code string, _ bool) bool { return code == "00" }

// MQTags are the constant tags of the spans of one messaging destination
// (a topic; an exchange and routing key), which those spans share instead
// of copying them (span.TagBlock): Base, and OK, Base with result.code 00.
type MQTags struct{ Base, OK *span.TagBlock }

// NewMQTags returns the MQTags of tags.
func NewMQTags(tags ...span.Tag) MQTags {
	ok := append(tags[:len(tags):len(tags)], span.Tag{Key: span.TagResultCode, Value: "00"})
	return MQTags{Base: span.NewTagBlock(tags...), OK: span.NewTagBlock(ok...)}
}

// EndMQ sets all the tags of a messaging span at once and ends it: t.OK
// and tags when err is nil, else t.Base, tags and FinishMQ's error tags.
func EndMQ(sp opentracing.Span, t MQTags, err error, tags ...span.Tag) {
	if err == nil {
		SetTagBlock(sp, t.OK, tags...)
		sp.Finish()
		return
	}
	SetTagBlock(sp, t.Base, tags...)
	FinishMQ(sp, err)
}

// FinishMQ ends a messaging span: result.code 00 when err is nil, else
// 99, error=true and err's text.
func FinishMQ(sp opentracing.Span, err error) {
	if err != nil {
		SetTags(sp, span.Tag{Key: span.TagResultCode, Value: "99"},
			span.Tag{Key: span.TagError, Value: true},
			span.Tag{Key: span.TagErrorMessage, Value: err.Error()})
	} else {
		sp.SetTag(span.TagResultCode, "00")
	}
	sp.Finish()
}

// RunMQ runs fn, a consumer's processing of a message, with sp in its
// context, and ends sp: as it is when fn succeeds (sp already carries
// result.code 00: MQTags.OK, set before fn so that fn's own tags come
// after it), else with FinishMQ. fn's error is returned unchanged; a
// panic ends sp with 99 and goes on.
func RunMQ(ctx context.Context, sp opentracing.Span, fn func(context.Context) error) error {
	done := false
	defer func() {
		if done {
			return
		}
		p := recover()
		FinishMQ(sp, fmt.Errorf("panic: %v", p))
		if p != nil {
			panic(p)
		}
	}()
	err := fn(opentracing.ContextWithSpan(ctx, sp))
	done = true
	if err != nil {
		FinishMQ(sp, err)
	} else {
		sp.Finish()
	}
	return err
}
