// Package otlp sends sofatracer-go's finished spans, whichever API
// started them (OpenTracing plugins or sofaotel), to an OpenTelemetry
// collector over OTLP/gRPC or OTLP/HTTP, alongside the digest and stat
// logs:
//
//	r, err := otlp.NewReporter() // OTEL_EXPORTER_OTLP_* or options
//	if err != nil { ... }
//	t, err := tracer.New(tracer.WithAppName("orders"), tracer.WithReporter(r))
//
// The ids are the Zipkin reporter's (see sofaotel.IDs), so a trace
// reported partly by Java over Zipkin and partly by Go over OTLP is one
// trace in the backend. The reporter makes the same promises as the
// Zipkin reporter: Report never blocks or does I/O, drops are bounded and
// counted (Stats), failed requests are retried after a backoff, and Close
// is bounded in time. Strings are made valid UTF-8 and requests are split
// by encoded size, so one bad tag or a huge batch never loses the rest.
// The reporter writes the protobuf encoding of its spans itself, once per
// span and into reused buffers, and sends it through the OpenTelemetry
// exporters' clients (see request in reporter.go).
//
// Environment (read by NewReporter and the OpenTelemetry clients; options
// win): OTEL_EXPORTER_OTLP_PROTOCOL or OTEL_EXPORTER_OTLP_TRACES_PROTOCOL
// (grpc, the default, or http/protobuf), OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS,
// OTEL_EXPORTER_OTLP_COMPRESSION, OTEL_EXPORTER_OTLP_CERTIFICATE and the
// other variables of the OpenTelemetry exporters (their timeout and
// retries are replaced by WithTimeout and the reporter's own backoff).
package otlp
