// Package grpctrace traces gRPC clients and servers with an
// opentracing.Tracer, normally SOFATracer's (tracer.New), the way SOFARPC
// traces its Triple (gRPC) protocol.
//
// The client interceptors start a client span, a child of the span in the
// call's context (or a new trace), and send its context in the outgoing
// metadata in SOFARPC Triple's keys (propagation.Triple: sofa-traceid,
// sofa-rpcid, tri-trace-*), with tri-trace-current-app (the tracer's app
// name), tri-trace-invoke-type and tri-trace-protocol-type. A tracer that
// does not know the Triple format gets opentracing.HTTPHeaders instead.
//
// The server interceptors extract that context (Triple, else HTTPHeaders)
// and start the server span with span.ShareContext: as in SOFARPC, client
// and server log the same SpanId (client "0.1", server "0.1"), and the
// server's own calls are "0.1.1", "0.1.2". A call without a usable context
// starts a new trace. The span is in the handler's context.
//
// SOFATracer writes the spans to rpc-client-digest.log / rpc-server-digest.log
// and their stat logs in SOFARPC's layout; the digest package routes them by
// the component "grpc" and the span.kind tag.
//
// # Result codes
//
// result.code follows SOFARPC: "00" success; "03" DeadlineExceeded (also
// a cancellation within 100ms of the call's deadline, which is how a
// server usually learns that its caller timed out);
// "02" framework errors: Canceled, ResourceExhausted, Unimplemented,
// Internal, Unavailable, DataLoss, and on the client any error without a
// gRPC status; "01" application errors: every other status a handler
// returns (InvalidArgument, NotFound, Unknown from a plain Go error, ...).
// Every non-OK call also has error=true and error.message.
//
// # When spans end
//
// A unary span ends when the call returns. A server stream span ends when
// the handler returns. A client stream span ends when RecvMsg returns an
// error or io.EOF, when the single response of a non-server-streaming call
// arrives, when SendMsg or Header fails, or when the call's context is done
// (context.AfterFunc; no goroutine waits per stream), whichever is first.
//
// # Metadata values
//
// gRPC refuses to send metadata values that are not printable ASCII. Bytes
// outside 0x20-0x7E in an injected value (a baggage item that came in over
// HTTP with UTF-8 text or CR/LF, say) are sent as %XX, and the server side
// decodes them in the baggage keys again, so that tracing never makes a
// call fail. Keys that are not valid gRPC metadata keys are not sent.
package grpctrace
