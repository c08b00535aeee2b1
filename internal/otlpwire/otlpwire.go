// Package otlpwire appends the protobuf encoding of OTLP messages field by
// field, with the standard library only: the OTLP reporter (sofaotel/otlp)
// and sofatracer ship --otlp write their requests with it. A message field
// is written with Begin, its fields, then End, which patches the length in.
package otlpwire

import (
	"encoding/binary"
	"strings"
	"unicode/utf8"
)

// Protobuf wire types.
const (
	WireVarint  = 0
	WireFixed64 = 1
	WireBytes   = 2
)

// Field numbers of opentelemetry.proto.common.v1 KeyValue and AnyValue.
const (
	FieldKVKey, FieldKVValue                                  = 1, 2
	FieldAnyString, FieldAnyBool, FieldAnyInt, FieldAnyDouble = 1, 2, 3, 4
)

// AppendVarint appends v as a base-128 varint.
func AppendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// AppendTag appends the key of field num with wire type typ.
func AppendTag(b []byte, num, typ int) []byte {
	return AppendVarint(b, uint64(num)<<3|uint64(typ))
}

// AppendUint appends field num as a varint.
func AppendUint(b []byte, num int, v uint64) []byte {
	return AppendVarint(AppendTag(b, num, WireVarint), v)
}

// AppendFixed64 appends field num as a little-endian fixed64.
func AppendFixed64(b []byte, num int, v uint64) []byte {
	return binary.LittleEndian.AppendUint64(AppendTag(b, num, WireFixed64), v)
}

// AppendBytes appends field num holding v.
func AppendBytes(b []byte, num int, v []byte) []byte {
	return append(AppendVarint(AppendTag(b, num, WireBytes), uint64(len(v))), v...)
}

// AppendString appends field num holding s as valid UTF-8: a collector
// refuses a request holding anything else, which would lose all of it.
func AppendString(b []byte, num int, s string) []byte {
	s = Valid(s)
	return append(AppendVarint(AppendTag(b, num, WireBytes), uint64(len(s))), s...)
}

// Valid returns s with each invalid UTF-8 sequence replaced by U+FFFD.
func Valid(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// Begin appends the key of the message field num and room for a one-byte
// length, and returns where the message's content starts.
func Begin(b []byte, num int) ([]byte, int) {
	b = AppendTag(b, num, WireBytes)
	return append(b, 0), len(b) + 1
}

// End writes the length of what was appended since Begin returned start,
// moving the content when the length needs more than one byte.
func End(b []byte, start int) []byte {
	n := len(b) - start
	if n < 0x80 {
		b[start-1] = byte(n)
		return b
	}
	var l [binary.MaxVarintLen64]byte
	ln := AppendVarint(l[:0], uint64(n))
	b = append(b, ln[1:]...)
	copy(b[start+len(ln)-1:], b[start:start+n])
	copy(b[start-1:], ln)
	return b
}

// AppendStrAttr appends field num holding a KeyValue with a string value;
// an empty key is left out, as proto3 does.
func AppendStrAttr(b []byte, num int, k, v string) []byte {
	b, kv := Begin(b, num)
	if k != "" {
		b = AppendString(b, FieldKVKey, k)
	}
	b, av := Begin(b, FieldKVValue)
	b = AppendString(b, FieldAnyString, v)
	return End(End(b, av), kv)
}
