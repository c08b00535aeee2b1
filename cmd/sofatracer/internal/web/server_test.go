package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/logs"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const tid = "0a0000011764000000000100011234"

func line(id, span, app, kind, end string) string {
	return `{"time":"2026-11-24 10:00:00.` + end + `","local.app":"` + app + `","traceId":"` + id + `","spanId":"` + span +
		`","span.kind":"` + kind + `","result.code":"00","current.thread.name":"g","time.cost.milliseconds":"5ms","method":"m","protocol":"bolt","sys.baggage":"","biz.baggage":"u=1&"}` + "\r\n"
}

func setup(t *testing.T) (string, *Server, *httptest.Server) {
	dir := t.TempDir()
	text := line(tid, "0", "a", "", "100") + line(tid, "0.1", "a", "client", "090") + line(tid, "0.1", "b", "server", "089")
	if err := os.WriteFile(filepath.Join(dir, "biz-digest.log"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	s := New(logs.NewIndex(), []string{dir})
	if err := s.Load(); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return dir, s, hs
}

func get(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestSecurity(t *testing.T) {
	_, _, hs := setup(t)
	req, _ := http.NewRequest("GET", hs.URL+"/", nil)
	resp, body := get(t, req)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "app.js") {
		t.Fatalf("index: %d", resp.StatusCode)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("headers %v", resp.Header)
	}
	req.Host = "attacker.example:8411" // DNS rebinding to a loopback server
	if resp, _ := get(t, req); resp.StatusCode != http.StatusForbidden {
		t.Errorf("foreign Host: %d", resp.StatusCode)
	}
	for _, p := range []string{"/../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/api/nothing", "/server.go"} {
		req, _ := http.NewRequest("GET", hs.URL+p, nil)
		if resp, body := get(t, req); resp.StatusCode == 200 && strings.Contains(string(body), "root:") || resp.StatusCode == 200 && p == "/server.go" {
			t.Errorf("%s served", p)
		}
	}
	req, _ = http.NewRequest("GET", hs.URL+"/api/find?min-trace-duration=bogus", nil)
	if resp, _ := get(t, req); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad parameter: %d", resp.StatusCode)
	}
	req, _ = http.NewRequest("GET", hs.URL+"/api/trace?id=nope", nil)
	if resp, _ := get(t, req); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown trace: %d", resp.StatusCode)
	}
}

func TestJaegerJSON(t *testing.T) {
	_, _, hs := setup(t)
	req, _ := http.NewRequest("GET", hs.URL+"/api/jaeger?id="+tid, nil)
	resp, body := get(t, req)
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	var doc struct {
		Data []struct {
			TraceID string
			Spans   []struct {
				TraceID, SpanID, OperationName, ProcessID string
				References                                []struct{ RefType, TraceID, SpanID string }
				Tags                                      []struct{ Key, Type string }
			}
			Processes map[string]struct{ ServiceName string }
		}
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	tr := doc.Data[0]
	if tr.TraceID != "000a0000011764000000000100011234" || len(tr.Spans) != 3 || len(tr.Processes) != 2 {
		t.Fatalf("%+v", tr)
	}
	ids := map[string]bool{}
	for i, s := range tr.Spans {
		if ids[s.SpanID] {
			t.Errorf("span id %s twice", s.SpanID)
		}
		ids[s.SpanID] = true
		if (i == 0) != (len(s.References) == 0) {
			t.Errorf("span %d references %v", i, s.References)
		}
		if len(s.Tags) < 5 {
			t.Errorf("span %d: %d tags", i, len(s.Tags))
		}
	}
	if tr.Spans[0].SpanID != "af63ad4c86019caf" || tr.Spans[1].SpanID != "4e18dd181d0a2066" || tr.Spans[2].References[0].SpanID != tr.Spans[1].SpanID {
		t.Errorf("ids %+v", tr.Spans)
	}
}

func TestPollFollowsRotation(t *testing.T) {
	dir, s, _ := setup(t)
	p := filepath.Join(dir, "biz-digest.log")
	f, _ := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(line(tid, "0.2", "a", "", "095")[:30]) // half a line: not read yet
	s.Poll()
	if _, n := s.idx.Len(); n != 3 {
		t.Fatalf("%d spans after half a line", n)
	}
	f.WriteString(line(tid, "0.2", "a", "", "095")[30:])
	f.Close()
	if err := os.Rename(p, p+".2026-11-24"); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(p, []byte(line("other", "0", "a", "", "200")), 0o644)
	s.Poll()
	s.Poll()
	if nt, n := s.idx.Len(); n != 5 || nt != 2 {
		t.Fatalf("%d traces %d spans after rotation, want 2 and 5", nt, n)
	}
	if f := s.idx.Fields(0, 0); len(f) == 0 {
		t.Error("no fields from the renamed file")
	}
	if got := s.build(tid); len(got.Spans) != 4 {
		t.Errorf("%d spans in the trace", len(got.Spans))
	}
}
