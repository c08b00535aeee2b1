package propagation

import (
	"strings"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/span"
)

// Bolt request-header keys of the SOFARPC trace context.
const (
	RPCTraceID     = "rpc_trace_context.sofaTraceId"
	RPCSpanID      = "rpc_trace_context.sofaRpcId"
	RPCSampled     = "rpc_trace_context.samp"
	RPCPenAttrs    = "rpc_trace_context.sofaPenAttrs"
	RPCSysPenAttrs = "rpc_trace_context.sysPenAttrs"
	RPCCallerApp   = "rpc_trace_context.sofaCallerApp"
	RPCCallerIP    = "rpc_trace_context.sofaCallerIp"
	RPCCallerZone  = "rpc_trace_context.sofaCallerZone"
	RPCNewContext  = "new_rpc_trace_context"
)

// gRPC metadata keys of SOFARPC Triple.
const (
	TriSOFATraceID  = "sofa-traceid"
	TriSOFARpcID    = "sofa-rpcid"
	TriTraceID      = "tri-trace-traceid"
	TriSpanID       = "tri-trace-rpcid"
	TriBizBaggage   = "tri-trace-biz-baggage"
	TriSysBaggage   = "tri-trace-sys-baggage"
	TriSampled      = "tri-trace-samp"
	TriCurrentApp   = "tri-trace-current-app"
	TriInvokeType   = "tri-trace-invoke-type"
	TriProtocolType = "tri-trace-protocol-type"
)

func injectRPC(sc *span.Context, f format, w opentracing.TextMapWriter) {
	b := sc.Baggage()
	switch f {
	case SOFARPCNew:
		w.Set(RPCNewContext, Serialize(sc))
	case SOFARPC:
		w.Set(RPCTraceID, sc.TraceID)
		w.Set(RPCSpanID, sc.SpanID)
		w.Set(RPCSampled, sampledText(sc.Sampled()))
		w.Set(RPCPenAttrs, string(span.AppendMap(nil, b.Biz)))
		w.Set(RPCSysPenAttrs, string(span.AppendMap(nil, b.Sys)))
	case Triple:
		w.Set(TriSOFATraceID, sc.TraceID)
		w.Set(TriSOFARpcID, sc.SpanID)
		w.Set(TriTraceID, sc.TraceID)
		w.Set(TriSpanID, sc.SpanID)
		w.Set(TriSampled, sampledText(sc.Sampled()))
		if len(b.Biz) > 0 {
			w.Set(TriBizBaggage, MetadataSafe(string(span.AppendMap(nil, b.Biz))))
		}
		if len(b.Sys) > 0 {
			w.Set(TriSysBaggage, MetadataSafe(string(span.AppendMap(nil, b.Sys))))
		}
	}
}

// rpcKeys names the keys one RPC form reads, in order of preference for
// the ids (at most two each).
type rpcKeys struct {
	trace, span     []string
	sampled         string
	biz, sys        string
	serialized      string
	caseInsensitive bool
}

var (
	boltKeys   = rpcKeys{trace: []string{RPCTraceID}, span: []string{RPCSpanID}, sampled: RPCSampled, biz: RPCPenAttrs, sys: RPCSysPenAttrs, serialized: RPCNewContext}
	tripleKeys = rpcKeys{trace: []string{TriSOFATraceID, TriTraceID}, span: []string{TriSOFARpcID, TriSpanID}, sampled: TriSampled, biz: TriBizBaggage, sys: TriSysBaggage, caseInsensitive: true}
)

// Slots of rpcState: one per key an RPC form reads.
const (
	slotSampled = iota
	slotBiz
	slotSys
	slotSerialized
	slotTrace                 // and slotTrace+1
	slotSpan  = slotTrace + 2 // and slotSpan+1
	rpcSlots  = slotSpan + 2
)

// rpcState collects the first value of each key an RPC extract reads.
type rpcState struct {
	keys  *rpcKeys
	vals  [rpcSlots]string
	found [rpcSlots]bool
}

func (st *rpcState) add(k, v string) error {
	if st.keys.caseInsensitive {
		k = strings.ToLower(k)
	}
	if i := st.keys.slot(k); i >= 0 && !st.found[i] {
		st.vals[i], st.found[i] = v, true
	}
	return nil
}

// first returns the value of the first of the two slots from i that was
// found.
func (st *rpcState) first(i int) (string, bool) {
	for j := i; j < i+2; j++ {
		if st.found[j] {
			return st.vals[j], true
		}
	}
	return "", false
}

func extractRPC(r opentracing.TextMapReader, f format, lim Limits) (*span.Context, Result, error) {
	st := &rpcState{keys: &boltKeys}
	if f == Triple {
		st.keys = &tripleKeys
	}
	if err := r.ForeachKey(st.add); err != nil {
		return nil, Result{}, err
	}
	for i, v := range st.vals {
		if len(v) > lim.MaxCarrierSize {
			return nil, Result{}, corrupt(st.keys.name(i), errTooLarge)
		}
	}
	if st.found[slotSerialized] {
		return Parse(st.vals[slotSerialized], lim)
	}
	b := newBuilder(lim)
	b.traceID, b.hasTrace = st.first(slotTrace)
	b.spanID, _ = st.first(slotSpan)
	if !b.hasTrace {
		return nil, Result{}, opentracing.ErrSpanContextNotFound
	}
	biz, sys := st.vals[slotBiz], st.vals[slotSys]
	if f == Triple {
		biz, sys = MetadataDecode(biz), MetadataDecode(sys)
	}
	span.ParseMap(biz, func(k, v string) bool { b.bag.AddBiz(k, v); return true })
	span.ParseMap(sys, func(k, v string) bool { b.bag.AddSys(k, v); return true })
	if st.found[slotSampled] {
		b.sampled = parseBool(st.vals[slotSampled])
	} else if bag := b.bag.Build(); bag != nil {
		// Old SOFARPC callers put the flag in the system baggage.
		if v, ok := bag.Sys["samp"]; ok {
			b.sampled = parseBool(v)
		}
	}
	return b.build()
}

// slot returns the rpcState slot of key, or -1 when the form does not
// read it.
func (k *rpcKeys) slot(key string) int {
	switch key {
	case "":
		return -1
	case k.sampled:
		return slotSampled
	case k.biz:
		return slotBiz
	case k.sys:
		return slotSys
	case k.serialized:
		return slotSerialized
	}
	for i, t := range k.trace {
		if key == t {
			return slotTrace + i
		}
	}
	for i, s := range k.span {
		if key == s {
			return slotSpan + i
		}
	}
	return -1
}

// name returns the key of slot i.
func (k *rpcKeys) name(i int) string {
	switch {
	case i == slotSampled:
		return k.sampled
	case i == slotBiz:
		return k.biz
	case i == slotSys:
		return k.sys
	case i == slotSerialized:
		return k.serialized
	case i < slotSpan:
		return k.trace[i-slotTrace]
	}
	return k.span[i-slotSpan]
}

// MetadataSafe makes v a valid gRPC metadata value, which must be
// printable ASCII (grpc-go fails the call otherwise): other bytes become
// %XX. Triple baggage is written this way; the k=v& form already escapes
// '%' as %25, so MetadataDecode can tell the two apart.
func MetadataSafe(v string) string {
	i := 0
	for i < len(v) && v[i] >= 0x20 && v[i] <= 0x7e {
		i++
	}
	if i == len(v) {
		return v
	}
	out := append(make([]byte, 0, len(v)+16), v[:i]...)
	for ; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c > 0x7e {
			out = append(out, '%', "0123456789ABCDEF"[c>>4], "0123456789ABCDEF"[c&15])
		} else {
			out = append(out, c)
		}
	}
	return string(out)
}

// MetadataDecode reverses MetadataSafe in serialized baggage: it decodes
// every %XX except %25, %26 and %3D, which the baggage escaping uses.
func MetadataDecode(v string) string {
	if !strings.Contains(v, "%") {
		return v
	}
	out := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == '%' && i+2 < len(v) && isHex(v[i+1:i+3]) {
			if c := hexVal(v[i+1])<<4 | hexVal(v[i+2]); c != '%' && c != '&' && c != '=' {
				out = append(out, c)
				i += 2
				continue
			}
		}
		out = append(out, v[i])
	}
	return string(out)
}
