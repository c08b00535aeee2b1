package tracer_test

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// traceIDs matches the TraceIds in a digest line: they hold the host's IP,
// the time and the pid, so the examples print <traceId> instead.
var traceIDs = regexp.MustCompile(`"traceId":"[^"]*"`)

// printLines prints the lines of a log file, TraceIds replaced.
func printLines(path string) {
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fmt.Println(traceIDs.ReplaceAllString(sc.Text(), `"traceId":"<traceId>"`))
	}
}

// A tracer writes one digest line per finished span and, per stat
// interval, one stat line per key. A fixed clock (WithClock) and explicit
// start and finish times make the lines reproducible.
func Example() {
	dir, err := os.MkdirTemp("", "tracer-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	start := time.Date(2026, 11, 24, 16, 6, 54, 300e6, time.Local)
	t, err := tracer.New(
		tracer.WithAppName("orders"),
		tracer.WithLogDir(dir),
		tracer.WithClock(func() time.Time { return start }),
	)
	if err != nil {
		log.Fatal(err)
	}

	root := t.StartSpan("checkout", opentracing.StartTime(start))
	root.SetTag("order.id", "A-1001")
	root.SetBaggageItem("user", "u-42")
	root.FinishWithOptions(opentracing.FinishOptions{FinishTime: start.Add(5 * time.Millisecond)})

	if err := t.Close(); err != nil { // writes the queue and the last stat interval
		log.Fatal(err)
	}
	printLines(filepath.Join(dir, "biz-digest.log"))
	printLines(filepath.Join(dir, "biz-stat.log"))
	// Output:
	// {"time":"2026-11-24 16:06:54.305","local.app":"orders","traceId":"<traceId>","spanId":"0","span.kind":"","result.code":"","current.thread.name":"goroutine","time.cost.milliseconds":"5ms","method":"checkout","order.id":"A-1001","sys.baggage":"","biz.baggage":"user=u-42&"}
	// {"time":"2026-11-24 16:06:54.300","stat.key":{"local.app":"orders","method":"checkout"},"count":1,"total.cost.milliseconds":5,"success":"Y","load.test":"F"}
}

// Children get hierarchical SpanIds; Tracer.StartSpanFromContext is the
// cheaper form of opentracing.StartSpanFromContext.
func ExampleTracer_StartSpanFromContext() {
	dir, err := os.MkdirTemp("", "tracer-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	t, err := tracer.New(tracer.WithAppName("orders"), tracer.WithLogDir(dir))
	if err != nil {
		log.Fatal(err)
	}
	defer t.Close()

	root, ctx := t.StartSpanFromContext(context.Background(), "checkout")
	defer root.Finish()
	for _, step := range []string{"reserve-stock", "charge-card"} {
		child, cctx := t.StartSpanFromContext(ctx, step)
		grandchild, gctx := t.StartSpanFromContext(cctx, "db")
		fmt.Println(step, span.SpanIDFromContext(cctx), span.SpanIDFromContext(gctx))
		grandchild.Finish()
		child.Finish()
	}
	fmt.Println("same trace:", span.TraceIDFromContext(ctx) == root.Context().(*span.Context).TraceID)
	// Output:
	// reserve-stock 0.1 0.1.1
	// charge-card 0.2 0.2.1
	// same trace: true
}

// LogHandler adds the traceId and spanId of the span in a record's context
// to slog records.
func ExampleLogHandler() {
	dir, err := os.MkdirTemp("", "tracer-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	t, err := tracer.New(tracer.WithAppName("orders"), tracer.WithLogDir(dir))
	if err != nil {
		log.Fatal(err)
	}
	defer t.Close()

	text := slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case slog.TimeKey:
				return slog.Attr{} // no time, for a stable output
			case "traceId":
				return slog.String("traceId", "<traceId>")
			}
			return a
		},
	})
	logger := slog.New(tracer.LogHandler(text))

	root, ctx := t.StartSpanFromContext(context.Background(), "checkout")
	child, cctx := t.StartSpanFromContext(ctx, "charge-card")
	logger.InfoContext(cctx, "card charged", "amount", 42)
	child.Finish()
	root.Finish()
	logger.InfoContext(context.Background(), "no span")
	// Output:
	// level=INFO msg="card charged" amount=42 traceId=<traceId> spanId=0.1
	// level=INFO msg="no span"
}
