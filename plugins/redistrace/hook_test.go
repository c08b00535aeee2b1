package redistrace_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/opentracing/opentracing-go"
	"github.com/redis/go-redis/v9"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/plugins/internal/logtest"
	"github.com/sofatracer/sofatracer-go/plugins/nethttp"
	"github.com/sofatracer/sofatracer-go/plugins/redistrace"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// TestHTTPChain: a traced client calls a traced server whose handler runs
// SET and GET: one TraceId, server 0.1, commands 0.1.1 and 0.1.2 in
// Java's Redis layout.
func TestHTTPChain(t *testing.T) {
	tr := logtest.NewTracer(t, "chain")
	c := client(t, tr)
	k := key(t, client(t, nil), "greeting")
	srv := httptest.NewServer(nethttp.Middleware(tr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := c.Set(r.Context(), k, "hello", 0).Err(); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		v, err := c.Get(r.Context(), k).Result()
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		io.WriteString(w, v)
	})))
	defer srv.Close()
	base := &http.Transport{}
	defer base.CloseIdleConnections()
	resp, err := (&http.Client{Transport: nethttp.NewTransport(tr, base)}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "hello" {
		t.Fatalf("body %q", body)
	}
	logtest.WaitFinished(t, tr, 4)
	lines := digestLines(t, tr)
	server := logtest.One(t, "server", logtest.Digest(t, tr, digest.HTTPServer))
	if len(lines) != 2 || server.S("spanId") != "0.1" {
		t.Fatalf("server %v, lines %v", server, lines)
	}
	for i, m := range []string{"SET", "GET"} {
		logtest.Expect(t, m, lines[i], map[string]string{
			"local.app": "chain", "traceId": server.S("traceId"), "spanId": "0.1." + string(rune('1'+i)),
			"span.kind": "client", "result.code": "00", "current.thread.name": "redis-client",
			"db.type": "redis", "method": m, "sys.baggage": "", "biz.baggage": "",
		})
	}
	stat := logtest.Stat(t, tr, digest.Redis)
	if n := logtest.Count(stat, map[string]string{"local.app": "chain", "db.type": "redis", "method": "GET", "success": "Y"}); n != 1 {
		t.Errorf("GET stat count %d: %v", n, stat)
	}
}

// TestNilAndFailure: redis.Nil is "00"; a failing command is "99" with
// the error on the span, and the caller gets the client's own error.
func TestNilAndFailure(t *testing.T) {
	rec := &recorder{}
	tr := logtest.NewTracer(t, "fail", tracer.WithReporter(rec))
	c, plain := client(t, tr), client(t, nil)
	ctx := context.Background()
	missing, str := key(t, plain, "missing"), key(t, plain, "str")
	if err := plain.Set(ctx, str, "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, missing).Result(); err != redis.Nil { //nolint:errorlint // the sentinel itself
		t.Fatalf("GET missing: %v, want redis.Nil", err)
	}
	errBare := plain.Incr(ctx, str).Err()
	err := c.Incr(ctx, str).Err()
	if err == nil || errBare == nil || err.Error() != errBare.Error() {
		t.Fatalf("INCR a string: %v, bare %v", err, errBare)
	}
	var re redis.Error
	if !errors.As(err, &re) {
		t.Fatalf("%T is not a redis.Error", err)
	}
	lines := digestLines(t, tr)
	if len(lines) != 2 {
		t.Fatalf("%v", lines)
	}
	logtest.Expect(t, "GET", lines[0], map[string]string{"method": "GET", "result.code": "00"})
	logtest.Expect(t, "INCR", lines[1], map[string]string{"method": "INCR", "result.code": "99"})
	if s := rec.all()[1]; s.Tag("error") != true || !strings.Contains(s.Tag("error.message").(string), "not an integer") {
		t.Errorf("span tags %v", s.Tags())
	}
	stat := logtest.Stat(t, tr, digest.Redis)
	if n := logtest.Count(stat, map[string]string{"method": "INCR", "success": "N"}); n != 1 {
		t.Errorf("stat %v", stat)
	}
}

// TestPipelines: a pipeline and a transaction are one span each, with
// their commands' names; a failing command in a pipeline makes it "99".
func TestPipelines(t *testing.T) {
	rec := &recorder{}
	tr := logtest.NewTracer(t, "pipe", tracer.WithReporter(rec))
	c := client(t, tr)
	k, s := key(t, c, "n"), key(t, c, "s")
	sp := tr.StartSpan("job")
	ctx := opentracing.ContextWithSpan(context.Background(), sp)
	var get *redis.StringCmd
	if _, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, k, 1, 0)
		p.Incr(ctx, k)
		get = p.Get(ctx, k+":missing")
		return nil
	}); err != redis.Nil || get.Err() != redis.Nil { //nolint:errorlint
		t.Fatalf("pipeline: %v, GET %v; want redis.Nil as go-redis returns it", err, get.Err())
	}
	if _, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, k)
		p.Set(ctx, s, "x", 0)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, s) // not an integer
		return nil
	})
	if err == nil {
		t.Fatal("INCR of a string succeeded")
	}
	sp.Finish()
	lines := digestLines(t, tr)
	var got []string
	for _, l := range lines {
		got = append(got, l.S("spanId")+" "+l.S("method")+" "+l.S("result.code"))
	}
	if want := "0.1 PIPELINE 00|0.2 MULTI 00|0.3 PIPELINE 99"; strings.Join(got, "|") != want {
		t.Fatalf("lines %q, want %q", strings.Join(got, "|"), want)
	}
	var cmds []string
	for _, s := range rec.all()[:3] {
		cmds = append(cmds, s.Tag(redistrace.TagCommands).(string))
	}
	if want := "SET INCR GET|INCR SET|INCR"; strings.Join(cmds, "|") != want {
		t.Errorf("commands %q, want %q", strings.Join(cmds, "|"), want)
	}
}

// TestPipelineErrorsUnchanged: a traced pipeline or transaction returns
// what an untraced one does, the same error and the same command results,
// when a GET finds no key and when a later command fails; the span is an
// error only when a command failed.
func TestPipelineErrorsUnchanged(t *testing.T) {
	rec := &recorder{}
	tr := logtest.NewTracer(t, "pipe-err", tracer.WithReporter(rec))
	c, plain := client(t, tr), client(t, nil)
	ctx := context.Background()
	missing, str := key(t, plain, "missing"), key(t, plain, "str")
	if err := plain.Set(ctx, str, "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		fn     func(redis.Pipeliner) error
		failed bool // a command failed: the span is an error
	}{
		{"nil", func(p redis.Pipeliner) error { p.Get(ctx, missing); return nil }, false},
		{"nil then ok", func(p redis.Pipeliner) error { p.Get(ctx, missing); p.Get(ctx, str); return nil }, false},
		{"nil then failure", func(p redis.Pipeliner) error { p.Get(ctx, missing); p.Incr(ctx, str); return nil }, true},
		{"failure then nil", func(p redis.Pipeliner) error { p.Incr(ctx, str); p.Get(ctx, missing); return nil }, true},
	}
	type run func(context.Context, func(redis.Pipeliner) error) ([]redis.Cmder, error)
	for _, tx := range []bool{false, true} {
		for _, tc := range cases {
			name := tc.name
			traced, bare := run(c.Pipelined), run(plain.Pipelined)
			if tx {
				name, traced, bare = "tx "+name, c.TxPipelined, plain.TxPipelined
			}
			n := len(rec.all())
			cmds, err := traced(ctx, tc.fn)
			cmdsBare, errBare := bare(ctx, tc.fn)
			if err != errBare && (err == nil || errBare == nil || err.Error() != errBare.Error()) { //nolint:errorlint // the very error
				t.Errorf("%s: traced %v, bare %v", name, err, errBare)
			}
			if errors.Is(errBare, redis.Nil) != errors.Is(err, redis.Nil) {
				t.Errorf("%s: traced %v is redis.Nil: %v, bare %v", name, err, errors.Is(err, redis.Nil), errBare)
			}
			if len(cmds) != len(cmdsBare) {
				t.Fatalf("%s: %d commands, bare %d", name, len(cmds), len(cmdsBare))
			}
			for i := range cmds {
				if cmds[i].String() != cmdsBare[i].String() {
					t.Errorf("%s: command %d %q, bare %q", name, i, cmds[i], cmdsBare[i])
				}
			}
			spans := rec.all()[n:]
			if len(spans) != 1 {
				t.Fatalf("%s: %d spans", name, len(spans))
			}
			if (spans[0].Tag("error") == true) != tc.failed {
				t.Errorf("%s: error tag %v, want %v", name, spans[0].Tag("error"), tc.failed)
			}
		}
	}
}

// TestStatements: keys and values stay out of spans and files unless
// WithStatements(true).
func TestStatements(t *testing.T) {
	for _, on := range []bool{false, true} {
		rec := &recorder{}
		tr := logtest.NewTracer(t, "stmt", tracer.WithReporter(rec))
		c := client(t, tr, redistrace.WithStatements(on))
		k := key(t, c, "secret-key")
		if err := c.Set(context.Background(), k, "secret-value", 0).Err(); err != nil {
			t.Fatal(err)
		}
		tr.Close()
		st, _ := rec.all()[0].Tag("db.statement").(string)
		if on != (st == "set "+k+" secret-value") {
			t.Errorf("WithStatements(%v): db.statement %q", on, st)
		}
		for _, p := range []string{tr.Reporter().DigestPath(digest.Redis, false), tr.Reporter().StatPath(digest.Redis, false)} {
			b, err := os.ReadFile(p)
			if err != nil || strings.Contains(string(b), "secret") {
				t.Errorf("%s: %v, holds a key or value: %s", p, err, b)
			}
		}
	}
}

// TestRingAndConcurrency: the hook works on a ring, and 100 goroutines
// of one client trace every command under -race.
func TestRingAndConcurrency(t *testing.T) {
	tr := logtest.NewTracer(t, "ring")
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": addr(t)}})
	defer ring.Close()
	ring.AddHook(redistrace.NewHook(tr, redistrace.WithRootSpans(false)))
	c := client(t, tr)
	k := key(t, c, "counter")
	ctx := context.Background()
	if err := ring.Ping(ctx).Err(); err != nil { // no span in ctx: untraced
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			sp := tr.StartSpan("worker")
			defer sp.Finish()
			ctx := opentracing.ContextWithSpan(ctx, sp)
			ring.Incr(ctx, k)
			c.Get(ctx, k)
		})
	}
	wg.Wait()
	if n, err := c.Get(ctx, k).Int(); err != nil || n != 100 {
		t.Fatalf("counter %d, %v", n, err)
	}
	lines := digestLines(t, tr)
	count := map[string]int{}
	for _, l := range lines {
		count[l.S("method")+" "+l.S("result.code")]++
	}
	if count["INCR 00"] != 100 || count["GET 00"] != 101 || len(lines) != 201 {
		t.Fatalf("%d lines: %v", len(lines), count)
	}
}
