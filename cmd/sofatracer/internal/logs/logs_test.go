package logs

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/logline"
)

func TestIndexFindAndCounts(t *testing.T) {
	dir := t.TempDir()
	files, ids := genLogs(t, dir, 2<<20, 2)
	// a truncated record (joined with the garbage line after it, as a
	// record broken by a raw newline would be) is one corrupt record;
	// hostile ids are just ids
	f, _ := os.OpenFile(filepath.Join(dir, "host0", "biz-digest.log"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("{\"time\":\"2026-11-24 10:00:00.000\",\"traceId\":\"x\"\r\n\x00\xff garbage\r\n{\"traceId\":\"<script>\",\"spanId\":\"0\",\"time\":\"2026-11-24 10:00:00.000\"}\r\n")
	f.Close()
	x := NewIndex()
	x.AddFiles(files, false)
	nt, ns := x.Len()
	if x.C.Corrupt.Load() != 1 || nt < 1000 || ns != 5*(nt-1)+1 {
		t.Fatalf("traces %d spans %d corrupt %d", nt, ns, x.C.Corrupt.Load())
	}
	all := x.Find(Query{})
	if len(all) != nt || all[0].StartMs < all[len(all)-1].StartMs {
		t.Fatalf("find all: %d of %d, not newest first", len(all), nt)
	}
	errs := x.Find(Query{Error: true})
	if len(errs) == 0 || len(errs) > nt/40 {
		t.Errorf("--error: %d of %d", len(errs), nt)
	}
	for _, s := range errs {
		if !s.Error {
			t.Fatal("a trace without error")
		}
	}
	one := x.Find(Query{Service: "orders", Operation: "charge", Where: []logline.KV{{Key: "user", Value: "u-7"}}})
	if len(one) == 0 {
		t.Fatal("--where on baggage found nothing")
	}
	for _, s := range one {
		sp := x.Spans(s.TraceID, true)
		if len(sp) != 5 {
			t.Fatalf("%s: %d spans", s.TraceID, len(sp))
		}
	}
	if got := x.Find(Query{Limit: 3}); len(got) != 3 {
		t.Errorf("limit: %d", len(got))
	}
	if got := x.Find(Query{MinSpanMs: 1000}); len(got) != 0 {
		t.Errorf("min span: %d", len(got))
	}
	spans, _ := Lookup(files, ids[1], &Counts{})
	if len(spans) != 5 {
		t.Errorf("lookup: %d spans", len(spans))
	}
}

// TestIndexBytesPerSpan: the index keeps at most 100 bytes per span.
func TestIndexBytesPerSpan(t *testing.T) {
	files, _ := genLogs(t, t.TempDir(), 8<<20, 2)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	x := NewIndex()
	x.AddFiles(files, false)
	x.Compact()
	runtime.GC() // twice: the batch pool's victim cache goes in the second
	runtime.GC()
	runtime.ReadMemStats(&after)
	_, ns := x.Len()
	per := float64(after.HeapAlloc-before.HeapAlloc) / float64(ns)
	t.Logf("%d spans, %.1f bytes each", ns, per)
	if per > 100 {
		t.Errorf("%.1f bytes per span", per)
	}
	runtime.KeepAlive(x)
}

func TestFinder(t *testing.T) {
	text := []byte("xx0a0fe9\n0a0fe9012\nabc0a0fe9012x0a0fe9012")
	f := newFinder([]byte("0a0fe9012"))
	var got []int
	for i := 0; ; {
		j := f.index(text[i:])
		if j < 0 {
			break
		}
		got = append(got, i+j)
		i += j + 1
	}
	if len(got) != 3 || got[0] != 9 || got[1] != 22 || got[2] != 32 {
		t.Fatalf("%v", got)
	}
	if newFinder([]byte("zz")).index(text) != -1 {
		t.Fatal("found what is not there")
	}
}
