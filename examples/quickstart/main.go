// Command quickstart traces a tiny program with sofatracer-go: a parent
// span with three children (one on another goroutine) and baggage. It
// closes the tracer, which writes everything, and prints where the digest
// and stat files are and one digest line.
//
//	go run ./examples/quickstart                     # logs under ./logs/tracelog
//	SOFA_TRACER_LOGGING_PATH=/x go run ./examples/quickstart   # /x/tracelog
//	SOFA_TRACER_LOG_DIR=/x go run ./examples/quickstart        # /x
//	go run ./examples/quickstart -dir /tmp/x          # the flag wins
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/examples/internal/logdir"
	"github.com/sofatracer/sofatracer-go/tracer"
)

func main() {
	dir := flag.String("dir", "", "log directory (default $SOFA_TRACER_LOG_DIR, else $SOFA_TRACER_LOGGING_PATH/tracelog, else ./logs/tracelog)")
	flag.Parse()

	opts := []tracer.Option{tracer.WithAppName("quickstart"), tracer.WithStatInterval(time.Second)}
	if d := logdir.Dir(*dir); d != "" {
		opts = append(opts, tracer.WithLogDir(d))
	}
	t, err := tracer.New(opts...)
	if err != nil {
		log.Fatal(err)
	}
	opentracing.SetGlobalTracer(t)
	logger := slog.New(tracer.LogHandler(slog.NewTextHandler(os.Stdout, nil)))

	root, ctx := opentracing.StartSpanFromContext(context.Background(), "checkout")
	root.SetBaggageItem("user", "u-42")
	root.SetTag("order.id", "A-1001")
	logger.InfoContext(ctx, "checkout started")

	var wg sync.WaitGroup
	for _, step := range []string{"reserve-stock", "charge-card", "send-mail"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			child, cctx := opentracing.StartSpanFromContext(ctx, step)
			defer child.Finish()
			time.Sleep(5 * time.Millisecond)
			logger.InfoContext(cctx, "step done", "step", step, "user", child.BaggageItem("user"))
		}()
	}
	wg.Wait()
	root.Finish()

	if err := t.Close(); err != nil {
		log.Fatal(err)
	}
	digestPath := filepath.Join(t.LogDir(), "biz-digest.log")
	statPath := filepath.Join(t.LogDir(), "biz-stat.log")
	fmt.Println("digest log:", digestPath)
	fmt.Println("stat log:  ", statPath)
	fmt.Println("stats:     ", t.Stats())
	f, err := os.Open(digestPath)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var last string
	for sc.Scan() {
		last = sc.Text()
	}
	fmt.Println("last digest line:")
	fmt.Println(last)
}
