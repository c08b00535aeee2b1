// Package e2e holds SOFATracer's end-to-end tests against a real Zipkin v2
// collector (Jaeger v2 with the in-memory store, built and started by
// tools/zipkin-server/run.sh): traces through the HTTP, gRPC and Bolt
// plugins read back through Jaeger's query API, interoperation with
// zipkin-go instrumented services, and a collector that is down, killed
// and restarted. See docs/zipkin.md for how to run them.
//
// The tests read SOFA_TRACER_E2E_ZIPKIN (the collector's base URL),
// SOFA_TRACER_E2E_QUERY (Jaeger's query base URL) and
// SOFA_TRACER_E2E_JAEGER_BIN (the Jaeger binary, for the outage test).
// Without them they skip, unless SOFA_TRACER_E2E_REQUIRED=1; with them
// and no collector answering they fail.
package e2e
