package datastore

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/XSAM/otelsql"
	"github.com/opentracing/opentracing-go"
	"github.com/redis/go-redis/extra/redisotel/v9"
	"github.com/redis/go-redis/v9"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/sofatracer/sofatracer-go/plugins/redistrace"
	"github.com/sofatracer/sofatracer-go/plugins/sqltrace"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// Sub-benchmark names.
const (
	bare  = "bare"
	sofa  = "sofatracer"
	otelN = "otel"
)

// env returns the variable's value; without it the benchmark is skipped,
// or fails when SOFA_TEST_REQUIRED=1.
func env(b *testing.B, name string) string {
	b.Helper()
	v := os.Getenv(name)
	if v == "" {
		if os.Getenv("SOFA_TEST_REQUIRED") == "1" {
			b.Fatalf("%s is not set (start the servers: eval \"$(bash tools/services/run.sh start)\")", name)
		}
		b.Skipf("%s is not set: start the servers with eval \"$(bash tools/services/run.sh start)\"", name)
	}
	return v
}

// newSofa is the tracer of the sofatracer sub-benchmarks: the real digest
// pipeline into a temporary directory, JSON, every trace sampled.
func newSofa(b *testing.B) *tracer.Tracer {
	tr, err := tracer.New(tracer.WithAppName("bench"), tracer.WithLogDir(b.TempDir()), tracer.WithJSON(true))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { tr.Close() })
	return tr
}

// newOtel is the OpenTelemetry SDK as bench/ sets it up for its peers.
func newOtel(b *testing.B) *sdktrace.TracerProvider {
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithBatcher(tracetest.NewNoopExporter()),
	)
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		tp.Shutdown(ctx)
	})
	return tp
}

// parent returns a context holding a span of the system, as a traced
// request's handler has, and the function that ends it.
func parent(b *testing.B, system string, sofaTr *tracer.Tracer, tp *sdktrace.TracerProvider) (context.Context, func()) {
	ctx := context.Background()
	switch system {
	case sofa:
		sp := sofaTr.StartSpan("request")
		return opentracing.ContextWithSpan(ctx, sp), sp.Finish
	case otelN:
		ctx, sp := tp.Tracer("bench").Start(ctx, "request")
		return ctx, func() { sp.End() }
	}
	return ctx, func() {}
}

// BenchmarkSQL runs one QueryRow("SELECT 1") and Scan per op, in a
// request's span, with the bare driver, sqltrace and otelsql, on SQLite
// (in process: the fairest view of the instrumentation's own cost) and
// PostgreSQL.
func BenchmarkSQL(b *testing.B) {
	for _, db := range []struct{ name, driver string }{{"sqlite", "sqlite"}, {"postgres", "pgx"}} {
		for _, system := range []string{bare, sofa, otelN} {
			b.Run(db.name+"/"+system, func(b *testing.B) {
				dsn := "file:" + filepath.Join(b.TempDir(), "bench.db")
				if db.name == "postgres" {
					dsn = env(b, "SOFA_TEST_POSTGRES_DSN")
				}
				var sdb *sql.DB
				var err error
				var sofaTr *tracer.Tracer
				var tp *sdktrace.TracerProvider
				switch system {
				case bare:
					sdb, err = sql.Open(db.driver, dsn)
				case sofa:
					sofaTr = newSofa(b)
					sdb, err = sqltrace.Open(sofaTr, db.driver, dsn)
				case otelN:
					tp = newOtel(b)
					sdb, err = otelsql.Open(db.driver, dsn, otelsql.WithTracerProvider(tp))
				}
				if err != nil {
					b.Fatal(err)
				}
				defer sdb.Close()
				sdb.SetMaxIdleConns(4)
				ctx, end := parent(b, system, sofaTr, tp)
				defer end()
				var n int
				if err := sdb.QueryRowContext(ctx, "SELECT 1").Scan(&n); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					if err := sdb.QueryRowContext(ctx, "SELECT 1").Scan(&n); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkRedis runs one GET of an existing key per op, in a request's
// span, with the bare client, redistrace and redisotel.
func BenchmarkRedis(b *testing.B) {
	for _, system := range []string{bare, sofa, otelN} {
		b.Run(system, func(b *testing.B) {
			rdb := redis.NewClient(&redis.Options{Addr: env(b, "SOFA_TEST_REDIS_ADDR")})
			defer rdb.Close()
			var sofaTr *tracer.Tracer
			var tp *sdktrace.TracerProvider
			switch system {
			case sofa:
				sofaTr = newSofa(b)
				rdb.AddHook(redistrace.NewHook(sofaTr))
			case otelN:
				tp = newOtel(b)
				if err := redisotel.InstrumentTracing(rdb, redisotel.WithTracerProvider(tp)); err != nil {
					b.Fatal(err)
				}
			}
			ctx, end := parent(b, system, sofaTr, tp)
			defer end()
			if err := rdb.Set(ctx, "bench:datastore", "value", time.Hour).Err(); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := rdb.Get(ctx, "bench:datastore").Err(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
