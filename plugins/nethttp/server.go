package nethttp

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/internal/strcache"
	"github.com/sofatracer/sofatracer-go/plugins/internal/pluginutil"
	"github.com/sofatracer/sofatracer-go/span"
)

// Component is the component tag of the spans of this package.
const Component = "net/http"

// Middleware returns a handler that traces every request to next with a
// server span (see the package documentation). The span is in the
// request's context for next and its callees.
func Middleware(tr opentracing.Tracer, next http.Handler, opts ...Option) http.Handler {
	return &middleware{tr: tr, next: next, o: newOptions(opts)}
}

// NewMiddleware returns Middleware in the shape middleware stacks chain
// (chi's Use, alice, a hand-written chain): NewMiddleware(tr, opts...)(next)
// is Middleware(tr, next, opts...). Placed inside a router, it sees the
// router's route: chi's r.Use(nethttp.NewMiddleware(tr, nethttp.WithRoute(...))).
func NewMiddleware(tr opentracing.Tracer, opts ...Option) func(http.Handler) http.Handler {
	o := newOptions(opts)
	return func(next http.Handler) http.Handler {
		return &middleware{tr: tr, next: next, o: o}
	}
}

type middleware struct {
	tr     opentracing.Tracer
	next   http.Handler
	o      *options
	routes strcache.Cache[any] // boxed route tag values
}

// serverCall is the per-request state: the wrapped writer and request
// body, in one allocation.
type serverCall struct {
	rw   responseWriter
	body countingBody
}

// countingBody counts the request body bytes the handler reads.
type countingBody struct {
	rc io.ReadCloser
	n  atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.n.Add(int64(n))
	return n, err
}

func (b *countingBody) Close() error { return b.rc.Close() }

func (m *middleware) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if m.o.filter != nil && !m.o.filter(r) {
		m.next.ServeHTTP(w, r)
		return
	}
	var sp opentracing.Span
	// Any extraction error (none, corrupted, unsupported) starts a new trace.
	if sc, err := m.tr.Extract(opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(r.Header)); err == nil && sc != nil {
		sp = m.tr.StartSpan(m.o.operation(r), opentracing.ChildOf(sc))
	} else {
		sp = m.tr.StartSpan(m.o.operation(r))
	}
	var buf [7]span.Tag
	tags := append(buf[:0],
		span.Tag{Key: span.TagComponent, Value: Component},
		span.Tag{Key: span.TagSpanKind, Value: span.KindServer},
		span.Tag{Key: span.TagHTTPMethod, Value: methodValue(r)},
		span.Tag{Key: span.TagHTTPURL, Value: serverURL(r, m.o.query)},
		span.Tag{Key: span.TagThreadName, Value: "http-server"})
	pluginutil.SetTags(sp, pluginutil.AppendPeerTags(tags, r.RemoteAddr)...)

	c := &serverCall{rw: responseWriter{w: w}}
	r2 := r.WithContext(opentracing.ContextWithSpan(r.Context(), sp))
	if r.Body != nil && r.Body != http.NoBody {
		c.body.rc = r.Body
		r2.Body = &c.body
	}
	defer func() {
		p := recover()
		c.finish(sp, r.ContentLength, p, m.route(r2, c.status(p)))
		if p != nil {
			panic(p)
		}
	}()
	m.next.ServeHTTP(c.rw.wrap(), r2)
}

// Unmatched is the route of the requests that no route matched and that
// got 404 Not Found or 405 Method Not Allowed: they share one stat row, so
// that a client sending made-up paths cannot fill the stat table.
const Unmatched = "(unmatched)"

// route is the http.route tag value of a served request: the ServeMux
// pattern without its method, else WithRoute's answer, else Unmatched for
// a 404 or 405, else nil: no tag, and the stat key takes the path from
// http.url (on the writer goroutine, sparing the request an allocation).
func (m *middleware) route(r *http.Request, status int) any {
	route := r.Pattern
	if route != "" {
		if i := strings.IndexByte(route, ' '); i >= 0 { // "GET /orders/{id}"
			route = strings.TrimLeft(route[i:], " \t")
		}
	} else if m.o.route != nil {
		route = m.o.route(r)
	}
	switch {
	case route != "":
		return m.routes.Get(route, pluginutil.Box)
	case status == http.StatusNotFound || status == http.StatusMethodNotAllowed:
		return unmatchedValue
	}
	return nil
}

var unmatchedValue any = Unmatched

// status is the response status: the one written, else 500 after a panic,
// else 200.
func (c *serverCall) status(p any) int {
	switch {
	case c.rw.wrote:
		return c.rw.status
	case p != nil:
		return http.StatusInternalServerError
	}
	return http.StatusOK
}

// finish records the outcome; p is the handler's panic value, if any.
func (c *serverCall) finish(sp opentracing.Span, contentLength int64, p, route any) {
	status := c.status(p)
	reqSize := c.body.n.Load()
	if contentLength > reqSize {
		reqSize = contentLength
	}
	tags := [4]span.Tag{
		{Key: span.TagHTTPStatusCode, Value: status},
		{Key: span.TagReqSize, Value: reqSize},
		{Key: span.TagRespSize, Value: c.rw.n},
		{Key: span.TagHTTPRoute, Value: route},
	}
	n := len(tags)
	if route == nil {
		n--
	}
	pluginutil.SetTags(sp, tags[:n]...)
	switch {
	case p != nil:
		pluginutil.SetTags(sp, span.Tag{Key: span.TagError, Value: true},
			span.Tag{Key: span.TagErrorMessage, Value: fmt.Sprint("panic: ", p)})
	case status >= 500:
		pluginutil.SetTags(sp, span.Tag{Key: span.TagError, Value: true},
			span.Tag{Key: span.TagErrorMessage, Value: statusText(status)})
	}
	sp.Finish()
}

// serverURL is scheme://host/path, with ?query when asked for.
func serverURL(r *http.Request, query bool) string {
	scheme := "http://"
	if r.TLS != nil {
		scheme = "https://"
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	if query && r.URL.RawQuery != "" {
		return scheme + host + r.URL.EscapedPath() + "?" + r.URL.RawQuery
	}
	return scheme + host + r.URL.EscapedPath()
}

func statusText(code int) string {
	return fmt.Sprintf("HTTP %d %s", code, http.StatusText(code))
}
