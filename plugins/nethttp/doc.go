// Package nethttp traces net/http servers and clients with an
// opentracing.Tracer, normally SOFATracer's (tracer.New).
//
// Middleware wraps an http.Handler: it joins the caller's trace from the
// request headers (SOFATracer's X-B3-* headers with SOFA ids, SOFA-TraceId /
// SOFA-RpcId, B3 or W3C traceparent, whatever the tracer extracts from
// opentracing.HTTPHeaders) and starts a server span that is a child of the
// caller's span, as SOFATracer's Spring MVC filter does: client "0",
// server "0.1". The span is in the request's context
// (opentracing.SpanFromContext) and ends when the handler returns or
// panics. A request without a usable context starts a new trace.
// NewMiddleware is the same in the func(http.Handler) http.Handler shape
// that middleware chains take.
//
// NewTransport wraps an http.RoundTripper: each request gets a client span,
// a child of the span in the request's context, whose context is injected
// into a copy of the request's headers. The span ends when the response
// body is read to its end or closed, or at once when the round trip fails.
//
// SOFATracer writes server spans to http-server-digest.log and
// http-server-stat.log (the Spring MVC layout) and client spans to
// http-client-digest.log and http-client-stat.log (the HttpClient layout);
// the digest package routes them by the component "net/http" and the
// span.kind tag.
//
// # Stat rows
//
// http-server-stat.log is keyed by the route, not the URL, so that
// /orders/1 and /orders/2, or another Host header, share a row and a
// client cannot mint rows: after the handler returns, the pattern
// http.ServeMux matched (Request.Pattern without its method, e.g.
// "/orders/{id}"), else the route WithRoute names (for chi, gorilla/mux,
// gin), else Unmatched for a 404 or 405, else the path without host or
// query. A known route (or Unmatched) is also the span's http.route tag. For ServeMux to
// report its pattern, Middleware must wrap the mux, or the handler the mux
// calls. The digest line keeps the full URL.
//
// # Result codes
//
// result.code is the HTTP status code. A client request that gets no
// response (connection refused, timeout, cancellation) has result.code
// "-1", error=true and error.message set to the error text, prefixed with
// "timeout: " when the error is a timeout. Server responses of 500 and
// above, and client responses of 500 and above, are marked error=true.
// A handler panic is recorded as status 500 (unless a status was already
// written) with error.message "panic: <value>", and the panic goes on to
// net/http. A hijacked connection is recorded with the status written
// before Hijack, 200 if none. A client whose response body fails while it
// is read keeps the status as result.code and gets error=true with
// error.message "read response body: ...".
//
// # Sizes
//
// On the server, req.size.bytes is the request's Content-Length or the
// body bytes the handler read, whichever is larger, and resp.size.bytes
// the body bytes written. On the client, req.size.bytes is the
// Content-Length, or the bytes sent when it is unknown, and
// resp.size.bytes the body bytes the caller read.
package nethttp
