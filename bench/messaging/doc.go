// Package messaging benchmarks the Kafka plugin (plugins/kafkatrace)
// against the bare franz-go client and franz-go's OpenTelemetry plugin
// kotel, per produced and per consumed record. See bench/README.md and
// BENCHMARKS.md.
package messaging
