package messaging_test

import (
	"context"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/plugin/kotel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

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
// produced in (holding a parent span), and how a consumed record is
// processed.
type setup struct {
	hooks   produceHooks
	ctx     context.Context
	process func(ctx context.Context, r *kgo.Record, fn func(context.Context) error) error
}

func newSetup(b *testing.B, name string) setup {
	b.Helper()
	switch name {
	case sofa:
		tr, err := tracer.New(tracer.WithAppName("bench"), tracer.WithLogDir(b.TempDir()), tracer.WithQueueSize(8192))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { tr.Close() })
		parent := tr.StartSpan("parent")
		b.Cleanup(parent.Finish)
		return setup{
			hooks: kafkatrace.NewHooks(tr).(produceHooks),
			ctx:   opentracing.ContextWithSpan(context.Background(), parent),
			process: func(ctx context.Context, r *kgo.Record, fn func(context.Context) error) error {
				return kafkatrace.Process(ctx, tr, r, fn)
			},
		}
	case otelK:
		tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()),
			sdktrace.WithBatcher(tracetest.NewNoopExporter()))
		b.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			tp.Shutdown(ctx)
		})
		kt := kotel.NewTracer(kotel.TracerProvider(tp), kotel.TracerPropagator(propagation.TraceContext{}))
		ctx, parent := tp.Tracer("bench").Start(context.Background(), "parent")
		b.Cleanup(func() { parent.End() })
		return setup{
			hooks: kt,
			ctx:   ctx,
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
	return setup{ctx: context.Background(), process: func(ctx context.Context, _ *kgo.Record, fn func(context.Context) error) error {
		return fn(ctx)
	}}
}

var value = []byte(`{"order":"A-1001","amount":42}`)

// BenchmarkKafkaProduce: one produced record as the client handles it
// with hooks: buffered (span start, header injection) and unbuffered
// (the broker's partition and offset, span end).
func BenchmarkKafkaProduce(b *testing.B) {
	for _, name := range variants {
		b.Run(name, func(b *testing.B) {
			s := newSetup(b, name)
			b.ReportAllocs()
			var i int64
			for b.Loop() {
				r := &kgo.Record{Topic: "orders", Value: value, Context: s.ctx}
				if s.hooks != nil {
					s.hooks.OnProduceRecordBuffered(r)
				}
				r.Partition, r.Offset = 1, i
				if s.hooks != nil {
					s.hooks.OnProduceRecordUnbuffered(r, nil)
				}
				i++
			}
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
			b.ReportAllocs()
			for b.Loop() {
				r := tmpl
				if err := s.process(ctx, &r, fn); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
