// Package sofaotel puts sofatracer-go behind the OpenTelemetry trace API,
// so that code instrumented with OpenTelemetry (otelhttp, otelgrpc, any
// library that starts its own spans) writes SOFATracer spans: SOFA
// TraceId and hierarchical SpanId, baggage, sampling, digest and stat
// lines, and the tracer's reporters (Zipkin, OTLP).
//
//	t, _ := tracer.New(tracer.WithAppName("orders"))
//	tp := sofaotel.NewTracerProvider(t)
//	otel.SetTracerProvider(tp)
//	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(
//		propagation.TraceContext{}, propagation.Baggage{}, sofaotel.HTTPPropagator()))
//
// # Ids
//
// A span's trace.SpanContext has the ids the Zipkin reporter sends (see
// IDs), so a trace reported partly over Zipkin (Java) and partly over OTLP
// is one trace, and its tracestate carries the exact SOFA ids in the
// member sofa=<TraceId>;<SpanId>, which any OpenTelemetry hop keeps.
//
// # Layouts
//
// When a span ends, its attributes choose its digest file by the
// semantic conventions (current and older names both):
//
//   - rpc.system.name / rpc.system: rpc-server or rpc-client (protocol,
//     service and method from rpc.method or rpc.service, result.code from
//     rpc.response.status_code, rpc.status_code or rpc.grpc.status_code);
//   - http.request.method / http.method: http-server or http-client
//     (request.url from url.* and server.*, or url.full / http.url);
//   - db.system.name / db.system redis: redis, in digest.Redis as
//     redistrace writes it (db.type, method: db.operation.name, else the
//     span name, upper case; result.code 00 or 99);
//   - db.system.name / db.system, any other: datasource-client, in
//     digest.DataSourceClient as sqltrace writes it (database.name, sql,
//     database.type, database.endpoint; result.code failed on status
//     Error or an error.type attribute, else success);
//   - messaging.system: message-pub or message-sub (msg.topic,
//     msg.channel, msg.id; result.code 00 or 99);
//   - anything else: biz, with every attribute as an extra field.
//
// Every attribute is also kept as a tag of its own name for the
// reporters, converted when a reporter first reads it (see
// span.FinishDeferred), not on the goroutine that ends the span. Status Error sets the error tag and error.message (its
// description, else error.type, else the last recorded error); events
// become span log records.
//
// # OpenTracing in the same context
//
// NewTracerProvider makes the tracer store an OpenTelemetry view of every
// span that OpenTracing code puts into a context, and Start stores its
// span in both forms, so the nethttp, grpctrace and bolt plugins and
// OpenTelemetry instrumentations nest in either order.
package sofaotel
