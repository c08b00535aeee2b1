package sqltrace_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/plugins/internal/logtest"
	"github.com/sofatracer/sofatracer-go/plugins/nethttp"
	"github.com/sofatracer/sofatracer-go/plugins/sqltrace"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// TestHTTPChain: a traced HTTP client calls a traced server whose handler
// runs two statements: one TraceId, client 0, server 0.1, statements
// 0.1.1 and 0.1.2, in Java's DataSource layout.
func TestHTTPChain(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		tr := logtest.NewTracer(t, "chain")
		db := open(t, tr, b)
		tbl := table(t, db) // with no span in the context: roots
		srv := httptest.NewServer(nethttp.Middleware(tr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := db.ExecContext(r.Context(), "INSERT INTO "+tbl+" (id, name)\n  VALUES (1, 'a,b')"); err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			var name string
			if err := db.QueryRowContext(r.Context(), "SELECT name FROM "+tbl+" WHERE id = 1").Scan(&name); err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			io.WriteString(w, name)
		})))
		defer srv.Close()
		base := &http.Transport{}
		defer base.CloseIdleConnections()
		c := &http.Client{Transport: nethttp.NewTransport(tr, base)}
		resp, err := c.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "a,b" {
			t.Fatalf("body %q", body)
		}
		logtest.WaitFinished(t, tr, 6) // drop, create, insert, select, server, client
		lines := digestLines(t, tr)
		if len(lines) != 4 {
			t.Fatalf("%d lines, want 4: %v", len(lines), lines)
		}
		server := logtest.One(t, "server", logtest.Digest(t, tr, digest.HTTPServer))
		if server.S("spanId") != "0.1" {
			t.Fatalf("server span %q", server.S("spanId"))
		}
		for i, want := range []struct{ spanID, sql string }{
			{"0", "DROP TABLE IF EXISTS " + tbl},
			{"0", "CREATE TABLE " + tbl + " (id INT PRIMARY KEY%2C name VARCHAR(64))"},
			{"0.1.1", "INSERT INTO " + tbl + " (id%2C name) VALUES (1%2C 'a%2Cb')"},
			{"0.1.2", "SELECT name FROM " + tbl + " WHERE id = 1"},
		} {
			l := lines[i]
			logtest.Expect(t, b.name, l, map[string]string{
				"local.app": "chain", "spanId": want.spanID, "span.kind": "client",
				"result.code": "success", "current.thread.name": "datasource-client",
				"database.name": b.dbName, "sql": want.sql, "database.type": b.dbType,
				"database.endpoint": b.peer, "sys.baggage": "", "biz.baggage": "",
			})
			for _, k := range []string{"connection.establish.span", "db.execute.cost", "time.cost.milliseconds"} {
				if !msRE.MatchString(l.S(k)) {
					t.Errorf("%s = %q", k, l.S(k))
				}
			}
			if i >= 2 && l.S("traceId") != server.S("traceId") {
				t.Errorf("traceId %q, server's %q", l.S("traceId"), server.S("traceId"))
			}
		}
		if lines[1].S("connection.establish.span") != "0ms" || lines[3].S("connection.establish.span") != "0ms" {
			t.Errorf("later statements on a connection have an establish time: %v", lines)
		}
		stat := logtest.Stat(t, tr, digest.DataSourceClient)
		if n := logtest.Count(stat, map[string]string{"local.app": "chain", "database.name": b.dbName,
			"sql": "SELECT name FROM " + tbl + " WHERE id = 1", "success": "Y"}); n != 1 {
			t.Errorf("stat count %d, want 1: %v", n, stat)
		}
	})
}

// TestFailures: a syntax error and a constraint violation give
// result.code failed, the error on the span, and the caller the driver's
// own error, as the bare driver returns it.
func TestFailures(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		rec := &recorder{}
		tr := logtest.NewTracer(t, "fail", tracer.WithReporter(rec))
		db, plain := open(t, tr, b), bare(t, b)
		tbl := table(t, plain)
		ctx := context.Background()
		if _, err := plain.ExecContext(ctx, "INSERT INTO "+tbl+" (id, name) VALUES (1, 'x')"); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"SELEC 1", "INSERT INTO " + tbl + " (id, name) VALUES (1, 'x')"} {
			_, errBare := plain.ExecContext(ctx, q)
			_, err := db.ExecContext(ctx, q)
			if err == nil || errBare == nil || err.Error() != errBare.Error() || reflect.TypeOf(err) != reflect.TypeOf(errBare) {
				t.Fatalf("%s: traced error %T %v, bare %T %v", q, err, err, errBare, errBare)
			}
		}
		lines := digestLines(t, tr)
		if len(lines) != 2 {
			t.Fatalf("%d lines, want 2: %v", len(lines), lines)
		}
		for _, l := range lines {
			logtest.Expect(t, b.name, l, map[string]string{"result.code": "failed", "spanId": "0"})
		}
		spans := rec.all()
		if len(spans) != 2 || spans[0].Tag("error") != true || spans[0].Tag("error.message") == nil {
			t.Fatalf("spans without the error: %v", spans)
		}
		// The one DataSource layout of the SDK, shared with sofaotel.
		for _, s := range spans {
			if l := digest.Classify(s); l != digest.DataSourceClient {
				t.Errorf("span written in layout %s, want digest.DataSourceClient", l.Name)
			}
		}
		stat := logtest.Stat(t, tr, digest.DataSourceClient)
		if n := logtest.Count(stat, map[string]string{"success": "N"}); n != 2 {
			t.Errorf("failed stat count %d, want 2: %v", n, stat)
		}
	})
}

// TestStatements: transactions (commit and rollback), prepared
// statements, QueryRow, rows closed early, and named arguments each give
// one line per statement, with the parent's span id.
func TestStatements(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		tr := logtest.NewTracer(t, "stmts")
		db := open(t, tr, b)
		tbl := table(t, bare(t, b))
		ok := func(_ sql.Result, err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		root := tr.StartSpan("job")
		ctx := opentracing.ContextWithSpan(context.Background(), root)

		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		ok(tx.ExecContext(ctx, "INSERT INTO "+tbl+" (id, name) VALUES (1, 'one')"))
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		tx, err = db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		ok(tx.ExecContext(ctx, "INSERT INTO "+tbl+" (id, name) VALUES (2, 'two')"))
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		st, err := db.PrepareContext(ctx, "INSERT INTO "+tbl+" (id, name) VALUES (10, 'ten')")
		if err != nil {
			t.Fatal(err)
		}
		ok(st.ExecContext(ctx))
		st.Close()
		var n int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+tbl).Scan(&n); err != nil || n != 2 {
			t.Fatalf("count %d, %v: want 2 (the rollback undid one)", n, err)
		}
		rows, err := db.QueryContext(ctx, b.rows)
		if err != nil {
			t.Fatal(err)
		}
		if !rows.Next() {
			t.Fatal(rows.Err())
		}
		if err := rows.Close(); err != nil { // closed after one of 1000 rows
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+tbl).Scan(&n); err != nil || n != 2 {
			t.Fatalf("after rows closed early: %d, %v", n, err)
		}
		root.Finish()
		lines := digestLines(t, tr)
		var got []string
		for _, l := range lines {
			got = append(got, l.S("spanId")+" "+l.S("sql"))
		}
		want := []string{
			"0.1 INSERT INTO " + tbl + " (id%2C name) VALUES (1%2C 'one')",
			"0.2 COMMIT",
			"0.3 INSERT INTO " + tbl + " (id%2C name) VALUES (2%2C 'two')",
			"0.4 ROLLBACK",
			"0.5 INSERT INTO " + tbl + " (id%2C name) VALUES (10%2C 'ten')",
			"0.6 SELECT COUNT(*) FROM " + tbl,
			"0.7 " + strings.ReplaceAll(b.rows, ",", "%2C"),
			"0.8 SELECT COUNT(*) FROM " + tbl,
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}

// TestCancel: a context cancelled while the server runs the statement
// ends it with the same error as the bare driver's, and a failed line.
func TestCancel(t *testing.T) {
	for _, mk := range []func(testing.TB) backend{postgres, mysql} {
		t.Run("", func(t *testing.T) {
			b := mk(t)
			tr := logtest.NewTracer(t, "cancel")
			db, plain := open(t, tr, b), bare(t, b)
			run := func(db *sql.DB) (error, time.Duration) {
				ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
				defer cancel()
				start := time.Now()
				_, err := db.QueryContext(ctx, b.sleep)
				return err, time.Since(start)
			}
			errBare, _ := run(plain)
			err, took := run(db)
			if err == nil || took > 4*time.Second || err.Error() != errBare.Error() || !errors.Is(err, context.DeadlineExceeded) != !errors.Is(errBare, context.DeadlineExceeded) {
				t.Fatalf("traced: %v after %v; bare: %v", err, took, errBare)
			}
			l := logtest.One(t, "cancel", digestLines(t, tr))
			logtest.Expect(t, b.name, l, map[string]string{"result.code": "failed", "sql": b.sleep})
		})
	}
}

// TestNoRoots: WithRootSpans(false) traces only statements whose context
// holds a span.
func TestNoRoots(t *testing.T) {
	b := sqlite(t)
	tr := logtest.NewTracer(t, "noroots")
	db := open(t, tr, b, sqltrace.WithRootSpans(false), sqltrace.WithDatabaseName("orders"),
		sqltrace.WithSQLCleaner(func(q string) string { return strings.Fields(q)[0] + " ?" }))
	if _, err := db.Exec("SELECT 1"); err != nil {
		t.Fatal(err)
	}
	sp := tr.StartSpan("job")
	if _, err := db.ExecContext(opentracing.ContextWithSpan(context.Background(), sp), "SELECT 'secret', 2"); err != nil {
		t.Fatal(err)
	}
	sp.Finish()
	l := logtest.One(t, "noroots", digestLines(t, tr))
	logtest.Expect(t, "noroots", l, map[string]string{"spanId": "0.1", "sql": "SELECT ?", "database.name": "orders"})
}

// TestPlain: the plain layout has Java's 16 columns, the statement's
// commas written %2C.
func TestPlain(t *testing.T) {
	b := sqlite(t)
	tr := logtest.NewTracer(t, "plain", tracer.WithJSON(false))
	db := open(t, tr, b)
	if _, err := db.Exec("SELECT 1, 2"); err != nil {
		t.Fatal(err)
	}
	tr.Close()
	raw, err := os.ReadFile(tr.Reporter().DigestPath(digest.DataSourceClient, false))
	if err != nil {
		t.Fatal(err)
	}
	cols := strings.Split(strings.TrimRight(string(raw), "\r\n"), ",")
	if len(cols) != 16 || cols[1] != "plain" || cols[5] != "success" || cols[8] != "test.db" ||
		cols[9] != "SELECT 1%2C 2" || cols[12] != "sqlite" || cols[13] != b.peer {
		t.Fatalf("columns %q", cols)
	}
}
