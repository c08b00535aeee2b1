package kafkatrace

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/opentracing/opentracing-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sofatracer/sofatracer-go/plugins/internal/logtest"
	"github.com/sofatracer/sofatracer-go/plugins/internal/pluginutil"
)

// keysTracer is a tracer whose Inject sets the given keys, in order.
type keysTracer struct {
	opentracing.NoopTracer
	keys []string
}

func (t keysTracer) Inject(_ opentracing.SpanContext, _ any, carrier any) error {
	w := carrier.(opentracing.TextMapWriter)
	for i, k := range t.keys {
		w.Set(k, strings.Repeat("v", i+1))
	}
	return nil
}

// setWriter applies Set as the hooks promise: a key replaces the header
// of the same name, case-insensitively, else it is added.
type setWriter struct{ h []kgo.RecordHeader }

func (w *setWriter) Set(k, v string) {
	for i := range w.h {
		if strings.EqualFold(w.h[i].Key, k) {
			w.h[i] = kgo.RecordHeader{Key: k, Value: []byte(v)}
			return
		}
	}
	w.h = append(w.h, kgo.RecordHeader{Key: k, Value: []byte(v)})
}

// TestInjectedHeaders: the headers the produce hook writes are what
// setting each injected key in turn gives (replacing a header of the same
// name, case-insensitively), with the record's own headers or without,
// for a SOFATracer (baggage keys that differ in case included) and for
// tracers that set Java's keys out of order, twice or in another case.
func TestInjectedHeaders(t *testing.T) {
	tr := logtest.NewTracer(t, "app")
	parent := tr.StartSpan("parent")
	parent.SetBaggageItem("K", "1")
	parent.SetBaggageItem("k", "2")
	parent.SetBaggageItem("zone", "gz")
	defer parent.Finish()
	tracers := map[string]opentracing.Tracer{"sofatracer": tr}
	for name, keys := range map[string][]string{
		"java then lower": {"X-B3-TraceId", "x-b3-traceid"},
		"lower then java": {"x-b3-spanid", "X-B3-SpanId", "X-B3-TraceId"},
		"java twice":      {"X-B3-TraceId", "X-B3-SpanId", "X-B3-TraceId", "X-B3-Sampled"},
		"java skipped":    {"X-B3-TraceId", "X-B3-ParentSpanId", "X-B3-SpanId", "X-B3-Sampled", "X-B3-TraceId"},
		"java in order":   {"X-B3-TraceId", "X-B3-SpanId", "X-B3-ParentSpanId", "X-B3-Sampled", "x-b3-sampled"},
	} {
		tracers[name] = keysTracer{keys: keys}
	}
	for name, tr := range tracers {
		for _, own := range [][]kgo.RecordHeader{nil, {{Key: "x-b3-traceid", Value: []byte("old")}, {Key: "app", Value: []byte("orders")}}} {
			h := NewHooks(tr).(*hooks)
			var sp opentracing.Span
			if name == "sofatracer" {
				sp = parent
			} else {
				sp = tr.StartSpan("parent")
			}
			ctx := opentracing.ContextWithSpan(context.Background(), sp)
			r := &kgo.Record{Topic: "orders", Context: ctx, Headers: slices.Clone(own)}
			h.OnProduceRecordBuffered(r)
			// What injecting the same context into the same headers gives.
			want := &setWriter{h: slices.Clone(own)}
			if err := pluginutil.InjectMessage(tr, r.Context.(*sendCtx).sp.Context(), want); err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(r.Headers, want.h, func(a, b kgo.RecordHeader) bool { return a.Key == b.Key && string(a.Value) == string(b.Value) }) {
				t.Errorf("%s, own headers %v: got %v, want %v", name, own, r.Headers, want.h)
			}
			h.OnProduceRecordUnbuffered(r, nil)
		}
	}
}
