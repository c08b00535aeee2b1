package kafkatrace_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/opentracing/opentracing-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/plugins/internal/logtest"
	"github.com/sofatracer/sofatracer-go/plugins/kafkatrace"
	"github.com/sofatracer/sofatracer-go/plugins/nethttp"
	"github.com/sofatracer/sofatracer-go/span"
)

// TestHTTPProduceConsumeOneTrace: an HTTP request whose handler produces
// a record, and a consumer (another service) processing it: one TraceId
// in http-server, kafkamq-send and kafkamq-consume digests, each span the
// child of the one before.
func TestHTTPProduceConsumeOneTrace(t *testing.T) {
	seeds := brokers(t)
	topic := newTopic(t, seeds, 3)
	front := logtest.NewTracer(t, "front")
	worker := logtest.NewTracer(t, "worker")
	prod := newClient(t, seeds, kgo.WithHooks(kafkatrace.NewHooks(front)))

	srv := httptest.NewServer(nethttp.Middleware(front, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &kgo.Record{Topic: topic, Value: []byte("order-1")}
		if err := prod.ProduceSync(r.Context(), rec).FirstErr(); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		if rec.Context != r.Context() {
			t.Error("the record's context is not the caller's after the promise")
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

	var handlerTrace string
	cons := consumer(t, seeds, topic)
	consume(t, cons, 1, func(r *kgo.Record) {
		err := kafkatrace.Process(context.Background(), worker, r, func(ctx context.Context) error {
			handlerTrace = span.TraceIDFromContext(ctx)
			return nil
		})
		if err != nil {
			t.Error(err)
		}
	})
	logtest.WaitFinished(t, front, 2)
	logtest.WaitFinished(t, worker, 1)
	front.Close()
	worker.Close()

	httpL := logtest.One(t, "digest", logtest.Digest(t, front, digest.HTTPServer))
	send := logtest.One(t, "digest", logtest.Digest(t, front, kafkatrace.SendLayout))
	cons1 := logtest.One(t, "digest", logtest.Digest(t, worker, kafkatrace.ConsumeLayout))
	t.Logf("send: %v\nconsume: %v", send, cons1)
	id := httpL.S("traceId")
	for _, l := range []logtest.Line{send, cons1} {
		if l.S("traceId") != id {
			t.Errorf("traceId %s, want the HTTP server's %s", l.S("traceId"), id)
		}
	}
	if handlerTrace != id {
		t.Errorf("the handler's context has trace %q, want %s", handlerTrace, id)
	}
	if want := httpL.S("spanId") + ".1"; send.S("spanId") != want {
		t.Errorf("send spanId %s, want %s", send.S("spanId"), want)
	}
	if want := send.S("spanId") + ".1"; cons1.S("spanId") != want {
		t.Errorf("consume spanId %s, want %s (a child of the send span)", cons1.S("spanId"), want)
	}
	logtest.Expect(t, "send", send, map[string]string{"kafka.topic": topic, "span.kind": "client", "result.code": "00", "current.thread.name": "kafkamq-send", "local.app": "front", "error": ""})
	logtest.Expect(t, "cons1", cons1, map[string]string{"kafka.topic": topic, "span.kind": "server", "result.code": "00", "kafka.partition": send.S("kafka.partition"), "kafka.offset": send.S("kafka.offset"), "local.app": "worker"})
	if p := send.S("kafka.partition"); p == "-1" || p == "" {
		t.Errorf("send partition %q, want the one the broker assigned", p)
	}
	if cons1.S("kafka.offset") == "-1" {
		t.Errorf("consume offset -1")
	}

	// Stat lines: the consume key holds no offset.
	st := logtest.Stat(t, worker, kafkatrace.ConsumeLayout)
	if len(st) != 1 {
		t.Fatalf("%d consume stat lines, want 1", len(st))
	}
	key := st[0]["stat.key"].(map[string]any)
	if _, ok := key["kafka.offset"]; ok || key["kafka.topic"] != topic || key["local.app"] != "worker" || st[0].S("success") != "Y" {
		t.Errorf("consume stat line %v", st[0])
	}
	if st := logtest.Stat(t, front, kafkatrace.SendLayout); len(st) != 1 || st[0].S("success") != "Y" {
		t.Errorf("send stat lines %v", st)
	}
}

// TestProcessErrorAndPanic: fn's error is returned unchanged and gives
// 99; a panic gives 99 and goes on.
func TestProcessErrorAndPanic(t *testing.T) {
	tr := logtest.NewTracer(t, "worker")
	rec := &kgo.Record{Topic: "t", Partition: 2, Offset: 7}
	want := errors.New("handler failed")
	if err := kafkatrace.Process(context.Background(), tr, rec, func(context.Context) error { return want }); err != want {
		t.Errorf("Process returned %v, want the handler's error unchanged", err)
	}
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("recovered %v, want the handler's panic", p)
			}
		}()
		_ = kafkatrace.Process(context.Background(), tr, rec, func(context.Context) error { panic("boom") })
	}()
	logtest.WaitFinished(t, tr, 2)
	tr.Close()
	lines := logtest.Digest(t, tr, kafkatrace.ConsumeLayout)
	if len(lines) != 2 {
		t.Fatalf("%d lines", len(lines))
	}
	logtest.Expect(t, "line 0", lines[0], map[string]string{"result.code": "99", "error": "handler failed", "kafka.partition": "2", "kafka.offset": "7"})
	logtest.Expect(t, "line 1", lines[1], map[string]string{"result.code": "99", "error": "panic: boom"})
	if st := logtest.Stat(t, tr, kafkatrace.ConsumeLayout); len(st) != 1 || st[0].S("success") != "N" || st[0].S("count") != "2" {
		t.Errorf("stat %v", st)
	}
}

// TestAnyTracer: the hooks and Process work with a tracer that is not a
// SOFATracer (opentracing's mock-free NoopTracer here: nothing breaks and
// the record is delivered and processed).
func TestAnyTracer(t *testing.T) {
	seeds := brokers(t)
	topic := newTopic(t, seeds, 1)
	var tr opentracing.NoopTracer
	prod := newClient(t, seeds, kgo.WithHooks(kafkatrace.NewHooks(tr)))
	if err := prod.ProduceSync(context.Background(), &kgo.Record{Topic: topic, Value: []byte("x")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	n := 0
	consume(t, consumer(t, seeds, topic), 1, func(r *kgo.Record) {
		_ = kafkatrace.Process(context.Background(), tr, r, func(context.Context) error { n++; return nil })
	})
	if n != 1 {
		t.Errorf("processed %d", n)
	}
}
