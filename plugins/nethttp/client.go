package nethttp

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/internal/strcache"
	"github.com/sofatracer/sofatracer-go/plugins/internal/pluginutil"
	"github.com/sofatracer/sofatracer-go/span"
)

// ResultNoResponse is the result.code of a client request that got no
// HTTP response.
const ResultNoResponse = "-1"

// NewTransport returns a RoundTripper that traces every request sent
// through base (http.DefaultTransport when nil) with a client span, a child
// of the span in the request's context or a new trace. The span's context
// is injected into a copy of the request; the caller's request is never
// modified. The span ends when the response body returns io.EOF or an
// error, or is closed, or at once when the round trip fails: close
// response bodies, as net/http asks.
func NewTransport(tr opentracing.Tracer, base http.RoundTripper, opts ...Option) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{tr: tr, base: base, o: newOptions(opts)}
}

type transport struct {
	tr    opentracing.Tracer
	base  http.RoundTripper
	o     *options
	hosts strcache.Cache[hostTags] // by URL host
}

// hostTags are the peer.hostname and peer.port tag values of a URL host;
// httpsPort is the port of an https URL.
type hostTags struct{ hostname, port, httpsPort any }

func newHostTags(host string) hostTags {
	u := url.URL{Scheme: "http", Host: host}
	h := hostTags{hostname: u.Hostname(), port: port(&u)}
	u.Scheme = "https"
	h.httpsPort = port(&u)
	return h
}

// CloseIdleConnections forwards to the base transport, so that
// http.Client.CloseIdleConnections keeps working.
func (t *transport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.o.filter != nil && !t.o.filter(req) {
		return t.base.RoundTrip(req)
	}
	var sp opentracing.Span
	if parent := opentracing.SpanFromContext(req.Context()); parent != nil {
		sp = t.tr.StartSpan(t.o.operation(req), opentracing.ChildOf(parent.Context()))
	} else {
		sp = t.tr.StartSpan(t.o.operation(req))
	}
	h := t.hosts.Get(req.URL.Host, newHostTags)
	peerPort := h.port
	if req.URL.Scheme == "https" {
		peerPort = h.httpsPort
	}
	pluginutil.SetTags(sp,
		span.Tag{Key: span.TagComponent, Value: Component},
		span.Tag{Key: span.TagSpanKind, Value: span.KindClient},
		span.Tag{Key: span.TagHTTPMethod, Value: methodValue(req)},
		span.Tag{Key: span.TagHTTPURL, Value: clientURL(req.URL, t.o.query)},
		span.Tag{Key: span.TagThreadName, Value: "http-client"},
		span.Tag{Key: span.TagPeerHostname, Value: h.hostname},
		span.Tag{Key: span.TagPeerPort, Value: peerPort})

	// out is a shallow copy; the headers are copied below.
	c := &clientCall{sp: sp, reqSize: req.ContentLength, out: *req}
	out := &c.out
	out.Header = req.Header.Clone()
	if out.Header == nil {
		out.Header = http.Header{}
	}
	for _, f := range t.o.formats {
		_ = t.tr.Inject(sp.Context(), f, opentracing.HTTPHeadersCarrier(out.Header))
	}
	switch {
	case req.Body == nil || req.Body == http.NoBody:
		c.reqSize = 0
	case req.ContentLength <= 0: // unknown length: count what is sent
		c.reqBody.rc = req.Body
		out.Body = &c.reqBody
		c.reqSize = -1
	}

	resp, err := t.base.RoundTrip(out)
	if err != nil {
		c.fail(req.Context(), err)
		return nil, err
	}
	sp.SetTag(span.TagHTTPStatusCode, resp.StatusCode)
	if resp.StatusCode >= 500 {
		pluginutil.SetTags(sp, span.Tag{Key: span.TagError, Value: true},
			span.Tag{Key: span.TagErrorMessage, Value: statusText(resp.StatusCode)})
	}
	if resp.Body == nil || resp.Body == http.NoBody || resp.StatusCode == http.StatusSwitchingProtocols {
		c.finish(nil)
		return resp, nil
	}
	c.respBody.rc, c.respBody.c = resp.Body, c
	resp.Body = &c.respBody
	return resp, nil
}

// clientCall is the per-request state, with the outgoing request, in one
// allocation.
type clientCall struct {
	out      http.Request
	sp       opentracing.Span
	reqSize  int64 // -1: counted by reqBody
	reqBody  countingBody
	respBody responseBody
	respN    atomic.Int64
	done     atomic.Bool
}

// responseBody counts the response bytes and ends the span at io.EOF, at
// a read error or at Close, whichever comes first.
type responseBody struct {
	rc io.ReadCloser
	c  *clientCall
}

func (b *responseBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.c.respN.Add(int64(n))
	switch {
	case err == io.EOF:
		b.c.finish(nil)
	case err != nil:
		b.c.finish(err)
	}
	return n, err
}

func (b *responseBody) Close() error {
	err := b.rc.Close()
	b.c.finish(nil)
	return err
}

func (c *clientCall) finish(readErr error) {
	if !c.done.CompareAndSwap(false, true) {
		return
	}
	req := c.reqSize
	if req < 0 {
		req = c.reqBody.n.Load()
	}
	pluginutil.SetTags(c.sp,
		span.Tag{Key: span.TagReqSize, Value: req},
		span.Tag{Key: span.TagRespSize, Value: c.respN.Load()})
	if readErr != nil {
		pluginutil.SetTags(c.sp, span.Tag{Key: span.TagError, Value: true},
			span.Tag{Key: span.TagErrorMessage, Value: "read response body: " + readErr.Error()})
	}
	c.sp.Finish()
}

// fail records a round trip that got no response.
func (c *clientCall) fail(ctx context.Context, err error) {
	msg := err.Error()
	if isTimeout(ctx, err) {
		msg = "timeout: " + msg
	}
	pluginutil.SetTags(c.sp,
		span.Tag{Key: span.TagResultCode, Value: ResultNoResponse},
		span.Tag{Key: span.TagError, Value: true},
		span.Tag{Key: span.TagErrorMessage, Value: msg})
	c.finish(nil)
}

// isTimeout reports a timeout error, or an error after the request's
// deadline (http.Client.Timeout cancels with a deadline).
func isTimeout(ctx context.Context, err error) bool {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	d, ok := ctx.Deadline()
	return ok && !time.Now().Before(d)
}

// clientURL is scheme://host/path, with ?query when asked for; user
// information is never included.
func clientURL(u *url.URL, query bool) string {
	if query && u.RawQuery != "" {
		return u.Scheme + "://" + u.Host + u.EscapedPath() + "?" + u.RawQuery
	}
	return u.Scheme + "://" + u.Host + u.EscapedPath()
}

func port(u *url.URL) uint16 {
	if p, err := strconv.ParseUint(u.Port(), 10, 16); err == nil {
		return uint16(p)
	}
	if u.Scheme == "https" {
		return 443
	}
	return 80
}
