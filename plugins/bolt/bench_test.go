package bolt

import (
	"bytes"
	"github.com/sofatracer/sofatracer-go/tracer"
	"testing"
)

// typicalRequest is a SOFARPC request with 10 header pairs and 1 KiB of content.
func typicalRequest() *Request {
	return &Request{
		Version: 1, Codec: CodecHessian2, Class: ClassSofaRequest,
		Service: "com.alipay.rpc.common.service.facade.pb.SampleServicePb:1.0", Method: "hello",
		Header: Header{
			{KeyTargetApp, "bar1"},
			{KeyProtocol, "bolt"},
			{KeyInvokeType, "sync"},
			{KeyAppName, "foo"},
			{"rpc_trace_context.sofaTraceId", "0ba616a11523251819114100218738"},
			{"rpc_trace_context.sofaRpcId", "0.1"},
			{"rpc_trace_context.samp", "true"},
			{"rpc_trace_context.sofaPenAttrs", ""},
			{"rpc_trace_context.sysPenAttrs", ""},
			{"rpc_trace_context.sofaCallerApp", "foo"},
		},
		Content: bytes.Repeat([]byte{0x5a}, 1024),
	}
}

func BenchmarkEncodeRequest(b *testing.B) {
	req := typicalRequest()
	buf, _ := AppendRequest(nil, req)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = AppendRequest(buf[:0], req)
	}
}

// loopReader replays its data forever.
type loopReader struct {
	data []byte
	off  int
}

func (r *loopReader) Read(p []byte) (int, error) {
	n := copy(p, r.data[r.off:])
	r.off = (r.off + n) % len(r.data)
	return n, nil
}

func BenchmarkDecodeRequest(b *testing.B) {
	frame, _ := AppendRequest(nil, typicalRequest())
	dec := NewDecoder(&loopReader{data: bytes.Repeat(frame, 16)})
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dec.Decode(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRoundTrip measures an untraced call on loopback, one at a time
// and from parallel goroutines sharing one connection.
func BenchmarkRoundTrip(b *testing.B) {
	_, addr := startServer(b, HandlerFunc(echo))
	c := dial(b, addr)
	req := typicalRequest()
	ctx := bg(b)
	b.Run("Sequential", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Call(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.SetParallelism(8) // 8×GOMAXPROCS concurrent calls on the one connection
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := c.Call(ctx, req); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkTracedRoundTrip is BenchmarkRoundTrip with tracing on both sides
// (spans written to digest files by the real pipeline).
func BenchmarkTracedRoundTrip(b *testing.B) {
	mk := func(app string) *tracer.Tracer {
		tr, err := tracer.New(tracer.WithAppName(app), tracer.WithLogDir(b.TempDir()), tracer.WithQueueSize(1<<16))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { tr.Close() })
		return tr
	}
	_, addr := startServer(b, HandlerFunc(echo), WithTracer(mk("server")))
	c := dial(b, addr, WithTracer(mk("client")))
	req := typicalRequest()
	ctx := bg(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Call(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}
