package bolt

import (
	"encoding/binary"
	"unicode/utf16"
)

// This file holds just enough Hessian 2 for SOFARPC's error responses: a
// Hessian body of a SofaResponse whose handler failed, and reading whether a
// SofaResponse is a framework error (isError) and its message. Bodies are
// otherwise opaque to this package.

// Hessian 2 codes used here.
const (
	hNull        = 'N'
	hTrue        = 'T'
	hFalse       = 'F'
	hClassDef    = 'C' // Hessian 2.0 class definition
	hObject      = 'O' // Hessian 2.0 instance; in the 2.0 draft, the definition
	hObjectDraft = 'o' // the draft's instance
	hMap         = 'H'
	hEnd         = 'Z'
	hChunk       = 'R' // non-final string chunk
	hString      = 'S' // final string chunk
	hObjDirect   = 0x60
	hChunkChars  = 0x8000
)

// Field names of com.alipay.sofa.rpc.core.response.SofaResponse in Hessian's
// order (primitive and java.lang fields first, in declaration order).
var sofaResponseFields = []string{"isError", "errorMsg", "appResponse", "responseProps"}

// businessExceptionClass is the Java class of the exception a Server puts in
// the Hessian body of a business-error response.
const businessExceptionClass = "java.lang.RuntimeException"

// appendBusinessError appends the Hessian 2 body SOFARPC's server sends when
// the service method threw: a SofaResponse with isError false, no errorMsg,
// the exception (a java.lang.RuntimeException with msg as its message) as
// appResponse and responseProps {sofa_head_response_error: true}.
func appendBusinessError(b []byte, msg string) []byte {
	b = appendClassDef(b, ClassSofaResponse, sofaResponseFields)
	b = append(b, hObjDirect, hFalse, hNull)
	b = appendClassDef(b, businessExceptionClass, []string{"detailMessage"})
	b = append(b, hObjDirect+1)
	b = appendHString(b, msg)
	b = append(b, hMap)
	b = appendHString(b, KeyResponseError)
	b = appendHString(b, "true")
	return append(b, hEnd)
}

func appendClassDef(b []byte, class string, fields []string) []byte {
	b = append(b, hClassDef)
	b = appendHString(b, class)
	b = appendHInt(b, int32(len(fields)))
	for _, f := range fields {
		b = appendHString(b, f)
	}
	return b
}

// appendHInt appends v in Hessian 2's integer encoding.
func appendHInt(b []byte, v int32) []byte {
	switch {
	case -16 <= v && v <= 47:
		return append(b, byte(0x90+v))
	case -2048 <= v && v <= 2047:
		return append(b, byte(0xc8+v>>8), byte(v))
	case -262144 <= v && v <= 262143:
		return append(b, byte(0xd4+v>>16), byte(v>>8), byte(v))
	}
	return binary.BigEndian.AppendUint32(append(b, 'I'), uint32(v))
}

// appendHString appends s as a Hessian 2 string: lengths count UTF-16 code
// units, each written as 1–3 bytes (Java's encoding; invalid UTF-8 becomes
// U+FFFD), in chunks of at most 32768 units.
func appendHString(b []byte, s string) []byte {
	units := utf16.Encode([]rune(s))
	for len(units) > hChunkChars {
		b = append(b, hChunk, hChunkChars>>8, hChunkChars&0xff)
		b = appendUnits(b, units[:hChunkChars])
		units = units[hChunkChars:]
	}
	switch n := len(units); {
	case n < 32:
		b = append(b, byte(n))
	case n < 1024:
		b = append(b, byte(0x30+n>>8), byte(n))
	default:
		b = append(b, hString, byte(n>>8), byte(n))
	}
	return appendUnits(b, units)
}

func appendUnits(b []byte, units []uint16) []byte {
	for _, u := range units {
		switch {
		case u < 0x80:
			b = append(b, byte(u))
		case u < 0x800:
			b = append(b, 0xc0|byte(u>>6), 0x80|byte(u&0x3f))
		default:
			b = append(b, 0xe0|byte(u>>12), 0x80|byte(u>>6&0x3f), 0x80|byte(u&0x3f))
		}
	}
	return b
}

// hReader reads the few Hessian 2 values readSofaResponse needs. Any error
// sets ok to false and makes every later read fail.
type hReader struct {
	b  []byte
	ok bool
}

func (r *hReader) byte() byte {
	if !r.ok || len(r.b) == 0 {
		r.ok = false
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *hReader) int() int {
	c := r.byte()
	switch {
	case 0x80 <= c && c <= 0xbf:
		return int(c) - 0x90
	case 0xc0 <= c && c <= 0xcf:
		return (int(c)-0xc8)<<8 | int(r.byte())
	case 0xd0 <= c && c <= 0xd7:
		return (int(c)-0xd4)<<16 | int(r.byte())<<8 | int(r.byte())
	case c == 'I':
		return int(int32(uint32(r.byte())<<24 | uint32(r.byte())<<16 | uint32(r.byte())<<8 | uint32(r.byte())))
	}
	r.ok = false
	return 0
}

// string reads a string or null (as "").
func (r *hReader) string() string {
	var units []uint16
	for {
		c := r.byte()
		var n int
		final := true
		switch {
		case c == hNull && units == nil:
			return ""
		case c < 0x20:
			n = int(c)
		case 0x30 <= c && c <= 0x33:
			n = int(c-0x30)<<8 | int(r.byte())
		case c == hString || c == hChunk:
			n = int(r.byte())<<8 | int(r.byte())
			final = c == hString
		default:
			r.ok = false
			return ""
		}
		units = r.units(units, n)
		if final || !r.ok {
			return string(utf16.Decode(units))
		}
	}
}

// units appends n UTF-16 code units read from their 1–3 byte forms.
func (r *hReader) units(units []uint16, n int) []uint16 {
	for ; n > 0 && r.ok; n-- {
		c := r.byte()
		switch {
		case c < 0x80:
			units = append(units, uint16(c))
		case c&0xe0 == 0xc0:
			units = append(units, uint16(c&0x1f)<<6|uint16(r.byte()&0x3f))
		case c&0xf0 == 0xe0:
			units = append(units, uint16(c&0x0f)<<12|uint16(r.byte()&0x3f)<<6|uint16(r.byte()&0x3f))
		default:
			r.ok = false
		}
	}
	return units
}

// object reads a class definition and the start of an instance of it, in
// Hessian 2.0 ('C' ... 'O'/0x60+n) or in the 2.0 draft that older Java Bolt
// servers write ('O' type ... 'o'), and returns the class and its fields.
func (r *hReader) object() (class string, fields []string) {
	draft := false
	switch r.byte() {
	case hClassDef:
		class = r.string()
	case hObject: // draft: the type is an int length and its characters
		draft = true
		class = string(utf16.Decode(r.units(nil, r.int())))
	default:
		r.ok = false
		return "", nil
	}
	n := r.int()
	for i := 0; i < n && r.ok; i++ {
		fields = append(fields, r.string())
	}
	switch c := r.byte(); {
	case draft && c == hObjectDraft, !draft && c == hObject:
		r.int()
	case !draft && c >= hObjDirect && c < hObjDirect+16:
	default:
		r.ok = false
	}
	return class, fields
}

// readSofaResponse reads the start of a Hessian 2 SofaResponse body: whether
// it is a framework error (isError) and its message: errorMsg when isError,
// else the message of the exception in appResponse when its class starts
// with a detailMessage field. ok is false when the body does not start as a
// SofaResponse does.
func readSofaResponse(body []byte) (isError bool, msg string, ok bool) {
	r := &hReader{b: body, ok: true}
	class, fields := r.object()
	if !r.ok || class != ClassSofaResponse || len(fields) < 2 || fields[0] != sofaResponseFields[0] || fields[1] != sofaResponseFields[1] {
		return false, "", false
	}
	switch r.byte() {
	case hTrue:
		isError = true
	case hFalse:
	default:
		return false, "", false
	}
	errorMsg := r.string()
	if !r.ok {
		return false, "", false
	}
	if isError {
		return true, errorMsg, true
	}
	if len(fields) > 2 && fields[2] == sofaResponseFields[2] {
		if _, exFields := r.object(); r.ok && len(exFields) > 0 && exFields[0] == "detailMessage" {
			if m := r.string(); r.ok {
				msg = m
			}
		}
	}
	return false, msg, true
}
