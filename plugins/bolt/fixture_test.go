package bolt

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// TestFixtures checks every frame and header blob of bolt-fixtures.txt
// against its field-by-field decode, and that it re-encodes to the same bytes.
func TestFixtures(t *testing.T) {
	fixtures := loadFixtures(t)
	want := []string{"F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8a", "F8b", "F8c", "F8d", "D1", "D2"}
	seen := map[string]bool{}
	for _, fx := range fixtures {
		seen[fx.name] = true
	}
	for _, n := range want {
		if !seen[n] {
			t.Errorf("fixture %s missing from bolt-fixtures.txt", n)
		}
	}
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			if len(fx.raw) == 0 {
				t.Fatal("no HEX line")
			}
			if fx.length != len(fx.raw) {
				t.Fatalf("LENGTH %d, HEX has %d bytes", fx.length, len(fx.raw))
			}
			if fx.blob {
				checkBlobFixture(t, fx)
			} else {
				checkFrameFixture(t, fx)
			}
		})
	}
}

func checkBlobFixture(t *testing.T, fx *fixture) {
	if len(fx.pairs) == 0 {
		t.Fatal("blob fixture lists no pairs")
	}
	h, err := DecodeHeader(fx.raw)
	if err != nil {
		t.Fatalf("DecodeHeader: %v", err)
	}
	var nonNull Header
	hasNull, dropped := false, 0
	for _, p := range fx.pairs {
		if p.keyLen == -1 || p.valLen == -1 {
			hasNull = true // dropped on decode, as in Java and MOSN
			dropped += 8 + max(p.keyLen, 0) + max(p.valLen, 0)
			if _, ok := h.Lookup(p.key); ok {
				t.Errorf("null pair %q was not dropped", p.key)
			}
			continue
		}
		if p.keyLen != len(p.key) || p.valLen != len(p.value) {
			t.Fatalf("fixture pair %q lengths %d/%d do not match its text", p.key, p.keyLen, p.valLen)
		}
		nonNull = append(nonNull, HeaderField{p.key, p.value})
	}
	if !reflect.DeepEqual(h, nonNull) {
		t.Fatalf("decoded header\n got %q\nwant %q", h, nonNull)
	}
	enc := AppendHeader(nil, nonNull)
	if !hasNull && !bytes.Equal(enc, fx.raw) {
		t.Fatalf("re-encoded header\n got %x\nwant %x", enc, fx.raw)
	}
	if len(enc) != len(fx.raw)-dropped {
		t.Fatalf("re-encoded header is %d bytes, want %d (input %d minus %d of null pairs)", len(enc), len(fx.raw)-dropped, len(fx.raw), dropped)
	}
	if h2, err := DecodeHeader(enc); err != nil || !reflect.DeepEqual(h2, h) {
		t.Fatalf("decode(encode(h)) = %q, %v", h2, err)
	}
}

func checkFrameFixture(t *testing.T, fx *fixture) {
	f, err := Unmarshal(fx.raw)
	if err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	// The streaming decoder, fed one byte per read, must agree.
	dec := NewDecoder(iotest.OneByteReader(bytes.NewReader(fx.raw)))
	f2, err := dec.Decode()
	if err != nil {
		t.Fatalf("Decoder.Decode: %v", err)
	}
	if !reflect.DeepEqual(f, f2) {
		t.Fatalf("Unmarshal and Decoder differ:\n%+v\n%+v", f, f2)
	}
	if _, err := dec.Decode(); err != io.EOF {
		t.Fatalf("second Decode = %v, want io.EOF", err)
	}

	if len(fx.fields) < 10 {
		t.Fatalf("fixture lists only %d fixed fields: %v", len(fx.fields), fx.fields)
	}
	var proto Protocol
	var id uint32
	var ver, codec byte
	var class string
	var header Header
	var content []byte
	var typ byte
	var cmd uint16
	switch f := f.(type) {
	case *Request:
		proto, id, ver, codec, class, header, content = f.Proto, f.ID, f.Version, f.Codec, f.Class, f.Header, f.Content
		typ, cmd = TypeRequest, CmdRequest
		if f.Oneway {
			typ = TypeOneway
		}
		if f.Heartbeat {
			cmd = CmdHeartbeat
		}
		if s := f.Header.Get(KeyService); s != f.Service {
			t.Errorf("Service = %q, header service = %q", f.Service, s)
		}
		if m := f.Header.Get(KeyMethodName); m != f.Method {
			t.Errorf("Method = %q, header method = %q", f.Method, m)
		}
	case *Response:
		proto, id, ver, codec, class, header, content = f.Proto, f.ID, f.Version, f.Codec, f.Class, f.Header, f.Content
		typ, cmd = TypeResponse, CmdResponse
		if f.Heartbeat {
			cmd = CmdHeartbeat
		}
	}
	for name := range fx.fields {
		got, want := int64(-99), fieldNum(t, fx, name)
		switch name {
		case "proto":
			got = int64(proto.Code)
		case "ver1":
			got = int64(proto.Version)
		case "switch":
			got = int64(proto.Switch)
		case "type":
			got = int64(typ)
		case "cmdcode":
			got = int64(cmd)
		case "ver2":
			got = int64(ver)
		case "requestId":
			got = int64(id)
		case "codec":
			got = int64(codec)
		case "timeout":
			if !strings.HasSuffix(fx.fields[name], " ms") {
				t.Fatalf("timeout %q not in ms", fx.fields[name])
			}
			got = int64(f.(*Request).Timeout / time.Millisecond)
		case "respStatus":
			got = int64(f.(*Response).Status)
		case "classLen":
			got = int64(len(class))
		case "headerLen":
			got = int64(header.EncodedLen())
		case "contentLen":
			got = int64(len(content))
		default:
			t.Errorf("fixture field %q is not checked by this test", name)
			continue
		}
		if got != want {
			t.Errorf("%s = %d, fixture says %d (%s)", name, got, want, fx.fields[name])
		}
	}
	if _, ok := fx.fields["proto"]; !ok {
		t.Error("fixture lists no proto field")
	}
	if !fx.hasClass || fx.classLen != len(class) || fx.class != class {
		t.Errorf("class = %q, fixture says %q (%d bytes)", class, fx.class, fx.classLen)
	}
	var wantHeader Header
	for _, p := range fx.pairs {
		if p.keyLen != len(p.key) || p.valLen != len(p.value) {
			t.Fatalf("fixture pair %q lengths %d/%d do not match its text", p.key, p.keyLen, p.valLen)
		}
		wantHeader = append(wantHeader, HeaderField{p.key, p.value})
	}
	if fx.emptyHeader != (len(fx.pairs) == 0) {
		t.Fatalf("fixture header: empty=%v but %d pairs", fx.emptyHeader, len(fx.pairs))
	}
	if !reflect.DeepEqual(header, wantHeader) {
		t.Errorf("header\n got %q\nwant %q", header, wantHeader)
	}
	if !fx.hasContent || fx.contentLen != len(content) {
		t.Errorf("content is %d bytes, fixture says %d", len(content), fx.contentLen)
	}
	gotHex := hex.EncodeToString(content)
	if fx.contentTrunc && !strings.HasPrefix(gotHex, fx.contentHex) || !fx.contentTrunc && gotHex != fx.contentHex {
		t.Errorf("content %.40s..., fixture says %.40s", gotHex, fx.contentHex)
	}
	if fx.total != len(fx.raw) {
		t.Errorf("total length %d, HEX has %d bytes", fx.total, len(fx.raw))
	}
	if proto.HasCRC() != (fx.crc != "") {
		t.Errorf("HasCRC = %v, fixture CRC %q", proto.HasCRC(), fx.crc)
	}
	if fx.crc != "" {
		tail := fmt.Sprintf("0x%08x", binary.BigEndian.Uint32(fx.raw[len(fx.raw)-4:]))
		if tail != fx.crc {
			t.Errorf("CRC trailer %s, fixture says %s", tail, fx.crc)
		}
	}

	// Sizes and re-encoding.
	size := 0
	switch f := f.(type) {
	case *Request:
		size = f.Size()
	case *Response:
		size = f.Size()
	}
	if size != len(fx.raw) {
		t.Errorf("Size() = %d, want %d", size, len(fx.raw))
	}
	enc, err := AppendFrame(nil, f)
	if err != nil {
		t.Fatalf("AppendFrame: %v", err)
	}
	if !bytes.Equal(enc, fx.raw) {
		t.Fatalf("re-encoded frame differs\n got %x\nwant %x", enc, fx.raw)
	}
}

func TestFixtureV2CRCMismatch(t *testing.T) {
	for _, fx := range loadFixtures(t) {
		if fx.crc == "" {
			continue
		}
		for _, at := range []int{0 + 30, len(fx.raw) / 2, len(fx.raw) - 1} {
			b := bytes.Clone(fx.raw)
			b[at] ^= 0x40
			if _, err := Unmarshal(b); !errors.Is(err, ErrChecksum) {
				t.Errorf("%s with byte %d flipped: err = %v, want ErrChecksum", fx.name, at, err)
			}
		}
	}
}

// TestFixtureF1Routing pins the SOFARPC routing fields of F1 independently of
// the fixture parser.
func TestFixtureF1Routing(t *testing.T) {
	for _, fx := range loadFixtures(t) {
		if fx.name != "F1" {
			continue
		}
		f, err := Unmarshal(fx.raw)
		if err != nil {
			t.Fatal(err)
		}
		req := f.(*Request)
		const svc = "com.alipay.rpc.common.service.facade.pb.SampleServicePb:1.0"
		if req.ID != 109 || req.Timeout != 100*time.Millisecond || req.Codec != CodecProtobuf ||
			req.Service != svc || req.Method != "hello" || req.Class != ClassSofaRequest || len(req.Header) != 16 ||
			req.Header.Get("rpc_trace_context.sofaTraceId") != "0ba616a11523251819114100218738" {
			t.Fatalf("F1 decoded to %+v", req)
		}
		return
	}
	t.Fatal("F1 not found")
}
