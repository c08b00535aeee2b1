package otlp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sync"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sofatracer/sofatracer-go/internal/delivery"
	"github.com/sofatracer/sofatracer-go/reporter"
	"github.com/sofatracer/sofatracer-go/span"
)

// Stats are a Reporter's counters since it started. Every sampled span
// handed to Report ends up, once Close returned, in exactly one of Sent,
// DroppedQueueFull, DroppedAfterClose, DroppedBacklog, Rejected and
// DroppedAtClose.
type Stats struct {
	Reported          int64 // sampled spans handed to Report
	Unsampled         int64 // not sent because the trace is not sampled
	DroppedQueueFull  int64 // dropped by Report: the queue was full
	DroppedAfterClose int64 // reported after Close
	DroppedBacklog    int64 // dropped, oldest first, because more than MaxBacklog spans waited
	Rejected          int64 // dropped: the collector answered with an error
	DroppedAtClose    int64 // still undelivered when Close gave up
	Sent              int64 // accepted by the collector
	Requests          int64 // requests made
	SendErrors        int64 // requests that got no answer (refused, timeout); their spans are kept and retried
}

// Dropped returns the number of spans lost, for whatever reason.
func (s Stats) Dropped() int64 { return delivery.Stats(s).Dropped() }

// String formats the counters on one line.
func (s Stats) String() string { return delivery.Stats(s).String() }

// Reporter sends finished spans to an OpenTelemetry collector over OTLP
// (gRPC or HTTP/protobuf). It implements reporter.Reporter (use it with
// tracer.WithReporter) and is safe for concurrent use.
//
// Report never blocks: the span goes into a bounded queue, or is dropped
// and counted. One goroutine moves queued spans into a bounded backlog
// (the oldest are dropped and counted beyond it) and makes requests of at
// most WithBatchSize spans and WithMaxRequestBytes encoded bytes, at most
// WithMaxConcurrentRequests at a time, through the OTel exporter's client (its own retries are off). A
// request without an answer keeps its spans for the next try; one the
// collector answers with an error drops them (Rejected). After a failure
// requests pause for the batch interval, doubling up to the max retry
// backoff. Close delivers what is buffered within the close timeout.
type Reporter struct {
	o      options
	client otlptrace.Client
	target string
	httpTr *http.Transport // ours, to release at Close; nil for gRPC

	in      delivery.Intake // queue, counters (see Stats), self-log, abort
	sendq   chan []item
	results chan result
	senders sync.WaitGroup

	closeOnce sync.Once
	closeErr  error
}

// item is a span waiting for delivery; it is encoded when a request
// takes it, so that a backlog holds no second copy of its spans.
type item struct {
	s       *span.Span
	enc     []byte // the OTLP Span message; nil until encoded
	service string
}

type result struct {
	batch []item
	err   error
}

// NewReporter starts a reporter. The collector is configured by options
// and by the OpenTelemetry exporter variables: OTEL_EXPORTER_OTLP_PROTOCOL
// (or ..._TRACES_PROTOCOL: grpc, the default, or http/protobuf) and what
// the OTel clients read themselves (OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT,
// _HEADERS, _COMPRESSION, _CERTIFICATE, ...; default endpoint
// localhost:4317 for gRPC, localhost:4318/v1/traces for HTTP). Options win.
// Call Close to deliver what is buffered and stop its goroutines.
func NewReporter(opts ...Option) (*Reporter, error) {
	r := &Reporter{o: options{
		queueSize:     DefaultQueueSize,
		batchSize:     DefaultBatchSize,
		batchInterval: DefaultBatchInterval,
		maxBacklog:    DefaultMaxBacklog,
		maxBytes:      DefaultMaxRequestBytes,
		timeout:       DefaultTimeout,
		closeTimeout:  DefaultCloseTimeout,
		maxBackoff:    DefaultMaxRetryBackoff,
		logEvery:      DefaultSelfLogInterval,
		concurrency:   DefaultMaxConcurrentRequests,
	}}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&r.o); err != nil {
			return nil, err
		}
	}
	if r.o.protocol == "" {
		p, err := envProtocol()
		if err != nil {
			return nil, err
		}
		r.o.protocol = p
	}
	r.client, r.target = r.newClient()
	r.in.Init(r.o.queueSize, r.o.self, "otlp.", r.o.logEvery)
	if err := r.client.Start(r.in.Abort); err != nil {
		r.in.Cancel()
		return nil, fmt.Errorf("otlp: %w", err)
	}
	r.sendq = make(chan []item)
	r.results = make(chan result, r.o.concurrency)
	go r.run()
	for range r.o.concurrency {
		r.senders.Go(r.send)
	}
	return r, nil
}

func (r *Reporter) newClient() (otlptrace.Client, string) {
	if r.o.protocol == ProtocolHTTPProtobuf {
		opts := []otlptracehttp.Option{
			otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: false}),
			otlptracehttp.WithTimeout(r.o.timeout),
		}
		if !tlsFromEnv() {
			// A private transport, whose idle connections Close releases
			// (the client's shared one keeps them for 90 s), and no proxy
			// from the environment by surprise. A certificate from the
			// environment needs the client's own transport.
			r.httpTr = &http.Transport{ForceAttemptHTTP2: true, MaxIdleConnsPerHost: 2,
				IdleConnTimeout: 30 * time.Second, TLSHandshakeTimeout: r.o.timeout}
			opts = append(opts, otlptracehttp.WithHTTPClient(&http.Client{Transport: r.httpTr, Timeout: r.o.timeout}))
		}
		if r.o.endpointURL != "" {
			opts = append(opts, otlptracehttp.WithEndpointURL(httpTracesURL(r.o.endpointURL)))
		}
		if r.o.headers != nil {
			opts = append(opts, otlptracehttp.WithHeaders(r.o.headers))
		}
		return otlptracehttp.NewClient(append(opts, r.o.httpOpts...)...), r.describe("http/protobuf")
	}
	opts := []otlptracegrpc.Option{
		otlptracegrpc.WithRetry(otlptracegrpc.RetryConfig{Enabled: false}),
		otlptracegrpc.WithTimeout(r.o.timeout),
	}
	if r.o.endpointURL != "" {
		opts = append(opts, otlptracegrpc.WithEndpointURL(r.o.endpointURL))
	}
	if r.o.headers != nil {
		opts = append(opts, otlptracegrpc.WithHeaders(r.o.headers))
	}
	return otlptracegrpc.NewClient(append(opts, r.o.grpcOpts...)...), r.describe("grpc")
}

// httpTracesURL adds the traces path, /v1/traces, to a URL without a path.
func httpTracesURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Path != "" && p.Path != "/") {
		return u
	}
	p.Path = "/v1/traces"
	return p.String()
}

// tlsFromEnv reports whether an OTEL_EXPORTER_OTLP_(TRACES_)CERTIFICATE
// or client certificate variable is set.
func tlsFromEnv() bool {
	for _, k := range []string{"CERTIFICATE", "CLIENT_CERTIFICATE", "CLIENT_KEY"} {
		if os.Getenv("OTEL_EXPORTER_OTLP_"+k) != "" || os.Getenv("OTEL_EXPORTER_OTLP_TRACES_"+k) != "" {
			return true
		}
	}
	return false
}

func (r *Reporter) describe(proto string) string {
	ep := r.o.endpointURL
	for _, k := range []string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"} {
		if ep == "" {
			ep = os.Getenv(k)
		}
	}
	if ep == "" {
		ep = "default endpoint"
	}
	return "OTLP/" + proto + " " + ep
}

// Report implements reporter.Reporter. It never blocks and never does
// I/O: an unsampled span is counted and ignored, a sampled one is queued,
// or dropped and counted when the queue is full or the reporter closed.
func (r *Reporter) Report(s *span.Span) {
	if n := r.in.Report(s); n > 0 {
		r.in.Limited("queue", reporter.LevelWarn, "otlp: report queue of %d spans full, span dropped (%d so far); %s is slow or unreachable", r.o.queueSize, n, r.target)
	}
}

// serviceOf is the service.name of a span: the option, else the app name
// of the tracer that made it.
func (r *Reporter) serviceOf(s *span.Span) string {
	if r.o.service != "" {
		return r.o.service
	}
	if a, ok := s.Tracer().(interface{ AppName() string }); ok {
		return a.AppName()
	}
	return "unknown_service"
}

// run keeps spans in the backlog and hands batches to the senders, at
// most MaxConcurrentRequests at a time, honouring the pause after
// failures.
func (r *Reporter) run() {
	defer close(r.in.End)
	var (
		q        delivery.Deque[item]
		inflight int
		backoff  time.Duration
		pause    time.Time
		closing  bool
		lastSend = time.Now()
	)
	tick := time.NewTicker(r.o.batchInterval)
	defer tick.Stop()
	ch, aborted := r.in.Queue, r.in.Abort.Done()
	for {
		select {
		case s, ok := <-ch:
			if !ok {
				ch, closing = nil, true
				break
			}
			q.PushBack(item{s: s})
			if q.Len() > r.o.maxBacklog {
				q.PopFront()
				n := r.in.DroppedBacklog.Add(1)
				r.in.Limited("backlog", reporter.LevelWarn, "otlp: more than %d spans wait for %s, the oldest dropped (%d so far)", r.o.maxBacklog, r.target, n)
			}
		case res := <-r.results:
			inflight--
			switch {
			case res.err == nil:
				r.in.Sent.Add(int64(len(res.batch)))
				backoff = 0
			case closing:
				// Close does not wait for a collector that fails.
				r.in.DroppedAtClose.Add(int64(len(res.batch) + q.Len()))
				r.in.Printf(reporter.LevelError, "otlp: %d spans not delivered to %s at close: %v", len(res.batch)+q.Len(), r.target, res.err)
				q = delivery.Deque[item]{}
			case noAnswer(res.err):
				r.in.SendErrors.Add(1)
				for i := len(res.batch) - 1; i >= 0; i-- {
					q.PushFront(res.batch[i])
				}
				for q.Len() > r.o.maxBacklog {
					q.PopFront()
					r.in.DroppedBacklog.Add(1)
				}
				r.in.Limited("send", reporter.LevelWarn, "otlp: %s did not answer, %d spans kept for a retry: %v", r.target, len(res.batch), res.err)
			default:
				n := r.in.Rejected.Add(int64(len(res.batch)))
				r.in.Limited("rejected", reporter.LevelWarn, "otlp: %s refused %d spans (%d so far): %v", r.target, len(res.batch), n, res.err)
			}
			if res.err != nil {
				backoff = min(max(2*backoff, r.o.batchInterval), r.o.maxBackoff)
				pause = time.Now().Add(backoff)
			}
		case <-tick.C:
		case <-aborted: // Close gave up; the request in flight is cancelled
			aborted = nil
		}
		if inflight == 0 && (closing && q.Len() == 0 || r.in.Abort.Err() != nil) {
			r.in.DroppedAtClose.Add(int64(q.Len()))
			return
		}
		now := time.Now()
		due := q.Len() >= r.o.batchSize || (q.Len() > 0 && now.Sub(lastSend) >= r.o.batchInterval)
		for inflight < r.o.concurrency && (due || closing && q.Len() > 0) && (closing || now.After(pause)) && r.in.Abort.Err() == nil {
			inflight++
			lastSend = now
			r.sendq <- r.take(&q)
			due = q.Len() >= r.o.batchSize
		}
	}
}

// take removes the next batch from q: at most batchSize spans and
// maxBytes encoded bytes, and at least one span.
func (r *Reporter) take(q *delivery.Deque[item]) []item {
	var (
		batch []item
		buf   []byte // the batch's new encodings, in chunks
	)
	size := 0
	for q.Len() > 0 && len(batch) < r.o.batchSize {
		it := q.PopFront()
		if it.enc == nil {
			if cap(buf)-len(buf) < encChunk/16 {
				// A new chunk rather than a larger copy: the spans
				// already encoded keep theirs.
				buf = make([]byte, 0, encChunk)
			}
			n := len(buf)
			buf = appendSpan(buf, it.s)
			it.enc, it.service, it.s = buf[n:len(buf):len(buf)], r.serviceOf(it.s), nil
		}
		if n := size + len(it.enc) + 16; len(batch) > 0 && n > r.o.maxBytes-1024 {
			q.PushFront(it)
			break
		}
		size += len(it.enc) + 16 // field tag, length and scope/resource share
		batch = append(batch, it)
	}
	return batch
}

// encChunk is the size of the arrays spans are encoded into.
const encChunk = 64 << 10

// send makes requests, one at a time. The clients marshal a request into
// their own buffer, so its bytes are reused for the next one.
func (r *Reporter) send() {
	var buf []byte
	for batch := range r.sendq {
		r.in.Requests.Add(1)
		ctx, cancel := context.WithTimeout(r.in.Abort, r.o.timeout)
		var req []*tracepb.ResourceSpans
		req, buf = request(buf[:0], batch)
		err := r.client.UploadTraces(ctx, req)
		cancel()
		r.results <- result{batch, err}
	}
}

// request groups a batch by service, in order, in ResourceSpans messages
// that hold the reporter's own encoding of their content as unknown fields.
// The OpenTelemetry clients take []*tracepb.ResourceSpans and marshal them
// with the protobuf runtime, which writes unknown fields as they are: the
// clients (transport, TLS, headers, compression, environment) are used
// unchanged, and no span is converted to tracepb structs.
// The request's bytes are appended to buf, which is returned.
func request(buf []byte, batch []item) ([]*tracepb.ResourceSpans, []byte) {
	var (
		services []string
		spans    = map[string][][]byte{}
		size     int
	)
	for _, it := range batch {
		if _, ok := spans[it.service]; !ok {
			services = append(services, it.service)
		}
		spans[it.service] = append(spans[it.service], it.enc)
		size += len(it.enc) + 8
	}
	out := make([]*tracepb.ResourceSpans, len(services))
	buf = slices.Grow(buf, size+len(services)*256)
	for i, svc := range services {
		n := len(buf)
		buf = appendResourceSpans(buf, svc, spans[svc])
		out[i] = &tracepb.ResourceSpans{}
		out[i].ProtoReflect().SetUnknown(buf[n:len(buf):len(buf)])
	}
	return out, buf
}

// noAnswer reports whether err means the collector did not answer (down,
// hanging, unreachable), so that the spans may be sent again.
func noAnswer(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return true
	}
	if st, ok := status.FromError(err); ok {
		switch st.Code() {
		case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled, codes.Aborted:
			return true
		}
		return false
	}
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne)
}

// Stats returns the reporter's counters.
func (r *Reporter) Stats() Stats {
	return Stats(r.in.Load())
}

// Close stops accepting spans, delivers what is buffered within the close
// timeout (a request still running then is aborted), counts what could
// not be delivered, and stops every goroutine of the reporter. It returns
// an error when spans were lost at Close. It is safe to call more than
// once.
func (r *Reporter) Close() error {
	r.closeOnce.Do(func() {
		r.in.Close(r.o.closeTimeout, func() {
			close(r.sendq)
			r.senders.Wait()
		})
		stopCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := r.client.Stop(stopCtx)
		cancel()
		if r.httpTr != nil {
			r.httpTr.CloseIdleConnections()
		}
		if lost := r.in.DroppedAtClose.Load(); lost > 0 {
			r.closeErr = fmt.Errorf("otlp: %d spans not delivered to %s at close", lost, r.target)
		} else if err != nil {
			r.closeErr = fmt.Errorf("otlp: %w", err)
		}
		r.in.Printf(reporter.LevelInfo, "otlp reporter closed: %s", r.Stats())
	})
	return r.closeErr
}

var _ reporter.Reporter = (*Reporter)(nil)
