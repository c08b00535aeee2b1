package kafkatrace_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sofatracer/sofatracer-go/plugins/internal/logtest"
	"github.com/sofatracer/sofatracer-go/plugins/kafkatrace"
	"github.com/sofatracer/sofatracer-go/span"
)

// FuzzProcessHeaders: whatever headers a record carries (NUL-separated
// key, value, key, value...), Process runs the handler once in a span
// with valid ids and returns its result.
func FuzzProcessHeaders(f *testing.F) {
	for _, s := range []string{
		"X-B3-TraceId\x000a0fe91d156743109138810017302\x00X-B3-SpanId\x000.1\x00X-B3-Sampled\x00true",
		"x-b3-traceid\x00abc\x00x-b3-spanid\x00\x00baggage-user\x00a%3Db\x00baggage-sys-z\x00%",
		"X-B3-TraceId\x00463ac35c9f6413ad48485a3953bb6124\x00X-B3-SpanId\x00a2fb4a1d1a96d312\x00X-B3-Sampled\x001",
		"traceparent\x0000-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"sftc_head\x00tcid=0a0f&spid=0.1.1.1.1&pspid=&sample=true&_sys_a=b&c=d&",
		"X-B3-TraceId\x00\"}\n{\x00X-B3-SpanId\x000..1",
		"baggage-\x00\x00baggage-sys-\x00x\x00X-B3-SpanId\x000.1",
	} {
		f.Add([]byte(s))
	}
	tr := logtest.NewTracer(f, "fuzz")
	f.Fuzz(func(t *testing.T, data []byte) {
		parts := bytes.Split(data, []byte{0})
		rec := &kgo.Record{Topic: "t"}
		for i := 0; i+1 < len(parts); i += 2 {
			rec.Headers = append(rec.Headers, kgo.RecordHeader{Key: string(parts[i]), Value: parts[i+1]})
		}
		calls := 0
		err := kafkatrace.Process(context.Background(), tr, rec, func(ctx context.Context) error {
			calls++
			s := span.FromContext(ctx)
			if s == nil {
				t.Fatal("no span in the handler's context")
			}
			if err := span.ValidateID(s.Ctx.TraceID); err != nil {
				t.Fatalf("trace id %q: %v", s.Ctx.TraceID, err)
			}
			if err := span.ValidateID(s.Ctx.SpanID); err != nil {
				t.Fatalf("span id %q: %v", s.Ctx.SpanID, err)
			}
			return nil
		})
		if err != nil || calls != 1 {
			t.Fatalf("Process: %v, handler called %d times", err, calls)
		}
	})
}
