package rebuild

import (
	"fmt"
	"testing"
)

// BenchmarkBuild: rebuilding a trace of 100,000 spans (a tree with up to
// 8 children per span, over four services).
func BenchmarkBuild(b *testing.B) {
	const n = 100000
	ids := []string{"0"}
	for k := 0; len(ids) < n; k++ {
		for c := 1; c <= 8 && len(ids) < n; c++ {
			ids = append(ids, fmt.Sprintf("%s.%d", ids[k], c))
		}
	}
	spans := make([]*Span, n)
	b.ReportAllocs()
	for range b.N {
		b.StopTimer()
		for i, id := range ids {
			spans[i] = &Span{TraceID: "T", SpanID: id, Service: fmt.Sprint("svc", i%4), EndMs: int64(100000 - i), DurationMs: 10}
		}
		b.StartTimer()
		if t := Build("T", spans, nil); len(t.Spans) != n {
			b.Fatal(len(t.Spans))
		}
	}
}
