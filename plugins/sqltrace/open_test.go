package sqltrace_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	msqlite "modernc.org/sqlite"

	"github.com/sofatracer/sofatracer-go/digest"
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

// TestPasswordInQueryNotLogged: a URL DSN holding its password in the
// query, and an '@' after it, writes the database's name and endpoint,
// never the password, to digest and stat files.
func TestPasswordInQueryNotLogged(t *testing.T) {
	b := postgres(t)
	cfg, err := pgx.ParseConfig(b.dsn)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Password == "" {
		t.Fatalf("%s: the test server's DSN has no password", b.dsn)
	}
	q := url.Values{"host": {cfg.Host}, "port": {strconv.Itoa(int(cfg.Port))}, "user": {cfg.User},
		"password": {cfg.Password}, "sslmode": {"disable"}}
	dsn := "postgres:///" + cfg.Database + "?" + q.Encode() + "&application_name=orders@eu"
	tr := logtest.NewTracer(t, "pwquery")
	db, err := sqltrace.Open(tr, "pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("SELECT 1"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	l := logtest.One(t, "pwquery", digestLines(t, tr))
	logtest.Expect(t, "pwquery", l, map[string]string{"database.name": cfg.Database, "database.endpoint": b.peer})
	for _, p := range []string{tr.Reporter().DigestPath(digest.DataSourceClient, false), tr.Reporter().StatPath(digest.DataSourceClient, false)} {
		raw, err := os.ReadFile(p)
		if err != nil || strings.Contains(string(raw), cfg.Password) {
			t.Errorf("%s: %v, holds the password: %s", p, err, raw)
		}
	}
}
