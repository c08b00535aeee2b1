package kafkatrace_test

import (
	"context"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sofatracer/sofatracer-go/plugins/internal/logtest"
	"github.com/sofatracer/sofatracer-go/plugins/kafkatrace"
	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// processOne runs Process for rec with a fresh tracer and returns the
// consume digest line and the tracer's counters.
func processOne(t *testing.T, rec *kgo.Record) (logtest.Line, tracer.Stats) {
	t.Helper()
	tr := logtest.NewTracer(t, "worker")
	called := 0
	err := kafkatrace.Process(context.Background(), tr, rec, func(ctx context.Context) error {
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
	return logtest.One(t, "digest", logtest.Digest(t, tr, kafkatrace.ConsumeLayout)), st
}

func hdr(kv ...string) []kgo.RecordHeader {
	var h []kgo.RecordHeader
	for i := 0; i < len(kv); i += 2 {
		h = append(h, kgo.RecordHeader{Key: kv[i], Value: []byte(kv[i+1])})
	}
	return h
}

func sum(m map[string]int64) (n int64) {
	for _, v := range m {
		n += v
	}
	return n
}

func TestNoHeadersStartsRoot(t *testing.T) {
	l, st := processOne(t, &kgo.Record{Topic: "t", Headers: hdr("content-type", "json")})
	logtest.Expect(t, "l", l, map[string]string{"spanId": "0", "result.code": "00"})
	if l.S("traceId") == "" || sum(st.Corrupted) != 0 {
		t.Errorf("line %v, corrupted %v", l, st.Corrupted)
	}
}

func TestCorruptHeaderStartsRootCounted(t *testing.T) {
	for name, h := range map[string][]kgo.RecordHeader{
		"quote in trace id":  hdr("X-B3-TraceId", `0a0f"e9`, "X-B3-SpanId", "0.1"),
		"newline in span id": hdr("X-B3-TraceId", "0a0fe91d156743109138810017302", "X-B3-SpanId", "0.1\n{\"x\":1}"),
		"oversized trace id": hdr("X-B3-TraceId", strings.Repeat("a", 100000), "X-B3-SpanId", "0"),
		"comma in parent id": hdr("x-b3-traceid", "0a0fe91d156743109138810017302", "x-b3-spanid", "0.1", "x-b3-parentspanid", "0,1"),
		"invalid sftc_head":  hdr("sftc_head", "tcid=a b&spid=0&"),
	} {
		t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
			l, st := processOne(t, &kgo.Record{Topic: "t", Headers: h})
			logtest.Expect(t, "l", l, map[string]string{"spanId": "0", "result.code": "00"})
			if strings.ContainsAny(l.S("traceId"), "\"\n, ") || l.S("traceId") == "0a0fe91d156743109138810017302" {
				t.Errorf("traceId %q taken from a corrupt header", l.S("traceId"))
			}
			if sum(st.Corrupted) != 1 {
				t.Errorf("Stats().Corrupted = %v, want one count", st.Corrupted)
			}
		})
	}
}

// TestBaggageProducerToConsumer: baggage set on the producer's span is in
// the consumer's span and digest line.
func TestBaggageProducerToConsumer(t *testing.T) {
	seeds := brokers(t)
	topic := newTopic(t, seeds, 1)
	front := logtest.NewTracer(t, "front")
	worker := logtest.NewTracer(t, "worker")
	prod := newClient(t, seeds, kgo.WithHooks(kafkatrace.NewHooks(front)))
	parent := front.StartSpan("checkout")
	parent.SetBaggageItem("user", "u=42&x")
	parent.(*span.Span).SetSysBaggageItem("zone", "gz00b")
	if err := prod.ProduceSync(withSpan(context.Background(), parent), &kgo.Record{Topic: topic}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	parent.Finish()
	var got, gotSys string
	consume(t, consumer(t, seeds, topic), 1, func(r *kgo.Record) {
		_ = kafkatrace.Process(context.Background(), worker, r, func(ctx context.Context) error {
			got, gotSys = span.FromContext(ctx).BaggageItem("user"), span.FromContext(ctx).Ctx.SysBaggageItem("zone")
			return nil
		})
	})
	if got != "u=42&x" || gotSys != "gz00b" {
		t.Errorf("consumer baggage user=%q zone=%q", got, gotSys)
	}
	logtest.WaitFinished(t, worker, 1)
	worker.Close()
	logtest.Expect(t, "consume", logtest.One(t, "consume lines", logtest.Digest(t, worker, kafkatrace.ConsumeLayout)), map[string]string{"biz.baggage": "user=u%3D42%26x&", "sys.baggage": "zone=gz00b&", "spanId": "0.1.1"})
}
