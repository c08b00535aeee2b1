// Package samework compares tracers doing the same work: every peer runs
// its own real pipeline from Finish to a real sink, and the CPU time is
// counted per span actually written.
package samework

import (
	"context"
	"log"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"
	"github.com/openzipkin/zipkin-go"
	"github.com/openzipkin/zipkin-go/model"
	"github.com/openzipkin/zipkin-go/reporter"
	zipkinlog "github.com/openzipkin/zipkin-go/reporter/log"
	"github.com/uber/jaeger-client-go"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"golang.org/x/sys/unix"

	"github.com/sofatracer/sofatracer-go/tracer"
)

// pipeline is one tracer with its reporting pipeline, set up for n spans.
type pipeline struct {
	span    func()       // start a root span, set three string tags, finish it
	drain   func() error // deliver everything to the sink and stop
	written func() int64 // spans the pipeline delivered to its sink
	sinkCPU func() time.Duration
}

// peers are the pipelines compared, by sub-benchmark name.
var peers = []struct {
	name string
	new  func(tb testing.TB, n int) *pipeline
}{
	{"sofatracer-digest", newSofa},
	{"zipkin-log", newZipkinLog},
	{"otel-batch-stdout", newOTelStdout},
	{"jaeger-remote-udp", newJaegerUDP},
}

// The three string tags every span gets, as in scenario a.
var tagKeys, tagValues = [3]string{"a", "b", "c"}, [3]string{"1", "2", "3"}

// BenchmarkSameWork: b.N root spans with three string tags, each finished
// into the tracer's own pipeline, until all of them reached the sink. The
// timed region (ns/op) ends when the pipeline has drained. Metrics:
//
//   - cpu-ns/span: CPU time (user + system, all threads: the application
//     goroutine, the pipeline's goroutines, the garbage collector) per span
//     written, from before the first span until the pipeline drained,
//     without the UDP sink's own reading;
//   - app-cpu-ns/span: CPU time of the thread that runs the application
//     loop (locked to it) per span started, garbage-collection assists
//     included;
//   - written/op and dropped/op: spans that reached the sink, and the rest.
//
// Queues are sized to the run so that no pipeline needs to drop.
func BenchmarkSameWork(b *testing.B) {
	for _, p := range peers {
		b.Run(p.name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			pl := p.new(b, b.N)
			runtime.GC()
			b.ReportAllocs()
			b.ResetTimer()
			cpu0, app0 := processCPU(), threadCPU()
			for range b.N {
				pl.span()
			}
			app1 := threadCPU()
			if err := pl.drain(); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			cpu := processCPU() - cpu0 - pl.sinkCPU()
			written := pl.written()
			if written == 0 {
				b.Fatal("nothing written")
			}
			b.ReportMetric(float64(cpu)/float64(written), "cpu-ns/span")
			b.ReportMetric(float64(app1-app0)/float64(b.N), "app-cpu-ns/span")
			b.ReportMetric(float64(written)/float64(b.N), "written/op")
			b.ReportMetric(float64(int64(b.N)-written)/float64(b.N), "dropped/op")
		})
	}
}

// processCPU is the CPU time the process has used, on all threads.
func processCPU() time.Duration { return rusage(unix.RUSAGE_SELF) }

// threadCPU is the CPU time the calling thread has used.
func threadCPU() time.Duration { return rusage(unix.RUSAGE_THREAD) }

func rusage(who int) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(who, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func noSink() time.Duration { return 0 }

func queueFor(n int) int { return max(n, 1024) }

// newSofa: sofatracer-go's default pipeline (JSON digest and stat lines
// into rolling files), its queue sized to the run.
func newSofa(tb testing.TB, n int) *pipeline {
	tr, err := tracer.New(tracer.WithAppName("bench"), tracer.WithLogDir(tb.TempDir()),
		tracer.WithQueueSize(min(queueFor(n), 16<<20)))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { tr.Close() })
	return &pipeline{
		span: func() {
			sp := tr.StartSpan("op")
			for i := range tagKeys {
				sp.SetTag(tagKeys[i], tagValues[i])
			}
			sp.Finish()
		},
		drain:   tr.Close,
		written: func() int64 { return tr.Stats().Reporter.Written },
		sinkCPU: noSink,
	}
}

// createFile creates a file for a peer's output in a temporary directory.
func createFile(tb testing.TB, name string) *os.File {
	f, err := os.Create(filepath.Join(tb.TempDir(), name))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	return f
}

// countingReporter counts the spans zipkin-go's log reporter wrote.
type countingReporter struct {
	reporter.Reporter
	n atomic.Int64
}

func (r *countingReporter) Send(s model.SpanModel) {
	r.Reporter.Send(s)
	r.n.Add(1)
}

// newZipkinLog: zipkin-go, native API, with its JSON log reporter
// (reporter/log) writing to a file through a log.Logger. The reporter
// encodes and writes on the application goroutine, in Finish.
func newZipkinLog(tb testing.TB, n int) *pipeline {
	f := createFile(tb, "zipkin.log")
	rep := &countingReporter{Reporter: zipkinlog.NewReporter(log.New(f, "", log.LstdFlags))}
	tr, err := zipkin.NewTracer(rep, zipkin.WithSampler(zipkin.AlwaysSample))
	if err != nil {
		tb.Fatal(err)
	}
	return &pipeline{
		span: func() {
			sp := tr.StartSpan("op")
			for i := range tagKeys {
				sp.Tag(tagKeys[i], tagValues[i])
			}
			sp.Finish()
		},
		drain: func() error {
			if err := rep.Close(); err != nil {
				return err
			}
			return f.Sync()
		},
		written: rep.n.Load,
		sinkCPU: noSink,
	}
}

// countingExporter counts the spans the stdout exporter wrote.
type countingExporter struct {
	sdktrace.SpanExporter
	n atomic.Int64
}

func (e *countingExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	err := e.SpanExporter.ExportSpans(ctx, spans)
	if err == nil {
		e.n.Add(int64(len(spans)))
	}
	return err
}

// newOTelStdout: the OpenTelemetry SDK, native API, with its batch span
// processor (queue sized to the run) and the stdouttrace exporter writing
// JSON to a file.
func newOTelStdout(tb testing.TB, n int) *pipeline {
	f := createFile(tb, "otel.json")
	stdout, err := stdouttrace.New(stdouttrace.WithWriter(f))
	if err != nil {
		tb.Fatal(err)
	}
	exp := &countingExporter{SpanExporter: stdout}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithSpanProcessor(sdktrace.NewBatchSpanProcessor(exp, sdktrace.WithMaxQueueSize(queueFor(n)))))
	tr := tp.Tracer("bench")
	attrs := make([]attribute.KeyValue, len(tagKeys))
	for i := range tagKeys {
		attrs[i] = attribute.String(tagKeys[i], tagValues[i])
	}
	ctx := context.Background()
	return &pipeline{
		span: func() {
			_, sp := tr.Start(ctx, "op")
			sp.SetAttributes(attrs...)
			sp.End()
		},
		drain: func() error {
			if err := tp.Shutdown(ctx); err != nil {
				return err
			}
			return f.Sync()
		},
		written: exp.n.Load,
		sinkCPU: noSink,
	}
}

// countingTransport counts the spans jaeger's UDP transport sent.
type countingTransport struct {
	jaeger.Transport
	n atomic.Int64
}

func (t *countingTransport) Append(s *jaeger.Span) (int, error) {
	n, err := t.Transport.Append(s)
	if err == nil {
		t.n.Add(int64(n))
	}
	return n, err
}

func (t *countingTransport) Flush() (int, error) {
	n, err := t.Transport.Flush()
	if err == nil {
		t.n.Add(int64(n))
	}
	return n, err
}

// udpSink reads and discards datagrams on a loopback UDP socket, on a
// thread of its own whose CPU time it measures, so that it can be left out
// of the tracer's: it stands for the Jaeger agent.
type udpSink struct {
	conn    net.PacketConn
	done    chan time.Duration // the sink thread's CPU time when it ends
	cpu0    time.Duration
	used    time.Duration
	stopped bool
}

func newUDPSink(tb testing.TB) *udpSink {
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	conn.(*net.UDPConn).SetReadBuffer(8 << 20)
	s := &udpSink{conn: conn, done: make(chan time.Duration, 1)}
	started := make(chan time.Duration)
	go func() {
		runtime.LockOSThread()
		started <- threadCPU()
		buf := make([]byte, 65536)
		for {
			if _, _, err := conn.ReadFrom(buf); err != nil {
				s.done <- threadCPU()
				return
			}
		}
	}()
	s.cpu0 = <-started
	tb.Cleanup(func() { s.stop() })
	return s
}

// stop closes the socket and returns the CPU time the sink used.
func (s *udpSink) stop() time.Duration {
	if !s.stopped {
		s.stopped = true
		s.conn.Close()
		s.used = <-s.done - s.cpu0
	}
	return s.used
}

// newJaegerUDP: jaeger-client-go, its own OpenTracing API, with its remote
// reporter (queue sized to the run) and UDP transport sending Thrift
// batches to a local socket that reads and discards them.
func newJaegerUDP(tb testing.TB, n int) *pipeline {
	sink := newUDPSink(tb)
	udp, err := jaeger.NewUDPTransport(sink.conn.LocalAddr().String(), 0)
	if err != nil {
		tb.Fatal(err)
	}
	tp := &countingTransport{Transport: udp}
	rep := jaeger.NewRemoteReporter(tp, jaeger.ReporterOptions.QueueSize(queueFor(n)))
	var tr opentracing.Tracer
	tr, closer := jaeger.NewTracer("bench", jaeger.NewConstSampler(true), rep)
	tb.Cleanup(func() { closer.Close() })
	return &pipeline{
		span: func() {
			sp := tr.StartSpan("op")
			for i := range tagKeys {
				sp.SetTag(tagKeys[i], tagValues[i])
			}
			sp.Finish()
		},
		drain:   closer.Close,
		written: tp.n.Load,
		sinkCPU: sink.stop,
	}
}
