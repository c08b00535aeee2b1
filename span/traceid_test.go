package span_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sofatracer/sofatracer-go/span"
)

// Sequence bounds of SOFATracer's TraceIdGenerator (spec §1.1): the first
// id of a process uses 1001, values run up to 9001, then wrap to 1000.
const (
	seqMin    = 1000
	seqMax    = 9001
	seqPeriod = seqMax - seqMin + 1 // 8002 distinct values
)

// fixedTime is a millisecond instant whose epoch-ms has 13 digits.
var fixedTime = time.UnixMilli(1403169275002)

// traceIDParts splits a TraceId generated at now into its four parts, or
// fails the test when it does not have the SOFATracer shape.
func traceIDParts(t testing.TB, id string, now time.Time) (ipHex, millis string, seq int, pid string) {
	t.Helper()
	for i := 0; i < len(id); i++ {
		if c := id[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			t.Fatalf("TraceId %q has %q at %d; every character must be in [0-9a-f]", id, c, i)
		}
	}
	ms := strconv.FormatInt(now.UnixMilli(), 10)
	if len(id) < 8+len(ms)+4+1 {
		t.Fatalf("TraceId %q is too short", id)
	}
	ipHex, millis = id[:8], id[8:8+len(ms)]
	seqText := id[8+len(ms) : 8+len(ms)+4]
	pid = id[8+len(ms)+4:]
	n, err := strconv.Atoi(seqText)
	if err != nil {
		t.Fatalf("TraceId %q: sequence %q is not decimal", id, seqText)
	}
	return ipHex, millis, n, pid
}

func wantIPHex(t testing.TB) string {
	t.Helper()
	ip := span.LocalIP()
	if ip == "" {
		return "ffffffff"
	}
	v4 := net.ParseIP(ip).To4()
	if v4 == nil {
		t.Fatalf("LocalIP() = %q is not an IPv4 address", ip)
	}
	return fmt.Sprintf("%02x%02x%02x%02x", v4[0], v4[1], v4[2], v4[3])
}

func TestNewTraceIDParts(t *testing.T) {
	ip := wantIPHex(t)
	pid := strconv.Itoa(os.Getpid())
	tests := []struct {
		name string
		now  time.Time
	}{
		{"spec example instant", fixedTime},
		{"now", time.Now()},
		{"sub-ms nanos are truncated", time.Unix(1700000000, 999_999_999)},
		{"non-UTC location", time.UnixMilli(1567477985327).In(time.FixedZone("x", 8*3600))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := span.NewTraceID(tt.now)
			gotIP, ms, seq, gotPID := traceIDParts(t, id, tt.now)
			if gotIP != ip {
				t.Errorf("IPHEX = %q, want %q (hex of LocalIP %q)", gotIP, ip, span.LocalIP())
			}
			if want := strconv.FormatInt(tt.now.UnixMilli(), 10); ms != want || len(ms) != 13 {
				t.Errorf("MILLIS = %q, want %q (13 digits)", ms, want)
			}
			if seq < seqMin || seq > seqMax {
				t.Errorf("SEQ = %d, want in [%d, %d]", seq, seqMin, seqMax)
			}
			if gotPID != pid {
				t.Errorf("PID suffix = %q, want %q (not padded)", gotPID, pid)
			}
			if err := span.ValidateID(id); err != nil {
				t.Errorf("ValidateID(%q) = %v, want nil", id, err)
			}
		})
	}
}

func TestAppendTraceIDAppends(t *testing.T) {
	dst := []byte("prefix:")
	got := string(span.AppendTraceID(dst, fixedTime))
	if !strings.HasPrefix(got, "prefix:") {
		t.Fatalf("AppendTraceID dropped dst: %q", got)
	}
	traceIDParts(t, strings.TrimPrefix(got, "prefix:"), fixedTime)
}

func seqOf(t testing.TB, id string) int {
	t.Helper()
	_, _, seq, _ := traceIDParts(t, id, fixedTime)
	return seq
}

// The counter is process-wide, so the test does not know where it starts;
// it checks the step rule on two full periods: next = cur+1, or 1000 after
// a value above 9000. Not parallel: nothing else may draw ids meanwhile.
func TestTraceIDSequenceCycles(t *testing.T) {
	const n = 2*seqPeriod + 10
	seen := make(map[int]int, seqPeriod)
	prev := seqOf(t, span.NewTraceID(fixedTime))
	seen[prev]++
	wraps := 0
	for i := 1; i < n; i++ {
		cur := seqOf(t, span.NewTraceID(fixedTime))
		want := prev + 1
		if prev > 9000 {
			want = seqMin
		}
		if cur != want {
			t.Fatalf("call %d: seq %d after %d, want %d", i, cur, prev, want)
		}
		if prev == seqMax && cur == seqMin {
			wraps++
		}
		seen[cur]++
		prev = cur
	}
	if wraps < 2 {
		t.Errorf("saw %d wraps 9001 -> 1000 in %d calls, want >= 2", wraps, n)
	}
	if len(seen) != seqPeriod {
		t.Errorf("saw %d distinct sequence values, want %d (1000..9001)", len(seen), seqPeriod)
	}
	for v := seqMin; v <= seqMax; v++ {
		if seen[v] == 0 {
			t.Errorf("sequence value %d never produced", v)
		}
	}
}

// The first TraceId of a fresh process uses sequence 1001. The test runs
// itself in a child process to see a fresh counter.
func TestTraceIDFirstSequenceIs1001(t *testing.T) {
	if os.Getenv("SPAN_TEST_FIRST_SEQ") == "1" {
		fmt.Println("TRACEID=" + span.NewTraceID(fixedTime))
		return
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip("no test executable:", err)
	}
	cmd := exec.Command(exe, "-test.run=^TestTraceIDFirstSequenceIs1001$", "-test.count=1")
	cmd.Env = append(os.Environ(), "SPAN_TEST_FIRST_SEQ=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	_, line, ok := strings.Cut(string(out), "TRACEID=")
	if !ok {
		t.Fatalf("child printed no TraceId:\n%s", out)
	}
	id, _, _ := strings.Cut(line, "\n")
	// The child's pid differs from ours: take the sequence by position.
	ms := strconv.FormatInt(fixedTime.UnixMilli(), 10)
	if len(id) < 8+len(ms)+4 {
		t.Fatalf("child TraceId %q too short", id)
	}
	if seq := id[8+len(ms) : 8+len(ms)+4]; seq != "1001" {
		t.Errorf("first TraceId %q has sequence %s, want 1001", id, seq)
	}
}

// 8 goroutines draw 100k ids within one millisecond. The sequence repeats
// every 8002 ids, so: every value of 1000..9001 must be drawn either
// floor(N/8002) or ceil(N/8002) times (the draws are N consecutive steps of
// one counter), and any 8000 ids drawn together are pairwise distinct.
func TestTraceIDConcurrentUnique(t *testing.T) {
	const (
		workers = 8
		perG    = 12500
		total   = workers * perG
	)
	var wg sync.WaitGroup
	ids := make([][]string, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := make([]string, perG)
			for i := range out {
				out[i] = span.NewTraceID(fixedTime)
			}
			ids[w] = out
		}()
	}
	wg.Wait()
	count := make(map[int]int, seqPeriod)
	for _, out := range ids {
		for _, id := range out {
			count[seqOf(t, id)]++
		}
	}
	lo, hi := total/seqPeriod, (total+seqPeriod-1)/seqPeriod
	for v := seqMin; v <= seqMax; v++ {
		if c := count[v]; c < lo || c > hi {
			t.Fatalf("sequence %d drawn %d times in %d ids, want %d or %d: the counter skipped or repeated values", v, c, total, lo, hi)
		}
	}

	// 8000 ids drawn concurrently in the same ms are all distinct.
	const small = 1000
	var mu sync.Mutex
	set := make(map[string]bool, workers*small)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]string, small)
			for i := range local {
				local[i] = span.NewTraceID(fixedTime)
			}
			mu.Lock()
			for _, id := range local {
				if set[id] {
					t.Errorf("duplicate TraceId %q among %d ids of one ms", id, workers*small)
				}
				set[id] = true
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(set) != workers*small {
		t.Errorf("%d distinct TraceIds, want %d", len(set), workers*small)
	}
}

func TestLocalIPIsNonLoopbackIPv4(t *testing.T) {
	ip := span.LocalIP()
	if ip == "" {
		t.Skip("host has no non-loopback IPv4 address; TraceIds use ffffffff")
	}
	p := net.ParseIP(ip)
	if p == nil || p.To4() == nil || strings.Contains(ip, ":") {
		t.Fatalf("LocalIP() = %q, want dotted IPv4", ip)
	}
	if p.IsLoopback() {
		t.Errorf("LocalIP() = %q is loopback", ip)
	}
}
