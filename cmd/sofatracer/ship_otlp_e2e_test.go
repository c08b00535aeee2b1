package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sofatracer/sofatracer-go/reporter/zipkin"
)

// e2eEnv returns the environment variable name's value, skipping (or, when a
// run requires the collector, failing) the test when it is missing.
func e2eEnv(t *testing.T, name string) string {
	v := os.Getenv(name)
	if v == "" {
		msg := name + ` is not set: bash tools/zipkin-server/run.sh exec go test ...`
		if os.Getenv("SOFA_TRACER_E2E_REQUIRED") == "1" || os.Getenv("SOFA_TEST_REQUIRED") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return v
}

// TestShipOTLPToJaeger ships one trace into the real Jaeger of
// tools/zipkin-server, the caller's logs over Zipkin and the callee's
// over OTLP/HTTP (HTTP root 0 on web calls svc over SOFARPC: client 0.1,
// server 0.1 sharing its id, local child 0.1.1), and reads it back from
// Jaeger's query API: one trace, every parent link in it, the child of
// the shared server under the server.
func TestShipOTLPToJaeger(t *testing.T) {
	otlpURL := e2eEnv(t, "SOFA_TRACER_E2E_OTLP_HTTP")
	zipkinURL := e2eEnv(t, "SOFA_TRACER_E2E_ZIPKIN")
	query := e2eEnv(t, "SOFA_TRACER_E2E_QUERY")
	now := time.Now()
	tid := fmt.Sprintf("0a0fe927%013d%04d%05d", now.UnixMilli(), now.Nanosecond()%10000, os.Getpid()%100000)
	at := func(d time.Duration) string { return now.Add(d).Format("2006-01-02 15:04:05.000") }
	dir := t.TempDir()
	files := map[string]string{
		"web/spring-mvc-digest.log": `{"time":"` + at(200*time.Millisecond) + `","local.app":"web","traceId":"` + tid + `","spanId":"0","span.kind":"server","request.url":"http://web/x","method":"GET","result.code":"200","time.cost.milliseconds":"150ms","current.thread.name":"t","sys.baggage":"","biz.baggage":""}`,
		"web/rpc-client-digest.log": `{"timestamp":"` + at(150*time.Millisecond) + `","tracerId":"` + tid + `","spanId":"0.1","span.kind":"client","service":"S","method":"m","protocol":"bolt","local.app":"web","remote.app":"svc","result.code":"00","total.time":"100ms"}`,
		"svc/biz-digest.log":        `{"time":"` + at(120*time.Millisecond) + `","local.app":"svc","traceId":"` + tid + `","spanId":"0.1.1","span.kind":"","result.code":"","current.thread.name":"g","time.cost.milliseconds":"10ms","method":"step","sys.baggage":"","biz.baggage":""}`,
		"svc/rpc-server-digest.log": `{"timestamp":"` + at(140*time.Millisecond) + `","tracerId":"` + tid + `","spanId":"0.1","span.kind":"server","service":"S","method":"m","protocol":"bolt","local.app":"svc","remote.app":"web","result.code":"00","biz.impl.time":"40"}`,
	}
	for name, line := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(line+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{
		{"--zipkin", zipkinURL, filepath.Join(dir, "web")},
		{"--otlp", otlpURL, "--gzip", filepath.Join(dir, "svc")},
	} {
		var out, errb bytes.Buffer
		args = append([]string{"--once", "--format", "json", "--state", filepath.Join(dir, "state-"+args[0][2:])}, args...)
		if err := cmdShip(args, &out, &errb); err != nil {
			t.Fatalf("ship %v: %v: %s", args, err, errb.String())
		}
		var st map[string]int64
		if err := json.Unmarshal(out.Bytes(), &st); err != nil || st["sent"] != 2 || st["dropped"] != 0 {
			t.Fatalf("ship %v: %s (%v)", args, out.String(), err)
		}
	}

	type span struct {
		SpanID     string `json:"spanID"`
		References []struct {
			RefType, SpanID string
		} `json:"references"`
		ProcessID string `json:"processID"`
		Tags      []struct {
			Key   string `json:"key"`
			Value any    `json:"value"`
		} `json:"tags"`
	}
	var trace struct {
		Spans     []span `json:"spans"`
		Processes map[string]struct {
			ServiceName string `json:"serviceName"`
		} `json:"processes"`
	}
	url := query + "/api/traces/" + zipkin.MapTraceID(tid).String() + "?raw=true"
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var out struct {
				Data []json.RawMessage `json:"data"`
			}
			if json.Unmarshal(b, &out) == nil && len(out.Data) == 1 {
				json.Unmarshal(out.Data[0], &trace)
				if len(trace.Spans) == 4 {
					break
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("Jaeger holds %d spans of trace %s, want 4", len(trace.Spans), tid)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Name every span by service and SOFA span id, and check its parent.
	name := map[string]string{}
	for _, s := range trace.Spans {
		sofa := ""
		for _, tg := range s.Tags {
			if tg.Key == "origin.span.id" || tg.Key == "sofa.span_id" {
				sofa = fmt.Sprint(tg.Value)
			}
		}
		name[s.SpanID] = trace.Processes[s.ProcessID].ServiceName + " " + sofa
	}
	want := map[string]string{"web 0": "", "web 0.1": "web 0", "svc 0.1": "web 0.1", "svc 0.1.1": "svc 0.1"}
	got := map[string]string{}
	for _, s := range trace.Spans {
		parent := ""
		for _, r := range s.References {
			if r.RefType == "CHILD_OF" {
				p, ok := name[r.SpanID]
				if !ok {
					t.Errorf("%s: parent %s is not in the trace", name[s.SpanID], r.SpanID)
				}
				parent = p
			}
		}
		got[name[s.SpanID]] = parent
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("spans and parents %v, want %v", got, want)
	}
}
