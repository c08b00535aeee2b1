package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/sofatracer/sofatracer-go/sofaotel"
	"github.com/sofatracer/sofatracer-go/sofaotel/otlp"
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
			Tags          []struct {
				Key   string `json:"key"`
				Value any    `json:"value"`
			} `json:"tags"`
			References []struct {
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
// two), are one trace in Jaeger with every parent link: the chain is a
// line, each span the child of the one before it, so a shared RPC server
// span is its client's child and the parent of its own RPC client. The
// links are read from Jaeger by service and SOFA SpanId, not derived
// from the ids the reporter computes.
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
	type node struct{ service, sofaID string }
	id := map[node]string{}     // Jaeger span id
	parent := map[node]string{} // Jaeger parent span id
	for _, sp := range tr.Data[0].Spans {
		n := node{service: tr.Data[0].Processes[sp.ProcessID].ServiceName}
		for _, tag := range sp.Tags {
			if tag.Key == otlp.AttrSOFASpanID {
				n.sofaID, _ = tag.Value.(string)
			}
		}
		if _, dup := id[n]; dup {
			t.Errorf("two spans for %v", n)
		}
		id[n] = sp.SpanID
		for _, r := range sp.References {
			if r.RefType == "CHILD_OF" {
				parent[n] = r.SpanID
			}
		}
	}
	if len(id) != len(wantSpans) {
		t.Fatalf("Jaeger has %d spans: %v", len(id), id)
	}
	for i, w := range wantSpans {
		n := node{w[0], w[2]}
		want := ""
		if i > 0 {
			want = id[node{wantSpans[i-1][0], wantSpans[i-1][2]}]
		}
		switch {
		case id[n] == "":
			t.Errorf("%v: not in Jaeger", w)
		case parent[n] != want:
			t.Errorf("%v: parent %q, want %q (%v)", w, parent[n], want, wantSpans[max(i-1, 0)])
		}
	}
	// SOFATracer's Zipkin ids, as Java services report them.
	if got := id[node{"chain-a", "0"}]; got != "af63ad4c86019caf" {
		t.Errorf("span 0 has id %s, want FNV-1a af63ad4c86019caf", got)
	}
	if got := id[node{"chain-a", "0.1"}]; got != "4e18dd181d0a2066" {
		t.Errorf("span 0.1 has id %s, want FNV-1a 4e18dd181d0a2066", got)
	}
	fmt.Fprintf(os.Stderr, "trace %s (SOFA %s): %d spans in Jaeger\n", tid, sofaTraceID, len(id))
}
