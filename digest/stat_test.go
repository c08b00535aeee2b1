package digest_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/span"
)

func TestSuccess(t *testing.T) {
	tr := newTracer(t)
	tag := func(k string, v any) span.Tag { return span.Tag{Key: k, Value: v} }
	srv := []span.Tag{tag(span.TagComponent, "net/http"), tag(span.TagSpanKind, "server")}
	cli := []span.Tag{tag(span.TagComponent, "net/http"), tag(span.TagSpanKind, "client")}
	rpc := []span.Tag{tag(span.TagComponent, "bolt"), tag(span.TagSpanKind, "client")}
	tests := []struct {
		name   string
		layout *digest.Layout
		tags   []span.Tag
		code   string
		want   bool
	}{
		{"http 200", digest.HTTPServer, append(slices.Clone(srv), tag(span.TagHTTPStatusCode, 200)), "200", true},
		{"http 101", digest.HTTPServer, append(slices.Clone(srv), tag(span.TagHTTPStatusCode, 101)), "101", true},
		{"http 301", digest.HTTPServer, append(slices.Clone(srv), tag(span.TagHTTPStatusCode, 301)), "301", true},
		{"http 302", digest.HTTPServer, append(slices.Clone(srv), tag(span.TagHTTPStatusCode, uint16(302))), "302", true},
		{"http 304", digest.HTTPServer, append(slices.Clone(srv), tag(span.TagHTTPStatusCode, 304)), "304", false},
		{"http 404", digest.HTTPServer, append(slices.Clone(srv), tag(span.TagHTTPStatusCode, 404)), "404", false},
		{"http 500", digest.HTTPServer, append(slices.Clone(srv), tag(span.TagHTTPStatusCode, "500")), "500", false},
		{"http no status", digest.HTTPServer, srv, "", false},
		{"http 200 with error", digest.HTTPServer, append(slices.Clone(srv), tag(span.TagHTTPStatusCode, 200), tag(span.TagError, true)), "200", false},
		{"http result.code override", digest.HTTPServer, append(slices.Clone(srv), tag(span.TagHTTPStatusCode, 500), tag(span.TagResultCode, "200")), "200", true},
		{"http client 00", digest.HTTPClient, append(slices.Clone(cli), tag(span.TagResultCode, "00")), "00", true},
		{"http client 200", digest.HTTPClient, append(slices.Clone(cli), tag(span.TagHTTPStatusCode, 200)), "200", true},
		{"http client error", digest.HTTPClient, append(slices.Clone(cli), tag(span.TagHTTPStatusCode, 200), tag(span.TagError, "true")), "200", false},
		{"rpc ok", digest.RPCClient, rpc, "00", true},
		{"rpc error", digest.RPCClient, append(slices.Clone(rpc), tag(span.TagError, true)), "02", false},
		{"rpc timeout", digest.RPCClient, append(slices.Clone(rpc), tag(span.TagResultCode, "03")), "03", false},
		{"rpc code 0", digest.RPCClient, append(slices.Clone(rpc), tag(span.TagResultCode, "0")), "0", true},
		{"rpc blank code", digest.RPCClient, append(slices.Clone(rpc), tag(span.TagResultCode, "")), "", true},
		{"datasource ok", digest.DataSourceClient, dataSourceTags(false), "success", true},
		{"datasource error", digest.DataSourceClient, dataSourceTags(true), "failed", false},
		{"datasource error text", digest.DataSourceClient, []span.Tag{tag(span.TagError, "true")}, "failed", false},
		{"redis ok", digest.Redis, nil, "00", true},
		{"redis error", digest.Redis, []span.Tag{tag(span.TagError, true)}, "99", false},
		{"biz ok", digest.Biz, nil, "", true},
		{"biz error", digest.Biz, []span.Tag{tag(span.TagError, true)}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := buildSpan(t, tr, "op", tt.tags...)
			if got := digest.ResultCode(s, tt.layout); got != tt.code {
				t.Errorf("ResultCode = %q, want %q", got, tt.code)
			}
			if got := digest.Success(s, tt.layout); got != tt.want {
				t.Errorf("Success = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAppendStat(t *testing.T) {
	tr := newTracer(t)
	now := time.Date(2018, 6, 3, 16, 44, 2, 473_000_000, time.Local)
	const nowText = "2018-06-03 16:44:02.473"
	tests := []struct {
		name     string
		layout   *digest.Layout
		tags     []span.Tag
		op       string
		keyNames []string
		keyVals  []string
		loadTest bool // JSON has load.test
	}{
		{
			"http server", digest.HTTPServer,
			[]span.Tag{{Key: span.TagHTTPURL, Value: "http://localhost:63933/greeting"}, {Key: span.TagHTTPMethod, Value: "GET"}}, "op",
			// Keyed by the path (no route tag), not the URL with its host.
			[]string{"local.app", "request.url", "method"}, []string{"t", "/greeting", "GET"}, true,
		},
		{
			"http server route", digest.HTTPServer,
			[]span.Tag{{Key: span.TagHTTPURL, Value: "http://h:1/orders/7?x=1"}, {Key: span.TagHTTPRoute, Value: "/orders/{id}"}, {Key: span.TagHTTPMethod, Value: "BREW"}}, "op",
			[]string{"local.app", "request.url", "method"}, []string{"t", "/orders/{id}", "_OTHER"}, true,
		},
		{
			"http server path", digest.HTTPServer,
			[]span.Tag{{Key: span.TagHTTPURL, Value: "https://h:1?x=1"}, {Key: span.TagHTTPMethod, Value: "PATCH"}}, "op",
			[]string{"local.app", "request.url", "method"}, []string{"t", "/", "PATCH"}, true,
		},
		{
			"http client no tags", digest.HTTPClient, nil, "op",
			[]string{"local.app", "request.url", "method"}, []string{"t", "", ""}, true,
		},
		{
			"rpc client", digest.RPCClient,
			[]span.Tag{{Key: span.TagService, Value: "com.example.Svc:1.0"}, {Key: span.TagMethod, Value: "say"}}, "op",
			[]string{"local.app", "service", "method"}, []string{"t", "com.example.Svc:1.0", "say"}, false,
		},
		{
			"rpc server", digest.RPCServer,
			[]span.Tag{{Key: span.TagService, Value: "S"}, {Key: span.TagMethod, Value: "m"}, {Key: span.TagPeerService, Value: "caller"}}, "op",
			[]string{"local.app", "service", "method", "remote.app"}, []string{"t", "S", "m", "caller"}, false,
		},
		{
			"datasource", digest.DataSourceClient, dataSourceTags(false), "op",
			[]string{"local.app", "database.name", "sql"}, []string{"t", "shop", "SELECT a%2C b FROM t"}, true,
		},
		{
			// A summary keeps statements with literals in one row.
			"datasource summary", digest.DataSourceClient,
			append(dataSourceTags(false), span.Tag{Key: digest.TagSQLSummary, Value: "SELECT t"}), "op",
			[]string{"local.app", "database.name", "sql"}, []string{"t", "shop", "SELECT t"}, true,
		},
		{
			"biz hostile", digest.Biz, nil, "op,\"x\"\n\x00y",
			[]string{"local.app", "method"}, []string{"t", "op,\"x\"\n\uFFFDy"}, true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := buildSpan(t, tr, tt.op, tt.tags...)
			for _, jsonMode := range []bool{true, false} {
				e := &digest.Encoder{App: "t", JSON: jsonMode, Newline: "\r\n"}
				key := e.AppendStatKey(nil, s, tt.layout)
				if n := strings.Count(string(key), "\x00"); n != len(tt.layout.StatKey) {
					t.Fatalf("AppendStatKey has %d separators, want %d: %q", n, len(tt.layout.StatKey), key)
				}
				row := &digest.StatRow{Layout: tt.layout, Key: string(key), Success: true, LoadTest: false, Count: 5, CostMs: 149}
				line := string(e.AppendStat(nil, now, row))
				if !strings.HasSuffix(line, "\r\n") || strings.ContainsAny(strings.TrimSuffix(line, "\r\n"), "\r\n") {
					t.Fatalf("stat line %q is not one CRLF line", line)
				}
				line = strings.TrimSuffix(line, "\r\n")
				if jsonMode {
					keys, vals, err := jsonObject([]byte(line))
					if err != nil {
						t.Fatalf("%v: %s", err, line)
					}
					want := []string{"time", "stat.key", "count", "total.cost.milliseconds", "success"}
					if tt.loadTest {
						want = append(want, "load.test")
					}
					if !slices.Equal(keys, want) {
						t.Fatalf("keys %q, want %q", keys, want)
					}
					if rawString(t, vals["time"]) != nowText || string(vals["count"]) != "5" ||
						string(vals["total.cost.milliseconds"]) != "149" || rawString(t, vals["success"]) != "Y" {
						t.Errorf("stat line values: %s", line)
					}
					if tt.loadTest && rawString(t, vals["load.test"]) != "F" {
						t.Errorf("load.test = %s", vals["load.test"])
					}
					skeys, svals, err := jsonObject(vals["stat.key"])
					if err != nil {
						t.Fatalf("stat.key: %v", err)
					}
					if !slices.Equal(skeys, tt.keyNames) {
						t.Errorf("stat.key keys %q, want %q", skeys, tt.keyNames)
					}
					for i, k := range tt.keyNames {
						if got := rawString(t, svals[k]); got != tt.keyVals[i] {
							t.Errorf("stat.key[%s] = %q, want %q", k, got, tt.keyVals[i])
						}
					}
					continue
				}
				fields := strings.Split(line, ",")
				want := 1 + len(tt.keyNames) + 4
				if len(fields) != want {
					t.Fatalf("plain stat line has %d fields, want %d: %q", len(fields), want, line)
				}
				n := len(tt.keyNames)
				if fields[0] != nowText || fields[1+n] != "5" || fields[2+n] != "149" || fields[3+n] != "Y" || fields[4+n] != "F" {
					t.Errorf("plain stat line %q", line)
				}
			}
		})
	}
}

func TestAppendStatFlags(t *testing.T) {
	tr := newTracer(t)
	s := buildSpan(t, tr, "op")
	e := &digest.Encoder{App: "t", JSON: true, Newline: "\n"}
	row := &digest.StatRow{Layout: digest.Biz, Key: string(e.AppendStatKey(nil, s, digest.Biz)), Success: false, LoadTest: true, Count: 1, CostMs: 0}
	var m map[string]any
	if err := json.Unmarshal(e.AppendStat(nil, time.Now(), row), &m); err != nil {
		t.Fatal(err)
	}
	if m["success"] != "N" || m["load.test"] != "T" {
		t.Errorf("success %v load.test %v, want N T", m["success"], m["load.test"])
	}
	e.JSON = false
	if line := string(e.AppendStat(nil, time.Now(), row)); !strings.HasSuffix(line, ",N,T\n") {
		t.Errorf("plain stat line %q does not end with ,N,T", line)
	}
}

func TestOverflowKey(t *testing.T) {
	e := &digest.Encoder{App: "t", JSON: true, Newline: "\n"}
	for _, l := range []*digest.Layout{digest.HTTPServer, digest.RPCServer, digest.Biz} {
		key := e.OverflowKey(l)
		parts := strings.Split(strings.TrimSuffix(key, "\x00"), "\x00")
		if len(parts) != len(l.StatKey) || parts[0] != "t" {
			t.Fatalf("%s: OverflowKey = %q", l.Name, key)
		}
		for _, p := range parts[1:] {
			if p != digest.OverflowValue {
				t.Errorf("%s: OverflowKey part %q, want %q", l.Name, p, digest.OverflowValue)
			}
		}
		line := e.AppendStat(nil, time.Now(), &digest.StatRow{Layout: l, Key: key, Count: 1})
		if _, _, err := jsonObject(line); err != nil {
			t.Errorf("%s: overflow stat line: %v", l.Name, err)
		}
	}
}
