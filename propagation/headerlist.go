package propagation

import (
	"unsafe"

	"github.com/sofatracer/sofatracer-go/span"
)

// HeaderList is a carrier of the opentracing.TextMap or HTTPHeaders
// format that Extract reads by index instead of through ForeachKey: a
// message's headers (a Kafka record's, say), read where they are. Its
// state then stays off the heap, and only the values of the keys it
// recognises are copied, into one string. A HeaderList should also be an
// opentracing.TextMapReader, for other tracers.
type HeaderList interface {
	// Len returns the number of headers.
	Len() int
	// Header returns the i-th header. Extract does not retain value.
	Header(i int) (key string, value []byte)
}

// listKinds is how many headers extractList classifies once and
// remembers, on the stack; those past it are classified twice.
const listKinds = 16

// extractList is extractTextMap for a HeaderList.
func extractList(l HeaderList, lim Limits, decode bool) (*span.Context, Result, error) {
	st := textMapState{lim: lim, decode: decode}
	st.bag.Max = lim.MaxBaggageSize
	n := l.Len()
	var kinds [listKinds]uint8
	var seen uint32 // bit kind for each kind present
	size := 0
	for i := range n {
		k, v := l.Header(i)
		kind := classify(k)
		if i < listKinds {
			kinds[i] = uint8(kind)
		}
		seen |= 1 << kind
		if kind != keyOther && len(v) <= lim.MaxCarrierSize {
			size += len(v)
		}
	}
	// The kept values, copied once: the context may hold any of them.
	// When they are ids that fit, they share one allocation with the
	// context made of them.
	var buf []byte
	if 0 < size && size <= len(ctxWithValues{}.buf) && seen&(1<<keyHead) == 0 && seen&(1<<keyTraceID|1<<keySOFATraceID) != 0 {
		x := new(ctxWithValues)
		buf, st.into = x.buf[:0:size], &x.sc
	} else {
		buf = make([]byte, 0, size)
	}
	for i := range n {
		k, v := l.Header(i)
		var kind int
		if i < listKinds {
			kind = int(kinds[i])
		} else {
			kind = classify(k)
		}
		if kind == keyOther {
			continue
		}
		var s string
		switch {
		case len(v) > lim.MaxCarrierSize:
			// Only its length counts: refused, or the carrier rejected.
			s = unsafe.String(unsafe.SliceData(v), len(v))
		case len(v) > 0:
			off := len(buf)
			buf = append(buf, v...) // within its capacity: never moves
			s = unsafe.String(&buf[off], len(v))
		}
		st.addKind(kind, k, s)
	}
	return st.result()
}

// ctxWithValues is a context and the header values it holds: 128 bytes
// (56 for the values), an allocation size class.
type ctxWithValues struct {
	sc  span.Context
	buf [128 - unsafe.Sizeof(span.Context{})]byte
}
