package tracer_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// referenceLines returns the example lines of ../shared/reference whose
// SOURCE label contains label, in file order.
func referenceLines(t *testing.T, label string) []string {
	t.Helper()
	path := filepath.Join("..", "..", "shared", "reference", "sofatracer-example-lines.txt")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reference file missing (the repo must sit beside shared/): %v", err)
	}
	var out []string
	in := false
	for _, l := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(l, "## SOURCE:"):
			in = strings.Contains(l, label)
		case in && strings.HasPrefix(l, "{"):
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no reference lines labelled %q", label)
	}
	return out
}

type kv struct{ k, v string }

// orderedJSON returns the keys and values of a flat JSON object in order.
func orderedJSON(t *testing.T, line string) []kv {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(line))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", line)
	}
	var out []kv
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		v, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, kv{k.(string), strings.TrimSuffix(toString(v), "")})
	}
	return out
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	}
	return ""
}

// tagFor maps a reference field to the tag a Go plugin sets for it.
var tagFor = map[string]string{
	"span.kind": span.TagSpanKind, "result.code": span.TagResultCode, "current.thread.name": span.TagThreadName,
	"request.url": span.TagHTTPURL, "req.size.bytes": span.TagReqSize, "resp.size.bytes": span.TagRespSize,
	"remote.app": span.TagRemoteApp, "protocol": span.TagProtocol, "service": span.TagService,
	"invoke.type": span.TagInvokeType, "router.record": span.TagRouterRecord, "remote.ip": span.TagRemoteIP,
	"local.client.ip": span.TagLocalIP, "local.client.port": span.TagLocalPort,
	"req.size": span.TagReqSize, "resp.size": span.TagRespSize,
}

// replay makes a span that should encode to the reference line ref.
func replay(t *testing.T, ref []kv, component string, rpc bool) (*tracer.Tracer, *span.Span) {
	get := func(k string) string {
		for _, p := range ref {
			if p.k == k {
				return p.v
			}
		}
		return ""
	}
	traceKey, timeKey, costKey := "traceId", "time", "time.cost.milliseconds"
	if rpc {
		traceKey, timeKey = "tracerId", "timestamp"
		costKey = "client.elapse.time"
		if get("span.kind") == "server" {
			costKey = "biz.impl.time"
		}
	}
	tr := newTracer(t, tracer.WithAppName(get("local.app")))
	end, err := time.ParseInLocation("2006-01-02 15:04:05.000", get(timeKey), time.Local)
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := strconv.Atoi(strings.TrimSuffix(get(costKey), "ms"))
	start := end.Add(-time.Duration(ms) * time.Millisecond)
	ctx := span.NewContext(get(traceKey), get("spanId"), "", true)
	s := tr.StartSpan(get("method"), span.ShareContext(ctx), opentracing.StartTime(start)).(*span.Span)
	if component != "" {
		s.SetTag(span.TagComponent, component)
	}
	for _, p := range ref {
		if tag, ok := tagFor[p.k]; ok {
			if n, err := strconv.Atoi(p.v); err == nil && strings.Contains(p.k, "size.bytes") {
				s.SetTag(tag, n)
			} else {
				s.SetTag(tag, p.v)
			}
		}
		if p.k == "method" && component != "" {
			if rpc {
				s.SetTag(span.TagMethod, p.v)
			} else {
				s.SetTag(span.TagHTTPMethod, p.v)
			}
		}
	}
	if component == "" { // flexible: custom tags after method
		seen := false
		for _, p := range ref {
			if p.k == "method" {
				seen = true
				continue
			}
			if seen && p.k != "sys.baggage" && p.k != "biz.baggage" {
				s.SetTag(p.k, p.v)
			}
		}
	}
	s.FinishWithOptions(opentracing.FinishOptions{FinishTime: end})
	return tr, s
}

// TestFieldOrderMatchesReferenceLines encodes spans carrying the values of
// SOFATracer's example lines, in JSON and in plain mode, and checks that
// every field of the reference appears with its value, in the reference's
// order, and that the plain line holds the same values in the same order.
func TestFieldOrderMatchesReferenceLines(t *testing.T) {
	cases := []struct {
		label, component string
		rpc              bool
		added            map[string]bool // fields the Go layout adds
		skipped          map[string]bool // reference fields Go has no data for
	}{
		{label: "log-format-springmvc/index.md (3.x", component: "net/http", added: map[string]bool{"error": true}},
		{label: "log-format-httpclient/index.md (3.x", component: "net/http", added: map[string]bool{"error": true}},
		{label: "flexible/index.md", component: ""},
		{label: "en/projects/sofa-tracer/log-format-sofarpc", component: "bolt", rpc: true,
			skipped: map[string]bool{"req.serialize.time": true, "resp.deserialize.time": true, "client.conn.time": true,
				"server.pool.wait.time": true, "resp.serialize.time": true, "req.deserialize.time": true}},
	}
	for _, c := range cases {
		for _, line := range referenceLines(t, c.label) {
			ref := orderedJSON(t, line)
			if _, isStat := mapOf(ref)["stat.key"]; isStat || ref[0].k == "stat.key" || strings.Contains(line, `"stat.key"`) {
				continue
			}
			tr, s := replay(t, ref, c.component, c.rpc)
			l := digest.Classify(s)
			jsonEnc := digest.Encoder{App: tr.AppName(), JSON: true, Newline: "\r\n"}
			plainEnc := digest.Encoder{App: tr.AppName(), JSON: false, Newline: "\r\n"}
			got := orderedJSON(t, string(bytes.TrimSpace(jsonEnc.AppendDigest(nil, s, l))))
			plain := strings.Split(strings.TrimSuffix(string(plainEnc.AppendDigest(nil, s, l)), "\r\n"), ",")

			// Reference fields in order, with their values.
			i := 0
			for _, g := range got {
				for i < len(ref) && c.skipped[ref[i].k] {
					i++
				}
				if i < len(ref) && g.k == ref[i].k {
					if g.v != ref[i].v {
						t.Errorf("%s: field %s = %q, reference %q", c.label, g.k, g.v, ref[i].v)
					}
					i++
				} else if !c.added[g.k] && !c.rpc {
					t.Errorf("%s: unexpected field %s at reference position %d", c.label, g.k, i)
				}
			}
			for i < len(ref) && c.skipped[ref[i].k] {
				i++
			}
			if i != len(ref) {
				t.Errorf("%s: reference fields from %q on are missing or out of order\nref %v\ngot %v", c.label, ref[i].k, ref, got)
			}
			if c.rpc {
				continue // SOFARPC lines are JSON-only
			}
			if len(plain) != len(got) {
				t.Fatalf("%s: plain line has %d fields, JSON %d: %q", c.label, len(plain), len(got), plain)
			}
			for j := range got {
				want := got[j].v
				if c.component == "" && j > 8 && j < len(got)-2 {
					want = got[j].k + ":" + want // flexible tags are key:value in plain lines
				}
				if plain[j] != want {
					t.Errorf("%s: plain field %d = %q, JSON %s = %q", c.label, j, plain[j], got[j].k, got[j].v)
				}
			}
			tr.Close()
		}
	}
}

func mapOf(p []kv) map[string]string {
	m := map[string]string{}
	for _, x := range p {
		m[x.k] = x.v
	}
	return m
}
