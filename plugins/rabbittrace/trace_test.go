package rabbittrace_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/plugins/internal/logtest"
	"github.com/sofatracer/sofatracer-go/plugins/nethttp"
	"github.com/sofatracer/sofatracer-go/plugins/rabbittrace"
	"github.com/sofatracer/sofatracer-go/span"
)

// next returns the next delivery of deliveries, failing after 10 s.
func next(t testing.TB, deliveries <-chan amqp.Delivery) amqp.Delivery {
	t.Helper()
	select {
	case d := <-deliveries:
		return d
	case <-time.After(10 * time.Second):
		t.Fatal("no delivery within 10 s")
	}
	return amqp.Delivery{}
}

func consume(t testing.TB, ch *amqp.Channel, q string) <-chan amqp.Delivery {
	t.Helper()
	d, err := ch.Consume(q, "", true, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestHTTPPublishConsumeOneTrace: an HTTP handler publishes (confirm
// mode), another service processes the delivery: one TraceId in the
// http-server, rabbitmq-send and rabbitmq-consume digests, each span the
// child of the one before.
func TestHTTPPublishConsumeOneTrace(t *testing.T) {
	conn := dial(t)
	pub := channel(t, conn)
	if err := pub.Confirm(false); err != nil {
		t.Fatal(err)
	}
	sub := channel(t, conn)
	q := queue(t, sub, nil)
	deliveries := consume(t, sub, q)
	front := logtest.NewTracer(t, "front")
	worker := logtest.NewTracer(t, "worker")
	userHeaders := amqp.Table{"content": "order"}

	srv := httptest.NewServer(nethttp.Middleware(front, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		msg := amqp.Publishing{Headers: userHeaders, Body: []byte("order-1")}
		if err := rabbittrace.Publish(r.Context(), front, pub, "", q, false, false, msg); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
		}
	})))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/orders")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if len(userHeaders) != 1 {
		t.Errorf("the caller's headers were modified: %v", userHeaders)
	}

	d := next(t, deliveries)
	if d.Headers["content"] != "order" {
		t.Errorf("the application's header is lost: %v", d.Headers)
	}
	var handlerTrace string
	ctx := rabbittrace.ContextWithQueue(context.Background(), q)
	if err := rabbittrace.Process(ctx, worker, d, func(ctx context.Context) error {
		handlerTrace = span.TraceIDFromContext(ctx)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	logtest.WaitFinished(t, front, 2)
	logtest.WaitFinished(t, worker, 1)
	front.Close()
	worker.Close()

	httpL := logtest.One(t, "digest", logtest.Digest(t, front, digest.HTTPServer))
	send := logtest.One(t, "digest", logtest.Digest(t, front, rabbittrace.SendLayout))
	cons := logtest.One(t, "digest", logtest.Digest(t, worker, rabbittrace.ConsumeLayout))
	t.Logf("send: %v\nconsume: %v", send, cons)
	id := httpL.S("traceId")
	if send.S("traceId") != id || cons.S("traceId") != id || handlerTrace != id {
		t.Errorf("trace ids: http %s, send %s, consume %s, handler %s", id, send.S("traceId"), cons.S("traceId"), handlerTrace)
	}
	if send.S("spanId") != httpL.S("spanId")+".1" || cons.S("spanId") != send.S("spanId")+".1" {
		t.Errorf("span ids: http %s, send %s, consume %s", httpL.S("spanId"), send.S("spanId"), cons.S("spanId"))
	}
	logtest.Expect(t, "send", send, map[string]string{"exchange": "", "rountingKey": q, "error": "", "result.code": "00", "span.kind": "client", "current.thread.name": "rabbitmq-send"})
	logtest.Expect(t, "cons", cons, map[string]string{"exchange": "", "rountingKey": q, "queueName": q, "error": "", "result.code": "00", "span.kind": "server", "local.app": "worker"})
	st := logtest.Stat(t, worker, rabbittrace.ConsumeLayout)
	if logtest.Count(st, map[string]string{"queueName": q, "rountingKey": q, "success": "Y"}) != 1 {
		t.Errorf("consume stat lines %v", st)
	}
}

// TestNackedPublish: a publish the broker nacks (a full queue with
// x-overflow reject-publish) gives ErrNotConfirmed and 99; the first one
// is confirmed, 00.
func TestNackedPublish(t *testing.T) {
	conn := dial(t)
	ch := channel(t, conn)
	q := queue(t, ch, amqp.Table{"x-max-length": int32(1), "x-overflow": "reject-publish"})
	if err := ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	tr := logtest.NewTracer(t, "front")
	ctx := context.Background()
	if err := rabbittrace.Publish(ctx, tr, ch, "", q, false, false, amqp.Publishing{Body: []byte("1")}); err != nil {
		t.Fatalf("first publish: %v", err)
	}
	err := rabbittrace.Publish(ctx, tr, ch, "", q, false, false, amqp.Publishing{Body: []byte("2")})
	if !errors.Is(err, rabbittrace.ErrNotConfirmed) {
		t.Fatalf("publish to a full queue: %v, want ErrNotConfirmed", err)
	}
	logtest.WaitFinished(t, tr, 2)
	tr.Close()
	lines := logtest.Digest(t, tr, rabbittrace.SendLayout)
	if len(lines) != 2 {
		t.Fatalf("%d lines", len(lines))
	}
	logtest.Expect(t, "line 0", lines[0], map[string]string{"result.code": "00", "error": ""})
	logtest.Expect(t, "line 1", lines[1], map[string]string{"result.code": "99", "error": rabbittrace.ErrNotConfirmed.Error()})
}

// TestPublishToMissingExchange: in confirm mode, the broker closes the
// channel instead of confirming: ErrNotConfirmed and amqp.ErrClosed, 99.
func TestPublishToMissingExchange(t *testing.T) {
	ch := channel(t, dial(t))
	if err := ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	tr := logtest.NewTracer(t, "front")
	err := rabbittrace.Publish(context.Background(), tr, ch, "sofatracer-no-such-exchange", "k", false, false, amqp.Publishing{})
	if !errors.Is(err, rabbittrace.ErrNotConfirmed) || !errors.Is(err, amqp.ErrClosed) {
		t.Fatalf("error %v, want ErrNotConfirmed and amqp.ErrClosed", err)
	}
	logtest.WaitFinished(t, tr, 1)
	tr.Close()
	logtest.Expect(t, "send", logtest.One(t, "send lines", logtest.Digest(t, tr, rabbittrace.SendLayout)), map[string]string{"result.code": "99", "error": err.Error(), "exchange": "sofatracer-no-such-exchange"})
}

// TestPublishClientErrorUnchanged: the client's own errors (a closed
// channel; a canceled context while waiting for the confirm) reach the
// caller unchanged, and the span ends with 99.
func TestPublishClientErrorUnchanged(t *testing.T) {
	conn := dial(t)
	tr := logtest.NewTracer(t, "front")
	closed := channel(t, conn)
	closed.Close()
	bare := closed.PublishWithContext(context.Background(), "", "q", false, false, amqp.Publishing{})
	err := rabbittrace.Publish(context.Background(), tr, closed, "", "q", false, false, amqp.Publishing{})
	if err == nil || err != bare {
		t.Errorf("closed channel: %v, bare client %v", err, bare)
	}
	ch := channel(t, conn)
	if err := ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := rabbittrace.Publish(ctx, tr, ch, "", "q", false, false, amqp.Publishing{}); err != context.Canceled {
		t.Errorf("canceled context: %v", err)
	}
	logtest.WaitFinished(t, tr, 2)
	tr.Close()
	for _, l := range logtest.Digest(t, tr, rabbittrace.SendLayout) {
		logtest.Expect(t, "l", l, map[string]string{"result.code": "99"})
	}
}

// TestAnyTracer: a tracer that is not a SOFATracer breaks nothing.
func TestAnyTracer(t *testing.T) {
	conn := dial(t)
	ch := channel(t, conn)
	q := queue(t, ch, nil)
	var tr opentracing.NoopTracer
	if err := rabbittrace.Publish(context.Background(), tr, ch, "", q, false, false, amqp.Publishing{Body: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	n := 0
	_ = rabbittrace.Process(context.Background(), tr, next(t, consume(t, ch, q)), func(context.Context) error { n++; return nil })
	if n != 1 {
		t.Errorf("processed %d", n)
	}
}
