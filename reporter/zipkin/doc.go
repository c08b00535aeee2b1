// Package zipkin sends SOFATracer spans to a Zipkin v2 collector (Zipkin
// itself, Jaeger, the OpenTelemetry collector's zipkin receiver, ...),
// alongside the digest logs, never instead of them.
//
//	r, err := zipkin.NewReporter("http://zipkin:9411/", zipkin.WithServiceName("orders"), zipkin.WithGzip(true))
//	t, err := tracer.New(tracer.WithAppName("orders"), tracer.WithReporter(r))
//
// or, more simply, tracer.WithZipkin("http://zipkin:9411/", true), or the
// environment (SOFATracer's keys in brackets):
//
//	SOFA_TRACER_ZIPKIN_ENABLED=true          (com.alipay.sofa.tracer.zipkin.enabled, default false)
//	SOFA_TRACER_ZIPKIN_BASE_URL=http://...   (com.alipay.sofa.tracer.zipkin.baseUrl, default http://localhost:9411/)
//	SOFA_TRACER_ZIPKIN_GZIPPED=true          (com.alipay.sofa.tracer.zipkin.gzipped, default false)
//
// # Delivery
//
// Spans are POSTed as JSON v2 lists to baseURL + "/api/v2/spans" by
// zipkin-go's HTTP reporter (github.com/openzipkin/zipkin-go/reporter/http),
// which batches them (WithBatchSize, default 100; WithBatchInterval,
// default 1s). The body is encoded by this package without reflection (the
// same JSON as zipkin-go's model); with WithGzip it is gzip-compressed and
// sent with Content-Encoding: gzip.
//
// Report never blocks and never does I/O: it puts the finished span into a
// bounded queue (WithQueueSize, default 4096) and returns; unsampled spans
// are counted and not sent. One goroutine converts queued spans into the
// backlog (WithMaxBacklog, default 1000 spans; when it is full the oldest
// span is dropped, so the newest arrive once the collector is back) and
// hands them on to zipkin-go, at most max(BatchSize, MaxBacklog/2) at a
// time. A collector that is down, slow (each request is bounded by
// WithTimeout, default 5s) or answering errors therefore costs the
// application nothing but lost spans, all counted (Stats):
//
//   - queue full: the span is dropped (DroppedQueueFull);
//   - backlog full: the oldest waiting span is dropped (DroppedBacklog);
//   - no answer (refused, timeout): the spans stay and are sent again
//     (SendErrors counts the requests);
//   - a status other than 2xx: the batch is dropped (Rejected), as
//     zipkin-go does (retrying a 400 would never end).
//
// After a failed request no request is made for a pause that starts at the
// batch interval and doubles up to WithMaxRetryBackoff (default 5s), so a
// collector that is down costs neither a connection attempt nor the
// encoding of the backlog for every span, and delivery resumes by itself
// within that pause once it is back.
//
// Each kind of loss or failure is written to tracer-self.log (WithSelfLog,
// or SetSelfLog; the tracer passes its own) at most once per
// WithSelfLogInterval (default 10s), and the recovery once. Close stops
// accepting spans, delivers what is buffered within WithCloseTimeout
// (default 5s; requests still running then are aborted, and a failing
// collector ends the attempt at once), counts what it could not deliver
// (DroppedAtClose), returns an error if it lost any, and stops every
// goroutine.
//
// Measured on 2 cores (go test -bench . ./reporter/zipkin/): Report costs
// about 35 ns and no allocation on the application's goroutine; the
// background conversion about 0.9 µs and 13 allocations for an HTTP span
// with 9 tags; the whole pipeline (conversion, encoding, delivery to a
// local collector) takes about 4-5 µs per span.
//
// # Conversion and id mapping
//
// Convert follows SOFATracer's ZipkinV2SpanAdapter, so that Go and Java
// services reporting to one Zipkin show one trace:
//
//   - traceId: the TraceId without one trailing "T" (load test), left-padded
//     with 0 to 32 hex digits, or to 16 when it has at most 16:
//     "0a0fe9271567477985327100211176" -> "000a0fe9271567477985327100211176",
//     "0a0fe9271567477985327100211176T" -> the same;
//   - id: FNV-1a 64 of the dotted SpanId (over its UTF-16 code units, as
//     Java), 16 hex digits: "0" -> af63ad4c86019caf,
//     "0.1" -> 4e18dd181d0a2066, "0.1.1" -> b1ecc5b0e1cf206b,
//     "0.2" -> 4e18dc181d0a1eb3;
//   - parentId: the same hash of the parent's SpanId, when there is one;
//   - the SOFA ids are kept as the tags origin.trace.id, origin.span.id
//     and origin.parent.span.id.
//
// A TraceId is 8 hex digits of IP, 13 of milliseconds, 4 of sequence and
// the pid, so with Linux's largest pids (7 digits, pid_max 4194304) it has
// 32 digits and maps as above; an 8-digit or longer pid (other systems)
// makes 33 or more. Java drops a TraceId that is not hex or longer than 32
// digits. Here such a TraceId (and an all-zero one) is mapped to
// the 128-bit FNV-1a hash of its bytes (after the "T" is removed), so
// every service reporting it still lands in one trace (MapTraceID):
//
//	"0a0fe92715674779853271002111761234" (34) -> 885a0575af2752d3da6fbda056669a11
//	"my-trace-id"                             -> 6bf7c0b777c39949a5366a8fa9d7d983
//	"1234"                                    -> 0000000000001234 (hex: padded)
//
// A trace that arrived in real B3 or W3C traceparent headers
// (span.FormatB3, span.FormatW3C) already has Zipkin's hex ids: they are
// sent unchanged, so the spans join the caller's trace in Zipkin, and its
// spans have no origin.* tags.
//
// Improvements over Java:
//
//   - an RPC server span that shares its client's SpanId
//     (span.Context.Shared, span.ShareContext) is sent with shared=true;
//     its children keep that id as parent, and Zipkin (and Jaeger's span
//     id deduper) attribute them to the server side, so OTLP's ids
//     (sofaotel.IDs, where the server side has an id of its own) give
//     the same tree;
//   - kind is SERVER, CLIENT, PRODUCER or CONSUMER from the span.kind tag,
//     and no kind (a local span) otherwise, instead of "CLIENT unless
//     server";
//   - remoteEndpoint comes from peer.service (else remote.app),
//     peer.ipv4, peer.ipv6, peer.hostname (when it is an address),
//     peer.port and remote.ip ("ip" or "ip:port");
//   - timestamp and duration keep microsecond precision.
//
// Every tag but span.kind becomes a string tag; every baggage item (system
// and business) becomes a tag too, unless a span tag has its key; every
// log field becomes an annotation at the log's time (the value of an
// "event" field, "key=value" otherwise; the values cs, cr, sr and ss are
// skipped as in Java). Zipkin lowercases span and service names.
package zipkin
