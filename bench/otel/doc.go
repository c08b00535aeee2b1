// Package otel compares sofaotel with the OpenTelemetry SDK: a request
// through the same otelhttp handler on either provider, and spans per
// second delivered to a local OTLP/gRPC collector by sofaotel/otlp's
// reporter and by the SDK's otlptracegrpc exporter. The benchmarks are in
// otel_test.go.
package otel
