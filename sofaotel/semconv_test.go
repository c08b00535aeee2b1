package sofaotel

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/sofatracer/sofatracer-go/internal/strcache"
	"github.com/sofatracer/sofatracer-go/span"
)

// Each attribute set, in current and old semantic-convention names, and
// the digest line it must produce.
func TestSemanticConventionsToDigestLines(t *testing.T) {
	type kv = attribute.KeyValue
	s, i := attribute.String, attribute.Int
	cases := []struct {
		name   string
		kind   trace.SpanKind
		attrs  []kv
		status codes.Code
		desc   string
		layout string
		want   map[string]string
	}{
		{"http server current", trace.SpanKindServer, []kv{s("http.request.method", "GET"), s("url.scheme", "http"), s("server.address", "shop"), i("server.port", 8080), s("url.path", "/a"), s("url.query", "x=1"), i("http.response.status_code", 200), i("http.request.body.size", 10), i("http.response.body.size", 20)}, codes.Unset, "",
			"http-server", map[string]string{"span.kind": "server", "request.url": "http://shop:8080/a?x=1", "method": "GET", "result.code": "200", "req.size.bytes": "10", "resp.size.bytes": "20", "error": "", "current.thread.name": "http-server"}},
		{"http server old", trace.SpanKindServer, []kv{s("http.method", "POST"), s("http.scheme", "https"), s("http.host", "shop:8443"), s("http.target", "/b?y=2"), i("http.status_code", 503), i("http.request_content_length", 7)}, codes.Error, "Internal Server Error",
			"http-server", map[string]string{"request.url": "https://shop:8443/b?y=2", "method": "POST", "result.code": "503", "req.size.bytes": "7", "resp.size.bytes": "-1", "error": "Internal Server Error"}},
		{"http server old net.host", trace.SpanKindServer, []kv{s("http.method", "GET"), s("net.host.name", "h"), i("net.host.port", 81), s("http.target", "/c"), i("http.status_code", 204)}, codes.Unset, "",
			"http-server", map[string]string{"request.url": "http://h:81/c", "result.code": "204"}},
		{"http client current", trace.SpanKindClient, []kv{s("http.request.method", "_OTHER"), s("http.request.method_original", "PURGE"), s("url.full", "http://cache/x"), i("http.response.status_code", 404), s("service.peer.name", "cache-svc")}, codes.Error, "",
			"http-client", map[string]string{"span.kind": "client", "request.url": "http://cache/x", "method": "PURGE", "result.code": "404", "remote.app": "cache-svc", "error": "true"}},
		{"http client old", trace.SpanKindClient, []kv{s("http.method", "GET"), s("http.url", "http://old/y"), i("http.status_code", 200), s("peer.service", "old-svc")}, codes.Unset, "",
			"http-client", map[string]string{"request.url": "http://old/y", "method": "GET", "result.code": "200", "remote.app": "old-svc", "error": ""}},
		{"http client no response", trace.SpanKindClient, []kv{s("http.request.method", "GET"), s("url.full", "http://down/"), s("error.type", "*net.OpError")}, codes.Error, "",
			"http-client", map[string]string{"result.code": "-1", "error": "*net.OpError"}},
		{"grpc client current", trace.SpanKindClient, []kv{s("rpc.system.name", "grpc"), s("rpc.method", "pkg.Svc/Call"), s("rpc.response.status_code", "OK"), s("server.address", "10.0.0.1"), i("server.port", 9090)}, codes.Unset, "",
			"rpc-client", map[string]string{"span.kind": "client", "protocol": "grpc", "service": "pkg.Svc", "method": "Call", "remote.ip": "10.0.0.1:9090", "result.code": "00", "current.thread.name": "grpc-client"}},
		{"grpc client rpc.status_code", trace.SpanKindClient, []kv{s("rpc.system.name", "grpc"), s("rpc.method", "pkg.Svc/Call"), s("rpc.status_code", "UNAVAILABLE")}, codes.Error, "connection refused",
			"rpc-client", map[string]string{"result.code": "02", "error": "connection refused"}},
		{"grpc server old", trace.SpanKindServer, []kv{s("rpc.system", "grpc"), s("rpc.service", "pkg.Svc"), s("rpc.method", "Call"), i("rpc.grpc.status_code", 4), s("network.peer.address", "10.0.0.2"), i("network.peer.port", 5555)}, codes.Error, "",
			"rpc-server", map[string]string{"span.kind": "server", "protocol": "grpc", "service": "pkg.Svc", "method": "Call", "remote.ip": "10.0.0.2:5555", "result.code": "03", "error": "true"}},
		{"grpc server not found", trace.SpanKindServer, []kv{s("rpc.system.name", "grpc"), s("rpc.method", "pkg.Svc/Get"), s("rpc.response.status_code", "NOT_FOUND")}, codes.Unset, "",
			"rpc-server", map[string]string{"result.code": "01", "method": "Get", "error": "true"}},
		{"rpc server failed without a code", trace.SpanKindServer, []kv{s("rpc.system.name", "dubbo"), s("rpc.method", "Svc/M")}, codes.Error, "x",
			"rpc-server", map[string]string{"result.code": "01", "protocol": "dubbo"}},
		{"http server old response length", trace.SpanKindServer, []kv{s("http.method", "PUT"), s("http.target", "/d"), i("http.response_content_length", 12), i("http.status_code", 201)}, codes.Unset, "",
			"http-server", map[string]string{"request.url": "/d", "resp.size.bytes": "12", "result.code": "201"}},
		{"grpc server client.address", trace.SpanKindServer, []kv{s("rpc.system.name", "grpc"), s("rpc.method", "_OTHER"), s("rpc.method_original", "pkg.Svc/Odd"), s("client.address", "::1"), i("client.port", 7), s("rpc.response.status_code", "OK")}, codes.Unset, "",
			"rpc-server", map[string]string{"method": "Odd", "service": "pkg.Svc", "remote.ip": "[::1]:7", "result.code": "00"}},
		{"grpc client old net.sock.peer", trace.SpanKindClient, []kv{s("rpc.system", "grpc"), s("rpc.service", "S"), s("rpc.method", "M"), s("net.sock.peer.addr", "10.1.1.1"), i("net.sock.peer.port", 9), s("net.peer.name", "svc.local"), i("rpc.grpc.status_code", 0)}, codes.Unset, "",
			"rpc-client", map[string]string{"remote.ip": "10.1.1.1:9", "result.code": "00"}},
		{"grpc client old net.peer.name", trace.SpanKindClient, []kv{s("rpc.system", "grpc"), s("rpc.service", "S"), s("rpc.method", "M"), s("net.peer.name", "svc.local"), i("net.peer.port", 443), i("rpc.grpc.status_code", 14)}, codes.Error, "",
			"rpc-client", map[string]string{"remote.ip": "svc.local:443", "result.code": "02", "error": "true"}},
		{"db current", trace.SpanKindClient, []kv{s("db.system.name", "postgresql"), s("db.namespace", "shop"), s("db.query.text", "SELECT * FROM orders WHERE id=$1"), s("db.operation.name", "SELECT"), s("db.collection.name", "orders"), s("server.address", "db"), i("server.port", 5432)}, codes.Unset, "",
			"datasource-client", map[string]string{"span.kind": "client", "database.name": "shop", "sql": "SELECT * FROM orders WHERE id=$1", "database.type": "postgresql", "database.endpoint": "db:5432", "result.code": "success"}},
		{"db old", trace.SpanKindClient, []kv{s("db.system", "mysql"), s("db.name", "legacy"), s("db.statement", "UPDATE t SET a=1")}, codes.Error, "deadlock",
			"datasource-client", map[string]string{"database.name": "legacy", "sql": "UPDATE t SET a=1", "database.type": "mysql", "result.code": "failed"}},
		{"redis current", trace.SpanKindClient, []kv{s("db.system.name", "redis"), s("db.operation.name", "hget"), s("db.query.text", "HGET k f")}, codes.Unset, "",
			"redis", map[string]string{"span.kind": "client", "db.type": "redis", "method": "HGET", "result.code": "00", "current.thread.name": "redis-client"}},
		{"messaging send current", trace.SpanKindProducer, []kv{s("messaging.system", "kafka"), s("messaging.operation.type", "send"), s("messaging.destination.name", "orders"), s("messaging.message.id", "m1")}, codes.Unset, "",
			"message-pub", map[string]string{"span.kind": "producer", "msg.topic": "orders", "msg.channel": "kafka", "msg.id": "m1", "remote.app": "broker", "result.code": "00"}},
		{"messaging process old", trace.SpanKindInternal, []kv{s("messaging.system", "rabbitmq"), s("messaging.operation", "process"), s("messaging.destination.name", "q")}, codes.Error, "nack",
			"message-sub", map[string]string{"span.kind": "consumer", "msg.topic": "q", "result.code": "99", "error": "nack"}},
		{"biz", trace.SpanKindInternal, []kv{s("order.id", "A-1"), i("items", 3)}, codes.Unset, "",
			"biz", map[string]string{"span.kind": "", "method": "op", "order.id": "A-1", "items": "3"}},
	}
	tr, cap := newTracer(t, "semconv")
	ot := NewTracerProvider(tr).Tracer("x")
	for n, c := range cases {
		op := fmt.Sprintf("op-%d", n)
		if c.layout == "biz" {
			op = "op"
		}
		// Half the attributes at start, half later, as instrumentations do.
		h := len(c.attrs) / 2
		_, sp := ot.Start(context.Background(), op, trace.WithSpanKind(c.kind), trace.WithAttributes(c.attrs[:h]...))
		sp.SetAttributes(c.attrs[h:]...)
		sp.SetStatus(c.status, c.desc)
		sp.End()
		layout, line := digestLine(t, "semconv", cap.byName(t, op))
		if layout != c.layout {
			t.Errorf("%s: layout %s, want %s", c.name, layout, c.layout)
			continue
		}
		for k, want := range c.want {
			got := ""
			if v, ok := line[k]; ok {
				got = fmt.Sprint(v)
			}
			if got != want {
				t.Errorf("%s: %s = %q, want %q (line %v)", c.name, k, got, want, line)
			}
		}
	}
}

// TestFieldOf: the hashed table finds every key sem reads, and nothing
// else, including keys that share a slot's hash.
func TestFieldOf(t *testing.T) {
	if len(semKeys)*4 > semIndexSize {
		t.Fatalf("%d keys in a table of %d: grow semIndexSize", len(semKeys), semIndexSize)
	}
	for k, f := range semKeys {
		if got := fieldOf(k); got != f {
			t.Errorf("fieldOf(%q) = %d, want %d", k, got, f)
		}
		for _, other := range []string{k + "x", k[:len(k)-1], strings.ToUpper(k), "x" + k[1:]} {
			if _, known := semKeys[other]; !known && fieldOf(other) != fNone {
				t.Errorf("fieldOf(%q) = %d, want none", other, fieldOf(other))
			}
		}
	}
	for _, k := range []string{"", "a", "user_agent.original", "network.protocol.version", "http.route"} {
		if fieldOf(k) != fNone {
			t.Errorf("fieldOf(%q) = %d, want none", k, fieldOf(k))
		}
	}
}

// withBlockTables runs the test with tables of HTTP and RPC tag blocks of
// its own, empty or full, restoring the shared ones after it. It swaps
// package variables: no test that uses it may run in parallel.
func withBlockTables(t *testing.T, full bool) {
	fresh := func() *strcache.Cache[*span.TagBlock] {
		c := new(strcache.Cache[*span.TagBlock])
		for i := 0; full && c.Len() < strcache.MaxCached; i++ {
			c.Get(fmt.Sprint("filler-", i), func(string) *span.TagBlock { return nil })
		}
		return c
	}
	oldHTTP, oldRPC := httpBlocks, rpcBlocks
	httpBlocks, rpcBlocks = fresh(), fresh()
	t.Cleanup(func() { httpBlocks, rpcBlocks = oldHTTP, oldRPC })
}

// sameWithAndWithoutBlocks runs run twice and fails unless both runs give
// the same tags, which it returns: first with empty block tables, where
// blocks (a func: the tables are swapped) must count want blocks after
// it; then with full tables, where unkept must hold: the spans' shared
// tags are their own.
func sameWithAndWithoutBlocks(t *testing.T, run func(*testing.T) [][]span.Tag, blocks func() int, want int, unkept func() bool) [][]span.Tag {
	t.Helper()
	var block, own [][]span.Tag
	t.Run("block", func(t *testing.T) {
		withBlockTables(t, false)
		block = run(t)
		if n := blocks(); n != want {
			t.Fatalf("%d blocks, want %d", n, want)
		}
	})
	t.Run("own", func(t *testing.T) {
		withBlockTables(t, true)
		own = run(t)
		if !unkept() {
			t.Fatal("a full table still gave a block")
		}
	})
	if !slices.EqualFunc(block, own, slices.Equal[[]span.Tag]) {
		t.Fatalf("tags differ:\nblock %v\nown   %v", block, own)
	}
	return block
}

// firstTags returns the first n tags of s, failing when it has fewer.
func firstTags(t *testing.T, s *span.Span, n int) []span.Tag {
	t.Helper()
	tags := s.Tags()
	if len(tags) < n {
		t.Fatalf("%s: %d tags %v, want at least %d", s.OperationName(), len(tags), tags, n)
	}
	return tags[:n]
}

// HTTP spans share a block of their method, kind, thread name and status
// (one per combination of a standard method and a status, a bounded
// number of them); a span whose combination is not kept, because the
// table is full or its method or status is not a standard one, gets the
// same tags and the same digest line as tags of its own.
func TestHTTPBlocksAreBoundedAndChangeNothing(t *testing.T) {
	withBlockTables(t, false)
	tr, c := newTracer(t, "app")
	tracer := NewTracerProvider(tr).Tracer("t")
	type req struct {
		method string
		status int
	}
	reqs := []req{{"GET", 200}, {"MADE-UP", 200}, {"GET", 200}, {"GET", 999}}
	for _, m := range []string{"PUT", "POST", "DELETE"} {
		for st := 100; st < 600; st++ {
			reqs = append(reqs, req{m, st})
		}
	}
	for i, r := range reqs {
		name := fmt.Sprintf("op-%d", i)
		_, sp := tracer.Start(context.Background(), name, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", r.method), attribute.String("url.full", "http://h/x")))
		sp.SetAttributes(attribute.Int("http.response.status_code", r.status))
		sp.End()
		s := c.byName(t, name)
		want := []span.Tag{{Key: span.TagHTTPMethod, Value: r.method}, {Key: span.TagSpanKind, Value: span.KindServer},
			{Key: span.TagThreadName, Value: "http-server"}, {Key: span.TagHTTPStatusCode, Value: int64(r.status)},
			{Key: span.TagHTTPURL, Value: "http://h/x"}}
		if got := firstTags(t, s, len(want)); !slices.Equal(got, want) {
			t.Fatalf("%s (%v): tags %v, want %v first", name, r, got, want)
		}
		if layout, line := digestLine(t, "app", s); layout != "http-server" || line["method"] != r.method || line["result.code"] != fmt.Sprint(r.status) {
			t.Fatalf("%s: %s %v", name, layout, line)
		}
		if i == 3 && httpBlocks.Len() != 1 { // GET 200 only: not the made-up method, not status 999
			t.Fatalf("%d blocks after the first four spans, want 1", httpBlocks.Len())
		}
	}
	if n := httpBlocks.Len(); n != strcache.MaxCached { // more combinations than that were seen
		t.Fatalf("%d blocks kept, want the bound, %d", n, strcache.MaxCached)
	}
}

// A failed client span without a response (status -1, error tags) and a
// successful one have the same tags in the same order whether their
// shared tags come as a block or as tags of their own.
func TestHTTPBlockAndOwnTagsAgree(t *testing.T) {
	run := func(t *testing.T) [][]span.Tag {
		tr, c := newTracer(t, "app")
		tracer := NewTracerProvider(tr).Tracer("t")
		_, failed := tracer.Start(context.Background(), "failed", trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(attribute.String("http.request.method", "GET"), attribute.String("url.full", "http://h/x"),
				attribute.String("peer.service", "stock")))
		failed.SetStatus(codes.Error, "connection refused")
		failed.End()
		_, ok := tracer.Start(context.Background(), "ok", trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(attribute.String("http.request.method", "POST"), attribute.String("url.full", "http://h/y")))
		ok.SetAttributes(attribute.Int("http.response.status_code", 201), attribute.Int("http.response.body.size", 3))
		ok.End()
		return [][]span.Tag{c.byName(t, "failed").Tags(), c.byName(t, "ok").Tags()}
	}
	block := sameWithAndWithoutBlocks(t, run, func() int { return httpBlocks.Len() }, 2, // one per span
		func() bool { return httpBlock(httpKey{method: "GET", status: -1, hasStatus: true}) == nil })
	if got := block[0]; slices.IndexFunc(got, func(tag span.Tag) bool { return tag.Key == span.TagHTTPStatusCode && tag.Value == int64(-1) }) < 0 ||
		slices.IndexFunc(got, func(tag span.Tag) bool { return tag.Key == span.TagErrorMessage && tag.Value == "connection refused" }) < 0 {
		t.Fatalf("failed client span: %v", got)
	}
}

// RPC spans of calls that succeeded share a block of their protocol,
// service, method, kind, thread name and result code; failed calls,
// methods the instrumentation did not know (_OTHER) and names the block's
// key cannot hold get the same tags as their own.
func TestRPCBlocksAndOwnTagsAgree(t *testing.T) {
	run := func(t *testing.T) [][]span.Tag {
		tr, c := newTracer(t, "app")
		tracer := NewTracerProvider(tr).Tracer("t")
		var all [][]span.Tag
		for i, sp := range []struct {
			kind   trace.SpanKind
			method string
			code   int
		}{
			{trace.SpanKindServer, "Get", 0}, {trace.SpanKindClient, "Get", 0}, {trace.SpanKindServer, "Get", 14},
			{trace.SpanKindServer, "G\x00et", 0}, {trace.SpanKindServer, "_OTHER", 0},
		} {
			name := fmt.Sprint("rpc-", i)
			_, s := tracer.Start(context.Background(), name, trace.WithSpanKind(sp.kind), trace.WithAttributes(
				attribute.String("rpc.system", "grpc"), attribute.String("rpc.service", "shop.Orders"),
				attribute.String("rpc.method", sp.method), attribute.String("rpc.method_original", "Made.Up/Name"),
				attribute.String("network.peer.address", "10.0.0.1"), attribute.Int("network.peer.port", 5000)))
			s.SetAttributes(attribute.Int("rpc.grpc.status_code", sp.code))
			s.End()
			all = append(all, c.byName(t, name).Tags())
		}
		return all
	}
	block := sameWithAndWithoutBlocks(t, run, func() int { return rpcBlocks.Len() }, 2, // the calls that succeeded, server and client
		func() bool { return rpcBlock(true, "grpc", "shop.Orders", "Get") == nil })
	want := []span.Tag{{Key: span.TagProtocol, Value: "grpc"}, {Key: span.TagService, Value: "shop.Orders"},
		{Key: span.TagMethod, Value: "Get"}, {Key: span.TagSpanKind, Value: span.KindServer},
		{Key: span.TagThreadName, Value: "grpc-server"}, {Key: span.TagResultCode, Value: "00"},
		{Key: span.TagRemoteIP, Value: "10.0.0.1:5000"}}
	if got := block[0]; len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
		t.Fatalf("server span: %v, want %v first", got, want)
	}
}
