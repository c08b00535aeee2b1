package nethttp

import (
	"net/http"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/plugins/internal/pluginutil"
)

// Option configures Middleware and NewTransport; an option that does not
// apply to one of them is ignored there.
type Option func(*options)

type options struct {
	opName  func(*http.Request) string
	route   func(*http.Request) string
	filter  func(*http.Request) bool
	query   bool
	formats []any
}

func newOptions(opts []Option) *options {
	o := &options{formats: []any{opentracing.HTTPHeaders}}
	for _, f := range opts {
		if f != nil {
			f(o)
		}
	}
	return o
}

// WithOperationName names spans; the default is "HTTP " + method.
func WithOperationName(f func(*http.Request) string) Option {
	return func(o *options) { o.opName = f }
}

// WithRoute names the route of a request for routers other than
// http.ServeMux (chi, gorilla/mux, gin): f is called after the handler
// returns, with the request the handler got, and returns the route
// template, e.g. "/orders/{id}", or "" when it knows none. Middleware
// keys http-server-stat.log by the route (see the package documentation);
// it is ignored by NewTransport.
func WithRoute(f func(*http.Request) string) Option {
	return func(o *options) { o.route = f }
}

// WithFilter decides which requests are traced, by Middleware and by
// NewTransport: a request for which f returns false (a health check, say)
// is passed on untraced.
func WithFilter(f func(*http.Request) bool) Option {
	return func(o *options) { o.filter = f }
}

// WithQueryString keeps the query string in the http.url tag (and so in
// the digest's request.url, and in the client's stat key). It is left out
// by default: it may hold secrets and makes every client URL a separate
// stat row. The server's stat key never has it (see WithRoute).
func WithQueryString(keep bool) Option {
	return func(o *options) { o.query = keep }
}

// WithInjectFormats sets the formats NewTransport injects the client
// span's context in, each with an opentracing.HTTPHeadersCarrier over the
// outgoing headers. The default is opentracing.HTTPHeaders alone
// (SOFATracer's X-B3-* headers); adding opentracing.TextMap also sends the
// sftc_head header. Formats the tracer does not support are skipped.
func WithInjectFormats(formats ...any) Option {
	return func(o *options) { o.formats = formats }
}

func (o *options) operation(r *http.Request) string {
	if o.opName != nil {
		return o.opName(r)
	}
	switch r.Method {
	case http.MethodGet, "":
		return "HTTP GET"
	case http.MethodPost:
		return "HTTP POST"
	case http.MethodPut:
		return "HTTP PUT"
	case http.MethodDelete:
		return "HTTP DELETE"
	}
	return "HTTP " + r.Method
}

// methodValues are the common methods, boxed once.
var methodValues = []any{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodHead, http.MethodPatch, http.MethodOptions}

// methodValue is the http.method tag value: r.Method, GET when empty;
// no allocation for the common methods.
func methodValue(r *http.Request) any {
	if r.Method == "" {
		return methodValues[0]
	}
	return pluginutil.Boxed(r.Method, methodValues)
}
