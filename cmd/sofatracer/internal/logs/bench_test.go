package logs

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"testing"

	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/rebuild"
	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/source"
)

// benchMB is the size of the generated logs: $SOFA_BENCH_MB, else 32 (a
// CI-sized run); the figures in BENCHMARKS.md use 1024.
func benchMB(b *testing.B) int64 {
	if v := os.Getenv("SOFA_BENCH_MB"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			b.Fatalf("SOFA_BENCH_MB=%q", v)
		}
		return n
	}
	return 32
}

func totalSize(files []source.File) int64 {
	var n int64
	for _, f := range files {
		if fi, err := os.Stat(f.Path); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// benchLogs generates the logs once per process and size.
var benchLogs = map[int64]struct {
	files []source.File
	ids   []string
	dir   string
}{}

func cachedLogs(b *testing.B) ([]source.File, []string, string) {
	mb := benchMB(b)
	if c, ok := benchLogs[mb]; ok {
		return c.files, c.ids, c.dir
	}
	dir, err := os.MkdirTemp("", "sofatracer-bench-")
	if err != nil {
		b.Fatal(err)
	}
	benchDirs = append(benchDirs, dir)
	files, ids := genLogs(b, dir, mb<<20, 8)
	benchLogs[mb] = struct {
		files []source.File
		ids   []string
		dir   string
	}{files, ids, dir}
	return files, ids, dir
}

// BenchmarkIndex: MB/s of building the index of generated digest logs
// (warm page cache), and the index's heap bytes per span.
func BenchmarkIndex(b *testing.B) {
	files, _, _ := cachedLogs(b)
	b.SetBytes(totalSize(files))
	b.ResetTimer()
	var perSpan float64
	for range b.N {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		x := NewIndex()
		x.AddFiles(files, false)
		x.Compact()
		b.StopTimer()
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&after)
		_, ns := x.Len()
		perSpan = float64(after.HeapAlloc-before.HeapAlloc) / float64(ns)
		runtime.KeepAlive(x)
		b.StartTimer()
	}
	b.ReportMetric(perSpan, "B/span")
}

// BenchmarkTraceVsGrep: one trace from unindexed logs (find its lines,
// parse them, rebuild the tree) against grep -F, which only finds the
// lines, over the same files.
func BenchmarkTraceVsGrep(b *testing.B) {
	files, ids, dir := cachedLogs(b)
	id := ids[3]
	size := totalSize(files)
	b.Run("sofatracer-trace", func(b *testing.B) {
		b.SetBytes(size)
		for range b.N {
			var c Counts
			spans, links := Lookup(files, id, &c)
			if t := rebuild.Build(id, spans, links); len(t.Spans) != 5 {
				b.Fatalf("%d spans", len(t.Spans))
			}
		}
	})
	grep, err := exec.LookPath("grep")
	if err != nil {
		b.Skip("no grep")
	}
	b.Run("grep-F", func(b *testing.B) {
		b.SetBytes(size)
		for range b.N {
			cmd := exec.Command(grep, "-rF", id, dir)
			cmd.Env = append(os.Environ(), "LC_ALL=C")
			out, err := cmd.Output()
			if err != nil || len(out) == 0 {
				b.Fatalf("grep: %v", err)
			}
		}
	})
}
