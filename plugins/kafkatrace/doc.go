// Package kafkatrace traces Kafka produce and consume with
// github.com/twmb/franz-go, in SOFATracer's Kafka format, so that a
// record's producer and consumer share one trace with each other and with
// Java services using SOFATracer's kafkamq plugin.
//
// Producing: register the hooks on the client,
//
//	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.WithHooks(kafkatrace.NewHooks(tr)))
//
// Every produced record gets a send span (span.kind client), a child of
// the span in the record's context (Produce's ctx), and the span's context
// in its headers: X-B3-TraceId, X-B3-SpanId, X-B3-ParentSpanId and
// X-B3-Sampled carrying SOFA ids, baggage-<k> and baggage-sys-<k>, as
// Java's B3 text map writes them. The span ends when the broker
// acknowledges the record, with the partition and offset it assigned, or
// when the record fails: result.code 99 and the error. The record's
// context is the caller's again before its promise runs.
//
// Consuming: run the processing of each record in Process,
//
//	fetches.EachRecord(func(r *kgo.Record) {
//		err := kafkatrace.Process(ctx, tr, r, func(ctx context.Context) error { return handle(ctx, r) })
//	})
//
// Each record gets its own consume span (span.kind server), a child of
// the send span read from its headers (never of another record's, which
// is Java's bug); without a usable context in the headers, a new trace.
// Malformed or hostile headers never fail the consume: they start a new
// trace, and a SOFATracer counts them in Stats().Corrupted.
//
// With a SOFATracer the spans are written to kafkamq-send-digest.log and
// kafkamq-consume-digest.log (and the stat files) in Java's layouts: see
// SendLayout and ConsumeLayout. Both work with any opentracing.Tracer.
package kafkatrace
