package kafkatrace_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// brokersEnv names a real cluster ("host:port,host:port") to run the
// tests against instead of an in-process kfake cluster.
const brokersEnv = "SOFA_TEST_KAFKA_BROKERS"

// brokers returns the seed brokers of the cluster the test uses: the real
// one of SOFA_TEST_KAFKA_BROKERS, else a kfake cluster on 127.0.0.1
// (real TCP) closed after the test.
func brokers(t testing.TB) []string {
	t.Helper()
	if v := os.Getenv(brokersEnv); v != "" {
		return strings.Split(v, ",")
	}
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()
}

var topicSeq atomic.Int64

// newTopic creates a topic of a name unique to this run, so that reruns
// against a real cluster do not read old records.
func newTopic(t testing.TB, seeds []string, partitions int32) string {
	t.Helper()
	name := fmt.Sprintf("sofatracer-%s-%d-%d", strings.ReplaceAll(t.Name(), "/", "-"), time.Now().UnixNano(), topicSeq.Add(1))
	cl := newClient(t, seeds)
	req := kmsg.NewPtrCreateTopicsRequest()
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic, rt.NumPartitions, rt.ReplicationFactor = name, partitions, 1
	req.Topics = append(req.Topics, rt)
	req.TimeoutMillis = 10000
	resp, err := req.RequestWith(context.Background(), cl)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Topics) != 1 || resp.Topics[0].ErrorCode != 0 {
		t.Fatalf("create topic %s: %+v", name, resp.Topics)
	}
	return name
}

// newClient returns a franz-go client closed after the test.
func newClient(t testing.TB, seeds []string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(seeds...)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// consumer returns a client of a new consumer group reading topic from
// its start.
func consumer(t testing.TB, seeds []string, topic string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	base := []kgo.Opt{kgo.ConsumeTopics(topic), kgo.ConsumerGroup(topic + "-group"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(100 * time.Millisecond)}
	return newClient(t, seeds, append(base, opts...)...)
}

// consume polls cl until n records arrived, calling each for each, and
// fails the test after a minute.
func consume(t testing.TB, cl *kgo.Client, n int, each func(*kgo.Record)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for got := 0; got < n; {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consumed %d of %d records: %v", got, n, err)
		}
		fs.EachError(func(topic string, p int32, err error) { t.Errorf("fetch %s/%d: %v", topic, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			got++
			each(r)
		})
	}
}

// required reports a missing tool or server: a skip, or a failure when
// SOFA_TEST_REQUIRED=1 (make test, CI).
func required(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("SOFA_TEST_REQUIRED") == "1" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// withSpan returns ctx holding sp, as opentracing.ContextWithSpan.
func withSpan(ctx context.Context, sp opentracing.Span) context.Context {
	return opentracing.ContextWithSpan(ctx, sp)
}
