// Package measure holds what the benchmarks of several packages measure
// with: the process's CPU time, the pacing and draining of a tracer's
// span pipeline, and OpenTelemetry SDK parts that count spans.
package measure

import (
	"context"
	"runtime/metrics"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sofatracer/sofatracer-go/tracer"
)

// ProcessCPU is the CPU time (user + system) the process has used so far,
// on all its threads: the benchmark loop, the tracer's writer or the SDK's
// batch span processor, exporters, in-process servers and the garbage
// collector. Unlike ns/op it does not count waiting for a CPU that other
// processes hold, nor the CPU time of other processes (database servers),
// so it is steadier on a loaded machine. It is 0 if getrusage fails.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// GCCycles is how many garbage collections the process has completed. Per
// operation it shows what a tracer's allocations and the heap it keeps live
// cost in collections, whose fixed cost (stopping the world, scanning roots
// and goroutine stacks) a small heap pays at every cycle.
func GCCycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// CountingExporter is an SDK span exporter that counts the spans it is
// given and drops them.
type CountingExporter struct{ N atomic.Int64 }

// ExportSpans implements sdktrace.SpanExporter.
func (e *CountingExporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.N.Add(int64(len(spans)))
	return nil
}

// Shutdown implements sdktrace.SpanExporter.
func (e *CountingExporter) Shutdown(context.Context) error { return nil }

// EndCounter is an SDK span processor that counts the spans that end.
type EndCounter struct{ N atomic.Int64 }

// OnStart implements sdktrace.SpanProcessor.
func (c *EndCounter) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd implements sdktrace.SpanProcessor.
func (c *EndCounter) OnEnd(sdktrace.ReadOnlySpan) { c.N.Add(1) }

// Shutdown implements sdktrace.SpanProcessor.
func (c *EndCounter) Shutdown(context.Context) error { return nil }

// ForceFlush implements sdktrace.SpanProcessor.
func (c *EndCounter) ForceFlush(context.Context) error { return nil }

// Waiting is how many of the spans tr has finished its writer has not yet
// written, dropped or lost.
func Waiting(tr *tracer.Tracer) int64 {
	st := tr.Stats()
	r := st.Reporter
	return st.Finished - r.Written - r.Unsampled - r.Dropped - r.DroppedClosed - r.LinesLost
}

// Pacer returns a function to call once per operation: every 1024th call
// it waits while more than a quarter of tr's queue (of queueSize spans)
// waits for the writer, so that a loop never outruns the writer into
// drops (a dropped span costs no writing).
func Pacer(tr *tracer.Tracer, queueSize int) func() {
	n := 0
	return func() {
		if n++; n%1024 != 0 {
			return
		}
		for Waiting(tr) >= int64(queueSize/4) {
			time.Sleep(100 * time.Microsecond)
		}
	}
}

// Drain waits, for at most a minute, until every span tr has finished is
// written (its line handed to the page cache), dropped or lost. Closing
// the tracer, an fsync of every file once per process, is left out.
func Drain(tr *tracer.Tracer) {
	deadline := time.Now().Add(time.Minute)
	for Waiting(tr) > 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Microsecond)
	}
}

// SDK is the OpenTelemetry SDK set up as bench/'s peer: AlwaysSample, a
// batch span processor with WithBlocking (a full queue makes a span's end
// wait rather than drop it, the SDK's own pacing) and an exporter that
// counts and drops every span. Its shutdown is registered as b's cleanup.
type SDK struct {
	TP *sdktrace.TracerProvider
	// Flush exports every span ended so far; Shutdown ends the provider.
	// Each waits at most a minute.
	Flush, Shutdown func()
	exp             CountingExporter
	ended           EndCounter
}

// NewSDK starts the SDK peer for b.
func NewSDK(b testing.TB) *SDK {
	s := &SDK{}
	s.TP = sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithSpanProcessor(&s.ended),
		sdktrace.WithBatcher(&s.exp, sdktrace.WithBlocking()))
	withTimeout := func(f func(context.Context) error) func() {
		return func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			f(ctx)
		}
	}
	s.Flush, s.Shutdown = withTimeout(s.TP.ForceFlush), withTimeout(s.TP.Shutdown)
	b.Cleanup(s.Shutdown)
	return s
}

// Ended counts the spans ended so far.
func (s *SDK) Ended() int64 { return s.ended.N.Load() }

// Dropped counts the spans ended and not exported.
func (s *SDK) Dropped() int64 { return s.ended.N.Load() - s.exp.N.Load() }
