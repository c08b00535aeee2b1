package otlpwire

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// A message of any length is written as key, varint length, content,
// with what came before it untouched.
func TestBeginEndPatchesTheLength(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 300, 16383, 16384, 70000} {
		content := bytes.Repeat([]byte{'x'}, n)
		b, start := Begin([]byte("prefix"), 5)
		b = End(append(b, content...), start)
		rest, ok := bytes.CutPrefix(b, []byte("prefix"))
		if !ok || rest[0] != 5<<3|WireBytes {
			t.Fatalf("n=%d: prefix or key lost: % x", n, b[:min(len(b), 12)])
		}
		l, w := binary.Uvarint(rest[1:])
		if w <= 0 || int(l) != n || !bytes.Equal(rest[1+w:], content) {
			t.Fatalf("n=%d: length %d (%d bytes), content of %d bytes", n, l, w, len(rest)-1-w)
		}
	}
}

// Strings are written as valid UTF-8, each bad sequence one U+FFFD; an
// attribute's empty key is left out.
func TestStringsAndAttributes(t *testing.T) {
	got := AppendString(nil, 1, "a\xffb")
	if want := append([]byte{1<<3 | WireBytes, 5}, "a\uFFFDb"...); !bytes.Equal(got, want) {
		t.Fatalf("% x, want % x", got, want)
	}
	got = AppendStrAttr(nil, 9, "", "v")
	if want := []byte{9<<3 | WireBytes, 5, FieldKVValue<<3 | WireBytes, 3, FieldAnyString<<3 | WireBytes, 1, 'v'}; !bytes.Equal(got, want) {
		t.Fatalf("% x, want % x", got, want)
	}
	if got := AppendFixed64(nil, 7, 1); !bytes.Equal(got, []byte{7<<3 | WireFixed64, 1, 0, 0, 0, 0, 0, 0, 0}) {
		t.Fatalf("fixed64 % x", got)
	}
	if got := AppendUint(nil, 6, 300); !bytes.Equal(got, []byte{6<<3 | WireVarint, 0xac, 0x02}) {
		t.Fatalf("varint % x", got)
	}
}
