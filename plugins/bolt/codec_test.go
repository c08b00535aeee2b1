package bolt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestHeaderMethods(t *testing.T) {
	var h Header
	h.Set("a", "1")
	h.Set("b", "2")
	h.Add("a", "3") // duplicate, as a decoded map may have
	if got := h.Get("a"); got != "3" {
		t.Fatalf("Get(a) = %q, want the last value 3", got)
	}
	if _, ok := h.Lookup("zz"); ok {
		t.Fatal("Lookup of missing key succeeded")
	}
	h.Set("a", "x")
	if want := (Header{{"a", "x"}, {"b", "2"}}); !reflect.DeepEqual(h, want) {
		t.Fatalf("after Set: %q, want %q", h, want)
	}
	c := h.Clone()
	h.Del("a")
	if want := (Header{{"b", "2"}}); !reflect.DeepEqual(h, want) {
		t.Fatalf("after Del: %q", h)
	}
	if c.Get("a") != "x" {
		t.Fatal("Clone shares storage")
	}
	h.Del("b")
	if h != nil {
		t.Fatalf("empty header after Del = %#v, want nil", h)
	}
	if (Header{{"foo", "bar"}}).EncodedLen() != 14 {
		t.Fatal("EncodedLen")
	}
}

func TestDecodeHeaderErrors(t *testing.T) {
	be := func(v int32) []byte { return binary.BigEndian.AppendUint32(nil, uint32(v)) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	for name, b := range map[string][]byte{
		"stray bytes":     {0, 0, 1},
		"missing value":   cat(be(1), []byte("k")),
		"negative -2":     cat(be(-2), be(0)),
		"past the end":    cat(be(5), []byte("ab")),
		"value past end":  cat(be(1), []byte("k"), be(math.MaxInt32)),
		"min int32":       cat(be(math.MinInt32), be(0)),
		"value truncated": cat(be(0), []byte{0, 0}),
	} {
		if _, err := DecodeHeader(b); !errors.Is(err, ErrBadHeader) {
			t.Errorf("%s: err = %v, want ErrBadHeader", name, err)
		}
	}
	h, err := DecodeHeader(cat(be(-1), be(1), []byte("v"), be(1), []byte("k"), be(-1), be(0), be(0)))
	if err != nil || !reflect.DeepEqual(h, Header{{"", ""}}) {
		t.Fatalf("nulls: %q, %v", h, err)
	}
}

// TestRequestServiceMethod checks how Service and Method map to the header.
func TestRequestServiceMethod(t *testing.T) {
	req := &Request{Service: "svc:1.0", Method: "hello", Header: Header{{"x", "y"}}, Content: []byte("c")}
	b, err := AppendRequest(nil, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != req.Size() {
		t.Fatalf("Size %d, encoded %d", req.Size(), len(b))
	}
	if len(req.Header) != 1 {
		t.Fatal("encoding modified req.Header")
	}
	f, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	got := f.(*Request)
	want := Header{{"x", "y"}, {KeyService, "svc:1.0"}, {KeyTargetService, "svc:1.0"}, {KeyMethodName, "hello"}}
	if !reflect.DeepEqual(got.Header, want) || got.Service != "svc:1.0" || got.Method != "hello" {
		t.Fatalf("decoded %+v", got)
	}
	// Changing Service on a decoded request rewrites the keys in place.
	got.Service = "other:2.0"
	b2, _ := AppendRequest(nil, got)
	f2, _ := Unmarshal(b2)
	h2 := f2.(*Request).Header
	if h2[1] != (HeaderField{KeyService, "other:2.0"}) || h2[2] != (HeaderField{KeyTargetService, "other:2.0"}) || len(h2) != 4 {
		t.Fatalf("after changing Service: %q", h2)
	}
	// A header that names the service differently in its two keys is kept
	// as is while Service matches "service".
	odd := &Request{Header: Header{{KeyTargetService, "B"}, {KeyService, "A"}}}
	b3, _ := AppendRequest(nil, odd)
	f3, _ := Unmarshal(b3)
	r3 := f3.(*Request)
	b4, _ := AppendRequest(nil, r3)
	if r3.Service != "A" || !bytes.Equal(b3, b4) {
		t.Fatalf("Service %q; re-encode changed bytes", r3.Service)
	}
}

func TestTimeoutMillis(t *testing.T) {
	for d, want := range map[time.Duration]int32{
		0: 0, -time.Millisecond: -1, time.Microsecond: 1, 100 * time.Millisecond: 100,
		1500 * time.Microsecond: 2, math.MaxInt64: math.MaxInt32, math.MinInt64: math.MinInt32,
	} {
		if got := timeoutMillis(d); got != want {
			t.Errorf("timeoutMillis(%v) = %d, want %d", d, got, want)
		}
	}
}

func TestStatusString(t *testing.T) {
	if StatusServerException.String() != "SERVER_EXCEPTION" || StatusConnectionClosed != 16 ||
		Status(0xc8).String() != "STATUS(0x00c8)" || Status(0xc8).Known() {
		t.Fatal("status names")
	}
	e := &StatusError{Status: StatusTimeout, Message: "slow"}
	if !strings.Contains(e.Error(), "TIMEOUT") || StatusFromError(e) != StatusTimeout ||
		StatusFromError(errors.New("x")) != StatusSuccess || StatusFromError(nil) != StatusSuccess {
		t.Fatal(e.Error())
	}
}

// chunkReader returns its data in random-sized pieces.
type chunkReader struct {
	b   []byte
	rng *rand.Rand
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(r.b), 1+r.rng.IntN(40))
	copy(p, r.b[:n])
	r.b = r.b[n:]
	return n, nil
}

// TestDecoderStreaming feeds all fixture frames as one stream, split at
// random points and also delivered in one piece, and expects the same frames.
func TestDecoderStreaming(t *testing.T) {
	var stream []byte
	var want []Frame
	for _, fx := range loadFixtures(t) {
		if fx.blob {
			continue
		}
		f, err := Unmarshal(fx.raw)
		if err != nil {
			t.Fatal(err)
		}
		stream = append(stream, fx.raw...)
		want = append(want, f)
	}
	for seed := range uint64(20) {
		var r io.Reader = &chunkReader{stream, rand.New(rand.NewPCG(seed, 1))}
		if seed == 0 {
			r = bytes.NewReader(stream)
		}
		dec := NewDecoder(r, WithReadBufferSize(16))
		for i, w := range want {
			f, err := dec.Decode()
			if err != nil {
				t.Fatalf("seed %d frame %d: %v", seed, i, err)
			}
			if !reflect.DeepEqual(f, w) {
				t.Fatalf("seed %d frame %d differs", seed, i)
			}
		}
		if _, err := dec.Decode(); err != io.EOF {
			t.Fatalf("end: %v, want io.EOF", err)
		}
	}
}

// malformed returns frames a decoder must reject, with the error expected.
func malformed() []struct {
	name string
	b    []byte
	err  error
} {
	req := func(mod func(b []byte)) []byte {
		b, _ := AppendRequest(nil, &Request{Version: 1, Codec: 1, Class: "c", Header: Header{{"k", "v"}}, Content: []byte("body")})
		mod(b)
		return b
	}
	resp := func(mod func(b []byte)) []byte {
		b, _ := AppendResponse(nil, &Response{Version: 1, Codec: 1, Content: []byte("body")})
		mod(b)
		return b
	}
	return []struct {
		name string
		b    []byte
		err  error
	}{
		{"unknown proto byte", req(func(b []byte) { b[0] = 0x05 }), ErrUnknownProtocol},
		{"HTTP on the port", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), ErrUnknownProtocol},
		{"unknown type", req(func(b []byte) { b[1] = 9 }), ErrUnknownType},
		{"unknown cmd code", req(func(b []byte) { b[3] = 7 }), ErrUnknownCmdCode},
		{"response cmd in request", req(func(b []byte) { b[3] = 2 }), ErrUnknownCmdCode},
		{"request cmd in response", resp(func(b []byte) { b[3] = 1 }), ErrUnknownCmdCode},
		{"GoAway cmd code", resp(func(b []byte) { b[3] = 100 }), ErrUnknownCmdCode},
		{"negative class length", req(func(b []byte) { b[14] = 0x80 }), ErrBadLength},
		{"negative header length", req(func(b []byte) { b[16] = 0xff; b[17] = 0xff }), ErrBadLength},
		{"negative content length", req(func(b []byte) { copy(b[18:], []byte{0xff, 0xff, 0xff, 0xff}) }), ErrBadLength},
		{"negative response content", resp(func(b []byte) { b[16] = 0x80 }), ErrBadLength},
		{"oversized declared length", req(func(b []byte) { copy(b[18:], []byte{0x7f, 0xff, 0xff, 0xff}) }), ErrFrameTooLarge},
		{"oversized v2 frame", []byte{2, 1, 1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0}, ErrFrameTooLarge},
		{"header map length past end", req(func(b []byte) { b[22+1+3] = 9 }), ErrBadHeader},
		{"truncated", req(func(b []byte) {})[:30], ErrTruncated},
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range malformed() {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewDecoder(bytes.NewReader(tc.b), WithMaxFrameSize(1<<20)).Decode()
			if !errors.Is(err, tc.err) {
				t.Fatalf("Decode: %v, want %v", err, tc.err)
			}
			if tc.err == ErrFrameTooLarge {
				return // Unmarshal has no size limit: the input is in memory
			}
			if _, err := Unmarshal(tc.b); !errors.Is(err, tc.err) && !(tc.err == ErrTruncated && errors.Is(err, ErrTruncated)) {
				t.Fatalf("Unmarshal: %v, want %v", err, tc.err)
			}
		})
	}
	trailing := []byte{1, 0, 0, 2, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xee} // 20-byte response + 1
	if _, err := Unmarshal(trailing); !errors.Is(err, ErrBadLength) {
		t.Fatalf("trailing byte: %v, want ErrBadLength", err)
	}
}

// TestDecodeBoundedAllocation: a frame that declares 15 MiB but sends 100
// bytes must not make the decoder allocate anywhere near 15 MiB.
func TestDecodeBoundedAllocation(t *testing.T) {
	b := []byte{1, 1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 100, 0, 0, 0, 0, 0, 0xf0, 0, 0}
	b = append(b, make([]byte, 100)...)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := NewDecoder(bytes.NewReader(b)).Decode()
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTruncated) {
		t.Fatalf("err = %v, want ErrTruncated", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Fatalf("decoder allocated %d bytes for a 122-byte input", got)
	}
}

func TestEncodeLimits(t *testing.T) {
	long := strings.Repeat("x", maxShortLen+1)
	for name, f := range map[string]Frame{
		"class":  &Request{Class: long},
		"header": &Request{Header: Header{{"k", long}}},
		"method": &Request{Method: long},
		"resp":   &Response{Class: long},
	} {
		if _, err := AppendFrame(nil, f); !errors.Is(err, ErrBadLength) {
			t.Errorf("%s: %v, want ErrBadLength", name, err)
		}
	}
	if _, err := AppendRequest(nil, &Request{Proto: Protocol{Code: 7}}); !errors.Is(err, ErrUnknownProtocol) {
		t.Errorf("proto 7: %v", err)
	}
	// Exactly at the limit is fine and round-trips.
	r := &Request{Class: long[:maxShortLen]}
	b, err := AppendRequest(nil, r)
	if err != nil {
		t.Fatal(err)
	}
	if f, err := Unmarshal(b); err != nil || f.(*Request).Class != r.Class {
		t.Fatalf("max class: %v", err)
	}
}

// TestV2Encode checks v2 framing with and without CRC.
func TestV2Encode(t *testing.T) {
	for _, p := range []Protocol{{ProtoV2, 1, 0}, {ProtoV2, 2, 1}, {ProtoV2, 2, 0}, {ProtoV2, 1, 1}} {
		req := &Request{Proto: p, ID: 7, Version: 1, Codec: 1, Timeout: time.Second, Class: "c", Header: Header{{"a", "b"}}, Content: []byte("xyz")}
		b, err := AppendRequest(nil, req)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != req.Size() {
			t.Fatalf("%+v: size %d, encoded %d", p, req.Size(), len(b))
		}
		f, err := Unmarshal(b)
		if err != nil {
			t.Fatalf("%+v: %v", p, err)
		}
		if got := f.(*Request); got.Proto != p || got.ID != 7 || string(got.Content) != "xyz" {
			t.Fatalf("%+v decoded %+v", p, got)
		}
	}
}

// TestDecodeHeaderSizes decodes frames with 0 to 20 header pairs, across
// the sizes that newRequest and newResponse allocate differently.
func TestDecodeHeaderSizes(t *testing.T) {
	for n := range 21 {
		var h Header
		for i := range n {
			h = append(h, HeaderField{fmt.Sprint("k", i), strings.Repeat("v", i)})
		}
		b, err := AppendRequest(nil, &Request{Class: ClassSofaRequest, Header: h, Content: []byte("c")})
		if err != nil {
			t.Fatal(err)
		}
		f, err := Unmarshal(b)
		if err != nil {
			t.Fatal(err)
		}
		req := f.(*Request)
		if !reflect.DeepEqual(req.Header, h) || string(req.Content) != "c" || req.Class != ClassSofaRequest {
			t.Fatalf("%d pairs: request decoded as %+v", n, req)
		}
		if b, err = AppendResponse(nil, &Response{Header: h, Status: StatusServerException}); err != nil {
			t.Fatal(err)
		}
		if f, err = Unmarshal(b); err != nil {
			t.Fatal(err)
		}
		resp := f.(*Response)
		if !reflect.DeepEqual(resp.Header, h) || resp.Status != StatusServerException {
			t.Fatalf("%d pairs: response decoded as %+v", n, resp)
		}
	}
}
