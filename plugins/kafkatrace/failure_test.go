package kafkatrace_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sofatracer/sofatracer-go/plugins/internal/logtest"
	"github.com/sofatracer/sofatracer-go/plugins/kafkatrace"
)

// produceToStoppedBroker starts a kfake broker, produces a record to
// it, stops it, and returns the error of a produce to it by a client made
// with opts. (A client that had a produce request in flight when the
// broker stopped keeps retrying it past RecordDeliveryTimeout and its
// context in franz-go v1.22.3, so the failing client is a new one.) A
// real cluster cannot be stopped by a test: this test always uses kfake.
func produceToStoppedBroker(t *testing.T, opts ...kgo.Opt) error {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "orders"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	seeds := c.ListenAddrs()
	if err := newClient(t, seeds).ProduceSync(context.Background(), &kgo.Record{Topic: "orders"}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	cl := newClient(t, seeds, opts...)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err = cl.ProduceSync(ctx, &kgo.Record{Topic: "orders"}).FirstErr()
	if err == nil {
		t.Fatal("produce to a stopped broker succeeded")
	}
	return err
}

// TestProduceToStoppedBroker: the caller gets the client's error as the
// bare client gives it, and the send span ends with 99 and that error.
func TestProduceToStoppedBroker(t *testing.T) {
	bare := produceToStoppedBroker(t)
	tr := logtest.NewTracer(t, "front")
	traced := produceToStoppedBroker(t, kgo.WithHooks(kafkatrace.NewHooks(tr)))
	if reflect.TypeOf(traced) != reflect.TypeOf(bare) || errors.Is(traced, context.DeadlineExceeded) != errors.Is(bare, context.DeadlineExceeded) {
		t.Errorf("traced error %T %v, bare client's %T %v", traced, traced, bare, bare)
	}
	logtest.WaitFinished(t, tr, 1)
	tr.Close()
	lines := logtest.Digest(t, tr, kafkatrace.SendLayout)
	if len(lines) != 1 {
		t.Fatalf("%d send lines", len(lines))
	}
	logtest.Expect(t, "line 0", lines[0], map[string]string{"result.code": "99", "error": traced.Error(), "kafka.partition": "-1", "kafka.offset": "-1"})
	if st := logtest.Stat(t, tr, kafkatrace.SendLayout); logtest.Count(st, map[string]string{"success": "N"}) != 1 {
		t.Errorf("stat lines %v, want one failure", st)
	}
}

// TestProduceRejected: a record the client refuses before sending (no
// topic) ends its span with 99 and the client's error unchanged.
func TestProduceRejected(t *testing.T) {
	tr := logtest.NewTracer(t, "front")
	cl := newClient(t, brokers(t), kgo.WithHooks(kafkatrace.NewHooks(tr)))
	bare := newClient(t, brokers(t))
	rec := &kgo.Record{}
	err := cl.ProduceSync(context.Background(), rec).FirstErr()
	want := bare.ProduceSync(context.Background(), &kgo.Record{}).FirstErr()
	if err == nil || err.Error() != want.Error() {
		t.Errorf("error %v, bare client's %v", err, want)
	}
	logtest.WaitFinished(t, tr, 1)
	tr.Close()
	logtest.Expect(t, "send", logtest.One(t, "send lines", logtest.Digest(t, tr, kafkatrace.SendLayout)), map[string]string{"result.code": "99", "error": err.Error()})
}
