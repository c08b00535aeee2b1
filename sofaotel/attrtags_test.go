package sofaotel

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/opentracing/opentracing-go"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// A tag set on the span through OpenTracing keeps its value over an
// attribute of the same name, and the layout's tags, set at End, override
// both; every attribute is a tag once, read on the reporter's side.
func TestAttributeTagsPrecedence(t *testing.T) {
	tr, c := newTracer(t, "app")
	_, sp := NewTracerProvider(tr).Tracer("t").Start(context.Background(), "GET /x", trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("team", "attr"), attribute.String("http.request.method", "GET"), attribute.String("url.path", "/x")))
	sp.SetAttributes(attribute.Int("http.response.status_code", 404), attribute.String("team", "attr-late"))
	sp.(*Span).SOFASpan().SetTag("team", "ot")
	sp.(*Span).SOFASpan().SetTag(span.TagHTTPMethod, "POST")
	sp.End()
	s := c.byName(t, "GET /x")
	if s.Tag("team") != "ot" || s.Tag(span.TagHTTPMethod) != "GET" || s.Tag("url.path") != "/x" || s.Tag("http.response.status_code") != int64(404) {
		t.Fatalf("team %v, http.method %v, url.path %v, status %v", s.Tag("team"), s.Tag(span.TagHTTPMethod), s.Tag("url.path"), s.Tag("http.response.status_code"))
	}
	seen := map[string]int{}
	for _, tag := range s.Tags() {
		seen[tag.Key]++
		if got := s.Tag(tag.Key); fmt.Sprint(got) != fmt.Sprint(tag.Value) {
			t.Errorf("Tags() has %s=%v, Tag gives %v", tag.Key, tag.Value, got)
		}
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("tag %s listed %d times", k, n)
		}
	}
	if seen["team"] == 0 || seen["http.request.method"] == 0 || seen[span.TagHTTPURL] == 0 {
		t.Errorf("tags %v", s.Tags())
	}
}

// Attributes past the tracer's tag limit are refused and counted at End,
// never the digest layout's tags; too long a value is cut.
func TestAttributeTagsOverLimits(t *testing.T) {
	tr, c := newTracer(t, "app", tracer.WithSpanLimits(10, 16, 8))
	attrs := []attribute.KeyValue{attribute.String("http.request.method", "GET"), attribute.String("url.path", "/orders/42")}
	for i := range 12 {
		attrs = append(attrs, attribute.String(fmt.Sprintf("extra.%02d", i), "value"))
	}
	attrs = append(attrs, attribute.String("long", "0123456789abcdefXYZ"))
	_, sp := NewTracerProvider(tr).Tracer("t").Start(context.Background(), "GET /orders", trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
	sp.End()
	s := c.byName(t, "GET /orders")
	if n := len(s.Tags()); n != 10 {
		t.Fatalf("%d tags, want the limit, 10: %v", n, s.Tags())
	}
	layout, line := digestLine(t, "app", s)
	if layout != "http-server" || line["method"] != "GET" || line["request.url"] != "/orders/42" {
		t.Fatalf("layout %s, line %v", layout, line)
	}
	if st := tr.Stats(); st.Refused["tag"] == 0 {
		t.Fatalf("refused %v: the attributes past the limit must be counted", st.Refused)
	}
	_, sp = NewTracerProvider(tr).Tracer("t").Start(context.Background(), "long", trace.WithAttributes(attribute.String("long", "0123456789abcdefXYZ")))
	sp.End()
	if v := c.byName(t, "long").Tag("long"); v != "0123456789abcdef...(truncated)" {
		t.Fatalf("long value %v", v)
	}
}

// End measures the attributes, set at Start and later, for the span's
// TagBounds as a separate pass over them would: their number, the longest
// string (an array counts as too long to measure) and the keys' KeyBits.
func TestEndMeasuresAttributeBounds(t *testing.T) {
	tr, _ := newTracer(t, "app")
	for _, c := range []struct {
		name        string
		start, late []attribute.KeyValue
	}{
		{"none", nil, nil},
		{"scalars", []attribute.KeyValue{attribute.String("http.request.method", "GET"), attribute.Int("n", 1), attribute.Bool("b", true), attribute.Float64("f", 1.5)},
			[]attribute.KeyValue{attribute.String("a.rather.long.key.name", "a longer string value")}},
		{"array", []attribute.KeyValue{attribute.String("url.path", "/x")}, []attribute.KeyValue{attribute.StringSlice("l", []string{"a"})}},
		{"int array at start", []attribute.KeyValue{attribute.Int64Slice("ns", []int64{1, 2})}, nil},
	} {
		_, sp := NewTracerProvider(tr).Tracer("t").Start(context.Background(), c.name, trace.WithAttributes(c.start...))
		sp.SetAttributes(c.late...)
		sp.End()
		want := span.TagBounds{N: len(c.start) + len(c.late)}
		for _, kv := range append(append([]attribute.KeyValue{}, c.start...), c.late...) {
			want.KeyBits |= span.KeyBit(string(kv.Key))
			switch kv.Value.Type() {
			case attribute.STRING:
				want.Longest = max(want.Longest, len(kv.Value.AsString()))
			case attribute.BOOLSLICE, attribute.INT64SLICE, attribute.FLOAT64SLICE, attribute.STRINGSLICE:
				want.Longest = math.MaxInt
			}
		}
		if got := (*attrTags)(sp.(*Span)).Bounds(); got != want {
			t.Errorf("%s: bounds %+v, want %+v", c.name, got, want)
		}
	}
}

// AddLink, answered by the embedded no-op span, is safe on a span started
// through the provider and on the view of an OpenTracing span.
func TestAddLinkIsIgnored(t *testing.T) {
	tr, _ := newTracer(t, "app")
	p := NewTracerProvider(tr)
	ctx, otel := p.Tracer("t").Start(context.Background(), "otel")
	ot := tr.StartSpan("ot")
	view := trace.SpanFromContext(opentracing.ContextWithSpan(ctx, ot))
	if w, ok := view.(*Span); !ok || w.SOFASpan() != ot {
		t.Fatalf("no view of the OpenTracing span: %T", view)
	}
	for _, s := range []trace.Span{otel, view} {
		s.AddLink(trace.Link{SpanContext: otel.SpanContext()})
		s.End()
	}
}

// The keys the digest writer asks an otelhttp server span for and that its
// attributes lack (the layout's optional fields, the stat key's route,
// Classify's component and protocol) have KeyBits none of its attributes
// set, so that those lookups never scan the attributes. Each of them has
// the length of some attribute key, so a mask of lengths alone would not
// skip them.
func TestKeyBitsSkipTheWriterMisses(t *testing.T) {
	attrs := []string{"http.request.method", "url.scheme", "server.address", "server.port", "network.peer.address",
		"network.peer.port", "user_agent.original", "client.address", "url.path", "network.protocol.version",
		"http.response.status_code", "http.response.body.size"}
	var bits uint64
	lens := map[int]bool{}
	for _, k := range attrs {
		bits |= span.KeyBit(k)
		lens[len(k)] = true
	}
	for _, k := range []string{span.TagReqSize, span.TagHTTPRoute, span.TagProtocol} {
		if !lens[len(k)] {
			t.Errorf("%q: no attribute key has its length; the test no longer shows what KeyBit adds", k)
		}
		if bits&span.KeyBit(k) != 0 {
			t.Errorf("%q shares a KeyBit with an attribute key: the writer's lookup scans the attributes", k)
		}
	}
	for _, k := range []string{span.TagComponent, span.TagErrorMessage, span.TagError, span.TagResultCode} {
		if bits&span.KeyBit(k) != 0 {
			t.Errorf("%q shares a KeyBit with an attribute key", k)
		}
	}
}
