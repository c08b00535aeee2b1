package sofaotel

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"os"
	"slices"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/sofatracer/sofatracer-go/digest"
)

// javaDataSourceKeys are the keys of Java's datasource-client-digest.log
// lines, in order (DataSourceClientDigestJsonEncoder): no error field.
var javaDataSourceKeys = []string{"time", "local.app", "traceId", "spanId", "span.kind", "result.code",
	"current.thread.name", "time.cost.milliseconds", "database.name", "sql", "connection.establish.span",
	"db.execute.cost", "database.type", "database.endpoint", "sys.baggage", "biz.baggage"}

// Database spans are written in digest.DataSourceClient, the layout
// sqltrace writes too, with Java's keys in Java's order; a failed
// statement (status Error, or an error.type attribute alone) is "failed"
// with a stat row N, a good one "success" with a row Y.
func TestDatabaseSpansUseDataSourceClient(t *testing.T) {
	tr, cap := newTracer(t, "dbapp")
	ot := NewTracerProvider(tr).Tracer("x")
	attrs := func(summary string) []attribute.KeyValue {
		return []attribute.KeyValue{attribute.String("db.system.name", "postgresql"), attribute.String("db.namespace", "shop"),
			attribute.String("db.query.text", "SELECT a,\n  b FROM t  WHERE x = $1"), attribute.String("db.query.summary", summary),
			attribute.String("server.address", "db"), attribute.Int("server.port", 5432)}
	}
	cases := []struct {
		op     string
		attrs  []attribute.KeyValue
		status codes.Code
		want   string
	}{
		{"good", attrs("SELECT good"), codes.Unset, digest.ResultSuccess},
		{"status-error", attrs("SELECT bad"), codes.Error, digest.ResultFailed},
		{"error-type", append(attrs("SELECT bad"), attribute.String("error.type", "40001")), codes.Unset, digest.ResultFailed},
	}
	for _, c := range cases {
		_, sp := ot.Start(context.Background(), c.op, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(c.attrs...))
		sp.SetStatus(c.status, "")
		sp.End()
		if l := digest.Classify(cap.byName(t, c.op)); l != digest.DataSourceClient {
			t.Fatalf("%s: layout %s, want digest.DataSourceClient", c.op, l.Name)
		}
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	lines := jsonLines(t, tr.Reporter().DigestPath(digest.DataSourceClient, false))
	if len(lines) != len(cases) {
		t.Fatalf("%d digest lines, want %d", len(lines), len(cases))
	}
	for i, l := range lines {
		if !slices.Equal(l.keys, javaDataSourceKeys) {
			t.Errorf("line %d keys\n got %q\nwant %q", i, l.keys, javaDataSourceKeys)
		}
		want := map[string]any{"result.code": cases[i].want, "database.name": "shop", "database.type": "postgresql",
			"database.endpoint": "db:5432", "sql": "SELECT a%2C b FROM t WHERE x = $1", "span.kind": "client"}
		for k, v := range want {
			if l.vals[k] != v {
				t.Errorf("line %d: %s = %v, want %v", i, k, l.vals[k], v)
			}
		}
	}
	stats := map[string]string{}
	for _, l := range jsonLines(t, tr.Reporter().StatPath(digest.DataSourceClient, false)) {
		key, _ := l.vals["stat.key"].(map[string]any)
		stats[key["sql"].(string)] += l.vals["success"].(string)
	}
	if want := map[string]string{"SELECT good": "Y", "SELECT bad": "N"}; !maps.Equal(stats, want) {
		t.Errorf("stat rows %v, want %v", stats, want)
	}
}

type jsonLine struct {
	keys []string
	vals map[string]any
}

// jsonLines parses every line of a log file, keeping the top-level keys'
// order.
func jsonLines(t *testing.T, path string) []jsonLine {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []jsonLine
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		l := jsonLine{vals: map[string]any{}}
		if err := json.Unmarshal(sc.Bytes(), &l.vals); err != nil {
			t.Fatalf("%s: %q: %v", path, sc.Text(), err)
		}
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.Token() // {
		for dec.More() {
			k, _ := dec.Token()
			l.keys = append(l.keys, k.(string))
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, l)
	}
	return out
}

// Redis spans (as redisotel makes them: named after the command, with
// db.system redis and the statement) are written in digest.Redis, the
// layout redistrace writes, with Java's keys; the command is the method,
// keys and values stay out of the line, and a failed command is "99".
func TestRedisSpansUseRedisLayout(t *testing.T) {
	tr, cap := newTracer(t, "redisapp")
	ot := NewTracerProvider(tr).Tracer("x")
	for _, c := range []struct {
		op     string
		status codes.Code
	}{{"set", codes.Unset}, {"get", codes.Error}} {
		_, sp := ot.Start(context.Background(), c.op, trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(attribute.String("db.system", "redis"), attribute.String("db.statement", c.op+" secret-key secret-value")))
		sp.SetStatus(c.status, "")
		sp.End()
		if l := digest.Classify(cap.byName(t, c.op)); l != digest.Redis {
			t.Fatalf("%s: layout %s, want digest.Redis", c.op, l.Name)
		}
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	p := tr.Reporter().DigestPath(digest.Redis, false)
	if b, err := os.ReadFile(p); err != nil || bytes.Contains(b, []byte("secret")) {
		t.Fatalf("%s: %v, %s", p, err, b)
	}
	keys := []string{"time", "local.app", "traceId", "spanId", "span.kind", "result.code", "current.thread.name",
		"time.cost.milliseconds", "db.type", "method", "sys.baggage", "biz.baggage"}
	want := [][2]string{{"SET", "00"}, {"GET", "99"}}
	lines := jsonLines(t, p)
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d", len(lines), len(want))
	}
	for i, l := range lines {
		if !slices.Equal(l.keys, keys) {
			t.Errorf("line %d keys\n got %q\nwant %q", i, l.keys, keys)
		}
		if l.vals["method"] != want[i][0] || l.vals["result.code"] != want[i][1] || l.vals["db.type"] != "redis" {
			t.Errorf("line %d: %v, want method %s result.code %s", i, l.vals, want[i][0], want[i][1])
		}
	}
}
