package bolt

import (
	"encoding/binary"
	"fmt"
)

// HeaderField is one key/value pair of a header map.
type HeaderField struct {
	Key   string // the key, UTF-8
	Value string // the value, UTF-8
}

// Header is the SOFARPC header map of a frame, kept as an ordered list of
// pairs so that a decoded frame re-encodes to the same bytes. Duplicate keys
// are kept as decoded; Get returns the last one (Java keeps the last) and Set
// leaves a single one.
type Header []HeaderField

// Get returns the value of key, or "" if it is absent.
func (h Header) Get(key string) string {
	v, _ := h.Lookup(key)
	return v
}

// Lookup returns the value of the last pair with key and whether one exists.
func (h Header) Lookup(key string) (string, bool) {
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].Key == key {
			return h[i].Value, true
		}
	}
	return "", false
}

// Set sets key to value: the first pair with key is updated in place (so the
// order is kept) and any later duplicates are removed; otherwise the pair is
// appended.
func (h *Header) Set(key, value string) {
	s := *h
	for i := range s {
		if s[i].Key == key {
			s[i].Value = value
			rest := s[i+1:]
			j := 0
			for _, f := range rest {
				if f.Key != key {
					rest[j] = f
					j++
				}
			}
			clear(rest[j:])
			*h = s[:i+1+j]
			return
		}
	}
	*h = append(s, HeaderField{key, value})
}

// Add appends a pair without looking for an existing key.
func (h *Header) Add(key, value string) {
	*h = append(*h, HeaderField{key, value})
}

// Del removes every pair with key, keeping the order of the others.
func (h *Header) Del(key string) {
	s := *h
	j := 0
	for _, f := range s {
		if f.Key != key {
			s[j] = f
			j++
		}
	}
	clear(s[j:])
	if j == 0 {
		s = nil
	}
	*h = s[:j]
}

// Clone returns a copy of h that shares no storage with it.
func (h Header) Clone() Header {
	if h == nil {
		return nil
	}
	return append(Header(make([]HeaderField, 0, len(h))), h...)
}

// EncodedLen returns the size of h on the wire: Σ (8 + len(key) + len(value)).
func (h Header) EncodedLen() int {
	n := 0
	for _, f := range h {
		n += 8 + len(f.Key) + len(f.Value)
	}
	return n
}

// AppendHeader appends the wire encoding of h to dst.
func AppendHeader(dst []byte, h Header) []byte {
	for _, f := range h {
		dst = appendString(dst, f.Key)
		dst = appendString(dst, f.Value)
	}
	return dst
}

func appendString(dst []byte, s string) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(s)))
	return append(dst, s...)
}

// DecodeHeader decodes a header block. Length 0 is the empty string; length
// -1 is null, and a pair whose key or value is null is skipped. Any other
// negative length, or one running past the end of b, is an ErrBadHeader.
// An empty block decodes to a nil Header. All strings of the result share
// one allocation.
func DecodeHeader(b []byte) (Header, error) {
	n, err := scanHeader(b)
	if err != nil || n == 0 {
		return nil, err
	}
	return appendPairs(make(Header, 0, n), b), nil
}

// appendPairs appends the non-null pairs of b, a header block that
// scanHeader accepted, to h. Their strings share one allocation.
func appendPairs(h Header, b []byte) Header {
	all := string(b)
	off := 0
	for off < len(all) {
		kOff, kLen := off+4, int(int32(binary.BigEndian.Uint32(b[off:])))
		off = kOff + max(kLen, 0)
		vOff, vLen := off+4, int(int32(binary.BigEndian.Uint32(b[off:])))
		off = vOff + max(vLen, 0)
		if kLen < 0 || vLen < 0 {
			continue
		}
		h = append(h, HeaderField{all[kOff : kOff+kLen], all[vOff : vOff+vLen]})
	}
	return h
}

// scanHeader validates b and counts its non-null pairs.
func scanHeader(b []byte) (int, error) {
	n, off := 0, 0
	for off < len(b) {
		null := false
		for part := 0; part < 2; part++ {
			if len(b)-off < 4 {
				return 0, fmt.Errorf("%w: %d stray bytes at offset %d", ErrBadHeader, len(b)-off, off)
			}
			l := int64(int32(binary.BigEndian.Uint32(b[off:])))
			off += 4
			switch {
			case l == -1:
				null = true
			case l < 0:
				return 0, fmt.Errorf("%w: negative string length %d at offset %d", ErrBadHeader, l, off-4)
			case l > int64(len(b)-off):
				return 0, fmt.Errorf("%w: string length %d at offset %d runs past the end (%d bytes)", ErrBadHeader, l, off-4, len(b))
			default:
				off += int(l)
			}
		}
		if !null {
			n++
		}
	}
	return n, nil
}
