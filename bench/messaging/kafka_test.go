package messaging_test

import (
	"context"
	"testing"

	"github.com/opentracing/opentracing-go"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/plugin/kotel"
	"go.opentelemetry.io/otel/propagation"

	"github.com/sofatracer/sofatracer-go/bench/internal/measure"
	"github.com/sofatracer/sofatracer-go/plugins/kafkatrace"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// The variants: the client without tracing, this repository's hooks
// and Process with tracer.New (digest files under b.TempDir()), and
// kotel with the OpenTelemetry SDK as bench/ sets up its peers
// (AlwaysSample, batch span processor, an exporter that drops
// everything) and the W3C propagator.
const (
	bare  = "bare"
	sofa  = "sofatracer"
	otelK = "kotel"
)

var variants = []string{bare, sofa, otelK}

// produceHooks is what franz-go calls for every produced record.
type produceHooks interface {
	kgo.HookProduceRecordBuffered
	kgo.HookProduceRecordUnbuffered
}

// setup is one variant: its produce hooks, the context a record is
// produced in (holding a parent span), how a consumed record is
// processed, and its accounting.
type setup struct {
	hooks   produceHooks
	ctx     context.Context
	process func(ctx context.Context, r *kgo.Record, fn func(context.Context) error) error
	// pace, called once per operation, keeps the loop from outrunning
	// the span pipeline (a dropped span costs no export work). drain
	// ends the pipeline after the loop: every span is written or
	// exported, so that its cost is in cpu-ns/op. spans counts the
	// spans finished so far, dropped those lost (after drain: all of
	// them).
	pace           func()
	drain          func()
	spans, dropped func() int64
}

// sofaQueue is the tracer's queue size in these benchmarks.
const sofaQueue = 8192

// measure runs op b.N times and reports, besides ns/op, cpu-ns/op
// (including the draining of the span pipeline after the loop), spans/op
// and dropped/op (all the spans the variant dropped), which must stay 0
// for the comparison to be fair.
func (s setup) measure(b *testing.B, op func(i int64)) {
	b.ReportAllocs()
	spans0 := s.spans()
	cpu0 := measure.ProcessCPU()
	var i int64
	for b.Loop() {
		op(i)
		s.pace()
		i++
	}
	s.drain()
	if b.N == 0 {
		return
	}
	n := float64(b.N)
	b.ReportMetric(float64(measure.ProcessCPU()-cpu0)/n, "cpu-ns/op")
	b.ReportMetric(float64(s.spans()-spans0)/n, "spans/op")
	b.ReportMetric(float64(s.dropped())/n, "dropped/op")
}

func newSetup(b *testing.B, name string) setup {
	b.Helper()
	switch name {
	case sofa:
		tr := newTracer(b)
		parent := tr.StartSpan("parent")
		s := accounted(tr)
		s.hooks = kafkatrace.NewHooks(tr).(produceHooks)
		s.ctx = opentracing.ContextWithSpan(context.Background(), parent)
		s.process = func(ctx context.Context, r *kgo.Record, fn func(context.Context) error) error {
			return kafkatrace.Process(ctx, tr, r, fn)
		}
		return s
	case otelK:
		sdk := measure.NewSDK(b)
		tp := sdk.TP
		kt := kotel.NewTracer(kotel.TracerProvider(tp), kotel.TracerPropagator(propagation.TraceContext{}))
		ctx, _ := tp.Tracer("bench").Start(context.Background(), "parent")
		return setup{
			pace:    func() {},
			drain:   sdk.Flush, // every span exported
			spans:   sdk.Ended,
			dropped: sdk.Dropped,
			hooks:   kt,
			ctx:     ctx,
			process: func(_ context.Context, r *kgo.Record, fn func(context.Context) error) error {
				// kotel's consume span is its "receive" span, started
				// and ended by the fetch hooks around the processing.
				kt.OnFetchRecordBuffered(r)
				err := fn(r.Context)
				kt.OnFetchRecordUnbuffered(r, true)
				return err
			},
		}
	}
	s := unaccounted()
	s.ctx = context.Background()
	s.process = func(ctx context.Context, _ *kgo.Record, fn func(context.Context) error) error {
		return fn(ctx)
	}
	return s
}

// newTracer returns this repository's tracer, writing under b.TempDir().
func newTracer(b *testing.B) *tracer.Tracer {
	b.Helper()
	tr, err := tracer.New(tracer.WithAppName("bench"), tracer.WithLogDir(b.TempDir()), tracer.WithQueueSize(sofaQueue))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { tr.Close() })
	return tr
}

// accounted is the accounting of tr's spans.
func accounted(tr *tracer.Tracer) setup {
	return setup{
		pace: measure.Pacer(tr, sofaQueue),
		// Close (an fsync of every file) runs in the cleanup.
		drain:   func() { measure.Drain(tr) },
		spans:   func() int64 { return tr.Stats().Finished },
		dropped: func() int64 { return tr.Stats().Reporter.Dropped },
	}
}

// unaccounted is the accounting of a variant without spans.
func unaccounted() setup {
	zero := func() int64 { return 0 }
	return setup{pace: func() {}, drain: func() {}, spans: zero, dropped: zero}
}

var value = []byte(`{"order":"A-1001","amount":42}`)

// BenchmarkKafkaProduce: one produced record as the client handles it
// with hooks: buffered (span start, header injection) and unbuffered
// (the broker's partition and offset, span end).
func BenchmarkKafkaProduce(b *testing.B) {
	for _, name := range variants {
		b.Run(name, func(b *testing.B) {
			s := newSetup(b, name)
			s.measure(b, func(i int64) {
				r := &kgo.Record{Topic: "orders", Value: value, Context: s.ctx}
				if s.hooks != nil {
					s.hooks.OnProduceRecordBuffered(r)
				}
				r.Partition, r.Offset = 1, i
				if s.hooks != nil {
					s.hooks.OnProduceRecordUnbuffered(r, nil)
				}
			})
		})
	}
}

// BenchmarkKafkaConsume: one consumed record carrying its producer's
// context (written by that variant's produce hooks) processed by a
// handler that does nothing.
func BenchmarkKafkaConsume(b *testing.B) {
	for _, name := range variants {
		b.Run(name, func(b *testing.B) {
			s := newSetup(b, name)
			tmpl := kgo.Record{Topic: "orders", Value: value, Context: s.ctx}
			if s.hooks != nil {
				s.hooks.OnProduceRecordBuffered(&tmpl)
				s.hooks.OnProduceRecordUnbuffered(&tmpl, nil)
			}
			tmpl.Context = nil // as fetched
			fn := func(context.Context) error { return nil }
			ctx := context.Background()
			s.measure(b, func(int64) {
				r := tmpl
				if err := s.process(ctx, &r, fn); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}
