package tracer_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

var hostileValues = []string{
	`quote " here`, "new\nline", "carriage\rreturn", "comma, comma", "nul \x00 byte",
	`back\slash`, "line\u2028sep", "bad utf8 \xff\xfe", "{\"json\":1}", "[1,2]",
	strings.Repeat("M", 1<<20), "tab\there", "amp&eq=pct%",
}

func TestHostileTagsAndBaggageKeepEveryLineParseable(t *testing.T) {
	for _, jsonMode := range []bool{true, false} {
		tr := newTracer(t, tracer.WithJSON(jsonMode))
		for i, v := range hostileValues {
			s := tr.StartSpan("op " + v)
			s.SetTag("k", v)
			s.SetTag(v, "key is hostile")
			s.SetTag("error.message", v)
			s.SetBaggageItem("b", v)
			s.SetBaggageItem(v, "x")
			s.(*span.Span).SetSysBaggageItem("s", v)
			if i%2 == 0 {
				s.SetTag("component", "net/http")
				s.SetTag("span.kind", "server")
				s.SetTag("http.url", v)
				s.SetTag("http.method", v)
			}
			s.LogKV("event", v)
			s.Finish()
		}
		tr.Close()
		for _, name := range []string{"biz-digest.log", "http-server-digest.log", "biz-stat.log", "http-server-stat.log"} {
			data := readFile(t, logPath(tr, name))
			if !strings.HasSuffix(data, "\r\n") {
				t.Fatalf("%s does not end with CRLF", name)
			}
			lines := strings.Split(strings.TrimSuffix(data, "\r\n"), "\r\n")
			for _, l := range lines {
				if strings.ContainsAny(l, "\r\n") {
					t.Fatalf("%s: a value broke a line: %q", name, l)
				}
				if jsonMode {
					var m map[string]any
					if err := json.Unmarshal([]byte(l), &m); err != nil {
						t.Fatalf("%s: not JSON: %v\n%.300q", name, err, l)
					}
				}
			}
			wantLines := len(hostileValues) / 2
			if strings.HasPrefix(name, "biz-digest") || strings.HasPrefix(name, "http-server-digest") {
				if strings.HasPrefix(name, "http") {
					wantLines = (len(hostileValues) + 1) / 2
				}
				if len(lines) != wantLines {
					t.Errorf("%s: %d lines, want %d", name, len(lines), wantLines)
				}
			}
			if !jsonMode && strings.HasPrefix(name, "http-server-digest") {
				for _, l := range lines {
					if n := strings.Count(l, ","); n != 14 {
						t.Errorf("plain http-server line has %d commas, want 14 (15 fields): %q", n, l)
					}
				}
			}
		}
		st := tr.Stats()
		if st.Refused["baggage"] == 0 || st.Refused["tag_value"] == 0 {
			t.Errorf("1 MB baggage and tags must be refused or cut and counted: %v", st.Refused)
		}
	}
}

func TestBaggageLimitIsEnforced(t *testing.T) {
	tr := newTracer(t, tracer.WithBaggageMaxLength(32))
	s := tr.StartSpan("op")
	s.SetBaggageItem("a", strings.Repeat("x", 20)) // a=xxx...& is 23 bytes
	s.SetBaggageItem("b", "yyyyyyyyyy")            // would make 36: refused
	s.SetBaggageItem("c", "z")                     // 4 more: 27, fits
	if s.BaggageItem("a") == "" || s.BaggageItem("b") != "" || s.BaggageItem("c") != "z" {
		t.Fatalf("baggage: a=%q b=%q c=%q", s.BaggageItem("a"), s.BaggageItem("b"), s.BaggageItem("c"))
	}
	if got := tr.Stats().Refused["baggage"]; got != 1 {
		t.Fatalf("refused baggage counted %d, want 1", got)
	}
	// Incoming baggage over the limit is refused item by item, not cut.
	h := http.Header{}
	h.Set("X-B3-TraceId", "0a0fe9271567477985327100211176")
	h.Set("X-B3-SpanId", "0.1")
	h.Set("baggage-big", strings.Repeat("v", 64<<10))
	h.Set("baggage-small", "ok")
	sc, err := tr.Extract(opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(h))
	if err != nil {
		t.Fatal(err)
	}
	if c := sc.(*span.Context); c.BaggageItem("big") != "" || c.BaggageItem("small") != "ok" {
		t.Fatalf("incoming baggage: %v", c.Baggage().Biz)
	}
	if got := tr.Stats().Refused["baggage"]; got != 2 {
		t.Fatalf("refused baggage counted %d, want 2", got)
	}
}

func TestMalformedCarriersAreRejectedAndCounted(t *testing.T) {
	tr := newTracer(t)
	header := func(kv ...string) opentracing.HTTPHeadersCarrier {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return opentracing.HTTPHeadersCarrier(h)
	}
	corrupt := []opentracing.HTTPHeadersCarrier{
		header("X-B3-TraceId", `abc"x`, "X-B3-SpanId", "0"),
		header("X-B3-TraceId", "abc,x", "X-B3-SpanId", "0"),
		header("X-B3-TraceId", "abc%26x=1", "X-B3-SpanId", "0"),
		header("X-B3-TraceId", "abc%0D%0Ax", "X-B3-SpanId", "0"),
		header("X-B3-TraceId", "abc", "X-B3-SpanId", "0.1%00"),
		header("X-B3-TraceId", "%zz", "X-B3-SpanId", "0"),
		header("X-B3-TraceId", "", "X-B3-SpanId", "0"),
		header("X-B3-TraceId", strings.Repeat("a", 100<<10), "X-B3-SpanId", "0"),
		header("sftc_head", "spid=0.1&sample=true&"),
		header("sftc_head", "tcid=a%0Ab&spid=0&"),
		header("traceparent", "00-zzzz-yyyy-01"),
		header("traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"),
		header("b3", "80f198ee56343ba864fe8b2a57d3eff7"),
		header("SOFA-TraceId", "x y", "SOFA-RpcId", "0"),
	}
	for i, c := range corrupt {
		sc, err := tr.Extract(opentracing.HTTPHeaders, c)
		if !errors.Is(err, opentracing.ErrSpanContextCorrupted) || sc != nil {
			t.Errorf("case %d: got %v, %v; want ErrSpanContextCorrupted", i, sc, err)
		}
	}
	var total int64
	for _, n := range tr.Stats().Corrupted {
		total += n
	}
	if total != int64(len(corrupt)) {
		t.Errorf("corrupted counted %d, want %d: %v", total, len(corrupt), tr.Stats().Corrupted)
	}
	if _, err := tr.Extract(opentracing.HTTPHeaders, header("Accept", "*/*")); err != opentracing.ErrSpanContextNotFound {
		t.Errorf("empty carrier: %v", err)
	}
	// Binary: truncated, negative length, oversized.
	for _, b := range [][]byte{
		[]byte("sftc_he"),
		append([]byte("sftc_head"), 0xff, 0xff, 0xff, 0xff),
		append([]byte("sftc_head"), 0, 0, 1, 0, 'a'),
		bytes.Repeat([]byte("x"), 1<<20),
	} {
		if _, err := tr.Extract(opentracing.Binary, bytes.NewReader(b)); err == nil {
			t.Errorf("binary %.20q extracted", b)
		}
	}
	var buf bytes.Buffer
	buf.WriteString("sftc_head")
	binary.Write(&buf, binary.BigEndian, int32(7))
	buf.WriteString("spid=0&")
	if _, err := tr.Extract(opentracing.Binary, &buf); !errors.Is(err, opentracing.ErrSpanContextCorrupted) {
		t.Errorf("binary without tcid: %v", err)
	}
}

func TestDepthGuardStartsNewTrace(t *testing.T) {
	tr := newTracer(t)
	deep := "0" + strings.Repeat(".1", 100)
	parent := span.NewContext("0a0fe9271567477985327100211176", deep, span.ParentOf(deep), true)
	s := tr.StartSpan("too-deep", opentracing.ChildOf(parent)).(*span.Span)
	if s.Ctx.SpanID != "0" || s.Ctx.TraceID == parent.TraceID {
		t.Fatalf("want a new root, got %s %s", s.Ctx.TraceID, s.Ctx.SpanID)
	}
	if tr.Stats().DepthExceeded != 1 {
		t.Fatal("depth guard not counted")
	}
	ok := span.NewContext(parent.TraceID, "0"+strings.Repeat(".1", 99), "", true)
	if c := tr.StartSpan("deep-ok", opentracing.ChildOf(ok)).(*span.Span); c.Ctx.TraceID != parent.TraceID {
		t.Fatal("depth 100 must still be a child")
	}
}

func TestMaxCarrierSizeIsConfigurable(t *testing.T) {
	tr := newTracer(t, tracer.WithMaxCarrierSize(100))
	h := http.Header{}
	h.Set("sftc_head", "tcid=0a0fe9271567477985327100211176&spid=0&"+strings.Repeat("k=v&", 30))
	if _, err := tr.Extract(opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(h)); !errors.Is(err, opentracing.ErrSpanContextCorrupted) {
		t.Fatalf("a 160-byte sftc_head over a 100-byte limit: %v", err)
	}
}

// TestDepthGuardKeepsBizBaggageWithinItsLimit: the new root keeps the
// business baggage (not the system baggage), and the size limit still
// counts what it kept.
func TestDepthGuardKeepsBizBaggageWithinItsLimit(t *testing.T) {
	tr := newTracer(t, tracer.WithBaggageMaxLength(16))
	almost := "0" + strings.Repeat(".1", 99) // the parent gets 100 levels: its child is one too many
	parent := tr.StartSpan("p", opentracing.ChildOf(span.NewContext("0a0fe9271567477985327100211176", almost, "", true))).(*span.Span)
	parent.SetBaggageItem("k", "0123456789") // 13 of 16 bytes
	parent.SetSysBaggageItem("zone", "gz")
	child := tr.StartSpan("c", opentracing.ChildOf(parent.Context())).(*span.Span)
	if child.Ctx.SpanID != "0" || child.BaggageItem("k") != "0123456789" || child.Ctx.SysBaggageItem("zone") != "" {
		t.Fatalf("new root %s with baggage %v / %v", child.Ctx.SpanID, child.Ctx.Baggage().Biz, child.Ctx.Baggage().Sys)
	}
	child.SetBaggageItem("x", "yy") // 5 more bytes: over 16
	if child.BaggageItem("x") != "" {
		t.Fatal("the size of the kept baggage was forgotten")
	}
}
