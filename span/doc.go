// Package span holds SOFATracer's span and span context: the global
// TraceId (IP hex + ms timestamp + sequence + pid), the hierarchical SpanId
// ("0", "0.1", "0.1.1"), business and system baggage in SOFATracer's k=v&
// form, the tag names the digest layouts read, and the ShareContext start
// option with which RPC servers reuse their client's SpanId.
//
// Spans are made by a tracer (package tracer); a Span is safe for
// concurrent use and immutable once finished.
package span
