package propagation_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/propagation"
	"github.com/sofatracer/sofatracer-go/span"
)

// wireCtx is the context of the wire-format tests.
func wireCtx(sampled bool) *span.Context {
	return newCtx(sofaTrace, "0.1", "0", sampled,
		map[string]string{"uid": "a=b", "mark": "T"}, map[string]string{"zone": "gz&00a"})
}

const wireSerialized = "tcid=" + sofaTrace + "&spid=0.1&pspid=0&sample=true&_sys_zone=gz%2600a&mark=T&uid=a%3Db&"

func TestSerializeWire(t *testing.T) {
	tests := []struct {
		name string
		sc   *span.Context
		want string
	}{
		{"spec form", wireCtx(true), wireSerialized},
		{"root unsampled", newCtx(sofaTrace, "0", "", false, nil, nil), "tcid=" + sofaTrace + "&spid=0&pspid=&sample=false&"},
		{"spec example", newCtx("0a0fe9271567477985327100211176", "0.1", "0", true, map[string]string{"uid": "123"}, map[string]string{"zone": "gz00a"}),
			"tcid=0a0fe9271567477985327100211176&spid=0.1&pspid=0&sample=true&_sys_zone=gz00a&uid=123&"},
		{"sorted keys", newCtx("t", "0", "", true, map[string]string{"b": "2", "a": "1"}, map[string]string{"z": "9", "y": "8"}),
			"tcid=t&spid=0&pspid=&sample=true&_sys_y=8&_sys_z=9&a=1&b=2&"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := propagation.Serialize(tt.sc); got != tt.want {
				t.Errorf("Serialize = %q, want %q", got, tt.want)
			}
			if got := string(propagation.AppendSerialized([]byte("x"), tt.sc)); got != "x"+tt.want {
				t.Errorf("AppendSerialized = %q", got)
			}
			sc, _, err := propagation.Parse(tt.want, propagation.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if d := diffCtx(sc, tt.sc); d != "" {
				t.Errorf("Parse:%s", d)
			}
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want *span.Context
	}{
		{"no trailing &", "tcid=t&spid=0.1&pspid=0&sample=false", newCtx("t", "0.1", "0", false, nil, nil)},
		{"missing spid is 0", "tcid=t&", newCtx("t", "0", "", true, nil, nil)},
		{"missing pspid is derived", "tcid=t&spid=0.2.3&", newCtx("t", "0.2.3", "0.2", true, nil, nil)},
		{"sample 1", "tcid=t&sample=1&", newCtx("t", "0", "", true, nil, nil)},
		{"sample 0", "tcid=t&sample=0&", newCtx("t", "0", "", false, nil, nil)},
		{"sample TRUE", "tcid=t&sample=TRUE&", newCtx("t", "0", "", true, nil, nil)},
		{"sample junk", "tcid=t&sample=yes&", newCtx("t", "0", "", false, nil, nil)},
		{"empty keys and pairs skipped", "&=x&tcid=t&&junk&", newCtx("t", "0", "", true, nil, nil)},
		{"blank sys skipped, blank biz kept", "tcid=t&_sys_a=&b=&", newCtx("t", "0", "", true, map[string]string{"b": ""}, nil)},
		{"_sys_ alone is no key", "tcid=t&_sys_=v&", newCtx("t", "0", "", true, nil, nil)},
		{"escaped baggage", "tcid=t&k%26=v%3D%25&_sys_z%3D=%26&", newCtx("t", "0", "", true, map[string]string{"k&": "v=%"}, map[string]string{"z=": "&"})},
		{"key case kept", "tcid=t&UserId=1&", newCtx("t", "0", "", true, map[string]string{"UserId": "1"}, nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, _, err := propagation.Parse(tt.in, propagation.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if d := diffCtx(sc, tt.want); d != "" {
				t.Error(d)
			}
		})
	}
}

func TestInjectTextMapWire(t *testing.T) {
	c := opentracing.TextMapCarrier{}
	if err := propagation.Inject(wireCtx(true), opentracing.TextMap, c); err != nil {
		t.Fatal(err)
	}
	if want := (opentracing.TextMapCarrier{"sftc_head": wireSerialized}); !maps.Equal(c, want) {
		t.Errorf("TextMap carrier %q, want %q", c, want)
	}
}

func TestInjectBinaryWire(t *testing.T) {
	var buf bytes.Buffer
	if err := propagation.Inject(wireCtx(true), opentracing.Binary, &buf); err != nil {
		t.Fatal(err)
	}
	want := []byte("sftc_head")
	want = binary.BigEndian.AppendUint32(want, uint32(len(wireSerialized)))
	want = append(want, wireSerialized...)
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("binary carrier\n got %q\nwant %q", buf.Bytes(), want)
	}
}

func TestExtractBinary(t *testing.T) {
	frame := func(body string) []byte {
		b := binary.BigEndian.AppendUint32([]byte("sftc_head"), uint32(len(body)))
		return append(b, body...)
	}
	tests := []struct {
		name string
		data []byte
		want *span.Context
	}{
		{"exact", frame(wireSerialized), wireCtx(true)},
		{"leading garbage is skipped", append([]byte("\x00\x01junk"), frame(wireSerialized)...), wireCtx(true)},
		{"trailing data ignored", append(frame("tcid=t&spid=0.1&"), "tcid=other&"...), newCtx("t", "0.1", "0", true, nil, nil)},
		{"length shorter than body", append(binary.BigEndian.AppendUint32([]byte("sftc_head"), 7), "tcid=t&spid=9&"...), newCtx("t", "0", "", true, nil, nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, _, err := propagation.Extract(opentracing.Binary, bytes.NewReader(tt.data), propagation.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if d := diffCtx(sc, tt.want); d != "" {
				t.Error(d)
			}
		})
	}
}

func TestInjectSOFARPCWire(t *testing.T) {
	tests := []struct {
		name   string
		format any
		sc     *span.Context
		want   opentracing.TextMapCarrier
	}{
		{
			"old keys", propagation.SOFARPC, wireCtx(true),
			opentracing.TextMapCarrier{
				"rpc_trace_context.sofaTraceId":  sofaTrace,
				"rpc_trace_context.sofaRpcId":    "0.1",
				"rpc_trace_context.samp":         "true",
				"rpc_trace_context.sofaPenAttrs": "mark=T&uid=a%3Db&",
				"rpc_trace_context.sysPenAttrs":  "zone=gz%2600a&",
			},
		},
		{
			"old keys, unsampled, no baggage", propagation.SOFARPC, newCtx(sofaTrace, "0", "", false, nil, nil),
			opentracing.TextMapCarrier{
				"rpc_trace_context.sofaTraceId":  sofaTrace,
				"rpc_trace_context.sofaRpcId":    "0",
				"rpc_trace_context.samp":         "false",
				"rpc_trace_context.sofaPenAttrs": "",
				"rpc_trace_context.sysPenAttrs":  "",
			},
		},
		{
			"new key", propagation.SOFARPCNew, wireCtx(true),
			opentracing.TextMapCarrier{"new_rpc_trace_context": wireSerialized},
		},
		{
			"triple", propagation.Triple, wireCtx(false),
			opentracing.TextMapCarrier{
				"sofa-traceid":          sofaTrace,
				"sofa-rpcid":            "0.1",
				"tri-trace-traceid":     sofaTrace,
				"tri-trace-rpcid":       "0.1",
				"tri-trace-samp":        "false",
				"tri-trace-biz-baggage": "mark=T&uid=a%3Db&",
				"tri-trace-sys-baggage": "zone=gz%2600a&",
			},
		},
		{
			"triple without baggage", propagation.Triple, newCtx(sofaTrace, "0.2", "0", true, nil, nil),
			opentracing.TextMapCarrier{
				"sofa-traceid": sofaTrace, "sofa-rpcid": "0.2", "tri-trace-traceid": sofaTrace, "tri-trace-rpcid": "0.2", "tri-trace-samp": "true",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := opentracing.TextMapCarrier{}
			if err := propagation.Inject(tt.sc, tt.format, c); err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(c, tt.want) {
				t.Errorf("carrier\n got %q\nwant %q", c, tt.want)
			}
		})
	}
}

func TestExtractSOFARPC(t *testing.T) {
	tests := []struct {
		name   string
		format any
		c      opentracing.TextMapCarrier
		want   *span.Context
	}{
		{
			// The trace headers of bolt-fixtures.txt F1 (a real SOFARPC
			// request), with the unrelated Bolt headers around them.
			"bolt fixture F1", propagation.SOFARPC,
			opentracing.TextMapCarrier{
				"sofa_head_target_service":           "com.alipay.rpc.common.service.facade.pb.SampleServicePb:1.0",
				"rpc_trace_context.sofaRpcId":        "0",
				"rpc_trace_context.zproxyTimeout":    "100",
				"rpc_trace_context.sofaTraceId":      "0ba616a11523251819114100218738",
				"rpc_trace_context.sofaCallerIdc":    "dev",
				"rpc_trace_context.sofaCallerIp":     "11.166.22.161",
				"rpc_trace_context.sofaPenAttrs":     "",
				"rpc_trace_context.zproxyUID":        "",
				"rpc_trace_context.sofaCallerZone":   "GZ00B",
				"sofa_head_target_app":               "bar1",
				"service":                            "com.alipay.rpc.common.service.facade.pb.SampleServicePb:1.0",
				"rpc_trace_context.Elastic":          "F",
				"rpc_trace_context.sysPenAttrs":      "",
				"rpc_trace_context.zproxyTargetZone": "",
				"rpc_trace_context.sofaCallerApp":    "foo",
				"sofa_head_method_name":              "hello",
			},
			newCtx("0ba616a11523251819114100218738", "0", "", true, nil, nil),
		},
		{
			"samp false", propagation.SOFARPC,
			opentracing.TextMapCarrier{propagation.RPCTraceID: sofaTrace, propagation.RPCSpanID: "0.1.2", propagation.RPCSampled: "false"},
			newCtx(sofaTrace, "0.1.2", "0.1", false, nil, nil),
		},
		{
			"samp in sys baggage (old callers)", propagation.SOFARPC,
			opentracing.TextMapCarrier{propagation.RPCTraceID: sofaTrace, propagation.RPCSysPenAttrs: "samp=false&zone=z&"},
			newCtx(sofaTrace, "0", "", false, nil, map[string]string{"samp": "false", "zone": "z"}),
		},
		{
			"samp key wins over sys baggage", propagation.SOFARPC,
			opentracing.TextMapCarrier{propagation.RPCTraceID: sofaTrace, propagation.RPCSampled: "true", propagation.RPCSysPenAttrs: "samp=false&"},
			newCtx(sofaTrace, "0", "", true, nil, map[string]string{"samp": "false"}),
		},
		{
			"baggage", propagation.SOFARPC,
			opentracing.TextMapCarrier{propagation.RPCTraceID: sofaTrace, propagation.RPCSpanID: "0.1", propagation.RPCPenAttrs: "mark=T&uid=a%3Db", propagation.RPCSysPenAttrs: "zone=gz%2600a&"},
			newCtx(sofaTrace, "0.1", "0", true, map[string]string{"mark": "T", "uid": "a=b"}, map[string]string{"zone": "gz&00a"}),
		},
		{
			"new key preferred", propagation.SOFARPC,
			opentracing.TextMapCarrier{propagation.RPCNewContext: wireSerialized, propagation.RPCTraceID: "other", propagation.RPCSpanID: "9"},
			wireCtx(true),
		},
		{
			"new key format", propagation.SOFARPCNew,
			opentracing.TextMapCarrier{propagation.RPCNewContext: wireSerialized},
			wireCtx(true),
		},
		{
			"bolt keys are case-sensitive", propagation.SOFARPC,
			opentracing.TextMapCarrier{propagation.RPCTraceID: sofaTrace, "RPC_TRACE_CONTEXT.SOFARPCID": "0.5"},
			newCtx(sofaTrace, "0", "", true, nil, nil),
		},
		{
			"triple old keys preferred", propagation.Triple,
			opentracing.TextMapCarrier{"sofa-traceid": sofaTrace, "sofa-rpcid": "0.1", "tri-trace-traceid": "other", "tri-trace-rpcid": "0.9", "tri-trace-samp": "false"},
			newCtx(sofaTrace, "0.1", "0", false, nil, nil),
		},
		{
			"triple new keys only", propagation.Triple,
			opentracing.TextMapCarrier{"tri-trace-traceid": sofaTrace, "tri-trace-rpcid": "0.3", "tri-trace-biz-baggage": "k=v&", "tri-trace-sys-baggage": "s=w&"},
			newCtx(sofaTrace, "0.3", "0", true, map[string]string{"k": "v"}, map[string]string{"s": "w"}),
		},
		{
			"triple keys are case-insensitive", propagation.Triple,
			opentracing.TextMapCarrier{"SOFA-TraceId": sofaTrace, "SOFA-RpcId": "0.4", "Tri-Trace-Samp": "0"},
			newCtx(sofaTrace, "0.4", "0", false, nil, nil),
		},
		{
			"triple ignores new_rpc_trace_context", propagation.Triple,
			opentracing.TextMapCarrier{propagation.RPCNewContext: "tcid=other&", "sofa-traceid": sofaTrace},
			newCtx(sofaTrace, "0", "", true, nil, nil),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, _, err := propagation.Extract(tt.format, tt.c, propagation.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if d := diffCtx(sc, tt.want); d != "" {
				t.Error(d)
			}
		})
	}
}

// The fixture's header block is the exact one of bolt-fixtures.txt F1.
func TestBoltFixtureKeysMatchConstants(t *testing.T) {
	for _, k := range []string{propagation.RPCTraceID, propagation.RPCSpanID, propagation.RPCPenAttrs, propagation.RPCSysPenAttrs,
		propagation.RPCCallerApp, propagation.RPCCallerIP, propagation.RPCCallerZone, propagation.RPCSampled} {
		if !strings.HasPrefix(k, "rpc_trace_context.") {
			t.Errorf("Bolt key %q lacks the rpc_trace_context. prefix", k)
		}
	}
	if propagation.RPCNewContext != "new_rpc_trace_context" || propagation.HeadKey != "sftc_head" {
		t.Error("wrong serialized-context keys")
	}
}

// gRPC metadata values must be printable ASCII: Triple baggage with other
// bytes is written as %XX and read back unchanged.
func TestTripleBaggageIsMetadataSafe(t *testing.T) {
	biz := map[string]string{"uni": "名前", "crlf": "a\r\nb", "nul": "\x00", "del": "\x7f", "pct": "%41%0A%zz", "bad": "\xff"}
	sys := map[string]string{"zone": "區\t"}
	sc := newCtx(sofaTrace, "0.1", "0", true, biz, sys)
	c := opentracing.TextMapCarrier{}
	if err := propagation.Inject(sc, propagation.Triple, c); err != nil {
		t.Fatal(err)
	}
	for k, v := range c {
		for i := 0; i < len(v); i++ {
			if v[i] < 0x20 || v[i] > 0x7e {
				t.Fatalf("metadata %s = %q has byte %#x", k, v, v[i])
			}
		}
	}
	got, _, err := propagation.Extract(propagation.Triple, c, propagation.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got.Baggage().Biz, biz) || !maps.Equal(got.Baggage().Sys, sys) {
		t.Errorf("biz %q sys %q, want %q %q", got.Baggage().Biz, got.Baggage().Sys, biz, sys)
	}
	// A Java caller's raw k=v& text (no %XX besides the three escapes)
	// reads as before.
	raw := opentracing.TextMapCarrier{propagation.TriTraceID: sofaTrace, propagation.TriBizBaggage: "k=a%3Db%26c%25d&x=%2541&"}
	got, _, err = propagation.Extract(propagation.Triple, raw, propagation.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"k": "a=b&c%d", "x": "%41"}; !maps.Equal(got.Baggage().Biz, want) {
		t.Errorf("raw baggage %q, want %q", got.Baggage().Biz, want)
	}
}

// pairList is a TextMapReader that may repeat a key, as Bolt headers and
// gRPC metadata can.
type pairList [][2]string

func (p pairList) ForeachKey(fn func(k, v string) error) error {
	for _, kv := range p {
		if err := fn(kv[0], kv[1]); err != nil {
			return err
		}
	}
	return nil
}

// The first value of a repeated RPC key wins, and an oversized value is
// refused with the key's name.
func TestExtractRPCFirstValueAndSize(t *testing.T) {
	r := pairList{
		{propagation.RPCTraceID, sofaTrace}, {propagation.RPCSpanID, "0.2"},
		{propagation.RPCTraceID, "0a0fe9271567477985327100299999"}, {propagation.RPCSpanID, "0.9"},
	}
	c, _, err := propagation.Extract(propagation.SOFARPC, r, propagation.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if c.TraceID != sofaTrace || c.SpanID != "0.2" {
		t.Fatalf("got %s/%s, want the first values %s/0.2", c.TraceID, c.SpanID, sofaTrace)
	}
	big := append(r[:2:2], [2]string{propagation.RPCPenAttrs, "k=" + strings.Repeat("v", 70<<10) + "&"})
	_, _, err = propagation.Extract(propagation.SOFARPC, big, propagation.Limits{})
	if !errors.Is(err, opentracing.ErrSpanContextCorrupted) || !strings.Contains(err.Error(), propagation.RPCPenAttrs) {
		t.Fatalf("oversized baggage: %v, want a corrupted-context error naming %s", err, propagation.RPCPenAttrs)
	}
}
