package sqltrace_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/plugins/internal/logtest"
)

// optional lists the optional interfaces of connections and statements.
func optional(v any) []string {
	var has []string
	for name, ok := range map[string]bool{
		"Pinger":          is[driver.Pinger](v),
		"ExecerContext":   is[driver.ExecerContext](v),
		"QueryerContext":  is[driver.QueryerContext](v),
		"ConnBeginTx":     is[driver.ConnBeginTx](v),
		"SessionResetter": is[driver.SessionResetter](v),
		"Validator":       is[driver.Validator](v),
		"NamedValueCheck": is[driver.NamedValueChecker](v),
		"ColumnConverter": is[driver.ColumnConverter](v),
		"io.Closer":       is[io.Closer](v),
	} {
		if ok {
			has = append(has, name)
		}
	}
	return has
}

func is[T any](v any) bool {
	_, ok := v.(T)
	return ok
}

// TestInterfaces: the wrapped connections, statements, connectors and
// drivers of the real drivers have the interfaces the drivers' own have.
func TestInterfaces(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		tr := logtest.NewTracer(t, "ifaces")
		db, plain := open(t, tr, b), bare(t, b)
		ctx := context.Background()
		raw := func(db *sql.DB) (c, s []string) {
			conn, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			err = conn.Raw(func(dc any) error {
				c = optional(dc)
				st, err := dc.(driver.Conn).Prepare("SELECT 1")
				if err != nil {
					return err
				}
				defer st.Close()
				s = optional(st)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return c, s
		}
		wc, ws := raw(db)
		bc, bs := raw(plain)
		if fmt.Sprint(sorted(wc)) != fmt.Sprint(sorted(bc)) {
			t.Errorf("connection: wrapped %v, driver's %v", sorted(wc), sorted(bc))
		}
		bs = append(bs, "StmtExecContext", "StmtQueryContext") // always offered
		ws = append(ws, "StmtExecContext", "StmtQueryContext")
		if fmt.Sprint(sorted(dedupe(ws))) != fmt.Sprint(sorted(dedupe(bs))) {
			t.Errorf("statement: wrapped %v, driver's %v", ws, bs)
		}
		if is[driver.DriverContext](db.Driver()) != is[driver.DriverContext](plain.Driver()) {
			t.Errorf("driver: DriverContext differs")
		}
	})
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// TestPool: 100 goroutines share a pool of 10 connections, each running
// statements in a span of its own; every statement is a line, a child of
// its goroutine's span.
func TestPool(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		tr := logtest.NewTracer(t, "pool")
		db := open(t, tr, b)
		db.SetMaxOpenConns(10)
		tbl := table(t, bare(t, b))
		const goroutines, each = 100, 5
		var wg sync.WaitGroup
		errs := make(chan error, goroutines)
		for g := range goroutines {
			wg.Go(func() {
				sp := tr.StartSpan("worker")
				defer sp.Finish()
				ctx := opentracing.ContextWithSpan(context.Background(), sp)
				for i := range each {
					var err error
					if i == 0 {
						_, err = db.ExecContext(ctx, "INSERT INTO "+tbl+" (id, name) VALUES ("+b.arg+", 'x')", g)
					} else {
						var n int
						err = db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+tbl+" WHERE id = "+b.arg, g).Scan(&n)
					}
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		lines := digestLines(t, tr)
		if len(lines) != goroutines*each {
			t.Fatalf("%d lines, want %d", len(lines), goroutines*each)
		}
		ids := map[string]bool{}
		for _, l := range lines {
			if l.S("result.code") != "success" || ids[l.S("traceId")+" "+l.S("spanId")] {
				t.Fatalf("bad or repeated line %v", l)
			}
			ids[l.S("traceId")+" "+l.S("spanId")] = true
		}
	})
}

// TestBadConnRetry: after the server ends a pooled connection, the next
// statement gives the caller the same outcome as the bare driver (a
// retry on a new connection where the driver reports driver.ErrBadConn).
func TestBadConnRetry(t *testing.T) {
	for _, c := range []struct {
		mk       func(testing.TB) backend
		id, kill string
	}{
		{postgres, "SELECT pg_backend_pid()", "SELECT pg_terminate_backend(%d)"},
		{mysql, "SELECT CONNECTION_ID()", "KILL %d"},
	} {
		t.Run("", func(t *testing.T) {
			b := c.mk(t)
			tr := logtest.NewTracer(t, "badconn")
			admin := bare(t, b)
			run := func(db *sql.DB) string {
				db.SetMaxOpenConns(1)
				db.SetMaxIdleConns(1)
				var id int
				if err := db.QueryRow(c.id).Scan(&id); err != nil {
					t.Fatal(err)
				}
				if _, err := admin.Exec(fmt.Sprintf(c.kill, id)); err != nil {
					t.Fatal(err)
				}
				var again int
				err := db.QueryRow(c.id).Scan(&again)
				return fmt.Sprintf("err=%v new=%v", err, err == nil && again != id)
			}
			want := run(bare(t, b))
			got := run(open(t, tr, b))
			if got != want {
				t.Fatalf("traced: %s; bare: %s", got, want)
			}
			t.Log(b.name, got)
		})
	}
}

// TestErrSkip: MySQL answers Exec with arguments with driver.ErrSkip
// (without interpolateParams); database/sql then prepares the statement,
// which is traced once, taking the parent's first child id.
func TestErrSkip(t *testing.T) {
	b := mysql(t)
	tr := logtest.NewTracer(t, "skip")
	db := open(t, tr, b)
	tbl := table(t, bare(t, b))
	sp := tr.StartSpan("job")
	ctx := opentracing.ContextWithSpan(context.Background(), sp)
	if _, err := db.ExecContext(ctx, "INSERT INTO "+tbl+" (id, name) VALUES (?, ?)", 1, "x"); err != nil {
		t.Fatal(err)
	}
	sp.Finish()
	l := logtest.One(t, "errskip", digestLines(t, tr))
	logtest.Expect(t, "errskip", l, map[string]string{"spanId": "0.1", "result.code": "success",
		"sql": "INSERT INTO " + tbl + " (id%2C name) VALUES (?%2C ?)"})
}
