package zipkin

import (
	"hash/fnv"
	"net"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/log"
	"github.com/openzipkin/zipkin-go/model"

	"github.com/sofatracer/sofatracer-go/span"
)

func TestHashSpanIDWorkedValues(t *testing.T) {
	// The values of the spec (§11), which SOFATracer's Java adapter gives.
	for in, want := range map[string]string{
		"0":     "af63ad4c86019caf",
		"0.1":   "4e18dd181d0a2066",
		"0.1.1": "b1ecc5b0e1cf206b",
		"0.2":   "4e18dc181d0a1eb3",
	} {
		if got := HashSpanID(in).String(); got != want {
			t.Errorf("HashSpanID(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestHashSpanIDIsFNV1a(t *testing.T) {
	for _, s := range []string{"", "0.1.2.3.4.5.6.7.8.9.10", "abc"} {
		h := fnv.New64a()
		h.Write([]byte(s))
		if got, want := uint64(HashSpanID(s)), h.Sum64(); got != want {
			t.Errorf("HashSpanID(%q) = %x, want %x", s, got, want)
		}
	}
	// Non-ASCII: Java hashes UTF-16 code units, not bytes.
	h := uint64(fnvOffset64)
	for _, u := range []uint16{'0', '.', 0x00e9, 0xd83d, 0xde00} { // "0.é😀"
		h = (h ^ uint64(u)) * fnvPrime64
	}
	if got := uint64(HashSpanID("0.é😀")); got != h {
		t.Errorf("UTF-16 hash = %x, want %x", got, h)
	}
}

func TestMapTraceID(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"0a0fe9271567477985327100211176", "000a0fe9271567477985327100211176"}, // the spec's example
		{"0a0fe9271567477985327100211176T", "000a0fe9271567477985327100211176"},
		{"0A0FE9271567477985327100211176", "000a0fe9271567477985327100211176"},
		{"c0a801021715000000000100012345", "00c0a801021715000000000100012345"},
		{"1234", "0000000000001234"},
		{"463ac35c9f6413ad", "463ac35c9f6413ad"},
		{"463ac35c9f6413ad48485a3953bb6124", "463ac35c9f6413ad48485a3953bb6124"},
	} {
		if got := MapTraceID(c.in).String(); got != c.want {
			t.Errorf("MapTraceID(%q) = %s, want %s", c.in, got, c.want)
		}
	}
	// Not mappable by the Java rule: 128-bit FNV-1a, deterministic.
	for _, in := range []string{
		"0a0fe92715674779853271002111767",   // 31: still hex, fine
		"0a0fe9271567477985327100211176712", // 33 digits: an 8-digit pid
		"not-hex-at-all",
		"00000000",
		"T",
	} {
		got := MapTraceID(in)
		if got.Empty() || got != MapTraceID(in) {
			t.Errorf("MapTraceID(%q) = %v, not a stable id", in, got)
		}
	}
	long := "0a0fe9271567477985327100211176712"
	h := fnv.New128a()
	h.Write([]byte(long))
	sum := h.Sum(nil)
	want := model.TraceID{High: beUint64(sum[:8]), Low: beUint64(sum[8:])}
	if got := MapTraceID(long).String(); got != want.String() || len(got) != 32 {
		t.Errorf("MapTraceID(33 digits) = %s, want FNV-1a 128 %s", got, want)
	}
	if MapTraceID(long+"T") != MapTraceID(long) {
		t.Error("trailing T changes the mapped id")
	}
	// 8 + 13 + 4 + pid digits: Linux's largest pid (7 digits) gives 32 and
	// keeps its hex value; an 8-digit pid gives 33 and is hashed.
	for _, pid := range []string{"4194304", "12345678"} {
		id := "0a0fe927" + "1567477985327" + "1002" + pid
		got := MapTraceID(id).String()
		if kept := got == id; kept != (len(id) == 32) || len(id) != 25+len(pid) {
			t.Errorf("pid %s: TraceId %s (%d digits) maps to %s", pid, id, len(id), got)
		}
	}
	if MapTraceID("not-hex-a") == MapTraceID("not-hex-b") {
		t.Error("different TraceIds map to one id")
	}
}

func beUint64(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

func TestIDsSOFA(t *testing.T) {
	c := span.NewContext("0a0fe9271567477985327100211176", "0.1.1", "0.1", true)
	tr, id, parent := IDs(c)
	if tr.String() != "000a0fe9271567477985327100211176" || id.String() != "b1ecc5b0e1cf206b" || parent == nil || parent.String() != "4e18dd181d0a2066" {
		t.Fatalf("IDs = %s %s %v", tr, id, parent)
	}
	_, _, parent = IDs(span.NewContext("0a0fe9271567477985327100211176", "0", "", true))
	if parent != nil {
		t.Fatalf("root has parent %v", parent)
	}
}

func TestIDsB3AndW3CUsedAsTheyAre(t *testing.T) {
	for _, f := range []span.Format{span.FormatB3, span.FormatW3C} {
		c := span.NewContext("463ac35c9f6413ad48485a3953bb6124", "a2fb4a1d1a96d312", "0020000000000001", true)
		c.Format = f
		tr, id, parent := IDs(c)
		if tr.String() != "463ac35c9f6413ad48485a3953bb6124" || id.String() != "a2fb4a1d1a96d312" || parent.String() != "0020000000000001" {
			t.Errorf("format %d: IDs = %s %s %v", f, tr, id, parent)
		}
		c = span.NewContext("463ac35c9f6413ad", "a2fb4a1d1a96d312", "", true)
		c.Format = f
		if tr, _, _ := IDs(c); tr.String() != "463ac35c9f6413ad" {
			t.Errorf("64-bit trace id became %s", tr)
		}
	}
	// The same ids in SOFA format are hashed.
	c := span.NewContext("463ac35c9f6413ad", "a2fb4a1d1a96d312", "", true)
	if _, id, _ := IDs(c); id == 0xa2fb4a1d1a96d312 {
		t.Error("SOFA span id not hashed")
	}
}

func TestConvert(t *testing.T) {
	s := testRecorder.Start("HTTP GET", t0)
	s.Ctx.Init("0a0fe9271567477985327100211176", "0.1.1", "0.1", true)
	s.Ctx.SetBaggage(&span.Baggage{Biz: map[string]string{"user": "u1", "http.method": "not me"}, Sys: map[string]string{"sys": "s1"}})
	s.SetTags(
		span.Tag{Key: span.TagSpanKind, Value: "client"},
		span.Tag{Key: span.TagComponent, Value: "net/http"},
		span.Tag{Key: span.TagHTTPMethod, Value: "GET"},
		span.Tag{Key: span.TagHTTPStatusCode, Value: 200},
		span.Tag{Key: span.TagError, Value: false},
		span.Tag{Key: "ratio", Value: 0.25},
		span.Tag{Key: span.TagReqSize, Value: int64(42)},
		span.Tag{Key: span.TagPeerIPv4, Value: "10.1.2.3"},
		span.Tag{Key: span.TagPeerPort, Value: uint16(8080)},
		span.Tag{Key: span.TagPeerService, Value: "Orders"},
	)
	s.LogFields(log.String("event", "retry"), log.Int("attempt", 2), log.String("event", "cs"))
	s.FinishWithOptions(opentracing.FinishOptions{FinishTime: t0.Add(1234567 * time.Nanosecond)})
	m := Convert(s, "Front")

	if m.TraceID.String() != "000a0fe9271567477985327100211176" || m.ID.String() != "b1ecc5b0e1cf206b" || m.ParentID.String() != "4e18dd181d0a2066" {
		t.Errorf("ids %s %s %s", m.TraceID, m.ID, m.ParentID)
	}
	if m.Kind != model.Client || m.Shared || m.Name != "HTTP GET" {
		t.Errorf("kind %q shared %v name %q", m.Kind, m.Shared, m.Name)
	}
	if !m.Timestamp.Equal(t0) || m.Duration != 1234567*time.Nanosecond {
		t.Errorf("timestamp %v duration %v", m.Timestamp, m.Duration)
	}
	if m.LocalEndpoint.ServiceName != "Front" || !m.LocalEndpoint.IPv4.Equal(localIPv4) {
		t.Errorf("local endpoint %+v", m.LocalEndpoint)
	}
	if r := m.RemoteEndpoint; r == nil || r.ServiceName != "Orders" || !r.IPv4.Equal(net.IPv4(10, 1, 2, 3)) || r.Port != 8080 {
		t.Errorf("remote endpoint %+v", r)
	}
	want := map[string]string{
		"component": "net/http", "http.method": "GET", "http.status_code": "200", "error": "false",
		"ratio": "0.25", "req.size.bytes": "42", "peer.ipv4": "10.1.2.3", "peer.port": "8080", "peer.service": "Orders",
		TagOriginTraceID: "0a0fe9271567477985327100211176", TagOriginSpanID: "0.1.1", TagOriginParentID: "0.1",
		"user": "u1", "sys": "s1",
	}
	for k, v := range want {
		if m.Tags[k] != v {
			t.Errorf("tag %s = %q, want %q", k, m.Tags[k], v)
		}
	}
	if len(m.Tags) != len(want) {
		t.Errorf("tags %v, want exactly %v", m.Tags, want)
	}
	if len(m.Annotations) != 2 || m.Annotations[0].Value != "retry" || m.Annotations[1].Value != "attempt=2" {
		t.Errorf("annotations %+v", m.Annotations)
	}

	// Encoded: microseconds, not milliseconds.
	b, err := m.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var enc struct{ Timestamp, Duration int64 }
	if err := jsonUnmarshal(b, &enc); err != nil {
		t.Fatal(err)
	}
	if enc.Timestamp != t0.Round(time.Microsecond).UnixMicro() || enc.Duration != 1235 {
		t.Errorf("encoded timestamp %d duration %d, want %d and 1235", enc.Timestamp, enc.Duration, t0.UnixMicro())
	}
}

func TestConvertKinds(t *testing.T) {
	for v, want := range map[any]model.Kind{
		"server": model.Server, "client": model.Client, "producer": model.Producer, "consumer": model.Consumer,
		"SERVER": model.Server, "internal": model.Undetermined, 7: model.Undetermined,
	} {
		if got := Convert(mkSpan("1", "0", "", time.Millisecond, span.Tag{Key: span.TagSpanKind, Value: v}), "a").Kind; got != want {
			t.Errorf("span.kind %v -> %q, want %q", v, got, want)
		}
	}
	if got := Convert(mkSpan("1", "0", "", time.Millisecond), "a"); got.Kind != model.Undetermined || got.Tags[span.TagSpanKind] != "" {
		t.Errorf("no span.kind -> %q", got.Kind)
	}
}

func TestConvertShared(t *testing.T) {
	s := mkSpan("0a0fe9271567477985327100211176", "0.1", "0", time.Millisecond, span.Tag{Key: span.TagSpanKind, Value: "server"})
	s.Ctx.Shared = true
	m := Convert(s, "a")
	if !m.Shared || m.ID.String() != "4e18dd181d0a2066" || m.ParentID.String() != "af63ad4c86019caf" {
		t.Errorf("shared %v id %s parent %s", m.Shared, m.ID, m.ParentID)
	}
}

func TestConvertRemoteEndpoint(t *testing.T) {
	for _, c := range []struct {
		name string
		tags []span.Tag
		want *model.Endpoint
	}{
		{"none", nil, nil},
		{"remote.ip", []span.Tag{{Key: span.TagRemoteIP, Value: "10.0.0.9:12200"}, {Key: span.TagRemoteApp, Value: "bolt-app"}},
			&model.Endpoint{ServiceName: "bolt-app", IPv4: net.IPv4(10, 0, 0, 9).To4(), Port: 12200}},
		{"remote.ip no port", []span.Tag{{Key: span.TagRemoteIP, Value: "10.0.0.9"}}, &model.Endpoint{IPv4: net.IPv4(10, 0, 0, 9).To4()}},
		{"ipv6", []span.Tag{{Key: span.TagRemoteIP, Value: "[::1]:80"}}, &model.Endpoint{IPv6: net.ParseIP("::1"), Port: 80}},
		{"uint32 ipv4", []span.Tag{{Key: span.TagPeerIPv4, Value: uint32(0x0a000001)}, {Key: span.TagPeerPort, Value: 443}},
			&model.Endpoint{IPv4: net.IPv4(10, 0, 0, 1).To4(), Port: 443}},
		{"hostname address", []span.Tag{{Key: span.TagPeerHostname, Value: "127.0.0.1"}, {Key: span.TagPeerPort, Value: "9"}},
			&model.Endpoint{IPv4: net.IPv4(127, 0, 0, 1).To4(), Port: 9}},
		{"hostname name", []span.Tag{{Key: span.TagPeerHostname, Value: "example.com"}, {Key: span.TagPeerPort, Value: uint16(9)}},
			&model.Endpoint{Port: 9}},
		{"peer wins over remote.ip", []span.Tag{{Key: span.TagPeerIPv4, Value: "1.2.3.4"}, {Key: span.TagRemoteIP, Value: "5.6.7.8:99"}},
			&model.Endpoint{IPv4: net.IPv4(1, 2, 3, 4).To4(), Port: 99}},
		{"bad port", []span.Tag{{Key: span.TagPeerService, Value: "x"}, {Key: span.TagPeerPort, Value: 70000}}, &model.Endpoint{ServiceName: "x"}},
	} {
		got := Convert(mkSpan("1", "0", "", time.Millisecond, c.tags...), "a").RemoteEndpoint
		if (got == nil) != (c.want == nil) || got != nil && (got.ServiceName != c.want.ServiceName || !got.IPv4.Equal(c.want.IPv4) || !got.IPv6.Equal(c.want.IPv6) || got.Port != c.want.Port) {
			t.Errorf("%s: remote endpoint %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestConvertFallbackName(t *testing.T) {
	mk := func(tags ...span.Tag) string {
		s := testRecorder.Start("", t0)
		s.Ctx.Init("1", "0", "", true)
		s.SetTags(tags...)
		s.Finish()
		return Convert(s, "a").Name
	}
	if n := mk(span.Tag{Key: "message.topic", Value: "T1"}, span.Tag{Key: "message.event.code", Value: "E1"}, span.Tag{Key: "table.name", Value: "x"}); n != "T1:E1" {
		t.Errorf("name %q", n)
	}
	if n := mk(span.Tag{Key: "table.name", Value: "orders"}, span.Tag{Key: "datasource.name", Value: "ds"}); n != "orders" {
		t.Errorf("name %q", n)
	}
	if n := mk(span.Tag{Key: "datasource.name", Value: "ds"}); n != "ds" {
		t.Errorf("name %q", n)
	}
}

func TestConvertB3HasNoOriginTags(t *testing.T) {
	s := mkSpan("463ac35c9f6413ad48485a3953bb6124", "a2fb4a1d1a96d312", "0020000000000001", time.Millisecond)
	s.Ctx.Format = span.FormatB3
	m := Convert(s, "a")
	if _, ok := m.Tags[TagOriginSpanID]; ok || m.ID != 0xa2fb4a1d1a96d312 {
		t.Errorf("tags %v id %s", m.Tags, m.ID)
	}
}

func TestConvertZeroTimesEncode(t *testing.T) {
	s := testRecorder.Start("op", time.Unix(0, 0))
	s.Ctx.Init("1", "0", "", true)
	s.Log(opentracing.LogData{Timestamp: time.Unix(0, 5), Event: "e"})
	s.FinishWithOptions(opentracing.FinishOptions{FinishTime: time.Unix(0, 0)})
	m := Convert(s, "a")
	if _, err := m.MarshalJSON(); err != nil {
		t.Fatalf("a span at the epoch does not encode: %v", err)
	}
}
