// Package chaintest holds the end-to-end test of the plugins: an HTTP
// client calls an HTTP server that calls a gRPC server that calls another
// HTTP server, each traced, and the test reads the log files of all four
// applications.
package chaintest
