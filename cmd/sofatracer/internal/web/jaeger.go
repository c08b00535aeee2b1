package web

import (
	"fmt"
	"net/http"

	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/rebuild"
	"github.com/sofatracer/sofatracer-go/reporter/zipkin"
)

// Jaeger's JSON trace format, as its UI's "JSON File" upload reads it.
type (
	jaegerDoc struct {
		Data []jaegerTrace `json:"data"`
	}
	jaegerTrace struct {
		TraceID   string                   `json:"traceID"`
		Spans     []jaegerSpan             `json:"spans"`
		Processes map[string]jaegerProcess `json:"processes"`
	}
	jaegerSpan struct {
		TraceID       string      `json:"traceID"`
		SpanID        string      `json:"spanID"`
		OperationName string      `json:"operationName"`
		References    []jaegerRef `json:"references"`
		StartTime     int64       `json:"startTime"` // µs
		Duration      int64       `json:"duration"`  // µs
		Tags          []jaegerKV  `json:"tags"`
		Logs          []any       `json:"logs"`
		ProcessID     string      `json:"processID"`
		Warnings      []string    `json:"warnings"`
	}
	jaegerRef struct {
		RefType string `json:"refType"`
		TraceID string `json:"traceID"`
		SpanID  string `json:"spanID"`
	}
	jaegerKV struct {
		Key   string `json:"key"`
		Type  string `json:"type"`
		Value any    `json:"value"`
	}
	jaegerProcess struct {
		ServiceName string     `json:"serviceName"`
		Tags        []jaegerKV `json:"tags"`
	}
)

// JaegerJSON converts a trace. Span ids are those of the Zipkin reporter
// (FNV-1a of the SOFA id); the second span sharing an id (an RPC server)
// gets the hash of "id/kind/service" so every span is distinct.
func JaegerJSON(t *rebuild.Trace) any {
	tid := zipkin.MapTraceID(t.TraceID).String()
	ids := make([]string, len(t.Spans))
	seen := map[string]bool{}
	for i, s := range t.Spans {
		key := s.SpanID
		if s.TraceID != "" && s.TraceID != t.TraceID {
			key = s.TraceID + ":" + s.SpanID
		}
		if seen[key] {
			key += "/" + s.Kind + "/" + s.Service
		}
		seen[key] = true
		ids[i] = zipkin.HashSpanID(key).String()
	}
	jt := jaegerTrace{TraceID: tid, Processes: map[string]jaegerProcess{}}
	procs := map[string]string{}
	for i, s := range t.Spans {
		pid, ok := procs[s.Service]
		if !ok {
			pid = fmt.Sprintf("p%d", len(procs)+1)
			procs[s.Service] = pid
			jt.Processes[pid] = jaegerProcess{ServiceName: s.Service, Tags: []jaegerKV{}}
		}
		js := jaegerSpan{TraceID: tid, SpanID: ids[i], OperationName: s.Operation, References: []jaegerRef{},
			StartTime: s.StartMs * 1000, Duration: s.DurationMs * 1000, Logs: []any{}, ProcessID: pid,
			Tags: []jaegerKV{{"sofa.span.id", "string", s.SpanID}}}
		if s.Parent >= 0 {
			js.References = append(js.References, jaegerRef{"CHILD_OF", tid, ids[s.Parent]})
		}
		if s.Kind != "" {
			js.Tags = append(js.Tags, jaegerKV{"span.kind", "string", s.Kind})
		}
		if s.Error {
			js.Tags = append(js.Tags, jaegerKV{"error", "bool", true})
		}
		for _, f := range s.Fields {
			js.Tags = append(js.Tags, jaegerKV{f.Key, "string", f.Value})
		}
		if s.Missing {
			js.Warnings = append(js.Warnings, "missing: no log line has this span")
		}
		if s.Skew {
			js.Warnings = append(js.Warnings, fmt.Sprintf("clock skew: outside its parent by %d ms", s.SkewMs))
		}
		jt.Spans = append(jt.Spans, js)
	}
	return jaegerDoc{Data: []jaegerTrace{jt}}
}

func (s *Server) jaeger(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	spans, links := s.idx.Trace(id, true) // with every field, as tags
	if len(spans) == 0 {
		http.Error(w, "no such trace", http.StatusNotFound)
		return
	}
	t := rebuild.Build(id, spans, links)
	w.Header().Set("Content-Disposition", `attachment; filename="trace.json"`)
	writeJSON(w, JaegerJSON(t))
}
