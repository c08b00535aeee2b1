package sofaotel

import (
	"context"
	"net/http"

	"github.com/opentracing/opentracing-go"
	"go.opentelemetry.io/otel/baggage"
	otelprop "go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/sofatracer/sofatracer-go/propagation"
	"github.com/sofatracer/sofatracer-go/span"
)

// HTTPPropagator returns the propagator of SOFATracer's HTTP headers, the
// ones the nethttp plugin writes and reads: it injects X-B3-TraceId,
// X-B3-SpanId, X-B3-ParentSpanId and X-B3-Sampled carrying SOFA ids and
// baggage-<key> / baggage-sys-<key>, and extracts those, sftc_head,
// SOFA-TraceId / SOFA-RpcId, real B3 or a W3C traceparent. Compose it
// with propagation.TraceContext{} and propagation.Baggage{} for callers
// that speak W3C; the propagator listed last sets the remote parent.
func HTTPPropagator() otelprop.TextMapPropagator {
	return sofaPropagator{format: opentracing.HTTPHeaders, fields: []string{
		propagation.HeaderTraceID, propagation.HeaderSpanID, propagation.HeaderParentSpanID, propagation.HeaderSampled,
	}}
}

// TriplePropagator returns the propagator of SOFARPC Triple's gRPC
// metadata keys (sofa-traceid, sofa-rpcid, tri-trace-traceid,
// tri-trace-rpcid, tri-trace-samp, tri-trace-biz-baggage,
// tri-trace-sys-baggage), the ones the grpctrace plugin writes and reads.
// A SERVER span started under a context it extracted shares the client's
// SpanId, as SOFARPC servers do.
func TriplePropagator() otelprop.TextMapPropagator {
	return sofaPropagator{format: propagation.Triple, rpc: true, fields: []string{
		propagation.TriSOFATraceID, propagation.TriSOFARpcID, propagation.TriTraceID, propagation.TriSpanID,
		propagation.TriSampled, propagation.TriBizBaggage, propagation.TriSysBaggage,
	}}
}

type sofaPropagator struct {
	format any
	rpc    bool
	fields []string
}

// Inject implements propagation.TextMapPropagator: it writes the SOFA
// context of the span in ctx. The span of another tracer is written as a
// child of the SOFA context it descends from (one extracted by these
// propagators, or a tracestate sofa member), else with its hex ids.
func (p sofaPropagator) Inject(ctx context.Context, carrier otelprop.TextMapCarrier) {
	c := injectContext(ctx)
	if c == nil {
		return
	}
	if h, ok := carrier.(otelprop.HeaderCarrier); ok && p.format == opentracing.HTTPHeaders {
		_ = propagation.Inject(c, p.format, http.Header(h))
		return
	}
	_ = propagation.Inject(c, p.format, carrierAdapter{carrier})
}

// Extract implements propagation.TextMapPropagator. A carrier without a
// valid SOFA context leaves ctx as it is.
func (p sofaPropagator) Extract(ctx context.Context, carrier otelprop.TextMapCarrier) context.Context {
	var (
		c   *span.Context
		err error
	)
	if h, ok := carrier.(otelprop.HeaderCarrier); ok && p.format == opentracing.HTTPHeaders {
		c, _, err = propagation.Extract(p.format, http.Header(h), propagation.Limits{})
	} else {
		c, _, err = propagation.Extract(p.format, carrierAdapter{carrier}, propagation.Limits{})
	}
	if err != nil {
		return ctx
	}
	sc := spanContext(c, trace.TraceState{}, true)
	ctx = context.WithValue(ctx, remoteKey{}, &remote{ctx: c, rpc: p.rpc, sid: sc.SpanID()})
	return trace.ContextWithRemoteSpanContext(ctx, sc)
}

// Fields implements propagation.TextMapPropagator; baggage keys, which
// vary, are not listed.
func (p sofaPropagator) Fields() []string { return append([]string(nil), p.fields...) }

// remoteKey keys the SOFA context a propagator extracted: the remote
// trace.SpanContext cannot hold baggage or the exact SOFA ids.
type remoteKey struct{}

type remote struct {
	ctx *span.Context
	rpc bool
	sid trace.SpanID
}

// matches reports whether r is still the remote parent in a context whose
// span context is psc: a propagator that ran later may have replaced it.
func (r *remote) matches(psc trace.SpanContext) bool {
	return psc.IsRemote() && psc.SpanID() == r.sid
}

// injectContext returns the SOFA context to inject for the span in ctx.
func injectContext(ctx context.Context) *span.Context {
	ps := trace.SpanFromContext(ctx)
	if w, ok := ps.(*Span); ok {
		return &w.sp.Ctx
	}
	psc := ps.SpanContext()
	if !psc.IsValid() {
		if s := span.FromContext(ctx); s != nil {
			return &s.Ctx
		}
		return nil
	}
	r, _ := ctx.Value(remoteKey{}).(*remote)
	if r != nil && r.matches(psc) {
		return r.ctx
	}
	var base *span.Context
	if r != nil {
		if t, _, _ := IDs(r.ctx); t == psc.TraceID() {
			base = r.ctx
		}
	}
	if base == nil {
		base = fromTraceState(psc)
	}
	var c *span.Context
	if base != nil { // a span of another tracer under a SOFA one
		c = span.NewContext(base.TraceID, base.NextChildID(), base.SpanID, psc.IsSampled())
		c.Format = base.Format
		c.SetBaggage(base.Baggage())
	} else {
		c = hexContext(psc)
	}
	if b := baggage.FromContext(ctx); b.Len() > 0 {
		bag := c.Baggage()
		for _, m := range b.Members() {
			if nb := bag.WithBiz(m.Key(), m.Value(), span.DefaultMaxBaggageSize); nb != nil {
				bag = nb
			}
		}
		c.SetBaggage(bag)
	}
	return c
}

// carrierAdapter lets the core's propagation read and write an
// OpenTelemetry carrier.
type carrierAdapter struct{ c otelprop.TextMapCarrier }

func (a carrierAdapter) Set(k, v string) { a.c.Set(k, v) }

func (a carrierAdapter) ForeachKey(handler func(k, v string) error) error {
	for _, k := range a.c.Keys() {
		if err := handler(k, a.c.Get(k)); err != nil {
			return err
		}
	}
	return nil
}
