package span

import "errors"

// MaxIDLength bounds an incoming TraceId or SpanId. SOFATracer ids are 29-32
// characters and a SpanId of depth MaxDepth is a few hundred; anything
// longer is an attack or a bug.
const MaxIDLength = 512

// Reasons an incoming id is refused; they are the keys of the tracer's
// corrupted-context counters.
var (
	ErrIDEmpty   = errors.New("empty id")
	ErrIDTooLong = errors.New("id longer than MaxIDLength")
	ErrIDBadChar = errors.New("id has a character that could break a log line or header")
)

// ValidateID accepts an incoming id of any reasonable length whose
// characters cannot break a log line or a header: printable ASCII without
// quotes, backslash, comma, '&', '=' or '%'.
func ValidateID(id string) error {
	if id == "" {
		return ErrIDEmpty
	}
	if len(id) > MaxIDLength {
		return ErrIDTooLong
	}
	for i := 0; i < len(id); i++ {
		if !idByte[id[i]] {
			return ErrIDBadChar
		}
	}
	return nil
}

// idByte marks the bytes an id may hold.
var idByte = func() (t [256]bool) {
	for c := '!'; c < 0x7f; c++ {
		switch c {
		case '"', '\'', '\\', ',', '&', '=', '%':
		default:
			t[c] = true
		}
	}
	return t
}()
