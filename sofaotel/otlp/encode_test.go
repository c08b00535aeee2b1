package otlp

import (
	"strings"
	"testing"

	"github.com/opentracing/opentracing-go"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// captured keeps finished spans for the encoding tests.
type captured struct{ spans []*span.Span }

func (c *captured) Report(s *span.Span) { c.spans = append(c.spans, s) }
func (c *captured) Close() error        { return nil }

type point struct{ X, Y int }

// TestEncodingAsTheProtobufRuntimeReadsIt: the hand-written encoding,
// read back by the protobuf runtime, holds every value with its type,
// events, status and lengths of one, two and three bytes.
func TestEncodingAsTheProtobufRuntimeReadsIt(t *testing.T) {
	c := &captured{}
	tr, err := tracer.New(tracer.WithAppName("enc"), tracer.WithLogDir(t.TempDir()), tracer.WithReporter(c))
	if err != nil {
		t.Fatal(err)
	}
	// Messages and strings with lengths of one, two and three bytes (the
	// tag is cut at 16 KiB, which still needs three).
	long, huge := strings.Repeat("l", 300), strings.Repeat("h", 20000)
	s := tr.StartSpan("op\xff", opentracing.Tag{Key: "span.kind", Value: "producer"}).(*span.Span)
	s.SetTag("s", "v").SetTag("b", true).SetTag("i", int32(-7)).SetTag("f", 1.5).SetTag("f32", float32(0.25))
	s.SetTag("p", point{1, 2}).SetTag("long", long).SetTag("huge", huge).SetTag("bad", "a\xffb")
	s.SetTag("error", "true").SetTag("error.message", "it failed")
	s.LogKV("event", "retry", "attempt", 2, "why", long)
	s.LogKV("k", "v")
	s.Finish()
	tr.Close()
	m := Convert(c.spans[0])
	if m.Name != "op\uFFFD" || m.Kind != tracepb.Span_SPAN_KIND_PRODUCER || m.EndTimeUnixNano < m.StartTimeUnixNano || m.StartTimeUnixNano == 0 {
		t.Fatalf("span %v", m)
	}
	if m.Status.GetCode() != tracepb.Status_STATUS_CODE_ERROR || m.Status.GetMessage() != "it failed" {
		t.Errorf("status %v", m.Status)
	}
	got := map[string]*commonpb.AnyValue{}
	for _, a := range m.Attributes {
		got[a.Key] = a.Value
	}
	if got["s"].GetStringValue() != "v" || !got["b"].GetBoolValue() || got["i"].GetIntValue() != -7 ||
		got["f"].GetDoubleValue() != 1.5 || got["f32"].GetDoubleValue() != 0.25 || got["p"].GetStringValue() != span.TagText(point{1, 2}) ||
		got["long"].GetStringValue() != long || got["huge"].GetStringValue() != c.spans[0].Tag("huge") || got["bad"].GetStringValue() != "a\uFFFDb" ||
		got[AttrSOFASpanID].GetStringValue() != "0" {
		t.Errorf("attributes s=%v b=%v i=%v f=%v f32=%v p=%v bad=%v span_id=%v, long %d huge %d bytes", got["s"], got["b"], got["i"],
			got["f"], got["f32"], got["p"], got["bad"], got[AttrSOFASpanID], len(got["long"].GetStringValue()), len(got["huge"].GetStringValue()))
	}
	if _, ok := got["span.kind"]; ok {
		t.Error("span.kind is the span's kind, not an attribute")
	}
	if len(m.Events) != 2 || m.Events[0].Name != "retry" || len(m.Events[0].Attributes) != 2 ||
		m.Events[0].Attributes[0].Value.GetIntValue() != 2 || m.Events[0].Attributes[1].Value.GetStringValue() != long ||
		m.Events[1].Name != "log" || m.Events[0].TimeUnixNano == 0 {
		t.Errorf("events %v", m.Events)
	}

	// A request of two services, as the reporter builds it.
	batch := []item{{enc: appendSpan(nil, c.spans[0]), service: "a"}, {enc: appendSpan(nil, c.spans[0]), service: "b"},
		{enc: appendSpan(nil, c.spans[0]), service: "a"}}
	rs, _ := request(nil, batch)
	b, err := proto.Marshal(&coltracepb.ExportTraceServiceRequest{ResourceSpans: rs})
	if err != nil {
		t.Fatal(err)
	}
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(b, &req); err != nil {
		t.Fatal(err)
	}
	if len(req.ResourceSpans) != 2 {
		t.Fatalf("%d resources", len(req.ResourceSpans))
	}
	for i, want := range []struct {
		svc string
		n   int
	}{{"a", 2}, {"b", 1}} {
		rs := req.ResourceSpans[i]
		if rs.Resource.GetAttributes()[0].GetValue().GetStringValue() != want.svc || len(rs.ScopeSpans) != 1 ||
			rs.ScopeSpans[0].Scope.GetName() != scopeName || len(rs.ScopeSpans[0].Spans) != want.n ||
			!proto.Equal(rs.ScopeSpans[0].Spans[0], m) {
			t.Errorf("resource %d: %v", i, rs.Resource)
		}
	}
}
