package logline

import (
	"encoding/json"
	"testing"
	"time"
)

func mustMs(t *testing.T, s string) int64 {
	t.Helper()
	tm, err := time.ParseInLocation(TimeLayout, s, time.Local)
	if err != nil {
		t.Fatal(err)
	}
	return tm.UnixMilli()
}

func TestDigestLayouts(t *testing.T) {
	cases := []struct {
		name, layout, line         string
		trace, span, app, kind, op string
		end                        string
		cost                       int64
		failed                     bool
	}{
		{"spring-mvc 3.x", "spring-mvc",
			`{"time":"2025-03-04 10:00:01.250","local.app":"shop","traceId":"0a0000011741053601000100012345","spanId":"0.1","span.kind":"server","result.code":"200","current.thread.name":"http-nio-1","time.cost.milliseconds":"42ms","request.url":"http://shop/cart","method":"GET","req.size.bytes":-1,"resp.size.bytes":10,"error":"","sys.baggage":"","biz.baggage":"u=1&"}` + "\r\n",
			"0a0000011741053601000100012345", "0.1", "shop", "server", "GET http://shop/cart", "2025-03-04 10:00:01.250", 42, false},
		{"spring-mvc 2.x numeric cost", "spring-mvc",
			`{"time":"2025-03-04 10:00:01.250","local.app":"old","traceId":"ab","spanId":"0","request.url":"http://x/y","method":"POST","result.code":"500","req.size.bytes":0,"resp.size.bytes":5,"time.cost.milliseconds":7,"current.thread.name":"t","baggage":""}`,
			"ab", "0", "old", "", "POST http://x/y", "2025-03-04 10:00:01.250", 7, true},
		{"sofarpc client", "rpc-client",
			`{"timestamp":"2025-03-04 10:00:02.000","tracerId":"abc1","spanId":"0.1","span.kind":"client","local.app":"web","protocol":"bolt","service":"com.x.Svc:1.0","method":"call","current.thread.name":"main","invoke.type":"sync","router.record":"DIRECT","remote.app":"svc","remote.ip":"10.0.0.2:12200","local.client.ip":"10.0.0.1","result.code":"00","req.serialize.time":"1","resp.deserialize.time":"2","resp.size":"170","req.size":"582","client.conn.time":"0","client.elapse.time":"155","local.client.port":"5000","baggage":""}`,
			"abc1", "0.1", "web", "client", "com.x.Svc:1.0/call", "2025-03-04 10:00:02.000", 155, false},
		{"sofarpc server, phase times summed", "rpc-server",
			`{"timestamp":"2025-03-04 10:00:02.000","tracerId":"abc1","spanId":"0.1","span.kind":"server","service":"com.x.Svc:1.0","method":"call","remote.ip":"10.0.0.1","remote.app":"web","protocol":"bolt","local.app":"svc","current.thread.name":"biz","result.code":"02","server.pool.wait.time":"3","biz.impl.time":"10","resp.serialize.time":"4","req.deserialize.time":"5","resp.size":"1","req.size":"2","baggage":""}`,
			"abc1", "0.1", "svc", "server", "com.x.Svc:1.0/call", "2025-03-04 10:00:02.000", 22, true},
		{"mosn, traceId and \\n", "",
			`{"timestamp":"2025-03-04 10:00:03.100","traceId":"m1","spanId":"0.1","service":"s","method":"m","protocol":"bolt","result.code":"00","span.kind":"client","client.elapse.time":"9","remote.ip":"1.2.3.4:1"}` + "\n",
			"m1", "0.1", "", "client", "s/m", "2025-03-04 10:00:03.100", 9, false},
		{"unknown layout joins by ids", "",
			`{"when":1,"traceId":"zz","spanId":"0.4.1","time":"2025-03-04 10:00:04.000","nested":{"a":[1,"}"]},"x":null}`,
			"zz", "0.4.1", "", "", "", "2025-03-04 10:00:04.000", -1, false},
		{"java raw quote and duplicate key", "okhttp",
			`{"time":"2025-03-04 10:00:05.000","local.app":"ok","traceId":"t9","spanId":"0","span.kind":"client","result.code":"200","current.thread.name":"main","time.cost.milliseconds":"3ms","request.url":"http://h/p?q="a"","method":"GET","result.code":"200","req.size.bytes":0,"resp.size.bytes":0,"remote.app":"","sys.baggage":"","biz.baggage":""}`,
			"t9", "0", "ok", "client", `GET http://h/p?q="a"`, "2025-03-04 10:00:05.000", 3, false},
		{"plain http-server (this project)", "http-server",
			"2025-03-04 10:00:06.000,front,t10,0.1,server,503,http-server,12ms,http://f/a%2Cb,GET,-1,3,boom,,user=u%3D1&\r\n",
			"t10", "0.1", "front", "server", "GET http://f/a,b", "2025-03-04 10:00:06.000", 12, true},
		{"plain biz with extra tags", "biz",
			"2025-03-04 10:00:07.000,quick,t11,0.2,,,goroutine,5ms,reserve,order.id:A-1,,user=u-42&",
			"t11", "0.2", "quick", "", "reserve", "2025-03-04 10:00:07.000", 5, false},
		{"plain rpc-client (this project)", "rpc-client",
			"2025-03-04 10:00:08.000,t12,0.1.1,client,web,grpc,svc.S,M,grpc-client,sync,,svc,127.0.0.1:1,,00,,,8,,,,,",
			"t12", "0.1.1", "web", "client", "svc.S/M", "2025-03-04 10:00:08.000", 8, false},
	}
	var p Parser
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var r Record
			fields := map[string]string{}
			if err := p.Digest([]byte(c.line), c.layout, &r, func(k, v []byte) { fields[string(k)] = string(v) }); err != nil {
				t.Fatal(err)
			}
			if string(r.TraceID) != c.trace || string(r.SpanID) != c.span || string(r.App) != c.app || string(r.Kind) != c.kind {
				t.Errorf("ids: %q %q %q %q", r.TraceID, r.SpanID, r.App, r.Kind)
			}
			if op := r.Operation(); op != c.op {
				t.Errorf("operation %q, want %q", op, c.op)
			}
			if r.EndMs != mustMs(t, c.end) || r.CostMs != c.cost {
				t.Errorf("end %d cost %d, want %d %d", r.EndMs, r.CostMs, mustMs(t, c.end), c.cost)
			}
			if r.Error() != c.failed {
				t.Errorf("error %v", r.Error())
			}
			if len(fields) == 0 {
				t.Error("no fields reported")
			}
		})
	}
}

func TestCorruptLines(t *testing.T) {
	var p Parser
	var r Record
	for _, l := range []string{
		``, `{`, `{"traceId":"a"`, `{"traceId":"a","spanId":"0"}`, `{"time":"2025-03-04 10:00:00.000","spanId":"0"}`,
		`{"traceId":"a","spanId":"0","time":"bad"}`, `not,a,line`, `{"a":tru}`, `{"a":1}}`, "\x00\xff",
		`{"traceId":"a","spanId":"0","time":"2025-03-04 10:00:00.000",}`,
	} {
		if err := p.Digest([]byte(l), "", &r, nil); err == nil {
			t.Errorf("%q: no error", l)
		}
	}
}

func TestStat(t *testing.T) {
	var p Parser
	var st Stat
	line := `{"time":"2025-03-04 10:01:00.000","stat.key":{"local.app":"shop","request.url":"http://shop/cart","method":"GET"},"count":5,"total.cost.milliseconds":150,"success":"Y","load.test":"F"}` + "\r\n"
	if err := p.Stat([]byte(line), &st); err != nil {
		t.Fatal(err)
	}
	if st.Count != 5 || st.TotalMs != 150 || !st.Success || st.LoadTest || len(st.Key) != 3 || st.Key[1] != (KV{"request.url", "http://shop/cart"}) {
		t.Fatalf("%+v", st)
	}
	if err := p.Stat([]byte("2025-03-04 10:01:00.000,shop,http://x%2Cy,GET,3,30,N,T\r\n"), &st); err != nil {
		t.Fatal(err)
	}
	if st.Count != 3 || st.TotalMs != 30 || st.Success || !st.LoadTest || st.Key[1].Value != "http://x,y" {
		t.Fatalf("%+v", st)
	}
	if err := p.Stat([]byte(`{"time":"2025-03-04 10:01:00.000","count":1}`), &st); err == nil {
		t.Fatal("stat without key accepted")
	}
}

// FuzzScanner checks the lenient scanner against encoding/json: for every
// valid JSON object it must report the same top-level keys and values.
func FuzzScanner(f *testing.F) {
	for _, s := range []string{
		`{"time":"2025-03-04 10:00:01.250","traceId":"a","spanId":"0.1","x":1.5e3,"y":true,"z":null,"o":{"k":"}"},"a":[1,2]}`,
		`{"k\u00e9y":"v\"q\\\/\b\f\n\r\t\ud83d\ude00\ud800x"}`, `{}`, ` { "a" : "b" } `, `{"a":"\u0000"}`, "{\"a\":\"\xff\"}",
		`{"a":"b","a":"c"}`, `{"tracerId":"1","timestamp":"2025-01-01 00:00:00.000","spanId":"0"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var p Parser
		var r Record
		for _, layout := range []string{"", "rpc-client", "biz", "spring-mvc"} {
			_ = p.Digest(data, layout, &r, nil) // never panics, JSON or plain
		}
		var st Stat
		_ = p.Stat(data, &st)
		var want map[string]json.RawMessage
		if !json.Valid(data) || json.Unmarshal(data, &want) != nil || want == nil {
			return
		}
		var sc Scanner
		if err := sc.Reset(data); err != nil {
			t.Fatalf("valid JSON refused: %v", err)
		}
		got := map[string]bool{}
		var buf []byte
		last := map[string]string{}
		for {
			k, v, typ, ok, err := sc.Next()
			if err != nil {
				t.Fatalf("valid JSON refused: %v", err)
			}
			if !ok {
				break
			}
			k, buf = Unquote(k, buf)
			switch typ {
			case TypeString:
				var s []byte
				s, buf = Unquote(v, buf)
				last[string(k)] = "s" + string(s)
			default:
				last[string(k)] = "r" + string(v)
			}
			got[string(k)] = true
		}
		if len(got) != len(want) {
			t.Fatalf("keys %v, want %d", got, len(want))
		}
		for k, raw := range want {
			g, ok := last[k]
			if !ok {
				t.Fatalf("key %q missing", k)
			}
			var s string
			if string(raw) != "null" && json.Unmarshal(raw, &s) == nil {
				if g != "s"+s {
					t.Fatalf("key %q: %q, want string %q", k, g, s)
				}
				continue
			}
			var any1, any2 any
			if err := json.Unmarshal(raw, &any1); err != nil || g[0] != 'r' || json.Unmarshal([]byte(g[1:]), &any2) != nil {
				t.Fatalf("key %q: %q, want %s", k, g, raw)
			}
			a, _ := json.Marshal(any1)
			b, _ := json.Marshal(any2)
			if string(a) != string(b) {
				t.Fatalf("key %q: %s, want %s", k, g[1:], raw)
			}
		}
	})
}
