package kafkatrace_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/opentracing/opentracing-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sofatracer/sofatracer-go/plugins/kafkatrace"
	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// A producer whose records carry the trace of the span in Produce's
// context, and a consumer that processes each record in that trace.
func Example() {
	dir, _ := os.MkdirTemp("", "kafkatrace-example-")
	defer os.RemoveAll(dir)
	t, err := tracer.New(tracer.WithAppName("orders"), tracer.WithLogDir(dir))
	if err != nil {
		log.Fatal(err)
	}
	defer t.Close()
	cluster, err := kfake.NewCluster(kfake.SeedTopics(1, "orders")) // a Kafka broker on 127.0.0.1
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()

	prod, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...), kgo.WithHooks(kafkatrace.NewHooks(t)))
	if err != nil {
		log.Fatal(err)
	}
	defer prod.Close()
	checkout := t.StartSpan("checkout") // span 0
	ctx := opentracing.ContextWithSpan(context.Background(), checkout)
	if err := prod.ProduceSync(ctx, &kgo.Record{Topic: "orders", Value: []byte("A-1001")}).FirstErr(); err != nil {
		log.Fatal(err)
	}
	checkout.Finish()

	cons, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...), kgo.ConsumeTopics("orders"))
	if err != nil {
		log.Fatal(err)
	}
	defer cons.Close()
	cons.PollFetches(context.Background()).EachRecord(func(r *kgo.Record) {
		_ = kafkatrace.Process(context.Background(), t, r, func(ctx context.Context) error {
			s := span.FromContext(ctx)
			fmt.Printf("processing %s in span %s (parent %s), same trace: %v\n",
				r.Value, s.Ctx.SpanID, s.Ctx.ParentID, s.Ctx.TraceID == checkout.(*span.Span).Ctx.TraceID)
			return nil
		})
	})
	// Output: processing A-1001 in span 0.1.1 (parent 0.1), same trace: true
}
