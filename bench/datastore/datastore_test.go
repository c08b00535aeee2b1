package datastore

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/XSAM/otelsql"
	"github.com/redis/go-redis/extra/redisotel/v9"
	"github.com/redis/go-redis/v9"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/sofatracer/sofatracer-go/internal/testenv"
	"github.com/sofatracer/sofatracer-go/plugins/redistrace"
	"github.com/sofatracer/sofatracer-go/plugins/sqltrace"
)

// A workload makes, for a variant's setup, the operation measured: a
// client instrumented as the variant says, closed when b ends.
type workload struct {
	name string
	make func(b *testing.B, s setup) func()
}

// sqlWorkload is one QueryRow("SELECT 1") and Scan per op, in a request's
// span, through database/sql with the driver: bare, sqltrace or otelsql.
// env names the variable holding the DSN ("": SQLite in a temporary
// file, in process: the fairest view of the instrumentation's own cost).
func sqlWorkload(name, driver, env string) workload {
	return workload{"sql/" + name, func(b *testing.B, s setup) func() {
		dsn := "file:" + filepath.Join(b.TempDir(), "bench.db")
		if env != "" {
			dsn = testenv.Server(b, env)
		}
		var sdb *sql.DB
		var err error
		switch {
		case s.sofa != nil:
			sdb, err = sqltrace.Open(s.sofa, driver, dsn)
		case s.tp != nil:
			sdb, err = otelsql.Open(driver, dsn, otelsql.WithTracerProvider(s.tp))
		default:
			sdb, err = sql.Open(driver, dsn)
		}
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { sdb.Close() })
		sdb.SetMaxIdleConns(4)
		var n int
		query := func() {
			if err := sdb.QueryRowContext(s.ctx, "SELECT 1").Scan(&n); err != nil {
				b.Fatal(err)
			}
		}
		query() // connect
		return query
	}}
}

const redisKey = "bench:datastore"

// redisWorkload is, per op, one GET of an existing key (pipeline false)
// or one pipeline of ten such GETs, in a request's span, with go-redis:
// bare, with redistrace or with redisotel.
func redisWorkload(name string, pipeline bool) workload {
	return workload{"redis/" + name, func(b *testing.B, s setup) func() {
		rdb := redis.NewClient(&redis.Options{Addr: testenv.Server(b, "SOFA_TEST_REDIS_ADDR")})
		b.Cleanup(func() { rdb.Close() })
		switch {
		case s.sofa != nil:
			rdb.AddHook(redistrace.NewHook(s.sofa))
		case s.tp != nil:
			if err := redisotel.InstrumentTracing(rdb, redisotel.WithTracerProvider(s.tp)); err != nil {
				b.Fatal(err)
			}
		}
		if err := rdb.Set(s.ctx, redisKey, "value", time.Hour).Err(); err != nil {
			b.Fatal(err)
		}
		get := func() error { return rdb.Get(s.ctx, redisKey).Err() }
		if pipeline {
			get = func() error {
				_, err := rdb.Pipelined(s.ctx, func(p redis.Pipeliner) error {
					for range 10 {
						p.Get(s.ctx, redisKey)
					}
					return nil
				})
				return err
			}
		}
		return func() {
			if err := get(); err != nil {
				b.Fatal(err)
			}
		}
	}}
}

var workloads = []workload{
	sqlWorkload("sqlite", "sqlite", ""),
	sqlWorkload("postgres", "pgx", "SOFA_TEST_POSTGRES_DSN"),
	sqlWorkload("mariadb", "mysql", "SOFA_TEST_MYSQL_DSN"),
	redisWorkload("get", false),
	redisWorkload("pipeline10", true),
}

// BenchmarkDatastore runs each workload with each variant on its own:
// exact allocations, wall time, CPU time, spans and drops per op.
func BenchmarkDatastore(b *testing.B) {
	for _, w := range workloads {
		for _, name := range variants {
			b.Run(w.name+"/"+name, func(b *testing.B) {
				s := newSetup(b, name)
				s.measure(b, w.make(b, s))
			})
		}
	}
}

// BenchmarkInterleaved runs each workload with the three variants in
// turn, in blocks, so that the load of the machine changes the CPU time
// of all three alike (see interleave).
func BenchmarkInterleaved(b *testing.B) {
	for _, w := range workloads {
		b.Run(w.name, func(b *testing.B) {
			var ss [3]setup
			var ops [3]func()
			for i, name := range variants {
				ss[i] = newSetup(b, name)
				ops[i] = w.make(b, ss[i])
			}
			interleave(b, ss, ops)
		})
	}
}
