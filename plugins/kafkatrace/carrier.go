package kafkatrace

import (
	"strings"
	"unsafe"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sofatracer/sofatracer-go/propagation"
)

// setHeader replaces the value of r's header named k (case-insensitively)
// or adds one, so that a forwarded record does not carry its old context
// ahead of the new one.
func setHeader(r *kgo.Record, k string, v []byte) {
	for i := range r.Headers {
		if strings.EqualFold(r.Headers[i].Key, k) {
			r.Headers[i] = kgo.RecordHeader{Key: k, Value: v}
			return
		}
	}
	r.Headers = append(r.Headers, kgo.RecordHeader{Key: k, Value: v})
}

// reader reads a record's headers as an OpenTracing text map. The values
// are copied into one string, once, so that the tracer may keep any of
// them (ids, baggage) without pinning or sharing the record's buffers.
// A SOFATracer reads them as a propagation.HeaderList: in place, copying
// only the values of its own keys.
type reader kgo.Record

var _ propagation.HeaderList = (*reader)(nil)

// Len implements propagation.HeaderList.
func (c *reader) Len() int { return len(c.Headers) }

// Header implements propagation.HeaderList.
func (c *reader) Header(i int) (string, []byte) { return c.Headers[i].Key, c.Headers[i].Value }

// ForeachKey calls handler with every header, its value as a string.
func (c *reader) ForeachKey(handler func(k, v string) error) error {
	n := 0
	for _, h := range c.Headers {
		n += len(h.Value)
	}
	buf := make([]byte, 0, n)
	for _, h := range c.Headers {
		buf = append(buf, h.Value...)
	}
	// buf is never written again: the string may share it.
	all := unsafe.String(unsafe.SliceData(buf), len(buf))
	off := 0
	for _, h := range c.Headers {
		v := all[off : off+len(h.Value)]
		off += len(h.Value)
		if err := handler(h.Key, v); err != nil {
			return err
		}
	}
	return nil
}
