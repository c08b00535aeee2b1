package nethttp

import (
	"bufio"
	"io"
	"net"
	"net/http"
)

// responseWriter records the status and counts the body bytes. It keeps
// the optional interfaces of the writer it wraps (see wrap) and has
// Unwrap for http.ResponseController.
type responseWriter struct {
	w      http.ResponseWriter
	status int
	wrote  bool
	n      int64
}

func (r *responseWriter) Header() http.Header { return r.w.Header() }

func (r *responseWriter) WriteHeader(code int) {
	// 1xx other than 101 are informational; the final status follows.
	if !r.wrote && (code < 100 || code > 199 || code == http.StatusSwitchingProtocols) {
		r.status, r.wrote = code, true
	}
	r.w.WriteHeader(code)
}

func (r *responseWriter) Write(b []byte) (int, error) {
	r.implicitHeader()
	n, err := r.w.Write(b)
	r.n += int64(n)
	return n, err
}

func (r *responseWriter) WriteString(s string) (int, error) {
	r.implicitHeader()
	n, err := io.WriteString(r.w, s)
	r.n += int64(n)
	return n, err
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (r *responseWriter) Unwrap() http.ResponseWriter { return r.w }

func (r *responseWriter) implicitHeader() {
	if !r.wrote {
		r.status, r.wrote = http.StatusOK, true
	}
}

type baseWriter interface {
	http.ResponseWriter
	io.StringWriter
	Unwrap() http.ResponseWriter
}

type flusher struct{ r *responseWriter }

func (f flusher) Flush() {
	f.r.implicitHeader()
	f.r.w.(http.Flusher).Flush()
}

type hijacker struct{ r *responseWriter }

func (h hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return h.r.w.(http.Hijacker).Hijack()
}

type readerFrom struct{ r *responseWriter }

func (f readerFrom) ReadFrom(src io.Reader) (int64, error) {
	f.r.implicitHeader()
	n, err := f.r.w.(io.ReaderFrom).ReadFrom(src)
	f.r.n += n
	return n, err
}

type pusher struct{ r *responseWriter }

func (p pusher) Push(target string, opts *http.PushOptions) error {
	return p.r.w.(http.Pusher).Push(target, opts)
}

// wrap returns r with exactly the optional interfaces (http.Flusher,
// http.Hijacker, io.ReaderFrom, http.Pusher) of the writer it wraps, so
// that type assertions by handlers keep working.
func (r *responseWriter) wrap() http.ResponseWriter {
	var b baseWriter = r
	f, h, rf, p := flusher{r}, hijacker{r}, readerFrom{r}, pusher{r}
	_, isF := r.w.(http.Flusher)
	_, isH := r.w.(http.Hijacker)
	_, isR := r.w.(io.ReaderFrom)
	_, isP := r.w.(http.Pusher)
	switch {
	case isF && isH && isR && isP:
		return struct {
			baseWriter
			http.Flusher
			http.Hijacker
			io.ReaderFrom
			http.Pusher
		}{b, f, h, rf, p}
	case isF && isH && isR: // net/http HTTP/1.x
		return struct {
			baseWriter
			http.Flusher
			http.Hijacker
			io.ReaderFrom
		}{b, f, h, rf}
	case isF && isH && isP:
		return struct {
			baseWriter
			http.Flusher
			http.Hijacker
			http.Pusher
		}{b, f, h, p}
	case isF && isR && isP:
		return struct {
			baseWriter
			http.Flusher
			io.ReaderFrom
			http.Pusher
		}{b, f, rf, p}
	case isH && isR && isP:
		return struct {
			baseWriter
			http.Hijacker
			io.ReaderFrom
			http.Pusher
		}{b, h, rf, p}
	case isF && isH:
		return struct {
			baseWriter
			http.Flusher
			http.Hijacker
		}{b, f, h}
	case isF && isR:
		return struct {
			baseWriter
			http.Flusher
			io.ReaderFrom
		}{b, f, rf}
	case isF && isP: // net/http HTTP/2
		return struct {
			baseWriter
			http.Flusher
			http.Pusher
		}{b, f, p}
	case isH && isR:
		return struct {
			baseWriter
			http.Hijacker
			io.ReaderFrom
		}{b, h, rf}
	case isH && isP:
		return struct {
			baseWriter
			http.Hijacker
			http.Pusher
		}{b, h, p}
	case isR && isP:
		return struct {
			baseWriter
			io.ReaderFrom
			http.Pusher
		}{b, rf, p}
	case isF: // httptest.ResponseRecorder
		return struct {
			baseWriter
			http.Flusher
		}{b, f}
	case isH:
		return struct {
			baseWriter
			http.Hijacker
		}{b, h}
	case isR:
		return struct {
			baseWriter
			io.ReaderFrom
		}{b, rf}
	case isP:
		return struct {
			baseWriter
			http.Pusher
		}{b, p}
	}
	return r
}
