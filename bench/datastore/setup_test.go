package datastore

import (
	"context"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sofatracer/sofatracer-go/bench/internal/measure"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// The variants: the client without tracing, this repository's plugin
// with tracer.New (digest and stat files under b.TempDir()), and the
// OpenTelemetry instrumentation on the SDK as bench/ sets up its peers
// (AlwaysSample, batch span processor, an exporter that drops
// everything).
const (
	bare  = "bare"
	sofa  = "sofatracer"
	otelN = "otel"
)

var variants = []string{bare, sofa, otelN}

// setup is one variant's tracing: the tracer or provider the plugin is
// given, the context the calls are made in (holding a request's span, as
// a traced handler's context does), and the accounting of its spans.
type setup struct {
	sofa *tracer.Tracer
	tp   *sdktrace.TracerProvider
	ctx  context.Context
	// pace, called once per operation, keeps the loop from outrunning
	// the span pipeline (a dropped span costs no export work). drain
	// waits, after the loop, until every span is written or exported, so
	// that its cost is in cpu-ns/op; close then ends the pipeline (its
	// one-off cost, such as an fsync, is not counted). spans counts the
	// spans ended so far, dropped those lost (after close: all of them).
	pace, drain, close func()
	spans, dropped     func() int64
}

// sofaQueue is the tracer's queue size in these benchmarks.
const sofaQueue = 8192

func newSetup(b *testing.B, name string) setup {
	b.Helper()
	zero := func() int64 { return 0 }
	switch name {
	case sofa:
		tr, err := tracer.New(tracer.WithAppName("bench"), tracer.WithLogDir(b.TempDir()), tracer.WithQueueSize(sofaQueue))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { tr.Close() })
		return setup{
			sofa:  tr,
			ctx:   opentracing.ContextWithSpan(context.Background(), tr.StartSpan("request")),
			pace:  measure.Pacer(tr, sofaQueue),
			drain: func() { measure.Drain(tr) },
			close: func() { tr.Close() },
			spans: func() int64 { return tr.Stats().Finished },
			// Every span is sampled: one not written is lost,
			// whatever the reason (queue full, after Close, write
			// error).
			dropped: func() int64 { st := tr.Stats(); return st.Finished - st.Reporter.Written },
		}
	case otelN:
		sdk := measure.NewSDK(b)
		ctx, _ := sdk.TP.Tracer("bench").Start(context.Background(), "request")
		return setup{
			tp:      sdk.TP,
			ctx:     ctx,
			pace:    func() {},
			drain:   sdk.Flush,
			close:   sdk.Shutdown,
			spans:   sdk.Ended,
			dropped: sdk.Dropped,
		}
	}
	none := func() {}
	return setup{ctx: context.Background(), pace: none, drain: none, close: none, spans: zero, dropped: zero}
}

// measure runs op b.N times and reports, besides ns/op, cpu-ns/op (the
// process's CPU time, up to the end of the draining of the span pipeline
// after the loop), spans/op and dropped/op (every span the variant lost,
// counted after close), which must stay 0 for the comparison to be fair.
func (s setup) measure(b *testing.B, op func()) {
	b.ReportAllocs()
	s.drain() // the warm-up's spans: files opened, buffers grown
	spans0 := s.spans()
	cpu0 := measure.ProcessCPU()
	for b.Loop() {
		op()
		s.pace()
	}
	s.drain()
	cpu := measure.ProcessCPU() - cpu0
	s.close()
	if b.N == 0 {
		return
	}
	n := float64(b.N)
	b.ReportMetric(float64(cpu)/n, "cpu-ns/op")
	b.ReportMetric(float64(s.spans()-spans0)/n, "spans/op")
	b.ReportMetric(float64(s.dropped())/n, "dropped/op")
}

// block is how many operations a variant runs before the next one's turn
// in BenchmarkInterleaved: with loopback round trips, some milliseconds.
const block = 256

// interleave runs ops[i] with ss[i] for the variants (bare, sofatracer,
// otel) in turn, block operations at a time, b.N operations in all. The
// CPU time of a block counts until its variant's pipeline has drained,
// so each variant's background work is counted in its own blocks, and a
// change in the machine's load over the run is shared by all three. It
// reports each variant's cpu-ns/op, the overheads above bare
// (overhead-cpu-ns/op), their ratio (ours / theirs) and the spans ended and dropped per op. The
// garbage collector's work is counted in whichever block it runs, so
// the allocations of one variant may be paid in another's: allocs/op of
// BenchmarkDatastore tells them apart.
func interleave(b *testing.B, ss [3]setup, ops [3]func()) {
	b.ReportAllocs()
	var cpu [3]time.Duration
	var n, spans0 [3]int64
	for i, s := range ss {
		s.drain()
		spans0[i] = s.spans()
	}
	v := 0
	start := measure.ProcessCPU()
	end := func() {
		ss[v].drain()
		now := measure.ProcessCPU()
		cpu[v] += now - start
		start = now
	}
	for b.Loop() {
		ops[v]()
		if n[v]++; n[v]%block == 0 {
			end()
			v = (v + 1) % len(ss)
		}
	}
	end()
	for _, s := range ss {
		s.close()
	}
	if n[0] == 0 || n[1] == 0 || n[2] == 0 {
		return // too few operations to compare
	}
	var per [3]float64
	for i, name := range variants {
		per[i] = float64(cpu[i]) / float64(n[i])
		b.ReportMetric(per[i], name+"-cpu-ns/op")
		if i > 0 {
			b.ReportMetric(per[i]-per[0], name+"-overhead-cpu-ns/op")
			b.ReportMetric(float64(ss[i].spans()-spans0[i])/float64(n[i]), name+"-spans/op")
			b.ReportMetric(float64(ss[i].dropped())/float64(n[i]), name+"-dropped/op")
		}
	}
	b.ReportMetric((per[1]-per[0])/(per[2]-per[0]), "overhead-ours/theirs")
}
