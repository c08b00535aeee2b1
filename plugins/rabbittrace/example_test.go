package rabbittrace_test

import (
	"context"
	"fmt"
	"log"
	"os"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/sofatracer/sofatracer-go/plugins/rabbittrace"
	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// Publishing in the trace of the span in ctx (here none: a new trace),
// on a channel in confirm mode.
func ExamplePublish() {
	t, err := tracer.New(tracer.WithAppName("orders"))
	if err != nil {
		log.Fatal(err)
	}
	defer t.Close()
	conn, err := amqp.Dial("amqp://guest:guest@127.0.0.1:5672/")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		log.Fatal(err)
	}
	if err := ch.Confirm(false); err != nil {
		log.Fatal(err)
	}
	err = rabbittrace.Publish(context.Background(), t, ch, "shop", "order.created", false, false,
		amqp.Publishing{ContentType: "application/json", Body: []byte(`{"id":"A-1001"}`)})
	if err != nil {
		log.Print(err) // the client's error, or ErrNotConfirmed
	}
}

// Processing a delivery published by a Java service with SOFATracer: the
// consume span joins its trace as a child of the send span.
func ExampleProcess() {
	dir, _ := os.MkdirTemp("", "rabbittrace-example-")
	defer os.RemoveAll(dir)
	t, err := tracer.New(tracer.WithAppName("billing"), tracer.WithLogDir(dir))
	if err != nil {
		log.Fatal(err)
	}
	defer t.Close()
	d := amqp.Delivery{Exchange: "shop", RoutingKey: "order.created", Headers: amqp.Table{
		"X-B3-TraceId": "0a0fe91d156743109138810017302", "X-B3-SpanId": "0.1",
		"X-B3-ParentSpanId": "0", "X-B3-Sampled": "true", "baggage-user": "u-42",
	}}
	ctx := rabbittrace.ContextWithQueue(context.Background(), "billing.orders")
	_ = rabbittrace.Process(ctx, t, d, func(ctx context.Context) error {
		s := span.FromContext(ctx)
		fmt.Println(s.Ctx.TraceID, s.Ctx.SpanID, s.BaggageItem("user"))
		return nil
	})
	// Output: 0a0fe91d156743109138810017302 0.1.1 u-42
}
