package zipkin

import (
	"strconv"
	"strings"
	"time"

	"github.com/openzipkin/zipkin-go/model"

	"github.com/sofatracer/sofatracer-go/digest"
)

// appendSpanJSON appends the Zipkin v2 JSON of m, as model.SpanModel's
// MarshalJSON writes it (same fields and rounding, lowercased span and
// service names), without reflection and without a second pass to
// compact the output. Tags are written in map order.
func appendSpanJSON(b []byte, m *model.SpanModel) ([]byte, error) {
	if !m.Timestamp.IsZero() && m.Timestamp.Unix() < 1 {
		return b, model.ErrValidTimestampRequired
	}
	if m.Duration < 0 {
		return b, model.ErrValidDurationRequired
	}
	b = append(b, `{"traceId":"`...)
	if m.TraceID.High != 0 {
		b = appendHex16(b, m.TraceID.High)
	}
	b = appendHex16(b, m.TraceID.Low)
	b = append(b, `","id":"`...)
	b = appendHex16(b, uint64(m.ID))
	b = append(b, '"')
	if m.ParentID != nil {
		b = append(b, `,"parentId":"`...)
		b = appendHex16(b, uint64(*m.ParentID))
		b = append(b, '"')
	}
	if m.Debug {
		b = append(b, `,"debug":true`...)
	}
	if m.Name != "" {
		b = append(b, `,"name":`...)
		b = digest.AppendJSONString(b, strings.ToLower(m.Name))
	}
	if m.Kind != model.Undetermined {
		b = append(b, `,"kind":`...)
		b = digest.AppendJSONString(b, string(m.Kind))
	}
	if !m.Timestamp.IsZero() {
		b = append(b, `,"timestamp":`...)
		b = strconv.AppendInt(b, m.Timestamp.Round(time.Microsecond).UnixNano()/1e3, 10)
	}
	if d := m.Duration; d > 0 {
		if d < time.Microsecond {
			d = time.Microsecond
		} else {
			d += 500 * time.Nanosecond
		}
		b = append(b, `,"duration":`...)
		b = strconv.AppendInt(b, d.Nanoseconds()/1e3, 10)
	}
	if m.Shared {
		b = append(b, `,"shared":true`...)
	}
	if !m.LocalEndpoint.Empty() {
		b = append(b, `,"localEndpoint":`...)
		b = appendEndpoint(b, m.LocalEndpoint)
	}
	if !m.RemoteEndpoint.Empty() {
		b = append(b, `,"remoteEndpoint":`...)
		b = appendEndpoint(b, m.RemoteEndpoint)
	}
	if len(m.Annotations) > 0 {
		b = append(b, `,"annotations":[`...)
		for i, a := range m.Annotations {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"timestamp":`...)
			b = strconv.AppendInt(b, a.Timestamp.Round(time.Microsecond).UnixNano()/1e3, 10)
			b = append(b, `,"value":`...)
			b = digest.AppendJSONString(b, a.Value)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(m.Tags) > 0 {
		b = append(b, `,"tags":{`...)
		first := true
		for k, v := range m.Tags {
			if !first {
				b = append(b, ',')
			}
			first = false
			b = digest.AppendJSONString(b, k)
			b = append(b, ':')
			b = digest.AppendJSONString(b, v)
		}
		b = append(b, '}')
	}
	return append(b, '}'), nil
}

func appendEndpoint(b []byte, e *model.Endpoint) []byte {
	b = append(b, '{')
	n := len(b)
	sep := func() {
		if len(b) > n {
			b = append(b, ',')
		}
	}
	if e.ServiceName != "" {
		b = append(b, `"serviceName":`...)
		b = digest.AppendJSONString(b, strings.ToLower(e.ServiceName))
	}
	if len(e.IPv4) > 0 {
		sep()
		b = append(b, `"ipv4":"`...)
		b = append(b, e.IPv4.String()...)
		b = append(b, '"')
	}
	if len(e.IPv6) > 0 {
		sep()
		b = append(b, `"ipv6":"`...)
		b = append(b, e.IPv6.String()...)
		b = append(b, '"')
	}
	if e.Port != 0 {
		sep()
		b = append(b, `"port":`...)
		b = strconv.AppendUint(b, uint64(e.Port), 10)
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

func appendHex16(b []byte, v uint64) []byte {
	for shift := 60; shift >= 0; shift -= 4 {
		b = append(b, hexDigits[(v>>uint(shift))&15])
	}
	return b
}
