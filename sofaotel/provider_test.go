package sofaotel

import (
	"context"
	"sync"
	"testing"

	"github.com/opentracing/opentracing-go"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/sofatracer/sofatracer-go/reporter/zipkin"
	"github.com/sofatracer/sofatracer-go/span"
)

func TestSpanContextIDsAreTheZipkinReportersAndTraceStateHasSOFAIDs(t *testing.T) {
	tr, _ := newTracer(t, "ids")
	ot := NewTracerProvider(tr).Tracer("test")
	ctx, root := ot.Start(context.Background(), "root")
	_, child := ot.Start(ctx, "child")
	for _, s := range []trace.Span{root, child} {
		c := &s.(*Span).SOFASpan().Ctx
		zt, zs, _ := zipkin.IDs(c)
		sc := s.SpanContext()
		if got, want := sc.TraceID().String(), zt.String(); got != want {
			t.Errorf("trace id %s, Zipkin reporter %s", got, want)
		}
		if got, want := sc.SpanID().String(), zs.String(); got != want {
			t.Errorf("span id %s, Zipkin reporter %s", got, want)
		}
		if got, want := sc.TraceState().Get("sofa"), c.TraceID+";"+c.SpanID; got != want {
			t.Errorf("tracestate sofa=%q, want %q", got, want)
		}
		if !sc.IsSampled() || sc.IsRemote() {
			t.Errorf("flags: sampled %v remote %v", sc.IsSampled(), sc.IsRemote())
		}
	}
	if got := child.(*Span).SOFASpan().Ctx.SpanID; got != "0.1" {
		t.Errorf("child SpanId %q, want 0.1", got)
	}
	if len(root.SpanContext().TraceID().String()) != 32 || root.SpanContext().TraceID().String()[:2] != "00" && len(root.(*Span).SOFASpan().Ctx.TraceID) < 32 {
		t.Errorf("trace id not left-padded: %s", root.SpanContext().TraceID())
	}
	child.End()
	root.End()
}

func TestKnownIDMapping(t *testing.T) {
	c := span.NewContext("0a0fe9271567477985327100211176", "0.1", "0", true)
	tid, sid, pid := IDs(c)
	if tid.String() != "000a0fe9271567477985327100211176" || sid.String() != "4e18dd181d0a2066" || pid.String() != "af63ad4c86019caf" {
		t.Fatalf("ids %s %s %s", tid, sid, pid)
	}
	c.Shared = true
	_, ssid, spid := IDs(c)
	if spid != sid || ssid == sid || ssid[7] != sid[7]^1 {
		t.Fatalf("shared server ids %s parent %s", ssid, spid)
	}
	// The shared server's child: the server's own id as parent in OTLP;
	// the shared id in Zipkin, which attributes it to the server side.
	child := span.NewContext(c.TraceID, "0.1.1", "0.1", true)
	child.ParentShared = true
	if _, _, cpid := IDs(child); cpid != ssid {
		t.Errorf("child of the shared server: parent %s, want %s", cpid, ssid)
	}
	if _, _, zp := zipkin.IDs(child); zp == nil || zp.String() != sid.String() {
		t.Errorf("Zipkin parent of the shared server's child %v, want %s", zp, sid)
	}
}

// A span whose parent is a shared server span, in the same process or
// known only by its OpenTelemetry span context (a W3C traceparent and
// tracestate), has the server span's own OpenTelemetry id as parent.
func TestChildOfSharedServerSpanHasTheServersID(t *testing.T) {
	tr, _ := newTracer(t, "shared")
	ot := NewTracerProvider(tr).Tracer("test")
	client := tr.StartSpan("client", opentracing.Tag{Key: "span.kind", Value: "client"})
	server := tr.StartSpan("server", span.ShareContext(client.Context())).(*span.Span)
	_, serverID, clientID := IDs(&server.Ctx)
	if _, cid, _ := IDs(client.Context().(*span.Context)); cid != clientID || serverID == clientID {
		t.Fatalf("server %s parent %s, client %s", serverID, clientID, cid)
	}
	ctx := opentracing.ContextWithSpan(context.Background(), server)
	_, local := ot.Start(ctx, "local")
	remoteSC := spanContext(&server.Ctx, trace.TraceState{}, true)
	if remoteSC.SpanID() != serverID || remoteSC.TraceState().Get(stateKey) != server.Ctx.TraceID+";"+server.Ctx.SpanID {
		t.Fatalf("server span context %s %q", remoteSC.SpanID(), remoteSC.TraceState())
	}
	_, remote := ot.Start(trace.ContextWithRemoteSpanContext(context.Background(), remoteSC), "remote")
	for _, s := range []trace.Span{local, remote} {
		c := &s.(*Span).SOFASpan().Ctx
		if _, _, pid := IDs(c); pid != serverID || c.ParentID != server.Ctx.SpanID {
			t.Errorf("%s: parent %s (%s), want %s (%s)", c.SpanID, pid, c.ParentID, serverID, server.Ctx.SpanID)
		}
		s.End()
	}
	server.Finish()
	client.Finish()
}

// An OpenTelemetry span inside an OpenTracing one is its child, and an
// OpenTracing span inside an OpenTelemetry one too, at every depth.
func TestOpenTracingAndOpenTelemetryNestBothWays(t *testing.T) {
	tr, _ := newTracer(t, "nest")
	ot := NewTracerProvider(tr).Tracer("test")
	otRoot, ctx := tr.StartSpanFromContext(context.Background(), "ot-root")
	ctx, o1 := ot.Start(ctx, "otel-1")
	ot2, ctx := opentracing.StartSpanFromContextWithTracer(ctx, tr, "ot-2") // opentracing-go's helper
	ot2b, ctx := tr.StartSpanFromContext(ctx, "ot-3")
	ctx, o4 := ot.Start(ctx, "otel-4")
	want := map[string]string{"otel-1": "0.1", "ot-2": "0.1.1", "ot-3": "0.1.1.1", "otel-4": "0.1.1.1.1"}
	got := map[string]string{
		"otel-1": o1.(*Span).SOFASpan().Ctx.SpanID,
		"ot-2":   ot2.(*span.Span).Ctx.SpanID,
		"ot-3":   ot2b.(*span.Span).Ctx.SpanID,
		"otel-4": o4.(*Span).SOFASpan().Ctx.SpanID,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: SpanId %q, want %q", k, got[k], v)
		}
	}
	if trace.SpanFromContext(ctx) != o4 || span.FromContext(ctx) != o4.(*Span).SOFASpan() {
		t.Error("the context does not hold the innermost span in both forms")
	}
	// The OpenTelemetry view of an OpenTracing span has the same ids.
	otCtx := opentracing.ContextWithSpan(context.Background(), otRoot)
	if got, want := trace.SpanContextFromContext(otCtx).SpanID(), IDsOf(t, &otRoot.(*span.Span).Ctx); got != want {
		t.Errorf("OpenTelemetry view of an OpenTracing span: %s, want %s", got, want)
	}
	o4.End()
	ot2b.Finish()
	ot2.Finish()
	o1.End()
	otRoot.Finish()
}

func IDsOf(t *testing.T, c *span.Context) trace.SpanID {
	_, s, _ := IDs(c)
	return s
}

func TestSpanAPI(t *testing.T) {
	tr, cap := newTracer(t, "api")
	p := NewTracerProvider(tr)
	ctx, s := p.Tracer("x").Start(context.Background(), "op", trace.WithAttributes(attribute.String("order.id", "A-1")))
	if s.TracerProvider() != p || !s.IsRecording() {
		t.Fatal("TracerProvider or IsRecording")
	}
	s.SetName("renamed")
	s.SetAttributes(attribute.Int("n", 3), attribute.Bool("b", true), attribute.StringSlice("l", []string{"a", "b"}))
	s.AddEvent("cache-miss", trace.WithAttributes(attribute.String("key", "k1")))
	s.RecordError(context.DeadlineExceeded)
	s.SetStatus(codes.Error, "boom")
	s.SetStatus(codes.Unset, "")
	_, root2 := p.Tracer("x").Start(ctx, "new-root", trace.WithNewRoot())
	s.End()
	s.End() // ignored
	s.SetAttributes(attribute.String("late", "x"))
	if s.IsRecording() {
		t.Fatal("recording after End")
	}
	root2.End()
	fin := cap.byName(t, "renamed")
	if fin.Tag("order.id") != "A-1" || fin.Tag("n") != int64(3) || fin.Tag("b") != true || fin.Tag("l") != `["a","b"]` || fin.Tag("late") != nil {
		t.Errorf("tags %v", fin.Tags())
	}
	if fin.Tag(span.TagError) != true || fin.Tag(span.TagErrorMessage) != "boom" {
		t.Errorf("error tags %v %v", fin.Tag(span.TagError), fin.Tag(span.TagErrorMessage))
	}
	logs := fin.Logs()
	if len(logs) != 2 || logs[0].Fields[0].Value() != "cache-miss" || logs[1].Fields[0].Value() != "exception" {
		t.Errorf("logs %+v", logs)
	}
	if r := cap.byName(t, "new-root"); r.Ctx.SpanID != "0" || r.Ctx.TraceID == fin.Ctx.TraceID {
		t.Errorf("WithNewRoot: %s %s", r.Ctx.TraceID, r.Ctx.SpanID)
	}
	layout, line := digestLine(t, "api", fin)
	if layout != "biz" || line["method"] != "renamed" || line["order.id"] != "A-1" {
		t.Errorf("%s %v", layout, line)
	}
}

func TestConcurrentUse(t *testing.T) {
	tr, cap := newTracer(t, "conc")
	ot := NewTracerProvider(tr).Tracer("x")
	ctx, root := ot.Start(context.Background(), "root")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				_, c := ot.Start(ctx, "child")
				c.SetAttributes(attribute.Int("i", i), attribute.Int("j", j))
				root.SetAttributes(attribute.Int("root", j))
				_ = root.SpanContext()
				root.AddEvent("e")
				c.End()
			}
		}()
	}
	wg.Wait()
	root.End()
	seen := map[string]bool{}
	for _, s := range cap.all() {
		if s.OperationName() == "child" {
			if seen[s.Ctx.SpanID] {
				t.Fatalf("SpanId %s twice", s.Ctx.SpanID)
			}
			seen[s.Ctx.SpanID] = true
		}
	}
	if len(seen) != 400 {
		t.Fatalf("%d children", len(seen))
	}
}
