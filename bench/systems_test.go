package bench

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"
	zipkinot "github.com/openzipkin-contrib/zipkin-go-opentracing"
	"github.com/openzipkin/zipkin-go"
	zipkinreporter "github.com/openzipkin/zipkin-go/reporter"
	"github.com/uber/jaeger-client-go"
	otelbridge "go.opentelemetry.io/otel/bridge/opentracing"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/sofatracer/sofatracer-go/reporter"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// The tracers under test, in the order they appear in every scenario.
const (
	sofa       = "sofatracer"
	jaegerName = "jaeger"
	zipkinName = "zipkin"
	zipkinOT   = "zipkin-ot"      // github.com/openzipkin-contrib/zipkin-go-opentracing
	otelName   = "otel"           // go.opentelemetry.io/otel/sdk, native API
	otelOT     = "otel-ot-bridge" // go.opentelemetry.io/otel/bridge/opentracing
	mock       = "mocktracer"
)

// allSystems is every tracer; diskSystems those that have a span model a
// reporter can serialize (mocktracer has no reporter).
var (
	allSystems  = []string{sofa, jaegerName, zipkinName, zipkinOT, otelName, otelOT, mock}
	diskSystems = []string{sofa, jaegerName, zipkinName, zipkinOT, otelName, otelOT}
)

// sofaQueue is sofatracer's queue in scenarios a, b, c and e: the default.
// A loop that does nothing but make spans outruns the writer, and a bigger
// queue only delays the drops while it keeps more spans live for the
// garbage collector. Each such benchmark reports dropped/op for sofatracer;
// scenario d measures the rate at which nothing is dropped.
const sofaQueue = 8192

// trimEvery is how often (in finished spans) the in-memory recorders of
// jaeger and mocktracer are emptied, so that they do not hold every span of
// the run (which would make the GC, not the tracer, dominate).
const trimEvery = 1024

// system is one tracer set up for a benchmark. Exactly one of ot, zk and
// otel is set: the API the scenarios drive it through.
type system struct {
	name string
	ot   opentracing.Tracer
	zk   *zipkin.Tracer
	otel trace.Tracer

	// trim empties an in-memory span recorder; nil when there is none.
	trim func()
	// sofa is set for sofatracer (its counters are reported).
	sofa *tracer.Tracer
	// close shuts the tracer down: it drains and flushes whatever it
	// reports to. Safe to call more than once.
	close func() error
	// counts returns how many finished spans were written and dropped by
	// the file sink; only for systems made with a diskConfig.
	counts func() (written, dropped int64)
}

// diskConfig makes a system report finished spans as JSON lines to a file
// in dir through a queue of the given size.
type diskConfig struct {
	dir   string
	queue int
}

// newSystem builds the named tracer. Without a diskConfig the peers report
// to nothing (zipkin no-op reporter, otel exporter that drops everything,
// jaeger in-memory reporter, mocktracer's own recorder); sofatracer has no
// such mode and always runs its real digest pipeline into a temporary
// directory. With a diskConfig every tracer writes JSON lines to dc.dir.
// The tracer is closed when tb ends.
func newSystem(tb testing.TB, name string, dc *diskConfig) *system {
	tb.Helper()
	s := &system{name: name}
	switch name {
	case sofa:
		dir, queue := tb.TempDir(), sofaQueue
		if dc != nil {
			dir, queue = dc.dir, dc.queue
		}
		tr := newSofa(tb, dir, queue)
		s.ot, s.sofa = tr, tr
		s.close = tr.Close
		s.counts = func() (int64, int64) {
			r := tr.Stats().Reporter
			return r.Written, r.Dropped + r.DroppedClosed
		}

	case jaegerName:
		var rep jaeger.Reporter
		if dc == nil {
			mem := jaeger.NewInMemoryReporter()
			s.trim = mem.Reset
			rep = mem
		} else {
			jr := newJaegerFileReporter(tb, dc)
			s.counts = jr.sink.counts
			rep = jr
		}
		tr, closer := jaeger.NewTracer("bench", jaeger.NewConstSampler(true), rep)
		s.ot = tr
		s.close = once(func() error { return closer.Close() })

	case zipkinName, zipkinOT:
		var rep zipkinreporter.Reporter = zipkinreporter.NewNoopReporter()
		if dc != nil {
			zr := newZipkinFileReporter(tb, dc)
			s.counts = zr.sink.counts
			rep = zr
		}
		tr, err := zipkin.NewTracer(rep, zipkin.WithSampler(zipkin.AlwaysSample))
		if err != nil {
			tb.Fatal(err)
		}
		if name == zipkinName {
			s.zk = tr
		} else {
			s.ot = zipkinot.Wrap(tr)
		}
		s.close = once(rep.Close)

	case otelName, otelOT:
		var exp sdktrace.SpanExporter = tracetest.NewNoopExporter()
		opts := []sdktrace.BatchSpanProcessorOption{}
		if dc != nil {
			oe := newOtelFileExporter(tb, dc)
			s.counts = oe.counts
			exp = oe
			opts = append(opts, sdktrace.WithMaxQueueSize(dc.queue))
		}
		tp := sdktrace.NewTracerProvider(
			sdktrace.WithSampler(sdktrace.AlwaysSample()),
			sdktrace.WithBatcher(exp, opts...),
		)
		ot := tp.Tracer("bench")
		if name == otelName {
			s.otel = ot
		} else {
			bridge, _ := otelbridge.NewTracerPair(ot)
			bridge.SetTextMapPropagator(propagation.TraceContext{})
			s.ot = bridge
		}
		s.close = once(func() error {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			return tp.Shutdown(ctx)
		})

	case mock:
		tr := mocktracer.New()
		s.ot = tr
		s.trim = tr.Reset
		s.close = func() error { return nil }

	default:
		tb.Fatalf("unknown tracer %q", name)
	}
	tb.Cleanup(func() {
		if err := s.close(); err != nil {
			tb.Errorf("%s: close: %v", name, err)
		}
	})
	return s
}

// newSofa starts a sofatracer with its real digest pipeline writing into
// dir. The options that change what is measured are set explicitly so that
// SOFA_TRACER_* variables in the environment cannot change them.
func newSofa(tb testing.TB, dir string, queue int) *tracer.Tracer {
	tb.Helper()
	all, err := tracer.PercentageSampler(100)
	if err != nil {
		tb.Fatal(err)
	}
	tr, err := tracer.New(
		tracer.WithAppName("bench"),
		tracer.WithLogDir(dir),
		tracer.WithQueueSize(queue),
		tracer.WithJSON(true),
		tracer.WithSampler(all),
		tracer.WithDiscardPolicy(reporter.DropNewest),
	)
	if err != nil {
		tb.Fatal(err)
	}
	return tr
}

// reportSofaDrops reports, for sofatracer, how many finished spans per
// iteration its queue dropped (see sofaQueue).
func (s *system) reportSofaDrops(b *testing.B) {
	if s.sofa == nil || b.N == 0 {
		return
	}
	b.ReportMetric(float64(s.sofa.Stats().Reporter.Dropped)/float64(b.N), "dropped/op")
}

func once(f func() error) func() error {
	var o sync.Once
	var err error
	return func() error {
		o.Do(func() { err = f() })
		return err
	}
}
