package bolt

import (
	"context"
	"errors"
	"net"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/propagation"
	"github.com/sofatracer/sofatracer-go/span"
)

// WithTracer traces every call of a Client or every request of a Server
// with tr (any opentracing.Tracer). The client injects SOFARPC's trace
// context into the request header (rpc_trace_context.sofaTraceId,
// .sofaRpcId, .samp, .sofaPenAttrs, .sysPenAttrs, .sofaCallerApp,
// .sofaCallerIp, or new_rpc_trace_context with WithNewTraceContext); the
// server reads either form and its span shares the client's SpanId, as
// SOFARPC servers do. Spans are tagged for the rpc-client-digest.log and
// rpc-server-digest.log layouts with protocol "bolt". With a tracer that
// does not know the SOFARPC format, the context travels in its
// opentracing.HTTPHeaders form instead.
func WithTracer(tr opentracing.Tracer, opts ...TraceOption) Option {
	t := &traceConfig{tr: tr}
	for _, o := range opts {
		o(t)
	}
	return func(o *options) {
		o.clientICs = append(o.clientICs, t.client)
		o.serverICs = append(o.serverICs, t.server)
	}
}

// TraceOption configures WithTracer.
type TraceOption func(*traceConfig)

// WithNewTraceContext makes the client send the single
// new_rpc_trace_context header that SOFARPC 5.1.0 and later providers
// prefer, instead of the rpc_trace_context.* keys.
func WithNewTraceContext() TraceOption {
	return func(c *traceConfig) { c.newContext = true }
}

type traceConfig struct {
	tr         opentracing.Tracer
	newContext bool
}

// Result codes of SOFARPC digest lines.
const (
	ResultSuccess  = "00"
	ResultBizError = "01"
	ResultRPCError = "02"
	ResultTimeout  = "03"
	ResultRouting  = "04"
)

func (c *traceConfig) client(ctx context.Context, req *Request, invoke Invoker) (*Response, error) {
	var opts []opentracing.StartSpanOption
	if parent := opentracing.SpanFromContext(ctx); parent != nil {
		opts = append(opts, opentracing.ChildOf(parent.Context()))
	}
	sp := c.tr.StartSpan(operation(req), opts...)
	invokeType := "sync"
	if req.Oneway {
		invokeType = "oneway"
	}
	setTags(sp, span.KindClient, req, "bolt-client")
	sp.SetTag(span.TagInvokeType, invokeType)
	sp.SetTag(span.TagRouterRecord, "DIRECT")
	if p, ok := PeerFromContext(ctx); ok {
		sp.SetTag(span.TagRemoteIP, p.Remote)
		if ip, port, err := net.SplitHostPort(p.Local); err == nil {
			sp.SetTag(span.TagLocalIP, ip)
			sp.SetTag(span.TagLocalPort, port)
		}
	}
	if app := req.Header.Get("sofa_head_target_app"); app != "" {
		sp.SetTag(span.TagRemoteApp, app)
	}

	traced := *req // the caller's request and header stay as they were
	traced.Header = req.Header.Clone()
	req = &traced
	c.inject(sp, req)
	resp, err := invoke(opentracing.ContextWithSpan(ctx, sp), req)

	sp.SetTag(span.TagReqSize, req.Size())
	if resp != nil {
		sp.SetTag(span.TagRespSize, resp.Size())
	}
	code := clientResult(resp, err)
	finish(sp, code, err)
	return resp, err
}

func (c *traceConfig) inject(sp opentracing.Span, req *Request) {
	carrier := headerCarrier{&req.Header}
	format := propagation.SOFARPC
	if c.newContext {
		format = propagation.SOFARPCNew
	}
	if err := c.tr.Inject(sp.Context(), format, carrier); err != nil {
		_ = c.tr.Inject(sp.Context(), opentracing.HTTPHeaders, carrier)
		return
	}
	if a, ok := c.tr.(interface{ AppName() string }); ok {
		req.Header.Set(propagation.RPCCallerApp, a.AppName())
	}
	if ip := span.LocalIP(); ip != "" {
		req.Header.Set(propagation.RPCCallerIP, ip)
	}
}

func (c *traceConfig) server(ctx context.Context, req *Request, next Invoker) (*Response, error) {
	carrier := headerCarrier{&req.Header}
	var opts []opentracing.StartSpanOption
	sc, err := c.tr.Extract(propagation.SOFARPC, carrier)
	if errors.Is(err, opentracing.ErrUnsupportedFormat) {
		sc, err = c.tr.Extract(opentracing.HTTPHeaders, carrier)
	}
	if err == nil && sc != nil {
		opts = append(opts, span.ShareContext(sc))
	}
	sp := c.tr.StartSpan(operation(req), opts...)
	setTags(sp, span.KindServer, req, "bolt-server")
	if p, ok := PeerFromContext(ctx); ok {
		sp.SetTag(span.TagRemoteIP, p.Remote)
	}
	for _, k := range []string{propagation.RPCCallerApp, "app"} {
		if app := req.Header.Get(k); app != "" {
			sp.SetTag(span.TagRemoteApp, app)
			break
		}
	}
	sp.SetTag(span.TagReqSize, req.Size())

	resp, herr := next(opentracing.ContextWithSpan(ctx, sp), req)
	if resp != nil {
		sp.SetTag(span.TagRespSize, resp.Size())
	}
	status := StatusFromError(herr)
	if herr == nil && resp != nil {
		status = resp.Status
	}
	code := statusResult(status, herr)
	if code == ResultSuccess && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		code = ResultTimeout // answered after the caller's timeout
	}
	finish(sp, code, herr)
	return resp, herr
}

func operation(req *Request) string {
	if req.Method != "" {
		return req.Service + "#" + req.Method
	}
	return req.Service
}

func setTags(sp opentracing.Span, kind string, req *Request, thread string) {
	sp.SetTag(span.TagComponent, "bolt")
	sp.SetTag(span.TagSpanKind, kind)
	sp.SetTag(span.TagProtocol, "bolt")
	sp.SetTag(span.TagService, req.Service)
	sp.SetTag(span.TagMethod, req.Method)
	sp.SetTag(span.TagThreadName, thread)
}

func finish(sp opentracing.Span, code string, err error) {
	sp.SetTag(span.TagResultCode, code)
	if code != ResultSuccess {
		sp.SetTag(span.TagError, true)
		if err != nil {
			sp.SetTag(span.TagErrorMessage, err.Error())
		}
	}
	sp.Finish()
}

// clientResult maps a call's outcome to a SOFARPC result code.
func clientResult(resp *Response, err error) string {
	if err == nil {
		if resp != nil && resp.Status != StatusSuccess {
			return statusResult(resp.Status, nil)
		}
		return ResultSuccess
	}
	var se *StatusError
	switch {
	case errors.As(err, &se):
		return statusResult(se.Status, err)
	case errors.Is(err, context.DeadlineExceeded):
		return ResultTimeout
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return ResultTimeout
	}
	return ResultRPCError
}

// statusResult maps a Bolt response status to a SOFARPC result code: a
// failed handler is a business error, a timeout a timeout, a missing
// processor a routing error, anything else an RPC error.
func statusResult(s Status, err error) string {
	switch s {
	case StatusSuccess:
		if err != nil {
			return ResultBizError
		}
		return ResultSuccess
	case StatusServerException:
		return ResultBizError
	case StatusTimeout:
		return ResultTimeout
	case StatusNoProcessor:
		return ResultRouting
	}
	return ResultRPCError
}

// headerCarrier adapts a Header to OpenTracing's TextMap interfaces.
type headerCarrier struct{ h *Header }

func (c headerCarrier) Set(k, v string) { c.h.Set(k, v) }

func (c headerCarrier) ForeachKey(fn func(k, v string) error) error {
	for _, f := range *c.h {
		if err := fn(f.Key, f.Value); err != nil {
			return err
		}
	}
	return nil
}
