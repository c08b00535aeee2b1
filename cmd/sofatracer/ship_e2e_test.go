package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/ship"
	"github.com/sofatracer/sofatracer-go/reporter/logfile"
	"github.com/sofatracer/sofatracer-go/reporter/zipkin"
	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// jaegerBin is the Jaeger v2 binary of tools/zipkin-server (run.sh start
// exports it). Without it the test skips, unless a run requires the
// collector (SOFA_TRACER_E2E_REQUIRED=1 or SOFA_TEST_REQUIRED=1).
func jaegerBin(t testing.TB) string {
	bin := os.Getenv("SOFA_TRACER_E2E_JAEGER_BIN")
	if bin == "" {
		msg := `SOFA_TRACER_E2E_JAEGER_BIN is not set: eval "$(bash tools/zipkin-server/run.sh start)"`
		if os.Getenv("SOFA_TRACER_E2E_REQUIRED") == "1" || os.Getenv("SOFA_TEST_REQUIRED") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return bin
}

// jaeger runs its own Jaeger (so that it can be killed) on free ports.
type jaeger struct {
	bin, zipkin, query, grpc string
	cmd                      *exec.Cmd
	done                     chan struct{}
}

func freePort(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func (j *jaeger) start(t testing.TB) {
	t.Helper()
	cfg, _ := filepath.Abs(filepath.Join("..", "..", "tools", "zipkin-server", "config.yaml"))
	j.cmd = exec.Command(j.bin, "--config", cfg)
	j.cmd.Env = append(os.Environ(), "SOFA_ZS_ZIPKIN_ADDR="+j.zipkin, "SOFA_ZS_QUERY_ADDR="+j.query, "SOFA_ZS_QUERY_GRPC_ADDR="+j.grpc, "SOFA_ZS_LOG_LEVEL=warn")
	logf, _ := os.Create(filepath.Join(t.TempDir(), "jaeger.log"))
	j.cmd.Stdout, j.cmd.Stderr = logf, logf
	if err := j.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	j.done = make(chan struct{})
	go func() { j.cmd.Wait(); close(j.done) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + j.query + "/api/services")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logf.Name())
			t.Fatalf("jaeger does not answer:\n%s", b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (j *jaeger) kill() {
	if j.cmd != nil {
		j.cmd.Process.Kill()
		<-j.done
		j.cmd = nil
	}
}

// rawSpanIDs returns the span ids Jaeger stored for a trace, unadjusted
// (Jaeger's adjusters would hide duplicates).
func (j *jaeger) rawSpanIDs(traceID string) []string {
	resp, err := http.Get("http://" + j.query + "/api/traces/" + zipkin.MapTraceID(traceID).String() + "?raw=true")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var out struct {
		Data []struct {
			Spans []struct {
				SpanID string `json:"spanID"`
			} `json:"spans"`
		} `json:"data"`
	}
	b, _ := io.ReadAll(resp.Body)
	if json.Unmarshal(b, &out) != nil || len(out.Data) == 0 {
		return nil
	}
	var ids []string
	for _, s := range out.Data[0].Spans {
		ids = append(ids, s.SpanID)
	}
	return ids
}

// linesOf counts the digest lines of a trace in every file of dir, and
// fails if a span id is written twice (a duplicate in Jaeger is then the
// shipper's).
func linesOf(t *testing.T, dir, traceID string) int {
	n := 0
	seen := map[string]bool{}
	files, _ := filepath.Glob(filepath.Join(dir, "biz-digest*"))
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if strings.Contains(sc.Text(), traceID) {
				n++
				var l struct {
					SpanID string `json:"spanId"`
				}
				if err := json.Unmarshal(sc.Bytes(), &l); err != nil || seen[l.SpanID] {
					t.Fatalf("%s: span %q written twice or unreadable (%v)", f, l.SpanID, err)
				}
				seen[l.SpanID] = true
			}
		}
		fh.Close()
	}
	return n
}

// flood finishes n children of one root, as fast as the writer takes
// them, in a tracer whose files roll every megabyte.
func flood(t *testing.T, dir string, n int, half func()) string {
	tr, err := tracer.New(tracer.WithAppName("flood"), tracer.WithLogDir(dir), tracer.WithRolling(logfile.Size, 1),
		tracer.WithRetentionDays(-1), tracer.WithQueueSize(1<<16), tracer.WithStatInterval(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	root := tr.StartSpan("flood")
	id := root.Context().(*span.Context).TraceID
	for i := range n {
		s := tr.StartSpan("step", opentracing.ChildOf(root.Context()))
		s.SetTag("payload", strings.Repeat("x", 300))
		s.Finish()
		if i%200 == 199 {
			time.Sleep(2 * time.Millisecond) // let the writer keep up: a flood, not a drop test
		}
		if i == n/2 && half != nil {
			half()
		}
	}
	root.Finish()
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	return id
}

func waitIDs(t *testing.T, j *jaeger, traceID string, want int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ids := j.rawSpanIDs(traceID)
		if len(ids) >= want {
			time.Sleep(500 * time.Millisecond) // late duplicates would show now
			ids = j.rawSpanIDs(traceID)
			seen := map[string]bool{}
			for _, id := range ids {
				if seen[id] {
					t.Fatalf("span %s stored twice", id)
				}
				seen[id] = true
			}
			if len(ids) != want {
				t.Fatalf("trace %s: %d spans in Jaeger, want %d", traceID, len(ids), want)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("trace %s: %d spans in Jaeger after 60s, want %d", traceID, len(ids), want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestShipToJaeger: ship follows a tracer's files while they roll during
// a flood, is restarted in the middle (no line lost or sent twice), and
// resumes after the collector was killed and restarted.
func TestShipToJaeger(t *testing.T) {
	j := &jaeger{bin: jaegerBin(t), zipkin: freePort(t), query: freePort(t), grpc: freePort(t)}
	t.Cleanup(j.kill)
	j.start(t)
	dir := t.TempDir()
	o := ship.Options{Inputs: []string{dir}, Zipkin: "http://" + j.zipkin, StatePath: filepath.Join(t.TempDir(), "ship.json"),
		Poll: 20 * time.Millisecond, Gzip: true, MaxBackoff: 200 * time.Millisecond}
	var mu sync.Mutex
	var shipper *ship.Shipper
	var cancel context.CancelFunc
	var done chan struct{}
	startShip := func() {
		s, err := ship.New(o)
		if err != nil {
			t.Fatal(err)
		}
		ctx, c := context.WithCancel(context.Background())
		d := make(chan struct{})
		go func() { defer close(d); s.Run(ctx) }()
		mu.Lock()
		shipper, cancel, done = s, c, d
		mu.Unlock()
	}
	stopShip := func() {
		mu.Lock()
		c, d := cancel, done
		mu.Unlock()
		c()
		<-d
	}
	startShip()
	t.Cleanup(stopShip)

	// 1. A flood with rotations; the shipper is restarted half way.
	t1 := flood(t, dir, 8000, func() { stopShip(); startShip() })
	rolled, _ := filepath.Glob(filepath.Join(dir, "biz-digest-*.log"))
	if len(rolled) < 2 {
		t.Fatalf("the flood rolled %d times, want at least 2", len(rolled))
	}
	waitIDs(t, j, t1, linesOf(t, dir, t1))

	// 2. The collector dies; lines written meanwhile arrive once it is back.
	j.kill()
	t2 := flood(t, dir, 3000, nil)
	deadline := time.Now().Add(20 * time.Second)
	for shipper.S.Failures.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if shipper.S.Failures.Load() == 0 {
		t.Fatal("no failed request while the collector was down")
	}
	j.start(t)
	waitIDs(t, j, t2, linesOf(t, dir, t2))
	t.Logf("shipped %d spans in %d requests, %d failed; %d rolled files", shipper.S.Sent.Load(), shipper.S.Requests.Load(), shipper.S.Failures.Load(), len(rolled))
}

// BenchmarkShipToJaeger: spans per second from digest files into a real
// Jaeger (its zipkin receiver and in-memory store) on this machine.
func BenchmarkShipToJaeger(b *testing.B) {
	j := &jaeger{bin: jaegerBin(b), zipkin: freePort(b), query: freePort(b), grpc: freePort(b)}
	b.Cleanup(j.kill)
	j.start(b)
	dir := b.TempDir()
	const n = 100000
	f, err := os.Create(filepath.Join(dir, "biz-digest.log"))
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := range n {
		fmt.Fprintf(w, `{"time":"2026-11-24 10:00:00.%03d","local.app":"bench","traceId":"0a00000117640000000%06d4242","spanId":"0.%d","span.kind":"client","result.code":"00","current.thread.name":"g","time.cost.milliseconds":"1ms","method":"step","sys.baggage":"","biz.baggage":"user=u-1&"}`+"\r\n", i%1000, i/100, i%100+1)
	}
	w.Flush()
	f.Close()
	b.ResetTimer()
	var elapsed time.Duration
	for i := range b.N {
		s, err := ship.New(ship.Options{Inputs: []string{dir}, Zipkin: "http://" + j.zipkin, StatePath: filepath.Join(dir, fmt.Sprint("state", i))})
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if err := s.Pass(context.Background()); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(t0)
		if s.S.Sent.Load() != n {
			b.Fatalf("sent %d", s.S.Sent.Load())
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/elapsed.Seconds(), "spans/s")
}
