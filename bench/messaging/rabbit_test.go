package messaging_test

import (
	"context"
	"testing"

	"github.com/opentracing/opentracing-go"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/sofatracer/sofatracer-go/internal/testenv"
	"github.com/sofatracer/sofatracer-go/plugins/rabbittrace"
)

// BenchmarkRabbitPublish: one publish (no confirm mode) to the RabbitMQ
// of SOFA_TEST_RABBITMQ_URL, with the bare client and with
// rabbittrace.Publish from a context holding a parent span.
func BenchmarkRabbitPublish(b *testing.B) {
	url := testenv.Server(b, "SOFA_TEST_RABBITMQ_URL")
	for _, name := range []string{bare, sofa} {
		b.Run(name, func(b *testing.B) {
			conn, err := amqp.Dial(url)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			ch, err := conn.Channel()
			if err != nil {
				b.Fatal(err)
			}
			q, err := ch.QueueDeclare("", false, true, true, false, amqp.Table{"x-max-length": int32(1000)})
			if err != nil {
				b.Fatal(err)
			}
			msg := amqp.Publishing{Body: value, Headers: amqp.Table{"content": "order"}}
			ctx := context.Background()
			publish := func() error { return ch.PublishWithContext(ctx, "", q.Name, false, false, msg) }
			s := unaccounted()
			if name == sofa {
				tr := newTracer(b)
				s = accounted(tr)
				parent := tr.StartSpan("parent")
				defer parent.Finish()
				ctx = opentracing.ContextWithSpan(ctx, parent)
				publish = func() error { return rabbittrace.Publish(ctx, tr, ch, "", q.Name, false, false, msg) }
			}
			s.measure(b, func(int64) {
				if err := publish(); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkRabbitConsume: one delivery carrying its publisher's context,
// processed by a handler that does nothing, without and with
// rabbittrace.Process.
func BenchmarkRabbitConsume(b *testing.B) {
	for _, name := range []string{bare, sofa} {
		b.Run(name, func(b *testing.B) {
			d := amqp.Delivery{Exchange: "", RoutingKey: "orders", Body: value, Headers: amqp.Table{
				"X-B3-TraceId": "0a0fe91d156743109138810017302", "X-B3-SpanId": "0.1",
				"X-B3-ParentSpanId": "0", "X-B3-Sampled": "true", "content": "order",
			}}
			fn := func(context.Context) error { return nil }
			ctx := rabbittrace.ContextWithQueue(context.Background(), "orders")
			process := func() error { return fn(ctx) }
			s := unaccounted()
			if name == sofa {
				tr := newTracer(b)
				s = accounted(tr)
				process = func() error { return rabbittrace.Process(ctx, tr, d, fn) }
			}
			s.measure(b, func(int64) {
				if err := process(); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}
