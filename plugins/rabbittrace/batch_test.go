package rabbittrace_test

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/opentracing/opentracing-go"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/sofatracer/sofatracer-go/plugins/internal/logtest"
	"github.com/sofatracer/sofatracer-go/plugins/rabbittrace"
	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// TestConcurrentPublishEachOwnParent: 2,000 messages published from 8
// goroutines (each its own trace) and consumed by two consumers: every
// message is processed once, as the child of its own send span.
func TestConcurrentPublishEachOwnParent(t *testing.T) {
	const n, publishers = 2000, 8
	conn := dial(t)
	q := queue(t, channel(t, conn), nil)
	front := logtest.NewTracer(t, "front", tracer.WithQueueSize(1<<14))
	worker := logtest.NewTracer(t, "worker", tracer.WithQueueSize(1<<14))

	var mu sync.Mutex
	sent := make(map[string]string, n) // body -> trace id
	var wg sync.WaitGroup
	for g := range publishers {
		ch := channel(t, conn)
		if err := ch.Confirm(false); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < n; i += publishers {
				parent := front.StartSpan("order").(*span.Span)
				body := strconv.Itoa(i)
				err := rabbittrace.Publish(opentracing.ContextWithSpan(context.Background(), parent), front, ch, "", q, false, false, amqp.Publishing{Body: []byte(body)})
				parent.Finish()
				if err != nil {
					t.Errorf("publish %s: %v", body, err)
					return
				}
				mu.Lock()
				sent[body] = parent.Ctx.TraceID
				mu.Unlock()
			}
		}()
	}
	wg.Wait()

	got := map[string]string{}
	done := make(chan struct{})
	var cwg sync.WaitGroup
	for range 2 {
		ch := channel(t, conn)
		deliveries := consume(t, ch, q)
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			for {
				select {
				case <-done:
					return
				case d := <-deliveries:
					_ = rabbittrace.Process(context.Background(), worker, d, func(ctx context.Context) error {
						s := span.FromContext(ctx)
						mu.Lock()
						defer mu.Unlock()
						if _, dup := got[string(d.Body)]; dup {
							t.Errorf("message %s processed twice", d.Body)
						}
						if s.Ctx.SpanID != "0.1.1" || s.Ctx.ParentID != "0.1" {
							t.Errorf("message %s: consume span %s, parent %s", d.Body, s.Ctx.SpanID, s.Ctx.ParentID)
						}
						got[string(d.Body)] = s.Ctx.TraceID
						if len(got) == n {
							close(done)
						}
						return nil
					})
				}
			}
		}()
	}
	cwg.Wait()
	for body, trace := range sent {
		if got[body] != trace {
			t.Fatalf("message %s: consumed in trace %q, sent in %q", body, got[body], trace)
		}
	}
	if len(sent) != n || len(got) != n {
		t.Fatalf("sent %d, processed %d", len(sent), len(got))
	}
}
