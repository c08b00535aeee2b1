package zipkin

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/openzipkin/zipkin-go/model"

	"github.com/sofatracer/sofatracer-go/internal/hexnum"
	"github.com/sofatracer/sofatracer-go/span"
)

// Tags added to every converted span of a SOFA-format trace, holding the
// ids the Zipkin ids were derived from.
const (
	TagOriginTraceID  = "origin.trace.id"
	TagOriginSpanID   = "origin.span.id"
	TagOriginParentID = "origin.parent.span.id"
)

// Tags that name a span whose operation name is blank, as SOFATracer's
// ZipkinV2SpanAdapter does.
const (
	tagMessageTopic     = "message.topic"
	tagMessageEventCode = "message.event.code"
	tagTableName        = "table.name"
	tagDatasourceName   = "datasource.name"
	tagPeerIPv6         = "peer.ipv6"
)

// localIPv4 is the address of every local endpoint; it is only read.
var localIPv4 = func() net.IP {
	if a, err := netip.ParseAddr(span.LocalIP()); err == nil && a.Is4() {
		b := a.As4()
		return net.IP(b[:])
	}
	return nil
}()

// FNV-1a 64-bit parameters.
const (
	fnvOffset64 = 0xcbf29ce484222325
	fnvPrime64  = 0x100000001b3
)

// HashSpanID returns the Zipkin span id SOFATracer's Java adapter derives
// from a dotted SpanId: FNV-1a 64 over the UTF-16 code units of the
// string. "0" -> af63ad4c86019caf, "0.1" -> 4e18dd181d0a2066. The
// (practically impossible) zero result, which Zipkin refuses, becomes 1.
func HashSpanID(spanID string) model.ID {
	h := uint64(fnvOffset64)
	for i := 0; i < len(spanID); i++ {
		c := spanID[i]
		if c >= 0x80 { // not ASCII: hash UTF-16 units, as Java does
			return fixZero(hashUTF16(h, spanID[i:]))
		}
		h ^= uint64(c)
		h *= fnvPrime64
	}
	return fixZero(h)
}

func hashUTF16(h uint64, s string) uint64 {
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			h = (h ^ uint64(0xd800+(r>>10))) * fnvPrime64
			h = (h ^ uint64(0xdc00+(r&0x3ff))) * fnvPrime64
			continue
		}
		h = (h ^ uint64(r)) * fnvPrime64
	}
	return h
}

func fixZero(h uint64) model.ID {
	if h == 0 {
		return 1
	}
	return model.ID(h)
}

// MapTraceID returns the Zipkin trace id of a SOFATracer TraceId:
//
//   - one trailing "T" (a load-test TraceId) is removed;
//   - a result of 1 to 32 hex digits, not all zero, is the id itself,
//     left-padded with 0 to 16 digits (64-bit id) when it has at most 16,
//     else to 32 (128-bit), as SOFATracer's Java adapter does:
//     "0a0fe9271567477985327100211176" -> "000a0fe9271567477985327100211176";
//   - anything else (longer than 32, not hex, all zeros, empty) is mapped
//     deterministically to the 128-bit FNV-1a hash of the string's bytes
//     (after the "T" was removed), so that every service reporting that
//     TraceId lands in the same Zipkin trace instead of being dropped.
//
// The original TraceId is kept in the tag origin.trace.id.
func MapTraceID(traceID string) model.TraceID {
	s := strings.TrimSuffix(traceID, "T")
	if id, ok := parseHexTraceID(s); ok {
		return id
	}
	h := fnv.New128a()
	h.Write([]byte(s))
	var sum [16]byte
	h.Sum(sum[:0])
	id := model.TraceID{High: binary.BigEndian.Uint64(sum[:8]), Low: binary.BigEndian.Uint64(sum[8:])}
	if id.High == 0 { // keep it visibly 128-bit and never empty
		id.High = 1
	}
	if id.Low == 0 {
		id.Low = 1
	}
	return id
}

// parseHexTraceID reads 1-32 hex digits that are not all zero.
func parseHexTraceID(s string) (model.TraceID, bool) {
	if len(s) == 0 || len(s) > 32 {
		return model.TraceID{}, false
	}
	var id model.TraceID
	split := len(s) - 16
	if split < 0 {
		split = 0
	}
	var ok bool
	if id.Low, ok = hexnum.Parse(s[split:]); !ok {
		return model.TraceID{}, false
	}
	if split > 0 {
		if id.High, ok = hexnum.Parse(s[:split]); !ok {
			return model.TraceID{}, false
		}
	}
	if id.High == 0 && id.Low == 0 {
		return model.TraceID{}, false
	}
	return id, true
}

// IDs returns the Zipkin trace id, span id and parent id (nil for a root)
// of a span context.
//
// For a SOFA-format context the trace id is MapTraceID(TraceID) and the
// span ids are HashSpanID of the dotted ids. For a context of a trace
// that arrived in B3 or W3C form (span.FormatB3, span.FormatW3C) the ids
// already are Zipkin's hex ids and are used as they are, so that the
// spans join the caller's trace; an id that is somehow not hex falls back
// to the SOFA rule.
func IDs(c *span.Context) (model.TraceID, model.ID, *model.ID) {
	var (
		trace  model.TraceID
		id     model.ID
		parent *model.ID
	)
	hex := c.Format == span.FormatB3 || c.Format == span.FormatW3C
	if t, ok := parseHexTraceID(c.TraceID); hex && ok && (len(c.TraceID) == 16 || len(c.TraceID) == 32) {
		trace = t
	} else {
		trace = MapTraceID(c.TraceID)
	}
	id = spanIDOf(c.SpanID, hex)
	if c.ParentID != "" {
		p := spanIDOf(c.ParentID, hex)
		parent = &p
	}
	return trace, id, parent
}

func spanIDOf(s string, hex bool) model.ID {
	if hex && len(s) == 16 {
		if v, ok := hexnum.Parse(s); ok && v != 0 {
			return model.ID(v)
		}
	}
	return HashSpanID(s)
}

// Convert turns a finished span into a Zipkin v2 span. app is the local
// service name (SOFATracer's local.app).
//
//   - ids: see IDs; a SOFA-format span also gets the tags
//     origin.trace.id, origin.span.id and origin.parent.span.id;
//   - shared: true for an RPC server span that reuses its client's SpanId
//     (span.Context.Shared), so Zipkin pairs it with the client span;
//   - kind: from the span.kind tag: SERVER, CLIENT, PRODUCER, CONSUMER,
//     anything else is a local span (no kind);
//   - name: the operation name; when blank, "message.topic:message.event.code",
//     else table.name, else datasource.name (as SOFATracer);
//   - localEndpoint: app and the host's first non-loopback IPv4;
//   - remoteEndpoint: peer.service (else remote.app), peer.ipv4 /
//     peer.ipv6 / peer.hostname when it is an address, peer.port, and
//     remote.ip ("ip" or "ip:port") for what is still missing;
//   - tags: every tag except span.kind, as a string; then every system
//     and business baggage item whose key is not already a tag;
//   - annotations: one per log field, at the log's time: the value of an
//     "event" field, "key=value" for other fields; the values cs, cr, sr
//     and ss are left out, as in SOFATracer;
//   - timestamp and duration in microseconds.
//
// Convert must only be called after the span was finished.
func Convert(s *span.Span, app string) model.SpanModel { return convert(s, localEndpoint(app)) }

func localEndpoint(app string) *model.Endpoint {
	return &model.Endpoint{ServiceName: app, IPv4: localIPv4}
}

func convert(s *span.Span, local *model.Endpoint) model.SpanModel {
	c := &s.Ctx
	var m model.SpanModel
	m.TraceID, m.ID, m.ParentID = IDs(c)
	m.Shared = c.Shared
	if t := s.StartTime(); t.Unix() >= 1 {
		m.Timestamp = t
	}
	m.Duration = max(s.Duration(), 0)
	m.LocalEndpoint = local

	tags := s.Tags()
	bag := c.Baggage()
	m.Tags = make(map[string]string, len(tags)+len(bag.Sys)+len(bag.Biz)+3)
	var remote remoteInfo
	for _, t := range tags {
		switch t.Key {
		case span.TagSpanKind:
			m.Kind = kindOf(t.Value)
			continue
		case span.TagPeerService:
			remote.service = span.TagText(t.Value)
		case span.TagRemoteApp:
			remote.app = span.TagText(t.Value)
		case span.TagPeerIPv4:
			remote.ipv4 = t.Value
		case tagPeerIPv6:
			remote.ipv6 = span.TagText(t.Value)
		case span.TagPeerHostname:
			remote.hostname = span.TagText(t.Value)
		case span.TagPeerPort:
			remote.port = t.Value
		case span.TagRemoteIP:
			remote.remoteIP = span.TagText(t.Value)
		}
		m.Tags[t.Key] = span.TagText(t.Value)
	}
	if c.Format == span.FormatSOFA {
		m.Tags[TagOriginTraceID] = c.TraceID
		m.Tags[TagOriginSpanID] = c.SpanID
		if c.ParentID != "" {
			m.Tags[TagOriginParentID] = c.ParentID
		}
	}
	for _, kv := range [2]map[string]string{bag.Sys, bag.Biz} {
		for k, v := range kv {
			if _, ok := m.Tags[k]; !ok {
				m.Tags[k] = v
			}
		}
	}
	m.RemoteEndpoint = remote.endpoint()

	m.Name = s.OperationName()
	if strings.TrimSpace(m.Name) == "" {
		m.Name = fallbackName(m.Tags)
	}

	if logs := s.Logs(); len(logs) > 0 {
		m.Annotations = make([]model.Annotation, 0, len(logs))
		for _, lr := range logs {
			if lr.Timestamp.Unix() < 1 {
				continue
			}
			for _, f := range lr.Fields {
				v := fmt.Sprint(f.Value())
				switch v {
				case "cs", "cr", "sr", "ss":
					continue
				}
				if f.Key() != "event" {
					v = f.Key() + "=" + v
				}
				m.Annotations = append(m.Annotations, model.Annotation{Timestamp: lr.Timestamp, Value: v})
			}
		}
	}
	return m
}

func fallbackName(tags map[string]string) string {
	if topic := tags[tagMessageTopic]; topic != "" {
		return topic + ":" + tags[tagMessageEventCode]
	}
	if n := tags[tagTableName]; n != "" {
		return n
	}
	return tags[tagDatasourceName]
}

func kindOf(v any) model.Kind {
	s, _ := v.(string)
	switch {
	case strings.EqualFold(s, span.KindServer):
		return model.Server
	case strings.EqualFold(s, span.KindClient):
		return model.Client
	case strings.EqualFold(s, span.KindProducer):
		return model.Producer
	case strings.EqualFold(s, span.KindConsumer):
		return model.Consumer
	}
	return model.Undetermined
}

type remoteInfo struct {
	service, app, ipv6, hostname, remoteIP string
	ipv4, port                             any
}

func (r *remoteInfo) endpoint() *model.Endpoint {
	var e model.Endpoint
	e.ServiceName = r.service
	if e.ServiceName == "" {
		e.ServiceName = r.app
	}
	switch v := r.ipv4.(type) {
	case uint32: // OpenTracing's ext.PeerHostIPv4 form
		e.IPv4 = net.IPv4(byte(v>>24), byte(v>>16), byte(v>>8), byte(v)).To4()
	case nil:
	default:
		setIP(&e, span.TagText(v))
	}
	if r.ipv6 != "" {
		setIP(&e, r.ipv6)
	}
	if e.IPv4 == nil && e.IPv6 == nil && r.hostname != "" {
		setIP(&e, r.hostname)
	}
	e.Port = portOf(r.port)
	if r.remoteIP != "" && (e.IPv4 == nil && e.IPv6 == nil || e.Port == 0) {
		host, port := r.remoteIP, ""
		if ap, err := netip.ParseAddrPort(r.remoteIP); err == nil {
			host, port = ap.Addr().String(), strconv.Itoa(int(ap.Port()))
		} else if h, p, err := net.SplitHostPort(r.remoteIP); err == nil {
			host, port = h, p
		}
		if e.IPv4 == nil && e.IPv6 == nil {
			setIP(&e, host)
		}
		if e.Port == 0 {
			e.Port = portOf(port)
		}
	}
	if e.Empty() {
		return nil
	}
	return &e
}

func setIP(e *model.Endpoint, s string) {
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return
	}
	a = a.Unmap()
	if a.Is4() {
		b := a.As4()
		e.IPv4 = net.IP(b[:])
	} else {
		b := a.As16()
		e.IPv6 = net.IP(b[:])
	}
}

func portOf(v any) uint16 {
	var n int64
	switch x := v.(type) {
	case nil:
		return 0
	case uint16:
		return x
	case int:
		n = int64(x)
	case int64:
		n = x
	case int32:
		n = int64(x)
	case uint32:
		n = int64(x)
	case uint64:
		if x > math.MaxUint16 {
			return 0
		}
		n = int64(x)
	default:
		p, err := strconv.Atoi(span.TagText(v))
		if err != nil {
			return 0
		}
		n = int64(p)
	}
	if n <= 0 || n > math.MaxUint16 {
		return 0
	}
	return uint16(n)
}
