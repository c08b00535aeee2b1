// Package measure holds what the benchmarks of several packages measure
// with: the process's CPU time, and OpenTelemetry SDK parts that count
// spans.
package measure

import (
	"context"
	"sync/atomic"
	"syscall"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
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
