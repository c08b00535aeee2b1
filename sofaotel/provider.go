package sofaotel

import (
	"context"

	"github.com/opentracing/opentracing-go"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/sofatracer/sofatracer-go/internal/spanopt"
	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// TracerProvider is an OpenTelemetry trace.TracerProvider whose spans are
// spans of a sofatracer-go tracer. It is safe for concurrent use.
//
// It embeds the OpenTelemetry no-op provider, as the API's rules for
// implementations recommend: a method that a later otel/trace adds does
// nothing until this package implements it, and never breaks a build.
type TracerProvider struct {
	noop.TracerProvider
	tr  *tracer.Tracer
	otr *Tracer
}

// NewTracerProvider returns a provider over t and makes t store an
// OpenTelemetry view of every span it puts in a context
// (opentracing.ContextWithSpan), so that OpenTracing and OpenTelemetry
// spans in one context.Context nest in both directions. A later
// NewTracerProvider over the same t takes that role over.
func NewTracerProvider(t *tracer.Tracer) *TracerProvider {
	p := &TracerProvider{tr: t}
	p.otr = &Tracer{p: p}
	t.SetContextHook(p.contextHook)
	return p
}

// Tracer implements trace.TracerProvider. Every name gives the same
// tracer: spans are told apart by their attributes, not by their
// instrumentation scope.
func (p *TracerProvider) Tracer(string, ...trace.TracerOption) trace.Tracer { return p.otr }

// contextHook stores the OpenTelemetry view of s next to the OpenTracing
// one, unless ctx already holds it.
func (p *TracerProvider) contextHook(ctx context.Context, s *span.Span) context.Context {
	if w, ok := trace.SpanFromContext(ctx).(*Span); ok && w.sp == s {
		return ctx
	}
	return trace.ContextWithSpan(ctx, p.wrap(s, trace.SpanKindUnspecified, trace.TraceState{}, true))
}

// Tracer is the provider's trace.Tracer.
type Tracer struct {
	noop.Tracer
	p *TracerProvider
}

// Start implements trace.Tracer: it starts a sofatracer span, a child of
// the span in ctx (an OpenTelemetry or OpenTracing one, local or extracted
// by a propagator), and returns ctx holding it in both APIs' forms.
//
// A SERVER span whose parent was extracted by TriplePropagator, or that
// carries rpc.system(.name), shares its client's SpanId as SOFARPC
// servers do; every other span takes the next child id. A parent that is
// not a SOFA span (a W3C traceparent, another tracer's span) is joined
// with its hex ids, unless its tracestate carries the exact SOFA ids of
// the same trace (member "sofa").
func (t *Tracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	cfg := trace.NewSpanStartConfig(opts...)
	var (
		parent *span.Context
		ts     trace.TraceState
		rpc    bool
	)
	if !cfg.NewRoot() {
		parent, ts, rpc = parentOf(ctx)
	}
	kind := cfg.SpanKind()
	if kind == trace.SpanKindUnspecified {
		kind = trace.SpanKindInternal
	}
	var soOpts [3]opentracing.StartSpanOption
	so := soOpts[:0]
	if parent != nil {
		if kind == trace.SpanKindServer && (rpc || hasRPCSystem(cfg)) && isRemote(ctx) {
			so = append(so, span.ShareContext(parent))
		} else {
			so = append(so, (*spanopt.ChildOf)(parent))
		}
	}
	if st := cfg.Timestamp(); !st.IsZero() {
		so = append(so, opentracing.StartTime(st))
	}
	s := t.p.tr.StartSpan(name, so...).(*span.Span)
	if b := baggage.FromContext(ctx); b.Len() > 0 {
		for _, m := range b.Members() {
			if s.BaggageItem(m.Key()) == "" {
				s.SetBaggageItem(m.Key(), m.Value())
			}
		}
	}
	w := t.p.wrap(s, kind, ts, false)
	w.attrs = cfg.Attributes() // the config is this call's own: no copy
	return contextWithSpan(ctx, w), w
}

// parentOf finds the SOFA context a new span in ctx descends from, the
// tracestate it inherits, and whether it came in an RPC format.
func parentOf(ctx context.Context) (*span.Context, trace.TraceState, bool) {
	ps := trace.SpanFromContext(ctx)
	if w, ok := ps.(*Span); ok {
		return &w.sp.Ctx, w.parentTS, false
	}
	psc := ps.SpanContext()
	if !psc.IsValid() {
		if s := span.FromContext(ctx); s != nil { // another tracer without the hook
			return &s.Ctx, trace.TraceState{}, false
		}
		return nil, trace.TraceState{}, false
	}
	ts := psc.TraceState().Delete(stateKey)
	if r, ok := ctx.Value(remoteKey{}).(*remote); ok && r.matches(psc) {
		return r.ctx, ts, r.rpc
	}
	if c := fromTraceState(psc); c != nil {
		return c, ts, false
	}
	return hexContext(psc), ts, false
}

func isRemote(ctx context.Context) bool {
	return trace.SpanContextFromContext(ctx).IsRemote()
}

func hasRPCSystem(cfg trace.SpanConfig) bool {
	for _, a := range cfg.Attributes() {
		if a.Key == "rpc.system" || a.Key == "rpc.system.name" {
			return true
		}
	}
	return false
}
