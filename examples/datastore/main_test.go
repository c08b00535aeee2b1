package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/internal/testenv"
	"github.com/sofatracer/sofatracer-go/plugins/nethttp"
	"github.com/sofatracer/sofatracer-go/plugins/redistrace"
	"github.com/sofatracer/sofatracer-go/plugins/sqltrace"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// TestRun runs the program with SQLite and the test Redis: it prints the
// answers and every digest file, the first request's calls in its trace.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run([]string{"-dir", dir, "-redis", testenv.Server(t, "SOFA_TEST_REDIS_ADDR")}, &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if strings.Count(s, "GET /orders/42: three books\n") != 2 {
		t.Fatalf("output:\n%s", s)
	}
	for _, f := range []string{"http-client-digest.log", "http-server-digest.log", "datasource-client-digest.log", "redis-digest.log"} {
		if !strings.Contains(s, filepath.Join(dir, f)+":\n{") {
			t.Errorf("no lines of %s in:\n%s", f, s)
		}
	}
	if !strings.Contains(s, `"spanId":"0.1.2","span.kind":"client","result.code":"success"`) ||
		!strings.Contains(s, `"spanId":"0.1.3","span.kind":"client","result.code":"00"`) {
		t.Errorf("the first request's SELECT (0.1.2) or SET (0.1.3) is missing:\n%s", s)
	}
}

// TestLogDirFromEnv: without -dir, SOFA_TRACER_LOG_DIR chooses the log
// directory.
func TestLogDirFromEnv(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SOFA_TRACER_LOG_DIR", dir)
	var out bytes.Buffer
	if err := run([]string{"-redis", testenv.Server(t, "SOFA_TEST_REDIS_ADDR")}, &out); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "redis-digest.log")); err != nil {
		t.Fatal(err)
	}
}

// TestOneTrace: an HTTP request whose handler queries PostgreSQL, MariaDB
// and SQLite and then Redis is one trace: client 0, server 0.1, the
// statements 0.1.1 to 0.1.3 and the command 0.1.4, each in its file in
// Java's field order.
func TestOneTrace(t *testing.T) {
	tr, err := tracer.New(tracer.WithAppName("onetrace"), tracer.WithLogDir(t.TempDir()), tracer.WithStatInterval(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	dbs := []*sql.DB{}
	for _, d := range [][2]string{
		{"pgx", testenv.Server(t, "SOFA_TEST_POSTGRES_DSN")},
		{"mysql", testenv.Server(t, "SOFA_TEST_MYSQL_DSN")},
		{"sqlite", "file:" + filepath.Join(t.TempDir(), "one.db")},
	} {
		db, err := sqltrace.Open(tr, d[0], d[1])
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs = append(dbs, db)
	}
	rdb := redis.NewClient(&redis.Options{Addr: testenv.Server(t, "SOFA_TEST_REDIS_ADDR")})
	defer rdb.Close()
	rdb.AddHook(redistrace.NewHook(tr))

	srv := httptest.NewServer(nethttp.Middleware(tr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sum := 0
		for _, db := range dbs {
			var n int
			if err := db.QueryRowContext(r.Context(), "SELECT 1 + 1").Scan(&n); err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			sum += n
		}
		if err := rdb.Set(r.Context(), "datastore:onetrace", sum, time.Minute).Err(); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		io.WriteString(w, "ok")
	})))
	defer srv.Close()
	base := &http.Transport{}
	defer base.CloseIdleConnections()
	resp, err := (&http.Client{Transport: nethttp.NewTransport(tr, base)}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatal(resp.Status)
	}
	srv.Close()
	tr.Close()

	common := []string{"time", "local.app", "traceId", "spanId", "span.kind", "result.code", "current.thread.name", "time.cost.milliseconds"}
	baggage := []string{"sys.baggage", "biz.baggage"}
	files := []struct {
		l      *digest.Layout
		fields []string
		want   []string // spanId, then type-specific field values
	}{
		{digest.HTTPClient, nil, []string{"0"}},
		{digest.HTTPServer, nil, []string{"0.1"}},
		{digest.DataSourceClient, []string{"database.name", "sql", "connection.establish.span", "db.execute.cost", "database.type", "database.endpoint"},
			[]string{"0.1.1 postgresql sofa", "0.1.2 mysql sofa", "0.1.3 sqlite one.db"}},
		{digest.Redis, []string{"db.type", "method"}, []string{"0.1.4 redis SET"}},
	}
	traceID := ""
	for _, f := range files {
		b, err := os.ReadFile(tr.Reporter().DigestPath(f.l, false))
		if err != nil {
			t.Fatal(err)
		}
		lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
		if len(lines) != len(f.want) {
			t.Fatalf("%s: %d lines, want %d:\n%s", f.l.Name, len(lines), len(f.want), b)
		}
		for i, raw := range lines {
			keys, vals := decode(t, bytes.TrimSpace(raw))
			if f.fields != nil {
				if want := slices.Concat(common, f.fields, baggage); !slices.Equal(keys, want) {
					t.Errorf("%s: keys %v, want %v", f.l.Name, keys, want)
				}
			}
			got := vals["spanId"]
			switch f.l {
			case digest.DataSourceClient:
				got += " " + vals["database.type"] + " " + vals["database.name"]
			case digest.Redis:
				got += " " + vals["db.type"] + " " + vals["method"]
			}
			if got != f.want[i] {
				t.Errorf("%s line %d: %q, want %q", f.l.Name, i, got, f.want[i])
			}
			if traceID == "" {
				traceID = vals["traceId"]
			} else if vals["traceId"] != traceID {
				t.Errorf("%s: traceId %s, want %s", f.l.Name, vals["traceId"], traceID)
			}
		}
	}
	rdb.Del(context.Background(), "datastore:onetrace")
}

// decode returns the keys of a JSON line in order and its values as text.
func decode(t testing.TB, raw []byte) ([]string, map[string]string) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	vals := map[string]string{}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		s, _ := v.(string)
		vals[k.(string)] = s
	}
	return keys, vals
}
