package zipkin

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	zreporter "github.com/openzipkin/zipkin-go/reporter"
	zhttp "github.com/openzipkin/zipkin-go/reporter/http"

	"github.com/openzipkin/zipkin-go/model"

	"github.com/sofatracer/sofatracer-go/internal/delivery"
	"github.com/sofatracer/sofatracer-go/reporter"
	"github.com/sofatracer/sofatracer-go/span"
)

// SpansPath is appended to the base URL, as SOFATracer does.
const SpansPath = "/api/v2/spans"

// Defaults of the options.
const (
	DefaultQueueSize       = 4096
	DefaultBatchSize       = 100
	DefaultBatchInterval   = time.Second
	DefaultMaxBacklog      = 1000
	DefaultTimeout         = 5 * time.Second
	DefaultCloseTimeout    = 5 * time.Second
	DefaultSelfLogInterval = 10 * time.Second
	DefaultMaxRetryBackoff = 5 * time.Second
)

// Option configures a Reporter.
type Option func(*options) error

type options struct {
	service       string
	gzip          bool
	self          *reporter.SelfLog
	queueSize     int
	batchSize     int
	batchInterval time.Duration
	maxBacklog    int
	timeout       time.Duration
	closeTimeout  time.Duration
	logEvery      time.Duration
	maxBackoff    time.Duration
	transport     http.RoundTripper
}

// WithServiceName sets the local service name of every span (SOFATracer's
// local.app). Zipkin lowercases service names.
func WithServiceName(name string) Option {
	return func(o *options) error { o.service = name; return nil }
}

// WithGzip compresses each request body and sends Content-Encoding: gzip
// (SOFATracer's zipkin.gzipped).
func WithGzip(on bool) Option { return func(o *options) error { o.gzip = on; return nil } }

// WithSelfLog sets where losses and send failures are written, at most
// once per WithSelfLogInterval for each kind of event. Nil writes nothing.
func WithSelfLog(l *reporter.SelfLog) Option {
	return func(o *options) error { o.self = l; return nil }
}

// WithQueueSize sets how many finished spans may wait between Report and
// the sending goroutine (default 4096). Report drops, and counts, a span
// that finds it full.
func WithQueueSize(n int) Option {
	return positive("queue size", n, func(o *options) { o.queueSize = n })
}

// WithBatchSize sets how many buffered spans trigger a request before the
// batch interval is over (default 100).
func WithBatchSize(n int) Option {
	return positive("batch size", n, func(o *options) { o.batchSize = n })
}

// WithMaxBacklog bounds the converted spans waiting to be delivered, for
// example while the collector is down (default 1000). When it is exceeded
// the oldest waiting span is dropped (and counted), so that the newest
// arrive once the collector is back. Besides the backlog, at most
// max(BatchSize, MaxBacklog/2) spans are being sent; that also bounds
// the size of a request.
func WithMaxBacklog(n int) Option {
	return positive("max backlog", n, func(o *options) { o.maxBacklog = n })
}

// WithBatchInterval sets the longest time a span waits to be sent (default
// 1s); it is also the retry interval while the collector is unreachable.
func WithBatchInterval(d time.Duration) Option {
	return positive("batch interval", d, func(o *options) { o.batchInterval = d })
}

// WithMaxRetryBackoff bounds the pause after failed requests (default
// 5s). After a request that got no answer or a status other than 2xx, no
// request is made for the batch interval, doubled after each further
// failure up to this bound; so a collector that is back is used again
// within this time, and one that is down costs neither a request nor the
// encoding of the backlog per span reported.
func WithMaxRetryBackoff(d time.Duration) Option {
	return positive("max retry backoff", d, func(o *options) { o.maxBackoff = d })
}

// WithTimeout bounds each request (default 5s).
func WithTimeout(d time.Duration) Option {
	return positive("timeout", d, func(o *options) { o.timeout = d })
}

// WithCloseTimeout bounds how long Close tries to deliver what is buffered
// (default 5s); requests still running then are aborted.
func WithCloseTimeout(d time.Duration) Option {
	return positive("close timeout", d, func(o *options) { o.closeTimeout = d })
}

// WithSelfLogInterval sets the least time between two tracer-self.log
// records of the same kind (default 10s).
func WithSelfLogInterval(d time.Duration) Option {
	return positive("self-log interval", d, func(o *options) { o.logEvery = d })
}

// WithTransport sets the HTTP transport (default: a private
// http.Transport whose idle connections Close releases).
func WithTransport(rt http.RoundTripper) Option {
	return func(o *options) error {
		if rt == nil {
			return errors.New("zipkin: transport is nil")
		}
		o.transport = rt
		return nil
	}
}

func positive[V int | time.Duration](what string, v V, set func(*options)) Option {
	return delivery.Positive("zipkin", what, v, set)
}

// Stats are a Reporter's counters since it started. Every sampled span
// handed to Report ends up, once delivery is over, in exactly one of
// Sent, DroppedQueueFull, DroppedBacklog, Rejected, DroppedAtClose and
// DroppedAfterClose.
type Stats struct {
	Reported          int64 // sampled spans handed to Report
	Unsampled         int64 // not sent because the trace is not sampled
	DroppedQueueFull  int64 // dropped by Report: the queue was full
	DroppedAfterClose int64 // reported after Close
	DroppedBacklog    int64 // dropped, oldest first, because more than MaxBacklog spans waited (collector down or slow)
	Rejected          int64 // dropped: the collector answered with a status other than 2xx
	DroppedAtClose    int64 // still undelivered when Close gave up
	Sent              int64 // accepted by the collector (2xx)
	Requests          int64 // requests made
	SendErrors        int64 // requests that got no answer (refused, timeout); their spans stay buffered and are retried
}

// Dropped returns the number of spans lost, for whatever reason.
func (s Stats) Dropped() int64 { return delivery.Stats(s).Dropped() }

// String formats the counters on one line for tracer-self.log.
func (s Stats) String() string { return delivery.Stats(s).String() }

// Reporter sends finished spans to a Zipkin v2 collector. It implements
// reporter.Reporter and is safe for concurrent use.
type Reporter struct {
	url string
	o   options
	in  delivery.Intake // queue, counters (see Stats), self-log, abort

	room    chan struct{}   // a request ended: zipkin-go may have room
	handoff int             // the most spans handed to zipkin-go at a time
	local   *model.Endpoint // shared by every span; never modified
	zr      zreporter.Reporter
	tr      *http.Transport // ours, to release at Close; nil with WithTransport

	closeOnce sync.Once
	closeErr  error

	// Besides r.in's counters; pending() is what zipkin-go holds.
	accepted    atomic.Int64
	disposed    atomic.Int64 // by zipkin-go itself; also in DroppedBacklog
	ringAtClose atomic.Int64 // left in the backlog at Close
	failing     atomic.Bool  // the last request failed

	// The batch being sent: its length and how many of its spans could
	// not be serialized; and the pause after failures. Used by zipkin-go's
	// sendLoop goroutine only (Serialize and Do).
	batchLen, batchInvalid int
	backoff                time.Duration
	retryAt                time.Time
	closing                atomic.Bool // Close's final flush ignores the pause
}

// NewReporter starts a reporter that POSTs JSON v2 span lists to
// baseURL + "/api/v2/spans" (a trailing slash of baseURL is dropped).
// Call Close to deliver what is buffered and stop its goroutines.
func NewReporter(baseURL string, opts ...Option) (*Reporter, error) {
	u, err := SpansURL(baseURL)
	if err != nil {
		return nil, err
	}
	r := &Reporter{url: u, o: options{
		queueSize:     DefaultQueueSize,
		batchSize:     DefaultBatchSize,
		batchInterval: DefaultBatchInterval,
		maxBacklog:    DefaultMaxBacklog,
		timeout:       DefaultTimeout,
		closeTimeout:  DefaultCloseTimeout,
		logEvery:      DefaultSelfLogInterval,
		maxBackoff:    DefaultMaxRetryBackoff,
	}}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&r.o); err != nil {
			return nil, err
		}
	}
	r.in.Init(r.o.queueSize, r.o.self, "zipkin.", r.o.logEvery)
	r.handoff = max(r.o.batchSize, r.o.maxBacklog/2)
	r.local = localEndpoint(r.o.service)
	r.room = make(chan struct{}, 1)
	rt := r.o.transport
	if rt == nil {
		r.tr = &http.Transport{
			Proxy:               nil, // the collector is never reached through a proxy by surprise
			MaxIdleConnsPerHost: 2,
			IdleConnTimeout:     30 * time.Second,
			TLSHandshakeTimeout: r.o.timeout,
		}
		rt = r.tr
	}
	zopts := []zhttp.ReporterOption{
		zhttp.Client(&doer{r: r, client: &http.Client{Transport: rt}}),
		zhttp.Serializer(&serializer{r: r, gzip: r.o.gzip}),
		zhttp.BatchSize(r.o.batchSize),
		zhttp.BatchInterval(r.o.batchInterval),
		// Never reached (see run): at most handoff spans plus the batch
		// in flight, whose removal lags behind the counters.
		zhttp.MaxBacklog(2*r.handoff + r.o.batchSize),
		zhttp.Timeout(r.o.timeout),
		zhttp.Logger(newLogger(r)),
	}
	if r.o.gzip {
		zopts = append(zopts, zhttp.RequestCallback(func(req *http.Request) {
			req.Header.Set("Content-Encoding", "gzip")
		}))
	}
	r.zr = zhttp.NewReporter(u, zopts...)
	go r.run()
	return r, nil
}

// SpansURL returns the URL spans are posted to for a base URL such as
// "http://localhost:9411/".
func SpansURL(baseURL string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil {
		return "", fmt.Errorf("zipkin: base URL %q: %w", baseURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("zipkin: base URL %q must be http(s)://host[:port][/path]", baseURL)
	}
	u.Path = strings.TrimRight(u.Path, "/") + SpansPath
	u.RawPath = ""
	return u.String(), nil
}

// URL returns the URL spans are posted to.
func (r *Reporter) URL() string { return r.url }

// SetSelfLog sets (or replaces) where losses and failures are written.
func (r *Reporter) SetSelfLog(l *reporter.SelfLog) { r.in.Set(l) }

// Report implements reporter.Reporter. It never blocks and never does
// I/O: an unsampled span is counted and ignored, a sampled one is queued,
// or dropped and counted when the queue is full or the reporter closed.
// The span must be finished and not modified afterwards.
func (r *Reporter) Report(s *span.Span) {
	if n := r.in.Report(s); n > 0 {
		r.in.Limited("queue", reporter.LevelWarn, "zipkin: report queue of %d spans full, span dropped (%d dropped so far); the collector at %s is slow or unreachable", r.o.queueSize, n, r.url)
	}
}

// run converts queued spans into the backlog, a ring of at most
// maxBacklog spans that drops the oldest, and hands them on to zipkin-go
// while it holds fewer than handoff. zipkin-go's own bound is never
// reached: its disposal of old spans while a request is in flight would
// remove unsent spans afterwards.
func (r *Reporter) run() {
	defer close(r.in.End)
	var q delivery.Deque[model.SpanModel]
	feed := func() {
		for q.Len() > 0 && r.pending() < int64(r.handoff) {
			r.accepted.Add(1)
			r.zr.Send(q.PopFront())
		}
	}
	for ch := r.in.Queue; ch != nil; feed() {
		select {
		case s, ok := <-ch:
			if !ok {
				ch = nil
				break
			}
			if q.Len() >= r.o.maxBacklog {
				q.PopFront()
				n := r.in.DroppedBacklog.Add(1)
				r.in.Limited("backlog", reporter.LevelWarn, "zipkin: more than %d spans wait for the collector at %s, the oldest dropped (%d so far)", r.o.maxBacklog, r.url, n)
			}
			q.PushBack(convert(s, r.local))
		case <-r.room:
		}
	}
	// Closing: hand over the rest as deliveries make room, until a request
	// fails or the close timeout is over.
	for feed(); q.Len() > 0; feed() {
		select {
		case <-r.room:
			if !r.failing.Load() {
				continue
			}
		case <-r.in.Abort.Done():
		}
		r.ringAtClose.Add(int64(q.Len()))
		return
	}
}

// pending is what zipkin-go holds.
func (r *Reporter) pending() int64 {
	return r.accepted.Load() - r.in.Sent.Load() - r.in.Rejected.Load() - r.disposed.Load() - r.in.DroppedAtClose.Load()
}

// Stats returns the reporter's counters.
func (r *Reporter) Stats() Stats {
	st := r.in.Load()
	st.DroppedAtClose += r.ringAtClose.Load()
	return Stats(st)
}

// Close stops accepting spans, delivers what is buffered within the close
// timeout (requests still running then are aborted), counts what could
// not be delivered, and stops every goroutine of the reporter. It returns
// an error when spans were lost at Close. It is safe to call more than
// once.
func (r *Reporter) Close() error {
	r.closeOnce.Do(func() {
		r.closing.Store(true) // no more pauses after failures
		// What was queued is converted and handed over, or counted; then
		// zipkin-go delivers it.
		var err error
		r.in.Close(r.o.closeTimeout, func() { err = r.zr.Close() })
		if r.tr != nil {
			r.tr.CloseIdleConnections()
		}
		lost := r.pending()
		r.in.DroppedAtClose.Add(lost)
		if lost += r.ringAtClose.Load(); lost > 0 {
			if err == nil {
				err = errors.New("not delivered")
			}
			r.closeErr = fmt.Errorf("zipkin: %d spans not delivered to %s at close: %w", lost, r.url, err)
			r.in.Printf(reporter.LevelError, "%v", r.closeErr)
		}
		r.in.Printf(reporter.LevelInfo, "zipkin reporter closed: %s", r.Stats())
	})
	return r.closeErr
}

var _ reporter.Reporter = (*Reporter)(nil)
