package kafkatrace

import (
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
)

// carrier reads and writes a record's headers as an OpenTracing text map.
// It is the record itself, so that passing it as an interface allocates
// nothing.
type carrier kgo.Record

// Set replaces the value of the header named k (case-insensitively), or
// adds one, so that a forwarded record does not carry its old context
// ahead of the new one.
func (c *carrier) Set(k, v string) {
	for i := range c.Headers {
		if strings.EqualFold(c.Headers[i].Key, k) {
			c.Headers[i] = kgo.RecordHeader{Key: k, Value: []byte(v)}
			return
		}
	}
	c.Headers = append(c.Headers, kgo.RecordHeader{Key: k, Value: []byte(v)})
}

// ForeachKey calls handler with every header, its value as a string.
func (c *carrier) ForeachKey(handler func(k, v string) error) error {
	for _, h := range c.Headers {
		if err := handler(h.Key, string(h.Value)); err != nil {
			return err
		}
	}
	return nil
}
