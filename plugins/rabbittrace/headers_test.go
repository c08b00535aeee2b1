package rabbittrace_test

import (
	"context"
	"strings"
	"testing"

	"github.com/opentracing/opentracing-go"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/sofatracer/sofatracer-go/plugins/internal/logtest"
	"github.com/sofatracer/sofatracer-go/plugins/rabbittrace"
	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// processOne runs Process for d with a fresh tracer and returns the
// consume digest line and the tracer's counters.
func processOne(t *testing.T, d amqp.Delivery) (logtest.Line, tracer.Stats) {
	t.Helper()
	tr := logtest.NewTracer(t, "worker")
	called := 0
	err := rabbittrace.Process(context.Background(), tr, d, func(ctx context.Context) error {
		called++
		if span.FromContext(ctx) == nil {
			t.Error("no span in the handler's context")
		}
		return nil
	})
	if err != nil || called != 1 {
		t.Fatalf("Process: %v, handler called %d times", err, called)
	}
	logtest.WaitFinished(t, tr, 1)
	st := tr.Stats()
	tr.Close()
	return logtest.One(t, "digest", logtest.Digest(t, tr, rabbittrace.ConsumeLayout)), st
}

func sum(m map[string]int64) (n int64) {
	for _, v := range m {
		n += v
	}
	return n
}

// TestJavaHeadersJoined: the headers Java's SOFATracer writes (String
// values; some clients deliver them as bytes) join the trace.
func TestJavaHeadersJoined(t *testing.T) {
	l, st := processOne(t, amqp.Delivery{Exchange: "orders", RoutingKey: "created", Headers: amqp.Table{
		"X-B3-TraceId": "0a0fe91d156743109138810017302", "X-B3-SpanId": []byte("0.2"),
		"X-B3-ParentSpanId": "0", "X-B3-Sampled": "true", "baggage-user": "u%3D42", "priority": int32(5),
	}})
	logtest.Expect(t, "l", l, map[string]string{"traceId": "0a0fe91d156743109138810017302", "spanId": "0.2.1", "biz.baggage": "user=u%3D42&", "exchange": "orders", "rountingKey": "created", "queueName": ""})
	if sum(st.Corrupted) != 0 {
		t.Errorf("corrupted %v", st.Corrupted)
	}
}

func TestNoHeadersStartsRoot(t *testing.T) {
	l, st := processOne(t, amqp.Delivery{RoutingKey: "k"})
	logtest.Expect(t, "l", l, map[string]string{"spanId": "0", "result.code": "00"})
	if sum(st.Corrupted) != 0 {
		t.Errorf("corrupted %v", st.Corrupted)
	}
}

func TestCorruptHeaderStartsRootCounted(t *testing.T) {
	for name, h := range map[string]amqp.Table{
		"quote in trace id":  {"X-B3-TraceId": `0a0f"e9`, "X-B3-SpanId": "0.1"},
		"newline in span id": {"X-B3-TraceId": "0a0fe91d156743109138810017302", "X-B3-SpanId": []byte("0.1\n{}")},
		"oversized trace id": {"X-B3-TraceId": strings.Repeat("a", 100000)},
		"space in parent id": {"x-b3-traceid": "0a0fe91d156743109138810017302", "x-b3-spanid": "0.1", "x-b3-parentspanid": "0 1"},
	} {
		t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
			l, st := processOne(t, amqp.Delivery{Headers: h})
			logtest.Expect(t, "l", l, map[string]string{"spanId": "0", "result.code": "00"})
			if l.S("traceId") == "0a0fe91d156743109138810017302" || strings.ContainsAny(l.S("traceId"), "\" \n") {
				t.Errorf("traceId %q taken from a corrupt header", l.S("traceId"))
			}
			if sum(st.Corrupted) != 1 {
				t.Errorf("Stats().Corrupted = %v, want one count", st.Corrupted)
			}
		})
	}
}

// TestBaggagePublisherToConsumer: baggage crosses the broker.
func TestBaggagePublisherToConsumer(t *testing.T) {
	conn := dial(t)
	ch := channel(t, conn)
	q := queue(t, ch, nil)
	front := logtest.NewTracer(t, "front")
	worker := logtest.NewTracer(t, "worker")
	parent := front.StartSpan("checkout").(*span.Span)
	parent.SetBaggageItem("user", "u=42&x")
	parent.SetSysBaggageItem("zone", "gz00b")
	ctx := opentracing.ContextWithSpan(context.Background(), parent)
	if err := rabbittrace.Publish(ctx, front, ch, "", q, false, false, amqp.Publishing{}); err != nil {
		t.Fatal(err)
	}
	parent.Finish()
	var user, zone string
	_ = rabbittrace.Process(context.Background(), worker, next(t, consume(t, ch, q)), func(ctx context.Context) error {
		s := span.FromContext(ctx)
		user, zone = s.BaggageItem("user"), s.Ctx.SysBaggageItem("zone")
		return nil
	})
	if user != "u=42&x" || zone != "gz00b" {
		t.Errorf("consumer baggage user=%q zone=%q", user, zone)
	}
	logtest.WaitFinished(t, worker, 1)
	worker.Close()
	logtest.Expect(t, "consume", logtest.One(t, "consume lines", logtest.Digest(t, worker, rabbittrace.ConsumeLayout)), map[string]string{"biz.baggage": "user=u%3D42%26x&", "sys.baggage": "zone=gz00b&", "spanId": "0.1.1"})
}

// FuzzProcessHeaders: whatever string headers a delivery carries
// (NUL-separated key, value, ...), Process runs the handler once in a
// span with valid ids.
func FuzzProcessHeaders(f *testing.F) {
	for _, s := range []string{
		"X-B3-TraceId\x000a0fe91d156743109138810017302\x00X-B3-SpanId\x000.1\x00X-B3-Sampled\x00true",
		"x-b3-traceid\x00abc\x00x-b3-spanid\x00\x00baggage-user\x00a%3Db\x00baggage-sys-z\x00%",
		"X-B3-TraceId\x00463ac35c9f6413ad48485a3953bb6124\x00X-B3-SpanId\x00a2fb4a1d1a96d312",
		"sftc_head\x00tcid=0a0f&spid=0.1.1&pspid=&sample=true&_sys_a=b&c=d&",
		"X-B3-TraceId\x00\"}\n{\x00X-B3-SpanId\x000..1",
	} {
		f.Add([]byte(s))
	}
	tr := logtest.NewTracer(f, "fuzz")
	f.Fuzz(func(t *testing.T, data []byte) {
		parts := strings.Split(string(data), "\x00")
		h := amqp.Table{}
		for i := 0; i+1 < len(parts); i += 2 {
			if i%4 == 0 {
				h[parts[i]] = parts[i+1]
			} else {
				h[parts[i]] = []byte(parts[i+1])
			}
		}
		calls := 0
		err := rabbittrace.Process(context.Background(), tr, amqp.Delivery{Headers: h}, func(ctx context.Context) error {
			calls++
			s := span.FromContext(ctx)
			if s == nil {
				t.Fatal("no span in the handler's context")
			}
			if span.ValidateID(s.Ctx.TraceID) != nil || span.ValidateID(s.Ctx.SpanID) != nil {
				t.Fatalf("invalid ids %q %q", s.Ctx.TraceID, s.Ctx.SpanID)
			}
			return nil
		})
		if err != nil || calls != 1 {
			t.Fatalf("Process: %v, handler called %d times", err, calls)
		}
	})
}
