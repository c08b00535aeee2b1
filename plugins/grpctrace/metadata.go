package grpctrace

import (
	"context"
	"strings"

	"google.golang.org/grpc/metadata"

	"github.com/sofatracer/sofatracer-go/propagation"
)

// traceKeys are the metadata keys this package writes; a caller's stale
// copies (a proxy that forwards incoming metadata) are replaced.
var traceKeys = []string{
	propagation.TriSOFATraceID, propagation.TriSOFARpcID, propagation.TriTraceID, propagation.TriSpanID,
	propagation.TriBizBaggage, propagation.TriSysBaggage, propagation.TriSampled,
	propagation.TriCurrentApp, propagation.TriInvokeType, propagation.TriProtocolType,
}

// mdWriter is an opentracing.TextMapWriter collecting outgoing metadata
// pairs: keys lowercased, invalid keys dropped, values made printable.
type mdWriter struct{ kv []string }

// Set implements opentracing.TextMapWriter.
func (w *mdWriter) Set(k, v string) {
	k = strings.ToLower(k)
	if !validKey(k) {
		return
	}
	if !strings.HasSuffix(k, "-bin") {
		v = printable(v)
	}
	w.kv = append(w.kv, k, v)
}

// outgoing returns ctx with the pairs in its outgoing metadata, replacing
// any trace keys already there.
func (w *mdWriter) outgoing(ctx context.Context) context.Context {
	md, ok := metadata.FromOutgoingContext(ctx) // a copy
	if !ok {
		return metadata.AppendToOutgoingContext(ctx, w.kv...)
	}
	for _, k := range traceKeys {
		delete(md, k)
	}
	for i := 0; i+1 < len(w.kv); i += 2 {
		md.Set(w.kv[i], w.kv[i+1])
	}
	return metadata.NewOutgoingContext(ctx, md)
}

// mdReader is an opentracing.TextMapReader over incoming metadata.
type mdReader metadata.MD

// ForeachKey implements opentracing.TextMapReader.
func (r mdReader) ForeachKey(handler func(k, v string) error) error {
	for k, vs := range r {
		for _, v := range vs {
			if k == propagation.TriBizBaggage || k == propagation.TriSysBaggage {
				v = unprintable(v)
			}
			if err := handler(k, v); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r mdReader) get(k string) string {
	if vs := r[k]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

func validKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

const hexDigits = "0123456789ABCDEF"

// printable writes bytes outside 0x20-0x7E as %XX, which gRPC requires of
// metadata values. A literal '%' in serialized baggage is always %25, so
// unprintable can tell the two apart.
func printable(v string) string {
	i := 0
	for i < len(v) && v[i] >= 0x20 && v[i] <= 0x7e {
		i++
	}
	if i == len(v) {
		return v
	}
	var b strings.Builder
	b.Grow(len(v) + 16)
	b.WriteString(v[:i])
	for ; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c > 0x7e {
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// unprintable reverses printable in serialized baggage: it decodes %XX
// except %25, %26 and %3D, which the baggage's own escaping uses.
func unprintable(v string) string {
	if !strings.Contains(v, "%") {
		return v
	}
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == '%' && i+2 < len(v) {
			hi, lo := unhex(v[i+1]), unhex(v[i+2])
			if hi >= 0 && lo >= 0 {
				c := byte(hi<<4 | lo)
				if c != '%' && c != '&' && c != '=' {
					b.WriteByte(c)
					i += 2
					continue
				}
				b.WriteString(v[i : i+3])
				i += 2
				continue
			}
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
