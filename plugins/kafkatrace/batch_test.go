package kafkatrace_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sofatracer/sofatracer-go/plugins/internal/logtest"
	"github.com/sofatracer/sofatracer-go/plugins/kafkatrace"
	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

type ids struct{ trace, span, parent string }

// TestConcurrentBatchEachRecordOwnParent: 10,000 records produced from 8
// goroutines and consumed by a group of two members: every record is
// processed, and each consume span is the child of its own record's send
// span (none inherits another record's context).
func TestConcurrentBatchEachRecordOwnParent(t *testing.T) {
	const n, producers = 10000, 8
	seeds := brokers(t)
	topic := newTopic(t, seeds, 4)
	front := logtest.NewTracer(t, "front", tracer.WithQueueSize(1<<15))
	worker := logtest.NewTracer(t, "worker", tracer.WithQueueSize(1<<15))
	prod := newClient(t, seeds, kgo.WithHooks(kafkatrace.NewHooks(front)))

	var mu sync.Mutex
	sent := make(map[string]ids, n) // record value -> send span
	var wg sync.WaitGroup
	for g := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < n; i += producers {
				rec := &kgo.Record{Topic: topic, Value: []byte(strconv.Itoa(i))}
				prod.Produce(context.Background(), rec, func(r *kgo.Record, err error) {
					if err != nil {
						t.Errorf("produce %s: %v", r.Value, err)
						return
					}
					h := map[string]string{}
					for _, x := range r.Headers {
						h[x.Key] = string(x.Value)
					}
					mu.Lock()
					sent[string(r.Value)] = ids{h["X-B3-TraceId"], h["X-B3-SpanId"], ""}
					mu.Unlock()
				})
			}
		}()
	}
	wg.Wait()
	if err := prod.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}

	got := make(map[string]ids, n)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var cwg sync.WaitGroup
	for range 2 {
		cl := consumer(t, seeds, topic)
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			for ctx.Err() == nil {
				cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
					_ = kafkatrace.Process(ctx, worker, r, func(ctx context.Context) error {
						sc := &span.FromContext(ctx).Ctx
						mu.Lock()
						got[string(r.Value)] = ids{sc.TraceID, sc.SpanID, sc.ParentID}
						if len(got) == n {
							cancel()
						}
						mu.Unlock()
						return nil
					})
				})
			}
		}()
	}
	cwg.Wait()
	if len(sent) != n || len(got) != n {
		t.Fatalf("sent %d, processed %d distinct records, want %d", len(sent), len(got), n)
	}
	traces := map[string]bool{}
	for v, s := range sent {
		c := got[v]
		if c.trace != s.trace || c.parent != s.span || c.span != s.span+".1" {
			t.Fatalf("record %s: consume span %+v, send span %+v", v, c, s)
		}
		traces[s.trace] = true
	}
	if len(traces) != n {
		t.Errorf("%d distinct traces for %d records", len(traces), n)
	}

	logtest.WaitFinished(t, front, n)
	logtest.WaitFinished(t, worker, int64(len(got)))
	front.Close()
	worker.Close()
	sendLines := logtest.Digest(t, front, kafkatrace.SendLayout)
	consLines := logtest.Digest(t, worker, kafkatrace.ConsumeLayout)
	if len(sendLines) != n || len(consLines) < n {
		t.Fatalf("%d send and %d consume digest lines, want %d", len(sendLines), len(consLines), n)
	}
	sendByTrace := map[string]string{}
	for _, l := range sendLines {
		sendByTrace[l.S("traceId")] = l.S("spanId")
	}
	for _, l := range consLines {
		if sp, ok := sendByTrace[l.S("traceId")]; !ok || l.S("spanId") != sp+".1" {
			t.Fatalf("consume line %v has no send span as its parent", l)
		}
	}
	if st := front.Stats(); st.Reporter.Dropped != 0 || worker.Stats().Reporter.Dropped != 0 {
		t.Errorf("spans dropped: %v / %v", st, worker.Stats())
	}
}

// TestRecordsSharingOneHeadersSlice: records produced at once with one
// headers slice that has spare capacity each get their own trace headers;
// the shared slice and its spare capacity are left as they were.
func TestRecordsSharingOneHeadersSlice(t *testing.T) {
	seeds := brokers(t)
	topic := newTopic(t, seeds, 1)
	front := logtest.NewTracer(t, "front")
	prod := newClient(t, seeds, kgo.WithHooks(kafkatrace.NewHooks(front)))
	for _, shared := range [][]kgo.RecordHeader{make([]kgo.RecordHeader, 1, 8), make([]kgo.RecordHeader, 0, 8)} {
		if len(shared) > 0 {
			shared[0] = kgo.RecordHeader{Key: "app", Value: []byte("orders")}
		}
		recs := make([]*kgo.Record, 4)
		var wg sync.WaitGroup
		for i := range recs {
			recs[i] = &kgo.Record{Topic: topic, Value: []byte(strconv.Itoa(i)), Headers: shared}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := prod.ProduceSync(context.Background(), recs[i]).FirstErr(); err != nil {
					t.Errorf("produce: %v", err)
				}
			}()
		}
		wg.Wait()
		traces := map[string]bool{}
		for _, r := range recs {
			h := map[string]string{}
			for _, x := range r.Headers {
				h[x.Key] = string(x.Value)
			}
			if len(shared) > 0 && h["app"] != "orders" {
				t.Errorf("record %s lost the caller's header: %v", r.Value, h)
			}
			traces[h["X-B3-TraceId"]] = true
		}
		if len(traces) != len(recs) || traces[""] {
			t.Errorf("%d records have trace headers %v, want one trace each", len(recs), traces)
		}
		for _, x := range shared[len(shared):cap(shared)] {
			if x.Key != "" {
				t.Errorf("the caller's spare capacity was written: %v", shared[:cap(shared)])
				break
			}
		}
	}
}
