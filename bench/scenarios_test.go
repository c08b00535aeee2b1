package bench

import (
	"context"
	"net/http"
	"runtime"
	"testing"

	"github.com/opentracing/opentracing-go"
	"github.com/openzipkin/zipkin-go"
	"github.com/openzipkin/zipkin-go/propagation/b3"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// The three string tags of scenarios a, d and e.
var (
	attrA = attribute.String("a", "1")
	attrB = attribute.String("b", "2")
	attrC = attribute.String("c", "3")
)

// (a) Start a root span, set three string tags, finish it.
func BenchmarkA_RootSpan3Tags(b *testing.B) {
	for _, name := range allSystems {
		b.Run(name, func(b *testing.B) {
			s := newSystem(b, name, nil)
			b.ReportAllocs()
			n := 0
			switch {
			case s.ot != nil:
				tr := s.ot
				for b.Loop() {
					sp := tr.StartSpan("op")
					sp.SetTag("a", "1")
					sp.SetTag("b", "2")
					sp.SetTag("c", "3")
					sp.Finish()
					if n++; n%trimEvery == 0 && s.trim != nil {
						s.trim()
					}
				}
			case s.zk != nil:
				tr := s.zk
				for b.Loop() {
					sp := tr.StartSpan("op")
					sp.Tag("a", "1")
					sp.Tag("b", "2")
					sp.Tag("c", "3")
					sp.Finish()
				}
			case s.otel != nil:
				tr, ctx := s.otel, context.Background()
				for b.Loop() {
					_, sp := tr.Start(ctx, "op")
					sp.SetAttributes(attrA, attrB, attrC)
					sp.End()
				}
			}
			s.reportSofaDrops(b)
		})
	}
}

// (a) in parallel from every P: run with -cpu 1,2,... to see the scaling.
func BenchmarkA_RootSpan3TagsParallel(b *testing.B) {
	for _, name := range allSystems {
		b.Run(name, func(b *testing.B) {
			s := newSystem(b, name, nil)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				n := 0
				switch {
				case s.ot != nil:
					tr := s.ot
					for pb.Next() {
						sp := tr.StartSpan("op")
						sp.SetTag("a", "1")
						sp.SetTag("b", "2")
						sp.SetTag("c", "3")
						sp.Finish()
						if n++; n%trimEvery == 0 && s.trim != nil {
							s.trim()
						}
					}
				case s.zk != nil:
					tr := s.zk
					for pb.Next() {
						sp := tr.StartSpan("op")
						sp.Tag("a", "1")
						sp.Tag("b", "2")
						sp.Tag("c", "3")
						sp.Finish()
					}
				case s.otel != nil:
					tr, ctx := s.otel, context.Background()
					for pb.Next() {
						_, sp := tr.Start(ctx, "op")
						sp.SetAttributes(attrA, attrB, attrC)
						sp.End()
					}
				}
			})
			s.reportSofaDrops(b)
		})
	}
}

// (b) Start a child of the span held in a context.Context, finish it, in
// each tracer's idiomatic way: sofatracer's and zipkin-go's own
// StartSpanFromContext, opentracing.StartSpanFromContextWithTracer for the
// other OpenTracing tracers, the otel API. sofatracer-direct skips the context:
// tr.StartSpan("child", opentracing.ChildOf(parent.Context())).
func BenchmarkB_ChildFromContext(b *testing.B) {
	names := append([]string{sofa, sofa + "-direct"}, allSystems[1:]...)
	for _, name := range names {
		b.Run(name, func(b *testing.B) {
			direct := name == sofa+"-direct"
			if direct {
				name = sofa
			}
			s := newSystem(b, name, nil)
			n := 0
			switch {
			case s.ot != nil && direct:
				tr := s.ot
				parent := tr.StartSpan("root")
				defer parent.Finish()
				pc := parent.Context()
				b.ReportAllocs()
				for b.Loop() {
					tr.StartSpan("child", opentracing.ChildOf(pc)).Finish()
				}
			case s.sofa != nil:
				tr := s.sofa
				parent, ctx := tr.StartSpanFromContext(context.Background(), "root")
				defer parent.Finish()
				b.ReportAllocs()
				for b.Loop() {
					sp, _ := tr.StartSpanFromContext(ctx, "child")
					sp.Finish()
				}
			case s.ot != nil:
				tr := s.ot
				parent := tr.StartSpan("root")
				defer parent.Finish()
				ctx := opentracing.ContextWithSpan(context.Background(), parent)
				b.ReportAllocs()
				for b.Loop() {
					sp, _ := opentracing.StartSpanFromContextWithTracer(ctx, tr, "child")
					sp.Finish()
					if n++; n%trimEvery == 0 && s.trim != nil {
						s.trim()
					}
				}
			case s.zk != nil:
				tr := s.zk
				parent := tr.StartSpan("root")
				defer parent.Finish()
				ctx := zipkin.NewContext(context.Background(), parent)
				b.ReportAllocs()
				for b.Loop() {
					sp, _ := tr.StartSpanFromContext(ctx, "child")
					sp.Finish()
				}
			case s.otel != nil:
				tr := s.otel
				ctx, parent := tr.Start(context.Background(), "root")
				defer parent.End()
				b.ReportAllocs()
				for b.Loop() {
					_, sp := tr.Start(ctx, "child")
					sp.End()
				}
			}
			s.reportSofaDrops(b)
		})
	}
}

// (c) Inject a span context into fresh http.Header and extract it back,
// with each tracer's HTTP propagation: OpenTracing HTTPHeaders, zipkin B3
// (b3.InjectHTTP / b3.ExtractHTTP), otel W3C TraceContext.
func BenchmarkC_InjectExtractHTTP(b *testing.B) {
	for _, name := range allSystems {
		b.Run(name, func(b *testing.B) {
			s := newSystem(b, name, nil)
			switch {
			case s.ot != nil:
				tr := s.ot
				root := tr.StartSpan("root")
				defer root.Finish()
				sc := root.Context()
				roundTrip := func(h http.Header) {
					if err := tr.Inject(sc, opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(h)); err != nil {
						b.Fatal(err)
					}
					if _, err := tr.Extract(opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(h)); err != nil {
						b.Fatal(err)
					}
				}
				checkHeaders(b, roundTrip)
				b.ReportAllocs()
				for b.Loop() {
					roundTrip(make(http.Header, 4))
				}
			case s.zk != nil:
				root := s.zk.StartSpan("root")
				defer root.Finish()
				sc := root.Context()
				req := &http.Request{} // reused: only its Header is the carrier
				roundTrip := func(h http.Header) {
					req.Header = h
					if err := b3.InjectHTTP(req)(sc); err != nil {
						b.Fatal(err)
					}
					if got, err := b3.ExtractHTTP(req)(); err != nil || got == nil {
						b.Fatal("b3 extract:", err)
					}
				}
				checkHeaders(b, roundTrip)
				b.ReportAllocs()
				for b.Loop() {
					roundTrip(make(http.Header, 4))
				}
			case s.otel != nil:
				ctx, root := s.otel.Start(context.Background(), "root")
				defer root.End()
				var prop propagation.TraceContext
				roundTrip := func(h http.Header) {
					prop.Inject(ctx, propagation.HeaderCarrier(h))
					got := prop.Extract(context.Background(), propagation.HeaderCarrier(h))
					if !trace.SpanContextFromContext(got).IsValid() {
						b.Fatal("traceparent not extracted")
					}
				}
				checkHeaders(b, roundTrip)
				b.ReportAllocs()
				for b.Loop() {
					roundTrip(make(http.Header, 4))
				}
			}
		})
	}
}

// checkHeaders makes sure a round trip really writes headers, so that no
// tracer is measured doing nothing.
func checkHeaders(b *testing.B, roundTrip func(http.Header)) {
	h := http.Header{}
	roundTrip(h)
	if len(h) == 0 {
		b.Fatal("inject wrote no header")
	}
}

// spansHeld is how many unfinished spans scenario e keeps alive.
const spansHeld = 10000

// (e) Heap held per unfinished span: start spansHeld root spans with three
// string tags, keep them, and divide the growth of the live heap (HeapAlloc
// after runtime.GC) by spansHeld. Reported as B/span and objects/span; one
// op is the whole measurement, so ns/op and B/op are per 10000 spans.
func BenchmarkE_HeapPerUnfinishedSpan(b *testing.B) {
	for _, name := range allSystems {
		b.Run(name, func(b *testing.B) {
			s := newSystem(b, name, nil)
			var start func() any
			switch {
			case s.ot != nil:
				tr := s.ot
				start = func() any {
					sp := tr.StartSpan("op")
					sp.SetTag("a", "1")
					sp.SetTag("b", "2")
					sp.SetTag("c", "3")
					return sp
				}
			case s.zk != nil:
				tr := s.zk
				start = func() any {
					sp := tr.StartSpan("op")
					sp.Tag("a", "1")
					sp.Tag("b", "2")
					sp.Tag("c", "3")
					return sp
				}
			case s.otel != nil:
				tr, ctx := s.otel, context.Background()
				start = func() any {
					_, sp := tr.Start(ctx, "op")
					sp.SetAttributes(attrA, attrB, attrC)
					return sp
				}
			}
			held := make([]any, spansHeld)
			var bytes, objects float64
			runs := 0
			b.ReportAllocs()
			for b.Loop() {
				clear(held)
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				for i := range held {
					held[i] = start()
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				bytes += float64(int64(after.HeapAlloc) - int64(before.HeapAlloc))
				objects += float64(int64(after.HeapObjects) - int64(before.HeapObjects))
				runs++
			}
			runtime.KeepAlive(held)
			b.ReportMetric(bytes/float64(runs*spansHeld), "B/span")
			b.ReportMetric(objects/float64(runs*spansHeld), "objects/span")
		})
	}
}
