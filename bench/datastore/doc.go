// Package datastore benchmarks the database/sql and go-redis plugins
// against the bare clients and against the instrumentation Go users pick
// today: github.com/XSAM/otelsql and go-redis's redisotel, both on the
// OpenTelemetry SDK set up as the other peers of this module are
// (AlwaysSample, batch span processor, an exporter that drops
// everything). The overhead of an instrumentation is its ns/op and
// allocs/op above the bare client's in the same run (see BENCHMARKS.md).
package datastore
