// Package pluginutil holds small helpers shared by the instrumentation
// plugins (nethttp, grpctrace, bolt, kafkatrace, rabbittrace).
package pluginutil

import (
	"net/netip"
	"strings"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/span"
)

// SetTags sets tags on sp, under one lock when sp is a SOFATracer span.
func SetTags(sp opentracing.Span, tags ...span.Tag) {
	if s, ok := sp.(*span.Span); ok {
		s.SetTags(tags...)
		return
	}
	for _, t := range tags {
		sp.SetTag(t.Key, t.Value)
	}
}

// SetTagBlock sets b's tags and then tags on sp: on a *span.Span with
// span.Span.SetTagBlock, which shares b instead of copying it.
func SetTagBlock(sp opentracing.Span, b *span.TagBlock, tags ...span.Tag) {
	if s, ok := sp.(*span.Span); ok {
		s.SetTagBlock(b, tags...)
		return
	}
	for _, t := range b.Tags() {
		sp.SetTag(t.Key, t.Value)
	}
	for _, t := range tags {
		sp.SetTag(t.Key, t.Value)
	}
}

// AppName returns the tracer's application name when it has one
// (*tracer.Tracer does), else "".
func AppName(tr opentracing.Tracer) string {
	if a, ok := tr.(interface{ AppName() string }); ok {
		return a.AppName()
	}
	return ""
}

// AppendPeerTags appends peer.ipv4 and peer.port for an IPv4 "ip:port",
// or remote.ip holding addr for anything else (IPv6, unix sockets).
func AppendPeerTags(dst []span.Tag, addr string) []span.Tag {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil || !ap.Addr().Unmap().Is4() {
		if addr == "" {
			return dst
		}
		return append(dst, span.Tag{Key: span.TagRemoteIP, Value: addr})
	}
	var ip string
	if ap.Addr().Is4() {
		// netip takes IPv4 in canonical form only (no leading zeros, no
		// brackets), so the text before the port is what String returns.
		ip = addr[:strings.LastIndexByte(addr, ':')]
	} else {
		ip = ap.Addr().Unmap().String()
	}
	return append(dst,
		span.Tag{Key: span.TagPeerIPv4, Value: ip},
		span.Tag{Key: span.TagPeerPort, Value: ap.Port()})
}

// Box returns s as a tag value (the build function of a strcache.Cache).
func Box(s string) any { return s }

// Boxed returns s as a tag value. When s equals one of values, strings
// boxed once (a package-level table of constants), it returns that
// value, which costs no allocation; other strings are boxed anew.
func Boxed(s string, values []any) any {
	for _, v := range values {
		if v.(string) == s {
			return v
		}
	}
	return s
}
