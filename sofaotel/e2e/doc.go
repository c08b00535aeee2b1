// Package e2e holds sofaotel's end-to-end tests: a chain of OpenTracing
// plugins and OpenTelemetry instrumentations across four services, read
// back from their digest logs and from a real Jaeger v2 that received the
// spans over OTLP.
//
// The Jaeger tests read SOFA_TRACER_E2E_OTLP_GRPC, SOFA_TRACER_E2E_OTLP_HTTP
// (the OTLP receivers) and SOFA_TRACER_E2E_QUERY (Jaeger's query API), as
// exported by tools/zipkin-server/run.sh. Without them they skip, unless
// SOFA_TRACER_E2E_REQUIRED=1 or SOFA_TEST_REQUIRED=1, where they fail.
package e2e
