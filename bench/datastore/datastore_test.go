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

	"github.com/sofatracer/sofatracer-go/plugins/redistrace"
	"github.com/sofatracer/sofatracer-go/plugins/sqltrace"
)

// BenchmarkSQL runs one QueryRow("SELECT 1") and Scan per op, in a
// request's span, with the bare driver, sqltrace and otelsql, on SQLite
// (in process: the fairest view of the instrumentation's own cost),
// PostgreSQL (pgx) and MariaDB (go-sql-driver/mysql).
func BenchmarkSQL(b *testing.B) {
	dbs := []struct{ name, driver, env string }{
		{"sqlite", "sqlite", ""},
		{"postgres", "pgx", "SOFA_TEST_POSTGRES_DSN"},
		{"mariadb", "mysql", "SOFA_TEST_MYSQL_DSN"},
	}
	for _, db := range dbs {
		for _, name := range variants {
			b.Run(db.name+"/"+name, func(b *testing.B) {
				dsn := "file:" + filepath.Join(b.TempDir(), "bench.db")
				if db.env != "" {
					dsn = env(b, db.env)
				}
				s := newSetup(b, name)
				var sdb *sql.DB
				var err error
				switch name {
				case bare:
					sdb, err = sql.Open(db.driver, dsn)
				case sofa:
					sdb, err = sqltrace.Open(s.sofa, db.driver, dsn)
				case otelN:
					sdb, err = otelsql.Open(db.driver, dsn, otelsql.WithTracerProvider(s.tp))
				}
				if err != nil {
					b.Fatal(err)
				}
				defer sdb.Close()
				sdb.SetMaxIdleConns(4)
				var n int
				query := func() {
					if err := sdb.QueryRowContext(s.ctx, "SELECT 1").Scan(&n); err != nil {
						b.Fatal(err)
					}
				}
				query() // connect
				s.measure(b, query)
			})
		}
	}
}

// BenchmarkRedis runs, in a request's span, with the bare client,
// redistrace and redisotel: one GET of an existing key per op (get), and
// one pipeline of ten such GETs per op (pipeline10).
func BenchmarkRedis(b *testing.B) {
	const key = "bench:datastore"
	ops := []struct {
		name string
		op   func(s setup, rdb *redis.Client) error
	}{
		{"get", func(s setup, rdb *redis.Client) error { return rdb.Get(s.ctx, key).Err() }},
		{"pipeline10", func(s setup, rdb *redis.Client) error {
			_, err := rdb.Pipelined(s.ctx, func(p redis.Pipeliner) error {
				for range 10 {
					p.Get(s.ctx, key)
				}
				return nil
			})
			return err
		}},
	}
	for _, o := range ops {
		for _, name := range variants {
			b.Run(o.name+"/"+name, func(b *testing.B) {
				rdb := redis.NewClient(&redis.Options{Addr: env(b, "SOFA_TEST_REDIS_ADDR")})
				defer rdb.Close()
				s := newSetup(b, name)
				switch name {
				case sofa:
					rdb.AddHook(redistrace.NewHook(s.sofa))
				case otelN:
					if err := redisotel.InstrumentTracing(rdb, redisotel.WithTracerProvider(s.tp)); err != nil {
						b.Fatal(err)
					}
				}
				if err := rdb.Set(s.ctx, key, "value", time.Hour).Err(); err != nil {
					b.Fatal(err)
				}
				s.measure(b, func() {
					if err := o.op(s, rdb); err != nil {
						b.Fatal(err)
					}
				})
			})
		}
	}
}
