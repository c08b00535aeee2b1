// Package bolt is a small SOFA Bolt codec with a multiplexing client and a
// concurrent server, wire compatible with the Java sofa-bolt library and
// SOFARPC's Bolt transport.
//
// # Wire format
//
// A Bolt v1 request has a 22-byte fixed part (proto, type, cmdcode, ver2,
// requestId, codec, timeout, classLen, headerLen, contentLen), a response a
// 20-byte one (a 2-byte status replaces the 4-byte timeout), both followed by
// the class name, the header block and the content. All integers are
// big-endian. The header block is decoded as the SOFARPC header map
// (SimpleMapSerializer): a sequence of int32-length-prefixed UTF-8 key/value
// pairs without a count prefix; length -1 means null and, as in Java and
// MOSN, a pair whose key or value is null is dropped on decode. Pair order is
// kept, so a decoded frame re-encodes to the same bytes. The content is opaque
// bytes: this package never serializes or deserializes bodies.
//
// Request.Service and Request.Method map to the SOFARPC header keys
// "service"/"sofa_head_target_service" and "sofa_head_method_name" (see
// Request for the exact rule).
//
// # Bolt v2
//
// Frames whose first byte is 0x02 (Bolt v2, RpcProtocolV2) are decoded, not
// refused: the extra ver1 and switch bytes are kept in Request.Proto and
// Response.Proto, and when ver1 is 2 and switch bit 0 is set the trailing
// CRC32 (IEEE, over the whole frame before the trailer) is verified
// (ErrChecksum on mismatch) and written on encode. The Client sends Bolt v1
// unless a Request sets Proto; the Server answers every request in the
// protocol (and ver1/switch) the request came in.
//
// # Limits and errors
//
// Decoding is streaming and bounded: a Decoder reads one frame at a time from
// an io.Reader, rejects frames larger than the configured maximum
// (WithMaxFrameSize, default 16 MiB) before reading their body, and grows
// its buffer only as bytes actually arrive, so a peer that declares a huge
// frame and sends nothing costs at most a small fixed allocation (64 KiB
// for the content, plus the class and header blocks, each at most 32767
// bytes). Class and
// header blocks are limited to 32767 bytes, as in Java. Malformed input
// yields an error wrapping one of ErrUnknownProtocol, ErrUnknownType,
// ErrUnknownCmdCode, ErrFrameTooLarge, ErrBadLength, ErrBadHeader or
// ErrChecksum (use errors.Is); the Client and Server close only the
// connection that carried it.
//
// # Client and server
//
// A Client multiplexes concurrent calls over one TCP connection, matching
// responses by request id; the context deadline becomes the frame's timeout
// field. It sends heartbeats when the connection is idle and closes it after
// too many unanswered ones. A Server runs each request's Handler in its own
// goroutine, answers heartbeats and shuts down gracefully.
//
// # Errors between client and server
//
// As in SOFARPC, a handler's own failure (any error that is not a
// *StatusError, or a panic) is a business error: it travels in a SUCCESS
// response whose header has sofa_head_response_error=true and whose body is
// what SOFARPC's server sends for a service's exception (a Hessian 2
// SofaResponse carrying a java.lang.RuntimeException, or the bare message
// for protobuf and JSON), so that Java SOFARPC clients see the exception. A
// *StatusError chooses an error status instead (a framework failure), and
// context.DeadlineExceeded becomes TIMEOUT. The Client returns a *StatusError
// for an error status and a *RemoteError for a marked SUCCESS response.
// Traced calls log SOFARPC's result codes: 01 for a business error, 02 for
// an error status other than TIMEOUT or a framework error, 03 for a timeout.
//
// # Middleware
//
// ClientInterceptor and ServerInterceptor wrap calls on either side without
// changing the core: they see the *Request before it is encoded (and may edit
// its Header) and the *Response after it is decoded. PeerFromContext gives
// them the connection's local and remote addresses, and Request.Size and
// Response.Size give the encoded frame sizes.
package bolt
