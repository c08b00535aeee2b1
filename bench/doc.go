// Package bench compares sofatracer-go with other Go tracers (opentracing-go
// mocktracer, jaeger-client-go, zipkin-go and its OpenTracing bridge, the
// OpenTelemetry SDK and its OpenTracing bridge) in the same scenarios, in one
// `go test -bench` run, and this repository's HTTP and gRPC plugins with the
// opentracing-contrib ones (go-stdlib's nethttp, go-grpc's otgrpc) driven by
// the same sofatracer tracer.
//
// It is a separate Go module so that the peers never enter the dependency
// graph of sofatracer-go itself. The benchmarks are in the _test.go files;
// README.md says how to run them and what each one measures.
package bench
