package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The example writes one trace per request across every digest file: the
// caller, the nethttp client, the otelhttp server, the otelgrpc client and
// the grpctrace server, with the caller's baggage.
func TestRunWritesOneTraceAcrossEveryHop(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(dir, "", &out); err != nil {
		t.Fatal(err)
	}
	spans := map[string]map[string]bool{} // traceId -> spanIds
	for _, f := range []string{"biz", "http-client", "http-server", "rpc-client", "rpc-server"} {
		b, err := os.ReadFile(filepath.Join(dir, f+"-digest.log"))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			id, _ := m["traceId"].(string)
			if id == "" {
				id, _ = m["tracerId"].(string)
			}
			if spans[id] == nil {
				spans[id] = map[string]bool{}
			}
			spans[id][f+" "+m["spanId"].(string)] = true
			if !strings.Contains(line, "user=u-42") {
				t.Errorf("%s: no baggage: %s", f, line)
			}
		}
	}
	want := []string{"biz 0", "http-client 0.1", "http-server 0.1.1", "rpc-client 0.1.1.1", "rpc-server 0.1.1.1"}
	if len(spans) != 3 {
		t.Fatalf("%d traces, want 3: %v", len(spans), spans)
	}
	for id, got := range spans {
		for _, w := range want {
			if !got[w] {
				t.Errorf("trace %s: no %s in %v", id, w, got)
			}
		}
	}
	if got, want := logDir("x"), "x"; got != want {
		t.Errorf("-dir: %s", got)
	}
	t.Setenv("SOFA_TRACER_LOG_DIR", "/env/dir")
	if got := logDir(""); got != "/env/dir" {
		t.Errorf("env: %s", got)
	}
	if got := logDir("flag"); got != "flag" {
		t.Errorf("flag over env: %s", got)
	}
}
