package digest_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/span"
)

func TestClassify(t *testing.T) {
	tr := newTracer(t)
	tag := func(k string, v any) span.Tag { return span.Tag{Key: k, Value: v} }
	comp := func(c string) span.Tag { return tag(span.TagComponent, c) }
	kind := func(k string) span.Tag { return tag(span.TagSpanKind, k) }
	tests := []struct {
		name string
		tags []span.Tag
		want *digest.Layout
	}{
		{"no tags", nil, digest.Biz},
		{"unknown component", []span.Tag{comp("redis"), kind("client")}, digest.Biz},
		{"custom tags only", []span.Tag{tag("order.id", 1)}, digest.Biz},

		{"net/http server", []span.Tag{comp("net/http"), kind("server")}, digest.HTTPServer},
		{"net/http client", []span.Tag{comp("net/http"), kind("client")}, digest.HTTPClient},
		{"net/http no kind", []span.Tag{comp("net/http")}, digest.HTTPClient},
		{"http upper case", []span.Tag{comp("HTTP"), kind("server")}, digest.HTTPServer},
		{"nethttp consumer is a server", []span.Tag{comp("nethttp"), kind("consumer")}, digest.HTTPServer},
		{"http producer is a client", []span.Tag{comp("http"), kind("producer")}, digest.HTTPClient},
		{"http.method only, server", []span.Tag{tag(span.TagHTTPMethod, "GET"), kind("server")}, digest.HTTPServer},
		{"http.method only, client", []span.Tag{tag(span.TagHTTPMethod, "POST")}, digest.HTTPClient},
		{"http.method with unknown component", []span.Tag{comp("resty"), tag(span.TagHTTPMethod, "GET")}, digest.HTTPClient},

		{"grpc client", []span.Tag{comp("grpc"), kind("client")}, digest.RPCClient},
		{"grpc server", []span.Tag{comp("gRPC"), kind("server")}, digest.RPCServer},
		{"bolt server", []span.Tag{comp("bolt"), kind("server")}, digest.RPCServer},
		{"sofarpc client", []span.Tag{comp("sofarpc"), kind("client")}, digest.RPCClient},
		{"dubbo consumer", []span.Tag{comp("dubbo"), kind("consumer")}, digest.RPCServer},
		{"triple no kind", []span.Tag{comp("triple")}, digest.RPCClient},
		{"tri server", []span.Tag{comp("tri"), kind("server")}, digest.RPCServer},
		{"protocol only, server", []span.Tag{tag(span.TagProtocol, "bolt"), kind("server")}, digest.RPCServer},
		{"protocol only, client", []span.Tag{tag(span.TagProtocol, "h2c")}, digest.RPCClient},
		{"rpc component wins over http.method", []span.Tag{comp("grpc"), tag(span.TagHTTPMethod, "POST"), kind("server")}, digest.RPCServer},
		{"protocol wins over http.method", []span.Tag{tag(span.TagProtocol, "rest"), tag(span.TagHTTPMethod, "GET")}, digest.RPCClient},

		{"non-string component ignored", []span.Tag{tag(span.TagComponent, 42), kind("server")}, digest.Biz},
		{"non-string kind is no kind", []span.Tag{comp("grpc"), tag(span.TagSpanKind, 1)}, digest.RPCClient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := buildSpan(t, tr, "op", tt.tags...)
			if got := digest.Classify(s); got != tt.want {
				t.Errorf("Classify = %s, want %s", got.Name, tt.want.Name)
			}
		})
	}
}

func TestLayoutFileNames(t *testing.T) {
	tests := []struct {
		l            *digest.Layout
		digest, stat string
	}{
		{digest.HTTPServer, "http-server-digest.log", "http-server-stat.log"},
		{digest.HTTPClient, "http-client-digest.log", "http-client-stat.log"},
		{digest.RPCClient, "rpc-client-digest.log", "rpc-client-stat.log"},
		{digest.RPCServer, "rpc-server-digest.log", "rpc-server-stat.log"},
		{digest.Biz, "biz-digest.log", "biz-stat.log"},
	}
	for _, tt := range tests {
		if tt.l.DigestFile() != tt.digest || tt.l.StatFile() != tt.stat {
			t.Errorf("%s: %s %s", tt.l.Name, tt.l.DigestFile(), tt.l.StatFile())
		}
	}
}

func TestRegisterCustomLayout(t *testing.T) {
	tr := newTracer(t)
	custom := &digest.Layout{
		Name: "test-kv-client",
		Fields: []digest.Field{
			{Name: "db.type", Source: digest.FromTag, Tags: []string{"db.type"}},
			{Name: "method", Source: digest.FromOperation},
			{Name: "cost", Source: digest.FromCostMs, Num: true, Default: "0"},
			{Name: "peer", Source: digest.FromTag, Tags: []string{span.TagPeerHostname, span.TagPeerIPv4}, Default: "unknown"},
		},
		AppendTags: true,
		StatKey: []digest.Field{
			{Name: "local.app", Source: digest.FromApp},
			{Name: "method", Source: digest.FromOperation},
		},
		StatLoadTest: true,
		Result:       func(s *span.Span) string { return "00" },
		Success:      func(code string, failed bool) bool { return !failed },
	}
	// Component names are matched case-insensitively.
	digest.Register(custom, span.KindClient, "TestKV-Redis", "testkv-other")

	tests := []struct {
		comp, kind string
		want       *digest.Layout
	}{
		{"testkv-redis", span.KindClient, custom},
		{"TESTKV-REDIS", span.KindClient, custom},
		{"testkv-other", span.KindClient, custom},
		{"testkv-redis", span.KindServer, digest.Biz}, // kind not registered
		{"testkv-redis", "", digest.Biz},
	}
	for _, tt := range tests {
		s := buildSpan(t, tr, "GET", span.Tag{Key: span.TagComponent, Value: tt.comp}, span.Tag{Key: span.TagSpanKind, Value: tt.kind})
		if got := digest.Classify(s); got != tt.want {
			t.Errorf("Classify(%q, %q) = %s, want %s", tt.comp, tt.kind, got.Name, tt.want.Name)
		}
	}

	// A registered layout may override a built-in component.
	override := &digest.Layout{Name: "test-grpc-override", Result: func(*span.Span) string { return "" }, Success: func(string, bool) bool { return true }}
	digest.Register(override, "test-kind", "grpc")
	s := buildSpan(t, tr, "op", span.Tag{Key: span.TagComponent, Value: "grpc"}, span.Tag{Key: span.TagSpanKind, Value: "test-kind"})
	if got := digest.Classify(s); got != override {
		t.Errorf("Classify = %s, want the registered override", got.Name)
	}

	s = buildSpan(t, tr, "GET",
		span.Tag{Key: span.TagComponent, Value: "testkv-redis"},
		span.Tag{Key: span.TagSpanKind, Value: span.KindClient},
		span.Tag{Key: "db.type", Value: "redis"},
		span.Tag{Key: span.TagPeerIPv4, Value: "10.0.0.1"},
		span.Tag{Key: "db.key", Value: "user:1"},
	)
	line := (&digest.Encoder{App: "t", JSON: true, Newline: "\n"}).AppendDigest(nil, s, custom)
	keys, vals, err := jsonObject(line)
	if err != nil {
		t.Fatalf("%v\n%s", err, line)
	}
	// db.type and peer.ipv4 are consumed by fields (Register indexes them);
	// db.key is appended.
	want := commonKeys("db.type", "method", "cost", "peer", "db.key")
	if !slices.Equal(keys, want) {
		t.Fatalf("keys %q, want %q", keys, want)
	}
	if got := string(vals["cost"]); got != "5006" {
		t.Errorf("cost = %s, want 5006", got)
	}
	if got := rawString(t, vals["peer"]); got != "10.0.0.1" {
		t.Errorf("peer = %q", got)
	}
	if got := rawString(t, vals["result.code"]); got != "00" {
		t.Errorf("result.code = %q", got)
	}
	plain := string((&digest.Encoder{App: "t", Newline: "\n"}).AppendDigest(nil, s, custom))
	if n := len(strings.Split(strings.TrimSuffix(plain, "\n"), ",")); n != len(want) {
		t.Errorf("plain line has %d fields, want %d: %q", n, len(want), plain)
	}
}
