package sqltrace_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	"go.uber.org/goleak"
	_ "modernc.org/sqlite"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/internal/testenv"
	"github.com/sofatracer/sofatracer-go/plugins/internal/logtest"
	"github.com/sofatracer/sofatracer-go/plugins/sqltrace"
	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// database/sql's connection opener of a DB closed by another test
		// and modernc's and pgx's background helpers end on their own.
		goleak.IgnoreTopFunction("database/sql.(*DB).connectionOpener"),
		goleak.IgnoreAnyFunction("github.com/go-sql-driver/mysql.(*mysqlConn).startWatcher.func1"))
}

// backend is one real database of the tests.
type backend struct {
	name, driver, dsn    string
	dbType, dbName, peer string
	arg                  string // the first argument's placeholder
	sleep                string // a statement that takes 5 s
	rows                 string // a query returning 1000 rows
}

func postgres(t testing.TB) backend {
	return backend{name: "postgresql", driver: "pgx", dsn: testenv.Server(t, "SOFA_TEST_POSTGRES_DSN"),
		dbType: "postgresql", dbName: "sofa", peer: "127.0.0.1:15432", arg: "$1",
		sleep: "SELECT pg_sleep(5)", rows: "SELECT g FROM generate_series(1, 1000) AS g"}
}

func mysql(t testing.TB) backend {
	return backend{name: "mariadb", driver: "mysql", dsn: testenv.Server(t, "SOFA_TEST_MYSQL_DSN"),
		dbType: "mysql", dbName: "sofa", peer: "127.0.0.1:13306", arg: "?",
		sleep: "SELECT SLEEP(5)", rows: "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < 1000) SELECT g FROM s"}
}

func sqlite(t testing.TB) backend {
	file := filepath.Join(t.TempDir(), "test.db")
	return backend{name: "sqlite", driver: "sqlite", dsn: "file:" + file + "?_pragma=busy_timeout(20000)",
		dbType: "sqlite", dbName: "test.db", peer: file + ":-1", arg: "?",
		rows: "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < 1000) SELECT g FROM s"}
}

// backends runs f for each database as a subtest.
func backends(t *testing.T, f func(t *testing.T, b backend)) {
	for _, mk := range []func(testing.TB) backend{postgres, mysql, sqlite} {
		var b backend
		t.Run("", func(t *testing.T) {
			b = mk(t)
			f(t, b)
		})
	}
}

// tableSeq makes table names unique across tests and processes.
var tableSeq atomic.Int64

// table creates a fresh table (id primary key, name) on db, dropped after
// the test, and returns its name.
func table(t testing.TB, db *sql.DB) string {
	t.Helper()
	name := fmt.Sprintf("sqltrace_%d_%d", os.Getpid(), tableSeq.Add(1))
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS "+name); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE "+name+" (id INT PRIMARY KEY, name VARCHAR(64))"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Exec("DROP TABLE IF EXISTS " + name) })
	return name
}

// open opens b traced by tr, closed after the test.
func open(t testing.TB, tr *tracer.Tracer, b backend, opts ...sqltrace.Option) *sql.DB {
	t.Helper()
	db, err := sqltrace.Open(tr, b.driver, b.dsn, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// bare opens b without tracing, closed after the test.
func bare(t testing.TB, b backend) *sql.DB {
	t.Helper()
	db, err := sql.Open(b.driver, b.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// javaOrder is the field order of SOFATracer's datasource-client-digest.log.
var javaOrder = []string{"time", "local.app", "traceId", "spanId", "span.kind", "result.code",
	"current.thread.name", "time.cost.milliseconds", "database.name", "sql",
	"connection.establish.span", "db.execute.cost", "database.type", "database.endpoint",
	"sys.baggage", "biz.baggage"}

// rawLines returns the lines of the file, each checked to have exactly
// the keys of order, in that order.
func rawLines(t testing.TB, path string, order []string) []logtest.Line {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []logtest.Line
	for _, raw := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		raw = bytes.TrimSpace(raw)
		dec := json.NewDecoder(bytes.NewReader(raw))
		var keys []string
		if _, err := dec.Token(); err != nil {
			t.Fatalf("%s: %q: %v", path, raw, err)
		}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				t.Fatalf("%s: %q: %v", path, raw, err)
			}
			keys = append(keys, k.(string))
			var v any
			if err := dec.Decode(&v); err != nil {
				t.Fatalf("%s: %q: %v", path, raw, err)
			}
		}
		if !slices.Equal(keys, order) {
			t.Fatalf("%s: keys %v, want %v", path, keys, order)
		}
		var l logtest.Line
		if err := json.Unmarshal(raw, &l); err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}

// digestLines closes tr and returns its DataSource digest lines.
func digestLines(t testing.TB, tr *tracer.Tracer) []logtest.Line {
	t.Helper()
	tr.Close()
	p := tr.Reporter().DigestPath(digest.DataSourceClient, false)
	if _, err := os.Stat(p); err != nil {
		return nil
	}
	return rawLines(t, p, javaOrder)
}

var msRE = regexp.MustCompile(`^\d+ms$`)

// recorder keeps every finished span of a tracer.
type recorder struct {
	mu    sync.Mutex
	spans []*span.Span
}

func (r *recorder) Report(s *span.Span) {
	r.mu.Lock()
	r.spans = append(r.spans, s)
	r.mu.Unlock()
}

func (r *recorder) Close() error { return nil }

func (r *recorder) all() []*span.Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.spans)
}
