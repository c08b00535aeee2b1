package bolt

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime/metrics"
	"testing"
)

// fuzzMaxFrame is small enough for the fuzzer to reach ErrFrameTooLarge and
// large enough that allocating a declared size eagerly would break the bound.
const fuzzMaxFrame = 8 << 20

// allocSlack absorbs the allocator's accounting granularity: small objects
// are counted a span at a time, and the fuzzing engine allocates too.
const allocSlack = 256 << 10

// heapAllocs returns the bytes allocated so far. runtime/metrics is used
// instead of ReadMemStats, which stops the world and slows fuzzing ~100x;
// it counts large objects at once and small ones a span at a time.
func heapAllocs() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// FuzzDecode fuzzes the frame decoder and the header-map decoder. Properties:
// no panic; memory allocated stays within a constant factor of the input
// plus a fixed bound (never the declared sizes); errors are the documented
// ones; every decoded frame or header re-encodes and decodes to the same
// value, and to the same bytes when nothing (null pairs) was dropped.
func FuzzDecode(f *testing.F) {
	for _, fx := range loadFixtures(f) {
		f.Add(fx.raw)
	}
	for _, tc := range malformed() {
		f.Add(tc.b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzFrames(t, data)
		fuzzHeader(t, data)
	})
}

// checkAllocs fails t if every one of three runs of fn allocates more than
// bound bytes: a decoder that over-allocates does so every time, while
// accounting noise from other goroutines does not repeat.
func checkAllocs(t *testing.T, what string, bound uint64, fn func()) {
	least := ^uint64(0)
	for range 3 {
		before := heapAllocs()
		fn()
		if least = min(least, heapAllocs()-before); least <= bound {
			return
		}
	}
	t.Fatalf("%s allocated %d bytes (bound %d)", what, least, bound)
}

func fuzzFrames(t *testing.T, data []byte) {
	var frames [64]Frame
	var n int
	var err error
	decodeAll := func() {
		dec := NewDecoder(bytes.NewReader(data), WithMaxFrameSize(fuzzMaxFrame), WithReadBufferSize(64))
		n = 0
		for {
			var fr Frame
			if fr, err = dec.Decode(); err != nil {
				break
			}
			if n < len(frames) {
				frames[n] = fr
			}
			n++
		}
	}
	checkAllocs(t, fmt.Sprintf("decoding %d bytes", len(data)), uint64(16*len(data)+2*readChunk+allocSlack), decodeAll)
	if err != io.EOF && !errors.Is(err, ErrTruncated) && !isFrameError(err) {
		t.Fatalf("undocumented error %v", err)
	}

	for i, fr := range frames[:min(n, len(frames))] {
		b, err := AppendFrame(nil, fr)
		if err != nil {
			t.Fatalf("frame %d decoded but does not encode: %v", i, err)
		}
		if sz := frameSize(fr); sz != len(b) {
			t.Fatalf("frame %d: Size %d, encoded %d", i, sz, len(b))
		}
		fr2, err := Unmarshal(b)
		if err != nil {
			t.Fatalf("frame %d: re-encoded frame does not decode: %v\n%x", i, err, b)
		}
		if !reflect.DeepEqual(fr, fr2) {
			t.Fatalf("frame %d: round trip changed the value\n%+v\n%+v", i, fr, fr2)
		}
		b2, _ := AppendFrame(nil, fr2)
		if !bytes.Equal(b, b2) {
			t.Fatalf("frame %d: encoding is not stable", i)
		}
		if i == 0 {
			// The first frame starts at data[0]: when its declared size
			// equals the re-encoding's, no null pair was dropped and the
			// bytes must be identical.
			if declared := declaredSize(data); declared == len(b) && !bytes.Equal(data[:len(b)], b) {
				t.Fatalf("re-encoding differs from input\n got %x\nwant %x", b, data[:len(b)])
			}
		}
	}

	if one, err := Unmarshal(data); err == nil {
		if n != 1 || !reflect.DeepEqual(one, frames[0]) {
			t.Fatalf("Unmarshal and Decoder disagree (%d frames)", n)
		}
	}
}

func frameSize(f Frame) int {
	switch f := f.(type) {
	case *Request:
		return f.Size()
	case *Response:
		return f.Size()
	}
	return -1
}

// declaredSize returns the total size the frame at the start of data
// declares, or -1.
func declaredSize(data []byte) int {
	if len(data) < 3 {
		return -1
	}
	typeAt := 1
	if data[0] == ProtoV2 {
		typeAt = 2
	}
	n, err := fixedLen(data[0], data[typeAt])
	if err != nil || len(data) < n {
		return -1
	}
	fh, err := parseFixed(data[:n])
	if err != nil {
		return -1
	}
	return int(fh.total)
}

func fuzzHeader(t *testing.T, data []byte) {
	var h Header
	var err error
	checkAllocs(t, fmt.Sprintf("DecodeHeader of %d bytes", len(data)), uint64(8*len(data)+allocSlack),
		func() { h, err = DecodeHeader(data) })
	if err != nil {
		if !errors.Is(err, ErrBadHeader) {
			t.Fatalf("undocumented error %v", err)
		}
		return
	}
	enc := AppendHeader(nil, h)
	if len(enc) > len(data) || len(enc) != h.EncodedLen() {
		t.Fatalf("re-encoded header is %d bytes (EncodedLen %d), input %d", len(enc), h.EncodedLen(), len(data))
	}
	if len(enc) == len(data) && !bytes.Equal(enc, data) {
		t.Fatalf("re-encoded header differs\n got %x\nwant %x", enc, data)
	}
	h2, err := DecodeHeader(enc)
	if err != nil || !reflect.DeepEqual(h, h2) {
		t.Fatalf("header round trip: %q vs %q, %v", h, h2, err)
	}
}
