package digest_test

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/span"
)

var (
	commonPrefix = []string{"time", "local.app", "traceId", "spanId", "span.kind", "result.code", "current.thread.name", "time.cost.milliseconds"}
	commonSuffix = []string{"sys.baggage", "biz.baggage"}
)

func commonKeys(fields ...string) []string {
	return slices.Concat(commonPrefix, fields, commonSuffix)
}

func rpcKeys(fields ...string) []string {
	return slices.Concat([]string{"timestamp", "tracerId", "spanId"}, fields, []string{"baggage"})
}

// Tags that fill every field of the built-in layouts.
var (
	httpTags = func(kind string) []span.Tag {
		return []span.Tag{
			{Key: span.TagComponent, Value: "net/http"},
			{Key: span.TagSpanKind, Value: kind},
			{Key: span.TagHTTPURL, Value: "http://localhost:8801/asyncrest"},
			{Key: span.TagHTTPMethod, Value: "GET"},
			{Key: span.TagHTTPStatusCode, Value: 200},
			{Key: span.TagReqSize, Value: -1},
			{Key: span.TagRespSize, Value: "0"},
			{Key: span.TagThreadName, Value: "http-nio-8801-exec-2"},
			{Key: span.TagRemoteApp, Value: "remote"},
		}
	}
	rpcTags = func(kind string) []span.Tag {
		return []span.Tag{
			{Key: span.TagComponent, Value: "bolt"},
			{Key: span.TagSpanKind, Value: kind},
			{Key: span.TagProtocol, Value: "bolt"},
			{Key: span.TagService, Value: "com.alipay.sofa.tracer.examples.sofarpc.direct.DirectService:1.0"},
			{Key: span.TagMethod, Value: "sayDirect"},
			{Key: span.TagThreadName, Value: "main"},
			{Key: span.TagInvokeType, Value: "sync"},
			{Key: span.TagRouterRecord, Value: "DIRECT"},
			{Key: span.TagRemoteApp, Value: "samples"},
			{Key: span.TagRemoteIP, Value: "127.0.0.1:12200"},
			{Key: span.TagLocalIP, Value: "127.0.0.1"},
			{Key: span.TagRespSize, Value: 170},
			{Key: span.TagReqSize, Value: 582},
			{Key: span.TagLocalPort, Value: 59774},
			{Key: span.TagRPCMessagesSent, Value: 1},
			{Key: span.TagRPCMessagesReceived, Value: 1},
			{Key: span.TagError, Value: true},
			{Key: span.TagErrorMessage, Value: "boom"},
		}
	}
)

type layoutCase struct {
	name   string
	layout *digest.Layout
	tags   []span.Tag
	keys   []string // JSON keys in order
	// plainFields is the number of comma-separated fields; 0 means
	// len(keys).
	plainFields int
	values      map[string]string // expected decoded values (raw JSON for numbers)
}

var layoutCases = []layoutCase{
	{
		name: "http server", layout: digest.HTTPServer, tags: httpTags(span.KindServer),
		keys: commonKeys("request.url", "method", "req.size.bytes", "resp.size.bytes", "error"),
		values: map[string]string{
			"time": wantTime, "local.app": "t", "span.kind": "server", "result.code": "200",
			"current.thread.name": "http-nio-8801-exec-2", "time.cost.milliseconds": "5006ms",
			"request.url": "http://localhost:8801/asyncrest", "method": "GET",
			"req.size.bytes": "-1", "resp.size.bytes": "0", "error": "", "sys.baggage": "", "biz.baggage": "",
		},
	},
	{
		name: "http client", layout: digest.HTTPClient, tags: httpTags(span.KindClient),
		keys: commonKeys("request.url", "method", "req.size.bytes", "resp.size.bytes", "remote.app", "error"),
		values: map[string]string{
			"span.kind": "client", "result.code": "200", "remote.app": "remote", "req.size.bytes": "-1",
		},
	},
	{
		name: "http client without tags", layout: digest.HTTPClient,
		tags: []span.Tag{{Key: span.TagComponent, Value: "net/http"}},
		keys: commonKeys("request.url", "method", "req.size.bytes", "resp.size.bytes", "remote.app", "error"),
		values: map[string]string{
			"span.kind": "", "result.code": "", "current.thread.name": "goroutine",
			"req.size.bytes": "-1", "resp.size.bytes": "-1", "request.url": "",
		},
	},
	{
		name: "rpc client", layout: digest.RPCClient, tags: rpcTags(span.KindClient),
		keys: rpcKeys("span.kind", "local.app", "protocol", "service", "method", "current.thread.name", "invoke.type",
			"router.record", "remote.app", "remote.ip", "local.client.ip", "result.code", "resp.size", "req.size",
			"client.elapse.time", "local.client.port", "rpc.messages.sent", "rpc.messages.received", "error"),
		values: map[string]string{
			"timestamp": wantTime, "span.kind": "client", "local.app": "t", "protocol": "bolt", "method": "sayDirect",
			"result.code": "02", "resp.size": "170", "req.size": "582", "client.elapse.time": "5006",
			"local.client.port": "59774", "error": "boom", "baggage": "",
		},
	},
	{
		// Absent optional fields are left out of JSON lines but keep their
		// slot (empty) in comma-separated ones.
		name: "rpc client minimal", layout: digest.RPCClient,
		tags: []span.Tag{{Key: span.TagComponent, Value: "grpc"}, {Key: span.TagSpanKind, Value: span.KindClient}},
		// protocol falls back to the component tag.
		keys: rpcKeys("span.kind", "local.app", "protocol", "current.thread.name", "result.code", "client.elapse.time"),
		// 3 ids + 19 fields + baggage
		plainFields: 3 + 19 + 1,
		values:      map[string]string{"result.code": "00", "current.thread.name": "goroutine", "protocol": "grpc"},
	},
	{
		name: "rpc server", layout: digest.RPCServer, tags: rpcTags(span.KindServer),
		keys: rpcKeys("span.kind", "service", "method", "remote.ip", "remote.app", "protocol", "local.app",
			"current.thread.name", "result.code", "biz.impl.time", "resp.size", "req.size",
			"rpc.messages.sent", "rpc.messages.received", "error"),
		values: map[string]string{"span.kind": "server", "biz.impl.time": "5006", "remote.app": "samples"},
	},
	{
		name: "rpc server minimal", layout: digest.RPCServer,
		tags:        []span.Tag{{Key: span.TagComponent, Value: "dubbo"}, {Key: span.TagSpanKind, Value: span.KindServer}},
		keys:        rpcKeys("span.kind", "protocol", "local.app", "current.thread.name", "result.code", "biz.impl.time"),
		plainFields: 3 + 15 + 1,
	},
	{
		// Java's DataSource order, with no error field; a failed statement
		// is "failed".
		name: "datasource client", layout: digest.DataSourceClient, tags: dataSourceTags(true),
		keys: commonKeys("database.name", "sql", "connection.establish.span", "db.execute.cost",
			"database.type", "database.endpoint"),
		values: map[string]string{
			"span.kind": "client", "result.code": "failed", "current.thread.name": "datasource-client",
			"database.name": "shop", "sql": "SELECT a%2C b FROM t", "connection.establish.span": "12ms",
			"db.execute.cost": "3ms", "database.type": "postgresql", "database.endpoint": "db:5432",
		},
	},
	{
		name: "datasource client minimal", layout: digest.DataSourceClient,
		tags:   []span.Tag{{Key: span.TagComponent, Value: testDBComponent}, {Key: span.TagSpanKind, Value: span.KindClient}},
		keys:   commonKeys("database.name", "sql", "connection.establish.span", "db.execute.cost", "database.type", "database.endpoint"),
		values: map[string]string{"result.code": "success", "sql": "", "database.endpoint": ""},
	},
	{
		name: "redis", layout: digest.Redis,
		tags: []span.Tag{{Key: span.TagComponent, Value: testRedisComponent}, {Key: span.TagSpanKind, Value: span.KindClient},
			{Key: digest.TagDBType, Value: "redis"}, {Key: span.TagMethod, Value: "SET"}, {Key: span.TagError, Value: true}},
		keys:   commonKeys("db.type", "method"),
		values: map[string]string{"result.code": "99", "db.type": "redis", "method": "SET"},
	},
	{
		name: "biz", layout: digest.Biz,
		tags: []span.Tag{
			{Key: "order.id", Value: "42"}, {Key: "count", Value: 3}, {Key: "ok", Value: true},
			{Key: "traceId", Value: "spoof"}, {Key: "method", Value: "spoof"}, {Key: span.TagThreadName, Value: "worker"},
		},
		keys: commonKeys("method", "order.id", "count", "ok", "tag.traceId", "tag.method"),
		values: map[string]string{
			"method": "op", "order.id": "42", "count": "3", "ok": "true", "tag.traceId": "spoof",
			"tag.method": "spoof", "current.thread.name": "worker", "result.code": "",
		},
	},
}

func TestAppendDigestLayouts(t *testing.T) {
	tr := newTracer(t)
	for _, tc := range layoutCases {
		t.Run(tc.name, func(t *testing.T) {
			s := buildSpan(t, tr, "op", tc.tags...)
			if got := digest.Classify(s); got != tc.layout {
				t.Fatalf("Classify = %s, want %s", got.Name, tc.layout.Name)
			}
			for _, nl := range []string{"\r\n", "\n"} {
				js := &digest.Encoder{App: "t", JSON: true, Newline: nl}
				line := js.AppendDigest([]byte("prev"), s, tc.layout)
				if !strings.HasPrefix(string(line), "prev") {
					t.Fatal("AppendDigest dropped dst")
				}
				line = line[4:]
				if !strings.HasSuffix(string(line), nl) || strings.ContainsAny(string(line[:len(line)-len(nl)]), "\r\n") {
					t.Fatalf("line does not end with exactly one %q: %q", nl, line)
				}
				keys, vals, err := jsonObject(line)
				if err != nil {
					t.Fatalf("not JSON: %v\n%s", err, line)
				}
				if !slices.Equal(keys, tc.keys) {
					t.Fatalf("keys\n got %q\nwant %q", keys, tc.keys)
				}
				if id := rawString(t, vals[keys[2-boolInt(tc.layout.Style == digest.RPC)]]); id != s.Ctx.TraceID {
					t.Errorf("trace id %q, want %q", id, s.Ctx.TraceID)
				}
				for k, want := range tc.values {
					raw, ok := vals[k]
					if !ok {
						t.Errorf("no key %q", k)
						continue
					}
					got := string(raw)
					if strings.HasPrefix(got, `"`) {
						got = rawString(t, raw)
					}
					if got != want {
						t.Errorf("%s = %s, want %s", k, raw, want)
					}
				}
				for _, f := range tc.layout.Fields {
					if raw, ok := vals[f.Name]; ok && f.Num && !json.Valid(raw) {
						t.Errorf("numeric field %s = %s", f.Name, raw)
					}
				}

				plain := &digest.Encoder{App: "t", JSON: false, Newline: nl}
				pline := string(plain.AppendDigest(nil, s, tc.layout))
				if !strings.HasSuffix(pline, nl) {
					t.Fatalf("plain line does not end with %q: %q", nl, pline)
				}
				pline = strings.TrimSuffix(pline, nl)
				if strings.ContainsAny(pline, "\r\n") {
					t.Fatalf("plain line has a line break: %q", pline)
				}
				fields := strings.Split(pline, ",")
				want := tc.plainFields
				if want == 0 {
					want = len(keys)
				}
				if len(fields) != want {
					t.Errorf("plain line has %d fields, want %d: %q", len(fields), want, pline)
				}
				if tc.layout.Style == digest.Common {
					if fields[0] != wantTime || fields[1] != "t" || fields[2] != s.Ctx.TraceID || fields[3] != s.Ctx.SpanID {
						t.Errorf("plain prefix = %q", fields[:4])
					}
				} else if fields[0] != wantTime || fields[1] != s.Ctx.TraceID || fields[2] != s.Ctx.SpanID {
					t.Errorf("plain prefix = %q", fields[:3])
				}
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Hostile tag values and baggage never break a line or add a key/field.
func TestAppendDigestHostileValues(t *testing.T) {
	tr := newTracer(t)
	hostileValues := []string{`quote " here`, "new\nline", "cr\rlf", "comma, comma", "nul \x00", `back\slash`,
		"line\u2028sep", "bad utf8 \xff\xfe", `{"json":1}`, "[1,2]", "amp&eq=pct%", ""}
	for _, tc := range layoutCases {
		for _, v := range hostileValues {
			var tags []span.Tag
			for _, tg := range tc.tags {
				if _, ok := tg.Value.(string); ok && tg.Key != span.TagComponent && tg.Key != span.TagSpanKind {
					tg.Value = v
				}
				tags = append(tags, tg)
			}
			s := tr.StartSpan("op "+v, opentracing.StartTime(startTime)).(*span.Span)
			for _, tg := range tags {
				s.SetTag(tg.Key, tg.Value)
			}
			s.SetBaggageItem("b"+v, v)
			s.SetSysBaggageItem("s"+v, v+"x")
			s.FinishWithOptions(opentracing.FinishOptions{FinishTime: startTime.Add(time.Second)})

			line := (&digest.Encoder{App: "a,pp\n", JSON: true, Newline: "\r\n"}).AppendDigest(nil, s, tc.layout)
			body := strings.TrimSuffix(string(line), "\r\n")
			if strings.ContainsAny(body, "\r\n") {
				t.Fatalf("%s %q: line break inside %q", tc.name, v, body)
			}
			keys, vals, err := jsonObject([]byte(body))
			if err != nil {
				t.Fatalf("%s %q: %v\n%s", tc.name, v, err, body)
			}
			wantKeys := tc.keys
			if tc.layout.Style == digest.RPC && v == "" {
				// An empty error.message leaves the optional error field out.
				wantKeys = slices.DeleteFunc(slices.Clone(wantKeys), func(k string) bool { return k == "error" })
			}
			if !slices.Equal(keys, wantKeys) {
				t.Fatalf("%s %q: keys %q, want %q", tc.name, v, keys, wantKeys)
			}
			bagKey := "biz.baggage"
			if tc.layout.Style == digest.RPC {
				bagKey = "baggage"
			}
			wantBag := string(span.AppendMap(nil, s.Ctx.Baggage().Biz))
			if got := rawString(t, vals[bagKey]); got != replaceInvalid(wantBag) {
				t.Errorf("%s %q: %s = %q, want %q", tc.name, v, bagKey, got, wantBag)
			}

			pline := (&digest.Encoder{App: "a,pp\n", JSON: false, Newline: "\r\n"}).AppendDigest(nil, s, tc.layout)
			pbody := strings.TrimSuffix(string(pline), "\r\n")
			if strings.ContainsAny(pbody, "\r\n") {
				t.Fatalf("%s %q: plain line break inside %q", tc.name, v, pbody)
			}
			want := tc.plainFields
			if want == 0 {
				want = len(tc.keys)
			}
			if n := strings.Count(pbody, ",") + 1; n != want {
				t.Fatalf("%s %q: plain line has %d fields, want %d: %q", tc.name, v, n, want, pbody)
			}
		}
	}
}

// A numeric field fed by a string tag must stay a JSON number.
func TestAppendDigestNumericFieldsStayJSON(t *testing.T) {
	tr := newTracer(t)
	tests := []struct {
		tag  any
		want string
	}{
		{12, "12"},
		{"34", "34"},
		{int64(-1), "-1"},
		{"1e3", "1e3"},
		{"1.5", "1.5"},
		{"abc", "-1"},
		{"", "-1"},
		{"1_000", "-1"},
		// Accepted by strconv.ParseFloat but not JSON numbers.
		{"NaN", "-1"},
		{"Inf", "-1"},
		{"+1", "-1"},
		{"0x10", "-1"},
		{".5", "-1"},
		{"01", "-1"},
		{math.NaN(), "-1"},
		{math.Inf(1), "-1"},
	}
	var bad []string
	for _, tt := range tests {
		s := buildSpan(t, tr, "op",
			span.Tag{Key: span.TagComponent, Value: "net/http"},
			span.Tag{Key: span.TagSpanKind, Value: "server"},
			span.Tag{Key: span.TagReqSize, Value: tt.tag})
		line := (&digest.Encoder{App: "t", JSON: true, Newline: "\n"}).AppendDigest(nil, s, digest.HTTPServer)
		_, vals, err := jsonObject(line)
		if err != nil {
			bad = append(bad, fmt.Sprintf("%#v", tt.tag))
			continue
		}
		if got := string(vals["req.size.bytes"]); got != tt.want {
			t.Errorf("req.size.bytes tag %#v: %s, want %s", tt.tag, got, tt.want)
		}
	}
	if len(bad) > 0 {
		knownBug(t, "digest-num", "req.size.bytes tags %s make the line invalid JSON: Encoder.field accepts "+
			"anything strconv.ParseFloat accepts as a JSON number", strings.Join(bad, ", "))
	}
}

// The time is written in the local zone whatever the location of the
// span's times, as SOFATracer writes JVM-default-zone times.
func TestAppendDigestTimeIsLocal(t *testing.T) {
	tr := newTracer(t)
	end := time.Date(2024, 1, 31, 23, 59, 59, 999_000_000, time.UTC)
	want := end.In(time.Local).Format("2006-01-02 15:04:05.000")
	zones := []*time.Location{time.FixedZone("plus8", 8*3600), time.UTC, time.FixedZone("minus5", -5*3600), time.Local}
	shared := &digest.Encoder{App: "t", JSON: true, Newline: "\n"}
	var bad []string
	for _, loc := range zones {
		s := tr.StartSpan("op", opentracing.StartTime(end.Add(-time.Second).In(loc))).(*span.Span)
		s.FinishWithOptions(opentracing.FinishOptions{FinishTime: end.In(loc)})
		for _, e := range []*digest.Encoder{{App: "t", JSON: true, Newline: "\n"}, shared} {
			_, vals, err := jsonObject(e.AppendDigest(nil, s, digest.Biz))
			if err != nil {
				t.Fatal(err)
			}
			if got := rawString(t, vals["time"]); got != want {
				bad = append(bad, fmt.Sprintf("%s: %q", loc, got))
			}
		}
	}
	if len(bad) > 0 {
		knownBug(t, "digest-time-zone", "span ending at %v: want local time %q, got %s; timeCache.append formats t "+
			"in its own location and caches the text per Unix second only", end, want, strings.Join(bad, ", "))
	}
}

func TestAppendDigestBaggage(t *testing.T) {
	tr := newTracer(t)
	s := tr.StartSpan("op").(*span.Span)
	s.SetBaggageItem("user", "a=b")
	s.SetBaggageItem("tag", "x&y%")
	s.SetSysBaggageItem("zone", "gz00a")
	s.SetTag(span.TagComponent, "net/http")
	s.SetTag(span.TagSpanKind, "server")
	s.Finish()
	for _, tc := range []struct {
		layout   *digest.Layout
		sys, biz string
	}{
		{digest.HTTPServer, "zone=gz00a&", "tag=x%26y%25&user=a%3Db&"},
		{digest.RPCServer, "", "tag=x%26y%25&user=a%3Db&"},
	} {
		_, vals, err := jsonObject((&digest.Encoder{App: "t", JSON: true}).AppendDigest(nil, s, tc.layout))
		if err != nil {
			t.Fatal(err)
		}
		if tc.layout.Style == digest.RPC {
			if got := rawString(t, vals["baggage"]); got != tc.biz {
				t.Errorf("rpc baggage = %q, want %q (business only)", got, tc.biz)
			}
			if _, ok := vals["sys.baggage"]; ok {
				t.Error("rpc line has sys.baggage")
			}
			continue
		}
		if got := rawString(t, vals["sys.baggage"]); got != tc.sys {
			t.Errorf("sys.baggage = %q, want %q", got, tc.sys)
		}
		if got := rawString(t, vals["biz.baggage"]); got != tc.biz {
			t.Errorf("biz.baggage = %q, want %q", got, tc.biz)
		}
		pline := string((&digest.Encoder{App: "t"}).AppendDigest(nil, s, tc.layout))
		if !strings.HasSuffix(pline, ","+tc.sys+","+tc.biz) {
			t.Errorf("plain line %q does not end with the baggage fields", pline)
		}
	}
}

// Two tags that map to the same "tag.<key>" name must not produce a
// duplicate JSON key.
func TestAppendDigestBizNoDuplicateKeys(t *testing.T) {
	tr := newTracer(t)
	for _, tags := range [][]span.Tag{
		{{Key: "method", Value: "a"}, {Key: "tag.method", Value: "b"}},
		// A tag whose value is nil is still a key of the line.
		{{Key: "tag.time", Value: nil}, {Key: "time", Value: "x"}},
	} {
		s := buildSpan(t, tr, "op", tags...)
		line := (&digest.Encoder{App: "t", JSON: true}).AppendDigest(nil, s, digest.Biz)
		if _, _, err := jsonObject(line); err != nil {
			knownBug(t, "digest-dup-key", "%v in %s: Encoder.extraTags renames a tag clashing with a field to "+
				"\"tag.<key>\" without checking that name against the span's other tags", err, line)
		}
	}
}

// Integer tag values are appended without making strings, and read the
// same as their TagText: numbers in numeric fields (req.size.bytes), quoted
// strings in text fields (resp.size of RPC lines), bare in plain lines.
// result.code of HTTP lines comes from the status code of any integer type.
func TestIntegerTagValues(t *testing.T) {
	tr := newTracer(t)
	for _, v := range []any{0, -1, int8(-8), int16(1600), int32(-32), int64(1 << 40), uint(7), uint8(8), uint16(404), uint32(1 << 31), uint64(1 << 63), uint64(42), 99, 200, 599, 600, "301"} {
		want := span.TagText(v)
		enc := digest.Encoder{App: "app", JSON: true, Newline: "\n"}

		hs := buildSpan(t, tr, "GET /", span.Tag{Key: "component", Value: "net/http"}, span.Tag{Key: "span.kind", Value: "server"},
			span.Tag{Key: span.TagReqSize, Value: v}, span.Tag{Key: span.TagHTTPStatusCode, Value: v})
		_, vals, err := jsonObject(enc.AppendDigest(nil, hs, digest.Classify(hs)))
		if err != nil {
			t.Fatalf("%T %v: %v", v, v, err)
		}
		if _, isString := v.(string); !isString && string(vals["req.size.bytes"]) != want {
			t.Errorf("%T %v: req.size.bytes %s, want the number %s", v, v, vals["req.size.bytes"], want)
		}
		if got := rawString(t, vals["result.code"]); got != want {
			t.Errorf("%T %v: result.code %q, want %q", v, v, got, want)
		}

		rs := buildSpan(t, tr, "svc#m", span.Tag{Key: "component", Value: "bolt"}, span.Tag{Key: "span.kind", Value: "client"},
			span.Tag{Key: span.TagRespSize, Value: v})
		_, vals, err = jsonObject(enc.AppendDigest(nil, rs, digest.Classify(rs)))
		if err != nil {
			t.Fatalf("%T %v: %v", v, v, err)
		}
		if got := rawString(t, vals["resp.size"]); got != want {
			t.Errorf("%T %v: resp.size %q, want %q", v, v, got, want)
		}
		enc.JSON = false
		if line := string(enc.AppendDigest(nil, rs, digest.Classify(rs))); !strings.Contains(line, ","+want+",") {
			t.Errorf("%T %v: plain line %q has no field %q", v, v, line, want)
		}
	}
}

func TestStandardHTTPMethod(t *testing.T) {
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"} {
		if !digest.StandardHTTPMethod(m) {
			t.Errorf("%s is not standard", m)
		}
	}
	for _, m := range []string{"", "get", "PROPFIND", "_OTHER", "GET "} {
		if digest.StandardHTTPMethod(m) {
			t.Errorf("%q is standard", m)
		}
	}
}
