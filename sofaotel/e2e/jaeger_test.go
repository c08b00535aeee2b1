package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/sofatracer/sofatracer-go/sofaotel"
	"github.com/sofatracer/sofatracer-go/span"
)

// collector returns the OTLP gRPC and HTTP URLs and the query URL of a
// running Jaeger, skipping the test when they are not configured, or
// failing it where collectors are required.
func collector(t *testing.T) (grpcURL, httpURL, queryURL string) {
	t.Helper()
	grpcURL, httpURL, queryURL = os.Getenv("SOFA_TRACER_E2E_OTLP_GRPC"), os.Getenv("SOFA_TRACER_E2E_OTLP_HTTP"), os.Getenv("SOFA_TRACER_E2E_QUERY")
	if grpcURL != "" && httpURL != "" && queryURL != "" {
		return
	}
	msg := "SOFA_TRACER_E2E_OTLP_GRPC, SOFA_TRACER_E2E_OTLP_HTTP and SOFA_TRACER_E2E_QUERY are not all set; run under tools/zipkin-server/run.sh exec"
	if os.Getenv("SOFA_TRACER_E2E_REQUIRED") == "1" || os.Getenv("SOFA_TEST_REQUIRED") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return
}

type jaegerTrace struct {
	Data []struct {
		Spans []struct {
			SpanID        string `json:"spanID"`
			OperationName string `json:"operationName"`
			ProcessID     string `json:"processID"`
			References    []struct {
				RefType string `json:"refType"`
				SpanID  string `json:"spanID"`
			} `json:"references"`
		} `json:"spans"`
		Processes map[string]struct {
			ServiceName string `json:"serviceName"`
		} `json:"processes"`
	} `json:"data"`
}

// fetchTrace polls Jaeger's query API until the trace has n spans.
func fetchTrace(t *testing.T, queryURL, traceID string, n int) jaegerTrace {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var tr jaegerTrace
		resp, err := client.Get(queryURL + "/api/traces/" + traceID)
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&tr)
			resp.Body.Close()
		}
		if err == nil && len(tr.Data) == 1 && len(tr.Data[0].Spans) >= n {
			return tr
		}
		if time.Now().After(deadline) {
			t.Fatalf("trace %s: %+v, %v", traceID, tr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The chain's spans, exported over OTLP (gRPC by two services, HTTP by
// two), are one trace in Jaeger with every parent link.
func TestChainInJaegerViaOTLP(t *testing.T) {
	grpcURL, httpURL, queryURL := collector(t)
	svcs := chain(t, grpcURL, httpURL)
	sofaTraceID := checkDigests(t, svcs)
	for _, s := range svcs {
		if st := s.otlp.Stats(); st.Sent != st.Reported || st.Dropped() != 0 {
			t.Fatalf("%s: %s", s.name, st)
		}
	}
	root := span.NewContext(sofaTraceID, "0", "", true)
	tid, _, _ := sofaotel.IDs(root)
	tr := fetchTrace(t, queryURL, tid.String(), len(wantSpans))
	got := map[string]string{}     // span id -> parent span id
	service := map[string]string{} // span id -> service
	for _, sp := range tr.Data[0].Spans {
		parent := ""
		for _, r := range sp.References {
			if r.RefType == "CHILD_OF" {
				parent = r.SpanID
			}
		}
		got[sp.SpanID] = parent
		service[sp.SpanID] = tr.Data[0].Processes[sp.ProcessID].ServiceName
	}
	if len(got) != len(wantSpans) {
		t.Fatalf("Jaeger has %d spans: %v", len(got), got)
	}
	for _, w := range wantSpans {
		c := span.NewContext(sofaTraceID, w[2], span.ParentOf(w[2]), true)
		c.Shared = w[1] == "rpc-server-digest.log"
		_, sid, pid := sofaotel.IDs(c)
		parent, ok := got[sid.String()]
		switch {
		case !ok:
			t.Errorf("%v: span %s not in Jaeger", w, sid)
		case pid.IsValid() && parent != pid.String():
			t.Errorf("%v: parent %q, want %s", w, parent, pid)
		case !pid.IsValid() && parent != "":
			t.Errorf("%v: root has parent %q", w, parent)
		case service[sid.String()] != w[0]:
			t.Errorf("%v: service %q", w, service[sid.String()])
		}
	}
	fmt.Fprintf(os.Stderr, "trace %s (SOFA %s): %d spans in Jaeger\n", tid, sofaTraceID, len(got))
}
