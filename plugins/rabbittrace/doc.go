// Package rabbittrace traces RabbitMQ publishing and consuming with
// github.com/rabbitmq/amqp091-go in SOFATracer's RabbitMQ format, so that
// a message's publisher and consumer share one trace with each other and
// with Java services using SOFATracer's rabbitmq plugin.
//
// Publish replaces ch.PublishWithContext: it starts a send span (span.kind
// client), a child of the span in ctx, writes its context into a copy of
// the message's headers (X-B3-TraceId, X-B3-SpanId, X-B3-ParentSpanId,
// X-B3-Sampled carrying SOFA ids, baggage-<k>, baggage-sys-<k>: Java's B3
// text map) and publishes. On a channel in confirm mode it waits for the
// broker's confirm; a nack gives ErrNotConfirmed. Any error ends the span
// with result.code 99 and is returned unchanged.
//
// Process runs the application's handling of a delivery in a consume span
// (span.kind server), a child of the publisher's span read from the
// delivery's headers, or the root of a new trace when they hold no usable
// context. Malformed or hostile headers never fail the consume; a
// SOFATracer counts them in Stats().Corrupted. A delivery does not name
// its queue: ContextWithQueue gives it to Process for the queueName
// field.
//
// With a SOFATracer the spans are written to rabbitmq-send-digest.log and
// rabbitmq-consume-digest.log (and the stat files) in Java's layouts,
// including the field name rountingKey (sic): see SendLayout and
// ConsumeLayout. Both work with any opentracing.Tracer.
package rabbittrace
