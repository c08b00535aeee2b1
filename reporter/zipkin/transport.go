package zipkin

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"
	"time"

	"github.com/openzipkin/zipkin-go/model"

	"github.com/sofatracer/sofatracer-go/reporter"
)

// doer is the HTTP client zipkin-go's reporter sends with. It counts the
// outcome of every request, aborts requests when Close gives up, and
// drains response bodies so that connections are reused.
type doer struct {
	r      *Reporter
	client *http.Client
}

func (d *doer) Do(req *http.Request) (*http.Response, error) {
	r := d.r
	n, invalid := r.batchLen, r.batchInvalid
	ctx, cancel := context.WithCancel(req.Context())
	defer cancel()
	stop := context.AfterFunc(r.in.Abort, cancel)
	defer stop()

	r.in.Requests.Add(1)
	defer func() {
		select { // tell the forwarder a request ended
		case r.room <- struct{}{}:
		default:
		}
	}()
	resp, err := d.client.Do(req.WithContext(ctx))
	if err != nil || resp.StatusCode < 200 || resp.StatusCode > 299 {
		r.backoff = min(max(2*r.backoff, r.o.batchInterval), max(r.o.maxBackoff, r.o.batchInterval))
		r.retryAt = time.Now().Add(r.backoff)
	} else {
		r.backoff, r.retryAt = 0, time.Time{}
	}
	if err != nil {
		r.in.SendErrors.Add(1)
		r.failing.Store(true)
		r.in.Limited("send", reporter.LevelWarn, "zipkin: sending %d spans to %s failed: %v; they stay buffered (backlog of at most %d) and are retried after a pause of at most %v", n, r.url, err, r.o.maxBacklog, max(r.o.maxBackoff, r.o.batchInterval))
		return nil, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	resp.Body = http.NoBody
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		r.in.Sent.Add(int64(n - invalid))
		r.in.Rejected.Add(int64(invalid))
		if r.failing.Swap(false) {
			r.in.Printf(reporter.LevelInfo, "zipkin: collector at %s reachable again, %d buffered spans delivered", r.url, n-invalid)
		}
		return resp, nil
	}
	total := r.in.Rejected.Add(int64(n))
	r.failing.Store(false) // the collector is there; spans can be handed on
	r.in.Limited("status", reporter.LevelWarn, "zipkin: collector at %s answered %s, %d spans dropped (%d so far)", r.url, resp.Status, n, total)
	return resp, nil
}

// serializer encodes a batch as a JSON v2 list (appendSpanJSON), gzipped
// on request. A span that cannot be encoded (Convert makes sure none is)
// is left out and counted as rejected once the batch is delivered.
type serializer struct {
	r    *Reporter
	gzip bool
	json []byte
	buf  bytes.Buffer
	zw   *gzip.Writer
}

// errBackoff makes zipkin-go keep the batch without a request.
var errBackoff = errors.New("pausing after failed requests")

func (s *serializer) Serialize(spans []*model.SpanModel) ([]byte, error) {
	if !s.r.retryAt.IsZero() && !s.r.closing.Load() && time.Now().Before(s.r.retryAt) {
		return nil, errBackoff
	}
	s.r.batchLen, s.r.batchInvalid = len(spans), 0
	b := append(s.json[:0], '[')
	for _, m := range spans {
		n := len(b)
		if n > 1 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendSpanJSON(b, m); err != nil {
			b = b[:n]
			s.r.batchInvalid++
		}
	}
	b = append(b, ']')
	s.json = b
	if !s.gzip {
		// The transport may still read the body after the request
		// returned: hand it a copy, so the next batch can reuse the buffer.
		return bytes.Clone(b), nil
	}
	s.buf.Reset()
	if s.zw == nil {
		s.zw, _ = gzip.NewWriterLevel(&s.buf, gzip.BestSpeed)
	} else {
		s.zw.Reset(&s.buf)
	}
	if _, err := s.zw.Write(b); err != nil {
		return nil, err
	}
	if err := s.zw.Close(); err != nil {
		return nil, err
	}
	return bytes.Clone(s.buf.Bytes()), nil
}

func (s *serializer) ContentType() string { return "application/json" }

// logWriter receives zipkin-go's log lines. Failures are already counted
// and logged by doer; the only line with information of its own is
// zipkin-go disposing of the oldest spans when the backlog is too long.
// (When that happens while a request is in flight, zipkin-go afterwards
// removes as many spans as the request carried from the front of the
// backlog, so a few spans counted as sent may in fact be others counted as
// dropped; the totals stay exact.)
type logWriter struct{ r *Reporter }

func newLogger(r *Reporter) *log.Logger { return log.New(logWriter{r}, "", 0) }

func (w logWriter) Write(p []byte) (int, error) {
	line := string(p)
	if i := strings.Index(line, "disposing "); i >= 0 {
		var n int64
		if _, err := fmt.Sscanf(line[i:], "disposing %d spans", &n); err == nil && n > 0 {
			w.r.disposed.Add(n)
			total := w.r.in.DroppedBacklog.Add(n)
			w.r.in.Limited("backlog", reporter.LevelWarn, "zipkin: more than %d spans wait for the collector at %s, the oldest %d dropped (%d so far)", w.r.o.maxBacklog, w.r.url, n, total)
		}
	}
	return len(p), nil
}
