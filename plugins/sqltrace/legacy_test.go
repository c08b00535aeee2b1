package sqltrace_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"testing"

	"github.com/sofatracer/sofatracer-go/plugins/internal/logtest"
	"github.com/sofatracer/sofatracer-go/plugins/sqltrace"
)

// legacyDriver has only the interfaces of Go 1.0's database/sql/driver:
// no context, no ConnBeginTx, Execer but no Queryer. It echoes its
// arguments, so that the tests see what reached it.
type legacyDriver struct{}

func (legacyDriver) Open(string) (driver.Conn, error) { return legacyConn{}, nil }

type legacyConn struct{}

func (legacyConn) Prepare(q string) (driver.Stmt, error) { return legacyStmt{q}, nil }
func (legacyConn) Close() error                          { return nil }
func (legacyConn) Begin() (driver.Tx, error)             { return legacyTx{}, nil }

func (legacyConn) Exec(q string, args []driver.Value) (driver.Result, error) { //nolint:staticcheck
	return echo(q, args)
}

type legacyStmt struct{ q string }

func (s legacyStmt) Close() error  { return nil }
func (s legacyStmt) NumInput() int { return -1 }

func (s legacyStmt) Exec(args []driver.Value) (driver.Result, error) { return echo(s.q, args) }

func (s legacyStmt) Query(args []driver.Value) (driver.Rows, error) {
	return &legacyRows{v: fmt.Sprint(s.q, args)}, nil
}

type legacyTx struct{}

func (legacyTx) Commit() error   { return nil }
func (legacyTx) Rollback() error { return nil }

type legacyRows struct {
	v    string
	done bool
}

func (r *legacyRows) Columns() []string { return []string{"v"} }
func (r *legacyRows) Close() error      { return nil }

func (r *legacyRows) Next(dest []driver.Value) error {
	if r.done {
		return io.EOF
	}
	r.done = true
	dest[0] = r.v
	return nil
}

// echo fails for "fail", else reports the number of arguments as rows
// affected.
func echo(q string, args []driver.Value) (driver.Result, error) {
	if q == "fail" {
		return nil, fmt.Errorf("legacy: %s %v", q, args)
	}
	return driver.RowsAffected(len(args)), nil
}

// TestLegacyDriver: with a driver of the legacy interfaces, database/sql
// gives the same results and errors through the wrapper (named
// arguments refused, a cancelled context, Begin with options refused),
// and statements are traced.
func TestLegacyDriver(t *testing.T) {
	tr := logtest.NewTracer(t, "legacy")
	bareDB := sql.OpenDB(connector{legacyDriver{}})
	defer bareDB.Close()
	db := sqltrace.OpenDB(tr, connector{legacyDriver{}}, sqltrace.WithDatabaseType("legacy"))
	defer db.Close()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name string
		run  func(*sql.DB) string
	}{
		{"exec", func(db *sql.DB) string {
			r, err := db.Exec("x", 1, 2)
			n, _ := result(r)
			return fmt.Sprint(n, err)
		}},
		{"named", func(db *sql.DB) string { _, err := db.Exec("x", sql.Named("a", 1)); return fmt.Sprint(err) }},
		{"fail", func(db *sql.DB) string { _, err := db.Exec("fail", 1); return fmt.Sprint(err) }},
		{"cancelled", func(db *sql.DB) string { _, err := db.ExecContext(cancelled, "x"); return fmt.Sprint(err) }},
		{"query", func(db *sql.DB) string {
			var v string
			err := db.QueryRow("q", 7).Scan(&v)
			return fmt.Sprint(v, err)
		}},
		{"begin options", func(db *sql.DB) string {
			_, err := db.BeginTx(context.Background(), &sql.TxOptions{ReadOnly: true})
			return fmt.Sprint(err)
		}},
		{"tx", func(db *sql.DB) string {
			tx, err := db.Begin()
			if err != nil {
				return err.Error()
			}
			return fmt.Sprint(tx.Commit())
		}},
	} {
		if got, want := c.run(db), c.run(bareDB); got != want {
			t.Errorf("%s: traced %q, bare %q", c.name, got, want)
		}
	}
	db.Close()
	var got []string
	for _, l := range digestLines(t, tr) {
		got = append(got, l.S("sql")+" "+l.S("result.code"))
	}
	want := "[x success x failed fail failed q success COMMIT success]" // named arguments fail in the driver call
	if fmt.Sprint(got) != want {
		t.Errorf("lines %v, want %s", got, want)
	}
}

func result(r sql.Result) (int64, error) {
	if r == nil {
		return 0, nil
	}
	return r.RowsAffected()
}

type connector struct{ d driver.Driver }

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.d.Open("") }
func (c connector) Driver() driver.Driver                        { return c.d }
