package otlp

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"

	"github.com/sofatracer/sofatracer-go/internal/delivery"
	"github.com/sofatracer/sofatracer-go/reporter"
)

// Protocols of OTEL_EXPORTER_OTLP_PROTOCOL and WithProtocol.
const (
	ProtocolGRPC         = "grpc"
	ProtocolHTTPProtobuf = "http/protobuf"
)

// Defaults of the options.
const (
	DefaultQueueSize       = 4096
	DefaultBatchSize       = 512
	DefaultBatchInterval   = time.Second
	DefaultMaxBacklog      = 4096
	DefaultMaxRequestBytes = 3 << 20 // under gRPC's default 4 MiB message limit
	DefaultTimeout         = 5 * time.Second
	DefaultCloseTimeout    = 5 * time.Second
	DefaultMaxRetryBackoff = 5 * time.Second
	DefaultSelfLogInterval = 10 * time.Second
	// DefaultMaxConcurrentRequests lets one request be built while another
	// is on the wire.
	DefaultMaxConcurrentRequests = 2
)

// Option configures a Reporter.
type Option func(*options) error

type options struct {
	protocol      string
	endpointURL   string
	headers       map[string]string
	service       string
	self          *reporter.SelfLog
	queueSize     int
	batchSize     int
	batchInterval time.Duration
	maxBacklog    int
	maxBytes      int
	timeout       time.Duration
	closeTimeout  time.Duration
	maxBackoff    time.Duration
	logEvery      time.Duration
	concurrency   int
	grpcOpts      []otlptracegrpc.Option
	httpOpts      []otlptracehttp.Option
}

// WithProtocol chooses the transport: ProtocolGRPC (the default, as the
// OpenTelemetry specification says) or ProtocolHTTPProtobuf. It wins over
// OTEL_EXPORTER_OTLP_TRACES_PROTOCOL and OTEL_EXPORTER_OTLP_PROTOCOL.
func WithProtocol(p string) Option {
	return func(o *options) error {
		if p != ProtocolGRPC && p != ProtocolHTTPProtobuf {
			return fmt.Errorf("otlp: protocol %q: want %q or %q", p, ProtocolGRPC, ProtocolHTTPProtobuf)
		}
		o.protocol = p
		return nil
	}
}

// WithEndpointURL sets the collector's URL, e.g. "http://localhost:4317"
// (gRPC) or "http://localhost:4318" (HTTP; a URL without a path gets
// /v1/traces); an http URL means no TLS. It wins over
// OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT.
func WithEndpointURL(u string) Option {
	return func(o *options) error {
		if u == "" {
			return errors.New("otlp: endpoint URL is empty")
		}
		o.endpointURL = u
		return nil
	}
}

// WithHeaders adds headers (gRPC metadata) to every request, besides
// OTEL_EXPORTER_OTLP_(TRACES_)HEADERS.
func WithHeaders(h map[string]string) Option {
	return func(o *options) error { o.headers = h; return nil }
}

// WithServiceName sets the resource's service.name of every span. By
// default it is the app name of the tracer that made the span
// (SOFATracer's local.app).
func WithServiceName(name string) Option {
	return func(o *options) error { o.service = name; return nil }
}

// WithGRPCOptions passes options to the OTLP/gRPC client
// (otlptracegrpc.NewClient), e.g. TLS credentials or compression. Retries
// and the timeout are the reporter's own.
func WithGRPCOptions(opts ...otlptracegrpc.Option) Option {
	return func(o *options) error { o.grpcOpts = append(o.grpcOpts, opts...); return nil }
}

// WithHTTPOptions passes options to the OTLP/HTTP client
// (otlptracehttp.NewClient).
func WithHTTPOptions(opts ...otlptracehttp.Option) Option {
	return func(o *options) error { o.httpOpts = append(o.httpOpts, opts...); return nil }
}

// WithSelfLog sets where losses and send failures are written (e.g. the
// tracer-self.log of reporter.OpenSelfLog), at most once per
// WithSelfLogInterval for each kind. Nil writes nothing.
func WithSelfLog(l *reporter.SelfLog) Option {
	return func(o *options) error { o.self = l; return nil }
}

// WithQueueSize sets how many finished spans may wait between Report and
// the reporter's goroutine (default 4096); Report drops, and counts, a
// span that finds it full.
func WithQueueSize(n int) Option {
	return positive("queue size", n, func(o *options) { o.queueSize = n })
}

// WithBatchSize sets the most spans in one request and how many waiting
// spans trigger one before the batch interval is over (default 512).
func WithBatchSize(n int) Option {
	return positive("batch size", n, func(o *options) { o.batchSize = n })
}

// WithMaxBacklog bounds the spans waiting for delivery (default
// 4096); beyond it the oldest is dropped and counted.
func WithMaxBacklog(n int) Option {
	return positive("max backlog", n, func(o *options) { o.maxBacklog = n })
}

// WithMaxRequestBytes bounds the encoded size of one request (default 3
// MiB, under gRPC's 4 MiB limit): a larger batch is sent in parts.
func WithMaxRequestBytes(n int) Option {
	return positive("max request bytes", n, func(o *options) { o.maxBytes = n })
}

// WithMaxConcurrentRequests bounds the requests in flight at a time
// (default 2).
func WithMaxConcurrentRequests(n int) Option {
	return positive("max concurrent requests", n, func(o *options) { o.concurrency = n })
}

// WithBatchInterval sets the longest time a span waits to be sent (default
// 1s); it is also the first pause after a failed request.
func WithBatchInterval(d time.Duration) Option {
	return positive("batch interval", d, func(o *options) { o.batchInterval = d })
}

// WithTimeout bounds each request (default 5s).
func WithTimeout(d time.Duration) Option {
	return positive("timeout", d, func(o *options) { o.timeout = d })
}

// WithMaxRetryBackoff bounds the pause after failed requests (default 5s):
// it starts at the batch interval and doubles after each further failure.
func WithMaxRetryBackoff(d time.Duration) Option {
	return positive("max retry backoff", d, func(o *options) { o.maxBackoff = d })
}

// WithCloseTimeout bounds how long Close tries to deliver what is buffered
// (default 5s); a request still running then is aborted.
func WithCloseTimeout(d time.Duration) Option {
	return positive("close timeout", d, func(o *options) { o.closeTimeout = d })
}

// WithSelfLogInterval sets the least time between two self-log records of
// one kind (default 10s).
func WithSelfLogInterval(d time.Duration) Option {
	return positive("self-log interval", d, func(o *options) { o.logEvery = d })
}

func positive[V int | time.Duration](what string, v V, set func(*options)) Option {
	return delivery.Positive("otlp", what, v, set)
}

// envProtocol reads OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else
// OTEL_EXPORTER_OTLP_PROTOCOL; grpc when neither is set.
func envProtocol() (string, error) {
	for _, k := range []string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"} {
		if v := strings.TrimSpace(os.Getenv(k)); v != "" {
			switch v {
			case ProtocolGRPC, ProtocolHTTPProtobuf:
				return v, nil
			}
			return "", fmt.Errorf("otlp: %s=%q: want %q or %q", k, v, ProtocolGRPC, ProtocolHTTPProtobuf)
		}
	}
	return ProtocolGRPC, nil
}
