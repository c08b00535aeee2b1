package kafkatrace_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sofatracer/sofatracer-go/plugins/internal/logtest"
	"github.com/sofatracer/sofatracer-go/plugins/kafkatrace"
	"github.com/sofatracer/sofatracer-go/span"
)

// kcat runs Debian's kcat (librdkafka) with args and stdin, failing the
// test on an error.
func kcat(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	path, err := exec.LookPath("kcat")
	if err != nil {
		required(t, "kcat is not installed (Debian package kcat; tools/services/kcat.svc installs it)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("kcat %v: %v\n%s", args, err, errb.String())
	}
	return out.String()
}

// TestKcatJavaHeadersJoined: a record produced by kcat with the headers
// Java's SOFATracer writes (SOFA ids in X-B3-*, "true" sampled, baggage)
// is consumed in that trace, as a child of the Java send span.
func TestKcatJavaHeadersJoined(t *testing.T) {
	seeds := brokers(t)
	topic := newTopic(t, seeds, 1)
	const traceID = "0a0fe91d156743109138810017302"
	kcat(t, "payload\n", "-P", "-b", strings.Join(seeds, ","), "-t", topic, "-p", "0",
		"-H", "X-B3-TraceId="+traceID, "-H", "X-B3-SpanId=0.1.2", "-H", "X-B3-ParentSpanId=0.1",
		"-H", "X-B3-Sampled=true", "-H", "baggage-user=u%3D42", "-H", "baggage-sys-zone=gz00b")

	tr := logtest.NewTracer(t, "worker")
	var bag, sys string
	consume(t, consumer(t, seeds, topic), 1, func(r *kgo.Record) {
		_ = kafkatrace.Process(context.Background(), tr, r, func(ctx context.Context) error {
			sc := &span.FromContext(ctx).Ctx
			bag, sys = sc.BaggageItem("user"), sc.SysBaggageItem("zone")
			return nil
		})
	})
	logtest.WaitFinished(t, tr, 1)
	tr.Close()
	l := logtest.One(t, "digest", logtest.Digest(t, tr, kafkatrace.ConsumeLayout))
	logtest.Expect(t, "l", l, map[string]string{"traceId": traceID, "spanId": "0.1.2.1", "biz.baggage": "user=u%3D42&", "sys.baggage": "zone=gz00b&"})
	if bag != "u=42" || sys != "gz00b" {
		t.Errorf("baggage user=%q zone=%q, want u=42 and gz00b", bag, sys)
	}
}

// TestKcatReadsOurHeaders: kcat reads, from a record our producer wrote,
// the headers Java's SOFATracer would read: the send span's SOFA ids.
func TestKcatReadsOurHeaders(t *testing.T) {
	seeds := brokers(t)
	topic := newTopic(t, seeds, 1)
	tr := logtest.NewTracer(t, "front")
	prod := newClient(t, seeds, kgo.WithHooks(kafkatrace.NewHooks(tr)))
	parent := tr.StartSpan("checkout")
	parent.SetBaggageItem("user", "u-42")
	ctx := context.Background()
	if err := prod.ProduceSync(withSpan(ctx, parent), &kgo.Record{Topic: topic, Value: []byte("v")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	parent.Finish()
	out := kcat(t, "", "-C", "-b", strings.Join(seeds, ","), "-t", topic, "-o", "beginning", "-c", "1", "-e", "-J")
	var env struct {
		Headers []string `json:"headers"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &env); err != nil {
		t.Fatalf("kcat output %q: %v", out, err)
	}
	h := map[string]string{}
	for i := 0; i+1 < len(env.Headers); i += 2 {
		h[env.Headers[i]] = env.Headers[i+1]
	}
	logtest.WaitFinished(t, tr, 2)
	tr.Close()
	send := logtest.One(t, "digest", logtest.Digest(t, tr, kafkatrace.SendLayout))
	want := map[string]string{
		"X-B3-TraceId": send.S("traceId"), "X-B3-SpanId": "0.1", "X-B3-ParentSpanId": "0",
		"X-B3-Sampled": "true", "baggage-user": "u-42",
	}
	for k, v := range want {
		if h[k] != v {
			t.Errorf("header %s = %q, want %q (all: %v)", k, h[k], v, h)
		}
	}
	if send.S("spanId") != "0.1" {
		t.Errorf("send spanId %s", send.S("spanId"))
	}
}
