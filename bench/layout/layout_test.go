package layout

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/XSAM/otelsql"
	"go.opentelemetry.io/otel/attribute"
	_ "modernc.org/sqlite"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/plugins/sqltrace"
	"github.com/sofatracer/sofatracer-go/sofaotel"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// javaKeys are the keys of Java's datasource-client-digest.log lines, in
// its order.
var javaKeys = []string{"time", "local.app", "traceId", "spanId", "span.kind", "result.code",
	"current.thread.name", "time.cost.milliseconds", "database.name", "sql", "connection.establish.span",
	"db.execute.cost", "database.type", "database.endpoint", "sys.baggage", "biz.baggage"}

// A program that traces one SQLite database with sqltrace and with otelsql
// on sofaotel writes one datasource-client-digest.log whose every line has
// Java's keys in Java's order, and a failing statement is "failed" from
// both.
func TestSQLTraceAndSofaOTelWriteOneLayout(t *testing.T) {
	dir := t.TempDir()
	tr, err := tracer.New(tracer.WithAppName("both"), tracer.WithLogDir(filepath.Join(dir, "logs")),
		tracer.WithJSON(true), tracer.WithStatInterval(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	dsn := filepath.Join(dir, "both.db")
	sofa, err := sqltrace.Open(tr, "sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer sofa.Close()
	otel, err := otelsql.Open("sqlite", dsn, otelsql.WithTracerProvider(sofaotel.NewTracerProvider(tr)),
		otelsql.WithAttributes(attribute.String("db.system.name", "sqlite"), attribute.String("db.namespace", "both.db")),
		otelsql.WithSpanOptions(otelsql.SpanOptions{OmitConnResetSession: true, OmitConnPrepare: true,
			OmitRows: true, OmitConnectorConnect: true}))
	if err != nil {
		t.Fatal(err)
	}
	defer otel.Close()
	ctx := context.Background()
	if _, err := sofa.ExecContext(ctx, "CREATE TABLE t (id INTEGER PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	for _, db := range []*sql.DB{sofa, otel} {
		if _, err := db.ExecContext(ctx, "SELECT count(*) FROM t"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, "SELEC 1"); err == nil {
			t.Fatal("a syntax error succeeded")
		}
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(tr.Reporter().DigestPath(digest.DataSourceClient, false))
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string][]string{} // by sql
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		keys, vals := decode(t, sc.Bytes())
		if !slices.Equal(keys, javaKeys) {
			t.Errorf("keys\n got %q\nwant %q\nline %s", keys, javaKeys, sc.Bytes())
		}
		codes[vals["sql"]] = append(codes[vals["sql"]], vals["result.code"])
	}
	for q, want := range map[string][]string{"SELECT count(*) FROM t": {"success", "success"}, "SELEC 1": {"failed", "failed"}} {
		if !slices.Equal(codes[q], want) {
			t.Errorf("%s: result codes %q, want %q (all: %q)", q, codes[q], want, codes)
		}
	}
}

// decode returns a JSON line's keys in order and its string values.
func decode(t *testing.T, line []byte) ([]string, map[string]string) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(line))
	if _, err := dec.Token(); err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	var keys []string
	vals := map[string]string{}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		keys = append(keys, k.(string))
		if s, ok := v.(string); ok {
			vals[k.(string)] = s
		}
	}
	return keys, vals
}
