package e2e

import (
	"bufio"
	"bytes"
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
	"testing"
	"time"

	"github.com/sofatracer/sofatracer-go/reporter/zipkin"
	"github.com/sofatracer/sofatracer-go/tracer"
)

const (
	envZipkin   = "SOFA_TRACER_E2E_ZIPKIN"
	envQuery    = "SOFA_TRACER_E2E_QUERY"
	envBin      = "SOFA_TRACER_E2E_JAEGER_BIN"
	envRequired = "SOFA_TRACER_E2E_REQUIRED"
	howToStart  = `start it with: eval "$(bash tools/zipkin-server/run.sh start)" (or run: bash tools/zipkin-server/run.sh test)`
)

// collectorURLs returns the collector's and the query API's base URLs.
// It skips when they are not configured (unless SOFA_TRACER_E2E_REQUIRED
// is 1) and fails when they are configured and do not answer.
func collectorURLs(t testing.TB) (zipkinURL, queryURL string) {
	t.Helper()
	zipkinURL, queryURL = strings.TrimRight(os.Getenv(envZipkin), "/"), strings.TrimRight(os.Getenv(envQuery), "/")
	if zipkinURL == "" || queryURL == "" {
		if os.Getenv(envRequired) == "1" {
			t.Fatalf("%s=1 but %s and %s are not both set; %s", envRequired, envZipkin, envQuery, howToStart)
		}
		t.Skipf("no Zipkin collector configured (%s, %s unset); %s", envZipkin, envQuery, howToStart)
	}
	if err := answers(zipkinURL, queryURL); err != nil {
		t.Fatalf("the collector configured by %s=%s and %s=%s does not answer: %v; %s", envZipkin, zipkinURL, envQuery, queryURL, err, howToStart)
	}
	return zipkinURL, queryURL
}

// jaegerBin returns the Jaeger binary for tests that run their own.
func jaegerBin(t testing.TB) string {
	t.Helper()
	bin := os.Getenv(envBin)
	if bin == "" {
		if os.Getenv(envRequired) == "1" || os.Getenv(envZipkin) != "" {
			t.Fatalf("%s is not set; %s", envBin, howToStart)
		}
		t.Skipf("no Jaeger binary (%s unset); %s", envBin, howToStart)
	}
	if fi, err := os.Stat(bin); err != nil || fi.Mode()&0o111 == 0 {
		t.Fatalf("%s=%s is not an executable: %v; %s", envBin, bin, err, howToStart)
	}
	return bin
}

// answers checks that the zipkin receiver accepts an empty list and the
// query API lists services.
func answers(zipkinURL, queryURL string) error {
	c := &http.Client{Timeout: 3 * time.Second}
	resp, err := c.Post(zipkinURL+zipkin.SpansPath, "application/json", strings.NewReader("[]"))
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: %s", zipkinURL+zipkin.SpansPath, resp.Status)
	}
	resp, err = c.Get(queryURL + "/api/services")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s/api/services: %s", queryURL, resp.Status)
	}
	return nil
}

// Jaeger's query API (the UI's JSON model).
type jTrace struct {
	TraceID   string              `json:"traceID"`
	Spans     []jSpan             `json:"spans"`
	Processes map[string]jProcess `json:"processes"`
}

type jSpan struct {
	TraceID       string `json:"traceID"`
	SpanID        string `json:"spanID"`
	OperationName string `json:"operationName"`
	References    []struct {
		RefType string `json:"refType"`
		TraceID string `json:"traceID"`
		SpanID  string `json:"spanID"`
	} `json:"references"`
	StartTime int64    `json:"startTime"` // µs
	Duration  int64    `json:"duration"`  // µs
	Tags      []jKV    `json:"tags"`
	Logs      []jLog   `json:"logs"`
	ProcessID string   `json:"processID"`
	Warnings  []string `json:"warnings"`

	service string
}

type jKV struct {
	Key   string `json:"key"`
	Type  string `json:"type"`
	Value any    `json:"value"`
}

type jLog struct {
	Timestamp int64 `json:"timestamp"`
	Fields    []jKV `json:"fields"`
}

type jProcess struct {
	ServiceName string `json:"serviceName"`
}

func (s *jSpan) tag(k string) string {
	for _, kv := range s.Tags {
		if kv.Key == k {
			return fmt.Sprint(kv.Value)
		}
	}
	return ""
}

func (s *jSpan) parent() string {
	for _, r := range s.References {
		if r.RefType == "CHILD_OF" {
			return r.SpanID
		}
	}
	return ""
}

func (s *jSpan) String() string {
	return fmt.Sprintf("%s/%s %q id=%s parent=%s kind=%s start=%d dur=%dµs", s.service, s.TraceID, s.OperationName, s.SpanID, s.parent(), s.tag("span.kind"), s.StartTime, s.Duration)
}

// getTrace reads a trace; nil when Jaeger does not have it (yet).
func getTrace(queryURL, traceID string) (*jTrace, error) { return getTraceQ(queryURL, traceID, "") }

// getTraceQ reads a trace with query parameters, such as "?raw=true"
// (as stored: without Jaeger's adjustments).
func getTraceQ(queryURL, traceID, query string) (*jTrace, error) {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(queryURL + "/api/traces/" + traceID + query)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusNotFound {
		return nil, nil
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("GET /api/traces/%s: %s: %s", traceID, resp.Status, body)
	}
	var out struct {
		Data []jTrace `json:"data"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("GET /api/traces/%s: %v: %s", traceID, err, body)
	}
	if len(out.Data) == 0 {
		return nil, nil
	}
	tr := &out.Data[0]
	for i := range tr.Spans {
		tr.Spans[i].service = tr.Processes[tr.Spans[i].ProcessID].ServiceName
	}
	return tr, nil
}

// waitTrace polls until the trace has at least n spans, then a little
// longer to catch extra ones.
func waitTrace(t testing.TB, queryURL, traceID string, n int) *jTrace {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last *jTrace
	for {
		tr, err := getTrace(queryURL, traceID)
		if err != nil {
			t.Fatal(err)
		}
		if tr != nil && len(tr.Spans) >= n {
			time.Sleep(300 * time.Millisecond)
			if tr2, err := getTrace(queryURL, traceID); err == nil && tr2 != nil {
				tr = tr2
			}
			return tr
		}
		last = tr
		if time.Now().After(deadline) {
			got := 0
			if last != nil {
				got = len(last.Spans)
				for i := range last.Spans {
					t.Logf("have: %s", &last.Spans[i])
				}
			}
			t.Fatalf("trace %s: %d spans in Jaeger after 30s, want %d", traceID, got, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// newTracer returns a tracer reporting to zipkinURL besides its log files.
func newTracer(t testing.TB, app, zipkinURL string, gzipped bool, opts ...zipkin.Option) *tracer.Tracer {
	t.Helper()
	tr, err := tracer.New(tracer.WithAppName(app), tracer.WithLogDir(t.TempDir()), tracer.WithStatInterval(time.Hour),
		tracer.WithZipkin(zipkinURL, gzipped, append([]zipkin.Option{zipkin.WithBatchInterval(50 * time.Millisecond)}, opts...)...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// closeAndCheck closes tracers, which flushes their Zipkin reporters, and
// checks that every sampled span was delivered.
func closeAndCheck(t testing.TB, trs ...*tracer.Tracer) {
	t.Helper()
	for _, tr := range trs {
		if err := tr.Close(); err != nil {
			t.Errorf("%s: Close: %v", tr.AppName(), err)
		}
		st, ok := tr.ZipkinStats()
		if !ok || st.Dropped() != 0 || st.Sent != st.Reported {
			t.Errorf("%s: zipkin stats %s", tr.AppName(), st)
		}
	}
}

// digestLines reads a digest file's JSON lines (after the tracer closed).
func digestLines(t testing.TB, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		m := map[string]any{}
		if err := json.Unmarshal(bytes.TrimSpace(sc.Bytes()), &m); err != nil {
			t.Fatalf("%s: not JSON: %s", path, sc.Text())
		}
		out = append(out, m)
	}
	return out
}

// jaeger is a Jaeger process a test runs itself.
type jaeger struct {
	bin, dir                    string
	zipkinAddr, queryAddr, grpc string
	cmd                         *exec.Cmd
	exited                      chan struct{}
	log                         *os.File
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func newJaeger(t testing.TB, bin string) *jaeger {
	j := &jaeger{bin: bin, dir: t.TempDir(), zipkinAddr: freeAddr(t), queryAddr: freeAddr(t), grpc: freeAddr(t)}
	t.Cleanup(j.kill)
	return j
}

func (j *jaeger) zipkinURL() string { return "http://" + j.zipkinAddr }
func (j *jaeger) queryURL() string  { return "http://" + j.queryAddr }

// start runs Jaeger with tools/zipkin-server/config.yaml and waits until
// it answers.
func (j *jaeger) start(t testing.TB) {
	t.Helper()
	cfg, err := filepath.Abs(filepath.Join("..", "tools", "zipkin-server", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	j.log, err = os.CreateTemp(j.dir, "jaeger-*.log")
	if err != nil {
		t.Fatal(err)
	}
	j.cmd = exec.Command(j.bin, "--config", cfg)
	j.cmd.Env = append(os.Environ(), "SOFA_ZS_ZIPKIN_ADDR="+j.zipkinAddr, "SOFA_ZS_QUERY_ADDR="+j.queryAddr, "SOFA_ZS_QUERY_GRPC_ADDR="+j.grpc)
	j.cmd.Stdout, j.cmd.Stderr = j.log, j.log
	if err := j.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { j.cmd.Wait(); close(exited) }()
	j.exited = exited
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for answers(j.zipkinURL(), j.queryURL()) != nil {
		select {
		case <-exited:
			b, _ := os.ReadFile(j.log.Name())
			t.Fatalf("jaeger exited at start:\n%s", b)
		case <-ctx.Done():
			j.kill()
			b, _ := os.ReadFile(j.log.Name())
			t.Fatalf("jaeger does not answer after 60s:\n%s", b)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// kill ends Jaeger at once (SIGKILL), as a crash would, and waits for it.
func (j *jaeger) kill() {
	if j.cmd == nil || j.cmd.Process == nil {
		return
	}
	_ = j.cmd.Process.Kill()
	<-j.exited
	j.cmd = nil
	if j.log != nil {
		j.log.Close()
	}
}

// lineTrace returns the TraceId of a digest line (RPC layouts call it
// tracerId, as SOFARPC does).
func lineTrace(m map[string]any) any {
	if v, ok := m["traceId"]; ok {
		return v
	}
	return m["tracerId"]
}
