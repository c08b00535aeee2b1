package otlp

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
)

// printSink prints the name of every span it receives.
type printSink struct {
	coltracepb.UnimplementedTraceServiceServer
	out chan string
}

func (p *printSink) Export(_ context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, sp := range ss.Spans {
				p.out <- sp.Name
			}
		}
	}
	return &coltracepb.ExportTraceServiceResponse{}, nil
}

// runSinkProcess is the collector process of TestCollectorKilledAndRestarted:
// an OTLP/gRPC sink on addr that prints "ready", then one line per span.
func runSinkProcess(addr string) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Println("listen:", err)
		os.Exit(1)
	}
	p := &printSink{out: make(chan string, 1024)}
	srv := grpc.NewServer()
	coltracepb.RegisterTraceServiceServer(srv, p)
	go srv.Serve(l)
	fmt.Println("ready")
	for name := range p.out {
		fmt.Println("span", name)
	}
}

type sinkProcess struct {
	cmd   *exec.Cmd
	spans atomic.Int64
}

func startSinkProcess(t *testing.T, addr string) *sinkProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "OTLP_TEST_SINK_ADDR="+addr)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &sinkProcess{cmd: cmd}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "span ") {
				p.spans.Add(1)
			} else {
				ready <- line
			}
		}
	}()
	select {
	case line := <-ready:
		if line != "ready" {
			t.Fatalf("sink process: %s", line)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sink process did not start")
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return p
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A collector killed with SIGKILL and restarted on the same port: spans
// reported while it is down are kept and delivered once it is back.
func TestCollectorKilledAndRestarted(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	first := startSinkProcess(t, addr)
	r, err := NewReporter(fast("http://"+addr, WithCloseTimeout(5*time.Second))...)
	if err != nil {
		t.Fatal(err)
	}
	tr := newTracer(t, r)
	report(t, tr, 100)
	waitFor(t, "the first 100 spans", func() bool { return first.spans.Load() == 100 })
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.cmd.Wait()
	report(t, tr, 100)
	waitFor(t, "a failed request", func() bool { return r.Stats().SendErrors > 0 })
	second := startSinkProcess(t, addr)
	waitFor(t, "the 100 spans reported while the collector was down", func() bool { return second.spans.Load() == 100 })
	tr.Close()
	st := r.Stats()
	balanced(t, st)
	if st.Sent != 200 || st.Dropped() != 0 {
		t.Fatalf("%s", st)
	}
}
