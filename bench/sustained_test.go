package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openzipkin/zipkin-go/model"
	"github.com/uber/jaeger-client-go"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// maxDiskQueue caps the queue of scenario d (see diskQueue).
const maxDiskQueue = 4 << 20

// diskQueue sizes the queue of scenario d for a run of n spans: as many as
// the run finishes (so that nothing can be dropped however far the writer
// falls behind, and spans/s is the rate of the whole pipeline, drain
// included), capped at maxDiskQueue. Every tracer gets the same size.
func diskQueue(n int) int { return max(1024, min(n, maxDiskQueue)) }

// (d) Sustained JSON-lines output: b.N root spans with three string tags
// are finished and serialized to a file by one background goroutine.
// sofatracer runs its real digest pipeline (tracer.New with a log dir); the
// peers report their own span model to a JSON-lines writer written for
// this benchmark (encoding/json into a bufio.Writer; jaeger: a
// jaeger.Reporter; zipkin and zipkin-ot: a zipkin reporter.Reporter; otel
// and otel-ot-bridge: a SpanExporter behind the batch span processor).
//
// The timed region ends after the tracer's Close, which drains the queue,
// flushes and syncs the file: spans/s is written spans per second of the
// whole pipeline. dropped/op must be 0 (the queue is sized by diskQueue).
func BenchmarkD_JSONLinesToFile(b *testing.B) {
	for _, name := range diskSystems {
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			s := newSystem(b, name, &diskConfig{dir: dir, queue: diskQueue(b.N)})
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			switch {
			case s.ot != nil:
				tr := s.ot
				for i := 0; i < b.N; i++ {
					sp := tr.StartSpan("op")
					sp.SetTag("a", "1")
					sp.SetTag("b", "2")
					sp.SetTag("c", "3")
					sp.Finish()
				}
			case s.zk != nil:
				tr := s.zk
				for i := 0; i < b.N; i++ {
					sp := tr.StartSpan("op")
					sp.Tag("a", "1")
					sp.Tag("b", "2")
					sp.Tag("c", "3")
					sp.Finish()
				}
			case s.otel != nil:
				tr, ctx := s.otel, context.Background()
				for i := 0; i < b.N; i++ {
					_, sp := tr.Start(ctx, "op")
					sp.SetAttributes(attrA, attrB, attrC)
					sp.End()
				}
			}
			if err := s.close(); err != nil {
				b.Fatal(err)
			}
			elapsed := time.Since(start)
			b.StopTimer()
			written, dropped := s.counts()
			if dropped < 0 { // otel: finished but not exported
				dropped = int64(b.N) - written
			}
			if written+dropped != int64(b.N) {
				b.Fatalf("%d spans finished, but %d written + %d dropped", b.N, written, dropped)
			}
			if dropped > 0 {
				b.Logf("%s dropped %d of %d spans (queue %d): spans/s is not a sustainable rate", name, dropped, b.N, diskQueue(b.N))
			}
			if size := dirSize(b, dir); written > 0 && size == 0 {
				b.Fatal("no bytes on disk")
			}
			b.ReportMetric(float64(written)/elapsed.Seconds(), "spans/s")
			b.ReportMetric(float64(dropped)/float64(b.N), "dropped/op")
			os.RemoveAll(dir) // do not keep gigabytes until the end of the run
		})
	}
}

// BenchmarkD_MaxRate floods sofatracer's real pipeline from one goroutine
// at a fixed offered rate (rate=max: as fast as it can) into a small queue,
// to find the rate where the queue starts dropping. One op is one span.
// dropped/op is the drop ratio; spans/s the rate actually written (drain
// included); offered/s the rate the producer achieved.
func BenchmarkD_MaxRate(b *testing.B) {
	type run struct {
		queue int
		rate  float64 // spans per second; 0: unpaced
	}
	var runs []run
	for _, r := range []float64{25e3, 50e3, 100e3, 200e3, 400e3, 800e3, 0} {
		runs = append(runs, run{256, r})
	}
	for _, r := range []float64{400e3, 800e3, 1200e3, 0} { // the default queue
		runs = append(runs, run{8192, r})
	}
	for _, r := range runs {
		rate := "max"
		if r.rate > 0 {
			rate = strconv.Itoa(int(r.rate/1000)) + "k"
		}
		b.Run(fmt.Sprintf("queue=%d/rate=%s", r.queue, rate), func(b *testing.B) {
			dir := b.TempDir()
			tr := newSofa(b, dir, r.queue)
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if r.rate > 0 && i%64 == 0 {
					due := start.Add(time.Duration(float64(i) / r.rate * float64(time.Second)))
					if d := time.Until(due); d > 0 {
						time.Sleep(d)
					}
				}
				sp := tr.StartSpan("op")
				sp.SetTag("a", "1")
				sp.SetTag("b", "2")
				sp.SetTag("c", "3")
				sp.Finish()
			}
			offered := time.Since(start)
			if err := tr.Close(); err != nil {
				b.Fatal(err)
			}
			elapsed := time.Since(start)
			b.StopTimer()
			st := tr.Stats().Reporter
			if st.Written+st.Dropped+st.DroppedClosed != int64(b.N) {
				b.Fatalf("%d spans finished, but %d written + %d dropped + %d dropped at close", b.N, st.Written, st.Dropped, st.DroppedClosed)
			}
			b.ReportMetric(float64(st.Dropped)/float64(b.N), "dropped/op")
			b.ReportMetric(float64(st.Written)/elapsed.Seconds(), "spans/s")
			b.ReportMetric(float64(b.N)/offered.Seconds(), "offered/s")
			os.RemoveAll(dir)
		})
	}
}

func dirSize(tb testing.TB, dir string) int64 {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if info, err := d.Info(); err == nil && !d.IsDir() {
			n += info.Size()
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// jsonlFile is a bufio-buffered file of JSON lines, written by one
// goroutine.
type jsonlFile struct {
	f   *os.File
	w   *bufio.Writer
	enc *json.Encoder
}

func createJSONL(tb testing.TB, dir, name string) *jsonlFile {
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 64<<10)
	return &jsonlFile{f: f, w: w, enc: json.NewEncoder(w)}
}

// close flushes, syncs and closes the file, as sofatracer's Close does.
func (j *jsonlFile) close() error {
	return errors.Join(j.w.Flush(), j.f.Sync(), j.f.Close())
}

// sink hands finished spans from the application to one writer goroutine
// through a bounded queue, as reporters do: send never blocks, a full queue
// drops the span and counts it (sofatracer's DropNewest).
type sink[T any] struct {
	q       chan T
	file    *jsonlFile
	record  func(T) any // the value to encode as one JSON line
	written atomic.Int64
	dropped atomic.Int64
	done    chan struct{}
	once    sync.Once
	err     error
}

func newSink[T any](tb testing.TB, dc *diskConfig, name string, record func(T) any) *sink[T] {
	s := &sink[T]{
		q:      make(chan T, dc.queue),
		file:   createJSONL(tb, dc.dir, name),
		record: record,
		done:   make(chan struct{}),
	}
	go s.run()
	return s
}

func (s *sink[T]) send(v T) {
	select {
	case s.q <- v:
	default:
		s.dropped.Add(1)
	}
}

func (s *sink[T]) run() {
	defer close(s.done)
	for v := range s.q {
		if err := s.file.enc.Encode(s.record(v)); err != nil && s.err == nil {
			s.err = err
		}
		s.written.Add(1)
	}
}

// close drains the queue, then flushes, syncs and closes the file.
func (s *sink[T]) close() error {
	s.once.Do(func() {
		close(s.q)
		<-s.done
		s.err = errors.Join(s.err, s.file.close())
	})
	return s.err
}

func (s *sink[T]) counts() (written, dropped int64) { return s.written.Load(), s.dropped.Load() }

// jaegerFileReporter is a jaeger.Reporter writing *jaeger.Span as JSON.
type jaegerFileReporter struct{ sink *sink[*jaeger.Span] }

type jaegerRecord struct {
	TraceID   string         `json:"traceId"`
	SpanID    string         `json:"spanId"`
	ParentID  string         `json:"parentSpanId"`
	Operation string         `json:"operationName"`
	Start     time.Time      `json:"startTime"`
	Duration  int64          `json:"durationMicros"`
	Tags      map[string]any `json:"tags"`
}

func newJaegerFileReporter(tb testing.TB, dc *diskConfig) *jaegerFileReporter {
	return &jaegerFileReporter{newSink(tb, dc, "jaeger.jsonl", func(s *jaeger.Span) any {
		sc := s.SpanContext()
		return &jaegerRecord{
			TraceID:   sc.TraceID().String(),
			SpanID:    sc.SpanID().String(),
			ParentID:  sc.ParentID().String(),
			Operation: s.OperationName(),
			Start:     s.StartTime(),
			Duration:  s.Duration().Microseconds(),
			Tags:      s.Tags(),
		}
	})}
}

// Report implements jaeger.Reporter. Spans are not pooled (the tracer's
// default), so the span can be read after Report returns.
func (r *jaegerFileReporter) Report(s *jaeger.Span) { r.sink.send(s) }

// Close implements jaeger.Reporter.
func (r *jaegerFileReporter) Close() { _ = r.sink.close() }

// zipkinFileReporter is a zipkin reporter.Reporter writing model.SpanModel
// (its own JSON form) as JSON lines. Like zipkin's HTTP reporter it queues a
// pointer to a copy of the model.
type zipkinFileReporter struct{ sink *sink[*model.SpanModel] }

func newZipkinFileReporter(tb testing.TB, dc *diskConfig) *zipkinFileReporter {
	return &zipkinFileReporter{newSink(tb, dc, "zipkin.jsonl", func(m *model.SpanModel) any { return m })}
}

// Send implements reporter.Reporter.
func (r *zipkinFileReporter) Send(m model.SpanModel) { r.sink.send(&m) }

// Close implements reporter.Reporter.
func (r *zipkinFileReporter) Close() error { return r.sink.close() }

// otelFileExporter is an sdktrace.SpanExporter writing the main fields of
// each ReadOnlySpan as a JSON line. The batch span processor's goroutine
// calls it, so it is the one background goroutine; the processor's queue
// (WithMaxQueueSize) is the bounded queue.
type otelFileExporter struct {
	mu      sync.Mutex
	file    *jsonlFile
	written atomic.Int64
	closed  bool
	err     error
}

type otelRecord struct {
	TraceID    string         `json:"traceId"`
	SpanID     string         `json:"spanId"`
	ParentID   string         `json:"parentSpanId,omitempty"`
	Name       string         `json:"name"`
	Kind       string         `json:"kind"`
	Start      time.Time      `json:"startTime"`
	End        time.Time      `json:"endTime"`
	Attributes map[string]any `json:"attributes"`
	Status     string         `json:"status"`
}

func newOtelFileExporter(tb testing.TB, dc *diskConfig) *otelFileExporter {
	return &otelFileExporter{file: createJSONL(tb, dc.dir, "otel.jsonl")}
}

// ExportSpans implements sdktrace.SpanExporter.
func (e *otelFileExporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return errors.New("exporter shut down")
	}
	for _, s := range spans {
		rec := otelRecord{
			TraceID: s.SpanContext().TraceID().String(),
			SpanID:  s.SpanContext().SpanID().String(),
			Name:    s.Name(),
			Kind:    s.SpanKind().String(),
			Start:   s.StartTime(),
			End:     s.EndTime(),
			Status:  s.Status().Code.String(),
		}
		if p := s.Parent(); p.IsValid() {
			rec.ParentID = p.SpanID().String()
		}
		attrs := s.Attributes()
		rec.Attributes = make(map[string]any, len(attrs))
		for _, kv := range attrs {
			rec.Attributes[string(kv.Key)] = kv.Value.AsInterface()
		}
		if err := e.file.enc.Encode(&rec); err != nil {
			return err
		}
		e.written.Add(1)
	}
	return nil
}

// Shutdown implements sdktrace.SpanExporter: the processor calls it after
// draining its queue.
func (e *otelFileExporter) Shutdown(context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.closed {
		e.closed = true
		e.err = e.file.close()
	}
	return e.err
}

// counts returns dropped = -1 (unknown): the batch span processor does not
// expose its drop counter, so the caller takes what it finished and was
// not exported.
func (e *otelFileExporter) counts() (written, dropped int64) { return e.written.Load(), -1 }
