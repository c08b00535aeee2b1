package bolt

import (
	"context"
	"errors"
	"net"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/plugins/internal/pluginutil"
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
	cache      tagCache
}

// Result codes of SOFARPC digest lines, set as SOFARPC's tracer sets them
// (see RemoteError and docs/bolt.md).
const (
	// ResultSuccess: the call succeeded.
	ResultSuccess = "00"
	// ResultBizError: the service's handler failed (a business error).
	ResultBizError = "01"
	// ResultRPCError: the RPC failed: any error status but TIMEOUT, a
	// framework error, a broken connection.
	ResultRPCError = "02"
	// ResultTimeout: the call timed out (also the status TIMEOUT).
	ResultTimeout = "03"
	// ResultRouting: SOFARPC's router found no provider. This package's
	// client calls one connection and never logs it.
	ResultRouting = "04"
)

func (c *traceConfig) client(ctx context.Context, req *Request, invoke Invoker) (*Response, error) {
	op := c.cache.op(req.Service, req.Method)
	var sp opentracing.Span
	if parent := opentracing.SpanFromContext(ctx); parent != nil {
		sp = c.tr.StartSpan(op.name, opentracing.ChildOf(parent.Context()))
	} else {
		sp = c.tr.StartSpan(op.name)
	}
	var invokeType any = "sync"
	if req.Oneway {
		invokeType = "oneway"
	}
	tags := append(op.tags(make([]span.Tag, 0, 12), span.KindClient, "bolt-client"),
		span.Tag{Key: span.TagInvokeType, Value: invokeType},
		span.Tag{Key: span.TagRouterRecord, Value: "DIRECT"})
	if p := connPeerFrom(ctx); p != nil {
		tags = append(tags, span.Tag{Key: span.TagRemoteIP, Value: p.remoteIP})
		if p.localIP != nil {
			tags = append(tags,
				span.Tag{Key: span.TagLocalIP, Value: p.localIP},
				span.Tag{Key: span.TagLocalPort, Value: p.localPort})
		}
	}
	if app := req.Header.Get(KeyTargetApp); app != "" {
		tags = append(tags, span.Tag{Key: span.TagRemoteApp, Value: c.cache.app(app)})
	}
	pluginutil.SetTags(sp, tags...)

	req = copyForTrace(req) // the caller's request and header stay as they were
	c.inject(sp, req)
	resp, err := invoke(opentracing.ContextWithSpan(ctx, sp), req)

	tags = append(tags[:0], span.Tag{Key: span.TagReqSize, Value: req.Size()})
	if resp != nil {
		tags = append(tags, span.Tag{Key: span.TagRespSize, Value: resp.Size()})
	}
	finish(sp, tags, clientResult(resp, err), err)
	return resp, err
}

// tracedRequest is the copy of a request that a traced call sends. Its
// array holds a typical header and the keys inject adds, so that the copy
// is one allocation.
type tracedRequest struct {
	req Request
	hdr [24]HeaderField
}

// injectRoom is the number of keys inject may add to a header.
const injectRoom = 8

// copyForTrace returns a copy of req whose header shares no storage with
// req's and has room for the trace keys.
func copyForTrace(req *Request) *Request {
	n := len(req.Header) + injectRoom
	if n > len(tracedRequest{}.hdr) {
		traced := *req
		traced.Header = append(make(Header, 0, n), req.Header...)
		return &traced
	}
	t := &tracedRequest{req: *req}
	t.req.Header = append(t.hdr[:0], req.Header...)
	return &t.req
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
	sc, err := c.tr.Extract(propagation.SOFARPC, carrier)
	if errors.Is(err, opentracing.ErrUnsupportedFormat) {
		sc, err = c.tr.Extract(opentracing.HTTPHeaders, carrier)
	}
	op := c.cache.op(req.Service, req.Method)
	var sp opentracing.Span
	if err == nil && sc != nil {
		sp = c.tr.StartSpan(op.name, span.ShareContext(sc))
	} else {
		sp = c.tr.StartSpan(op.name)
	}
	tags := op.tags(make([]span.Tag, 0, 10), span.KindServer, "bolt-server")
	if p := connPeerFrom(ctx); p != nil {
		tags = append(tags, span.Tag{Key: span.TagRemoteIP, Value: p.remoteIP})
	}
	app := req.Header.Get(propagation.RPCCallerApp)
	if app == "" {
		app = req.Header.Get(KeyAppName)
	}
	if app != "" {
		tags = append(tags, span.Tag{Key: span.TagRemoteApp, Value: c.cache.app(app)})
	}
	tags = append(tags, span.Tag{Key: span.TagReqSize, Value: req.Size()})
	pluginutil.SetTags(sp, tags...)

	resp, herr := next(opentracing.ContextWithSpan(ctx, sp), req)
	tags = tags[:0]
	if resp != nil {
		tags = append(tags, span.Tag{Key: span.TagRespSize, Value: resp.Size()})
	}
	code := serverResult(resp, herr)
	if code == ResultSuccess && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		code = ResultTimeout // answered after the caller's timeout
	}
	finish(sp, tags, code, herr)
	return resp, herr
}

// finish sets tags and the result tags on sp and finishes it. tags should
// have room for three more.
func finish(sp opentracing.Span, tags []span.Tag, code string, err error) {
	tags = append(tags, span.Tag{Key: span.TagResultCode, Value: resultValue(code)})
	if code != ResultSuccess {
		tags = append(tags, span.Tag{Key: span.TagError, Value: true})
		if err != nil {
			tags = append(tags, span.Tag{Key: span.TagErrorMessage, Value: err.Error()})
		}
	}
	pluginutil.SetTags(sp, tags...)
	sp.Finish()
}

// resultValues are the result codes, boxed once.
var resultValues = []any{ResultSuccess, ResultBizError, ResultRPCError, ResultTimeout, ResultRouting}

// resultValue is code as a tag value, without allocating.
func resultValue(code string) any { return pluginutil.Boxed(code, resultValues) }

// clientResult maps a call's outcome to a SOFARPC result code as SOFARPC's
// client tracer does: TIMEOUT (status or deadline) is 03, any other error
// status 02, a successful response marked as an error 01 or 02 by its kind.
func clientResult(resp *Response, err error) string {
	if err == nil {
		if resp != nil && resp.Status != StatusSuccess {
			return statusResult(resp.Status)
		}
		if resp != nil {
			if re := remoteError(resp); re != nil {
				return remoteResult(re)
			}
		}
		return ResultSuccess
	}
	var re *RemoteError
	var se *StatusError
	switch {
	case errors.As(err, &re):
		return remoteResult(re)
	case errors.As(err, &se):
		return statusResult(se.Status)
	case errors.Is(err, context.DeadlineExceeded):
		return ResultTimeout
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return ResultTimeout
	}
	return ResultRPCError
}

// serverResult maps a handler's outcome to a SOFARPC result code as
// SOFARPC's server tracer does: a business error is 01, a response the
// handler marked as an error by its kind, an error status 02 (03 for
// TIMEOUT).
func serverResult(resp *Response, err error) string {
	status := StatusFromError(err)
	if err != nil && status == StatusSuccess {
		return ResultBizError
	}
	if err == nil && resp != nil {
		if status = resp.Status; status == StatusSuccess {
			if re := remoteError(resp); re != nil {
				return remoteResult(re)
			}
		}
	}
	return statusResult(status)
}

// statusResult maps a Bolt response status to a result code as SOFARPC's
// Bolt transport and tracer do: TIMEOUT becomes a client timeout (03), every
// other error status an RPC error (02).
func statusResult(s Status) string {
	switch s {
	case StatusSuccess:
		return ResultSuccess
	case StatusTimeout:
		return ResultTimeout
	}
	return ResultRPCError
}

func remoteResult(re *RemoteError) string {
	if re.Business {
		return ResultBizError
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
