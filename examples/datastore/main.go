// Command datastore serves HTTP, reads orders from a database through a
// Redis cache, all traced, and prints the trace's digest lines from every
// file it wrote: http-client, http-server, datasource-client and redis.
//
//	go run . -redis 127.0.0.1:6379                  # SQLite in the log directory
//	go run . -driver pgx -dsn postgres://app:pw@127.0.0.1:5432/app -redis ...
//
// The log directory is -dir when given, else SOFA_TRACER_LOG_DIR or
// SOFA_TRACER_LOGGING_PATH (read by tracer.New), else ./logs/tracelog.
// The Redis address is -redis, else REDIS_ADDR, else 127.0.0.1:6379.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	_ "modernc.org/sqlite"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/examples/internal/logdir"
	"github.com/sofatracer/sofatracer-go/plugins/nethttp"
	"github.com/sofatracer/sofatracer-go/plugins/redistrace"
	"github.com/sofatracer/sofatracer-go/plugins/sqltrace"
	"github.com/sofatracer/sofatracer-go/tracer"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run is the whole program, with its arguments and output.
func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("datastore", flag.ContinueOnError)
	dir := fs.String("dir", "", "log directory (default: SOFA_TRACER_LOG_DIR, SOFA_TRACER_LOGGING_PATH or ./logs/tracelog)")
	driverName := fs.String("driver", "sqlite", "database/sql driver: sqlite, pgx or mysql")
	dsn := fs.String("dsn", "", "data source name (default: a SQLite file in the log directory)")
	redisAddr := fs.String("redis", envOr("REDIS_ADDR", "127.0.0.1:6379"), "Redis address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts := []tracer.Option{tracer.WithAppName("datastore")}
	if d := logdir.Dir(*dir); d != "" {
		opts = append(opts, tracer.WithLogDir(d))
	}
	t, err := tracer.New(opts...)
	if err != nil {
		return err
	}
	defer t.Close()
	if *dsn == "" {
		*dsn = "file:" + filepath.Join(t.LogDir(), "datastore.db")
	}

	db, err := sqltrace.Open(t, *driverName, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	rdb := redis.NewClient(&redis.Options{Addr: *redisAddr})
	defer rdb.Close()
	rdb.AddHook(redistrace.NewHook(t))
	if err := setup(db, rdb); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: nethttp.Middleware(t, handler(db, rdb, placeholder(*driverName))), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()

	// The first request misses the cache and reads the database; the
	// second is served from the cache.
	base := &http.Transport{}
	defer base.CloseIdleConnections()
	client := &http.Client{Transport: nethttp.NewTransport(t, base)}
	for range 2 {
		resp, err := client.Get("http://" + ln.Addr().String() + "/orders/42")
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET /orders/42: %s: %s", resp.Status, body)
		}
		fmt.Fprintf(out, "GET /orders/42: %s\n", body)
	}
	srv.Close()
	if err := t.Close(); err != nil {
		return err
	}
	for _, l := range []*digest.Layout{digest.HTTPClient, digest.HTTPServer, digest.DataSourceClient, digest.Redis} {
		p := t.Reporter().DigestPath(l, false)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "\n%s:\n%s", p, b)
	}
	return nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// setup creates the orders table with one order and empties the cache,
// on a context without a span: these calls are traces of their own.
func setup(db *sql.DB, rdb *redis.Client) error {
	if err := rdb.Del(context.Background(), "datastore:order:42").Err(); err != nil {
		return err
	}
	for _, q := range []string{
		"DROP TABLE IF EXISTS datastore_orders",
		"CREATE TABLE datastore_orders (id INT PRIMARY KEY, item VARCHAR(64))",
		"INSERT INTO datastore_orders (id, item) VALUES (42, 'three books')",
	} {
		if _, err := db.Exec(q); err != nil {
			return err
		}
	}
	return nil
}

// handler serves /orders/{id} from the cache, or from the database and
// then caches it, with the request's context (and so its span).
func handler(db *sql.DB, rdb *redis.Client, arg string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		ctx, key := r.Context(), "datastore:order:"+r.PathValue("id")
		item, err := rdb.Get(ctx, key).Result()
		if errors.Is(err, redis.Nil) {
			err = db.QueryRowContext(ctx, "SELECT item FROM datastore_orders WHERE id = "+arg, r.PathValue("id")).Scan(&item)
			if err == nil {
				err = rdb.Set(ctx, key, item, time.Minute).Err()
			}
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		io.WriteString(w, item)
	})
	return mux
}

// placeholder is the driver's first argument marker.
func placeholder(driverName string) string {
	if strings.HasPrefix(driverName, "pgx") || strings.HasPrefix(driverName, "postgres") {
		return "$1"
	}
	return "?"
}
