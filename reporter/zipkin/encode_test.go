package zipkin

import (
	"encoding/json"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/openzipkin/zipkin-go/model"

	"github.com/sofatracer/sofatracer-go/span"
)

// sameJSON checks that appendSpanJSON and zipkin-go's MarshalJSON encode m
// to the same JSON value.
func sameJSON(t *testing.T, m *model.SpanModel) {
	t.Helper()
	want, werr := m.MarshalJSON()
	got, gerr := appendSpanJSON(nil, m)
	if (werr != nil) != (gerr != nil) {
		t.Fatalf("errors differ: zipkin-go %v, ours %v", werr, gerr)
	}
	if werr != nil {
		return
	}
	var a, b any
	if err := json.Unmarshal(got, &a); err != nil {
		t.Fatalf("ours is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal(want, &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("encodings differ:\nours      %s\nzipkin-go %s", got, want)
	}
}

func TestAppendSpanJSONMatchesZipkinGo(t *testing.T) {
	parent := model.ID(7)
	for _, m := range []model.SpanModel{
		Convert(benchSpan(), "Orders"),
		Convert(mkSpan("0a0fe9271567477985327100211176", "0.1", "0", 1500*time.Microsecond, span.Tag{Key: span.TagSpanKind, Value: "server"}, span.Tag{Key: span.TagRemoteIP, Value: "[::1]:80"}), "x"),
		{SpanContext: model.SpanContext{TraceID: model.TraceID{Low: 1}, ID: 2}},
		{SpanContext: model.SpanContext{TraceID: model.TraceID{High: 0xffffffffffffffff, Low: 1}, ID: 0xffffffffffffffff, ParentID: &parent, Debug: true},
			Name: "Ünïcode <b>&\"quoted\"\\ \u2028\x01\n\r\t", Kind: model.Consumer, Shared: true,
			Timestamp: time.Unix(1700000000, 999999), Duration: 400 * time.Nanosecond,
			LocalEndpoint:  &model.Endpoint{ServiceName: "SVC", IPv6: net.ParseIP("fe80::1"), Port: 1},
			RemoteEndpoint: &model.Endpoint{},
			Annotations:    []model.Annotation{{Timestamp: time.Unix(1700000000, 1500), Value: "bad \xff utf8"}},
			Tags:           map[string]string{"a\x00": "\xc3\x28", "b": ""},
		},
		{SpanContext: model.SpanContext{TraceID: model.TraceID{Low: 1}, ID: 2}, Duration: 1499 * time.Nanosecond},
		{SpanContext: model.SpanContext{TraceID: model.TraceID{Low: 1}, ID: 2}, Duration: 1500 * time.Nanosecond},
		{SpanContext: model.SpanContext{TraceID: model.TraceID{Low: 1}, ID: 2}, Timestamp: time.Unix(0, 5)},
		{SpanContext: model.SpanContext{TraceID: model.TraceID{Low: 1}, ID: 2}, Duration: -1},
	} {
		sameJSON(t, &m)
	}
}

func FuzzAppendSpanJSON(f *testing.F) {
	f.Add("HTTP GET", "svc", "k", "v", "event", int64(1700000000123456789), int64(1234567))
	f.Add("\x00\xff\u2029", "\"", "\\", "\n", "\xe2\x80", int64(1), int64(0))
	f.Fuzz(func(t *testing.T, name, service, k, v, ann string, ts, d int64) {
		m := model.SpanModel{
			SpanContext:   model.SpanContext{TraceID: model.TraceID{High: uint64(ts), Low: uint64(d)}, ID: model.ID(ts)},
			Name:          name,
			Timestamp:     time.Unix(0, ts),
			Duration:      time.Duration(d),
			LocalEndpoint: &model.Endpoint{ServiceName: service},
			Annotations:   []model.Annotation{{Timestamp: time.Unix(0, ts), Value: ann}},
			Tags:          map[string]string{k: v},
		}
		sameJSON(t, &m)
	})
}
