// Package datastore benchmarks the database/sql and go-redis plugins
// against the bare clients and against the instrumentation Go users pick
// today: github.com/XSAM/otelsql and go-redis's redisotel, both on the
// OpenTelemetry SDK set up as the other peers of this module are
// (AlwaysSample, batch span processor, an exporter that drops
// everything). Statements run on SQLite (in process), PostgreSQL and
// MariaDB; Redis commands one by one and in pipelines of ten.
//
// Besides ns/op, every benchmark reports cpu-ns/op: the process's CPU
// time per op, counted until the span pipeline has drained (our digest
// writer has written every span, the SDK's batch processor has exported
// every span), so that the work of the background goroutines is
// included for both. The servers are other processes, so their CPU time
// is not in it. spans/op and dropped/op count the spans each variant
// ended and lost; dropped/op must be 0. The overhead of an
// instrumentation is its cpu-ns/op and allocs/op above the bare client's
// in the same run (see BENCHMARKS.md).
package datastore
