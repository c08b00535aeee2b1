package sqltrace_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	msqlite "modernc.org/sqlite"

	"github.com/sofatracer/sofatracer-go/plugins/internal/logtest"
	"github.com/sofatracer/sofatracer-go/plugins/sqltrace"
)

// TestWrapDriver: a wrapped driver registered under a name of its own
// traces its statements, with the name and endpoint read from each DSN.
func TestWrapDriver(t *testing.T) {
	b := sqlite(t)
	tr := logtest.NewTracer(t, "wrap")
	name := fmt.Sprintf("sqlite-traced-%s-%d", t.Name(), tableSeq.Add(1))
	sql.Register(name, sqltrace.WrapDriver(tr, &msqlite.Driver{}))
	db, err := sql.Open(name, b.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("SELECT 1"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	l := logtest.One(t, "wrap", digestLines(t, tr))
	logtest.Expect(t, "wrap", l, map[string]string{"database.type": "sqlite", "database.name": "test.db",
		"database.endpoint": b.peer, "sql": "SELECT 1", "result.code": "success"})
}

// TestOpenDB: a connector gives no DSN; the type comes from the driver's
// package, the name and endpoint from the options.
func TestOpenDB(t *testing.T) {
	b := postgres(t)
	cfg, err := pgx.ParseConfig(b.dsn)
	if err != nil {
		t.Fatal(err)
	}
	tr := logtest.NewTracer(t, "opendb")
	db := sqltrace.OpenDB(tr, stdlib.GetConnector(*cfg), sqltrace.WithDatabaseName("orders"), sqltrace.WithEndpoint("db1:5432/db2:5432"))
	defer db.Close()
	if err := db.PingContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("SELECT 1"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	l := logtest.One(t, "opendb", digestLines(t, tr))
	logtest.Expect(t, "opendb", l, map[string]string{"database.type": "postgresql", "database.name": "orders",
		"database.endpoint": "db1:5432/db2:5432", "sql": "SELECT 1"})
}
