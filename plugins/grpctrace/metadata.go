package grpctrace

import (
	"context"
	"strings"
	"sync"

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
// Writers are pooled: the pairs are copied into the context's metadata.
type mdWriter struct {
	kv  []string
	buf [20]string // kv's first backing array: enough for a call's pairs
}

var mdWriters = sync.Pool{New: func() any {
	w := new(mdWriter)
	w.kv = w.buf[:0]
	return w
}}

// release empties w and puts it back into the pool. The strings it held
// stay referenced until the next call overwrites them: ids, a few bytes.
func (w *mdWriter) release() {
	w.kv = w.buf[:0]
	mdWriters.Put(w)
}

// Set implements opentracing.TextMapWriter.
func (w *mdWriter) Set(k, v string) {
	if !validKey(k) { // the keys this package writes are valid as they are
		if k = strings.ToLower(k); !validKey(k) {
			return
		}
	}
	if !strings.HasSuffix(k, "-bin") {
		v = propagation.MetadataSafe(v)
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
			if err := handler(k, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// tripleReader is an opentracing.TextMapReader over just the Triple keys
// of the incoming metadata, so that the server does not copy all of it.
type tripleReader struct{ ctx context.Context }

var tripleReadKeys = []string{
	propagation.TriSOFATraceID, propagation.TriSOFARpcID, propagation.TriTraceID, propagation.TriSpanID,
	propagation.TriBizBaggage, propagation.TriSysBaggage, propagation.TriSampled,
}

// ForeachKey implements opentracing.TextMapReader.
func (r tripleReader) ForeachKey(handler func(k, v string) error) error {
	for _, k := range tripleReadKeys {
		for _, v := range metadata.ValueFromIncomingContext(r.ctx, k) {
			if err := handler(k, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// incoming returns the first value of key k in the incoming metadata.
func incoming(ctx context.Context, k string) string {
	if vs := metadata.ValueFromIncomingContext(ctx, k); len(vs) > 0 {
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
