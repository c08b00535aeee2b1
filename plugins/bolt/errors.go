package bolt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Frame errors. The decoder wraps them with details; test with errors.Is.
// Any of them closes the connection that carried the frame.
var (
	// ErrUnknownProtocol: the first byte is neither ProtoV1 nor ProtoV2.
	ErrUnknownProtocol = errors.New("bolt: unknown protocol code")
	// ErrUnknownType: the command type is not response, request or oneway.
	ErrUnknownType = errors.New("bolt: unknown command type")
	// ErrUnknownCmdCode: the command code is unknown or does not fit the type.
	ErrUnknownCmdCode = errors.New("bolt: unknown command code")
	// ErrFrameTooLarge: the declared frame size exceeds the configured maximum.
	ErrFrameTooLarge = errors.New("bolt: frame too large")
	// ErrBadLength: a declared length is negative or out of range.
	ErrBadLength = errors.New("bolt: bad length")
	// ErrBadHeader: the header block is not a valid SOFARPC header map.
	ErrBadHeader = errors.New("bolt: malformed header map")
	// ErrChecksum: a Bolt v2 frame's CRC32 trailer does not match.
	ErrChecksum = errors.New("bolt: CRC32 mismatch")
	// ErrTruncated: the stream ended in the middle of a frame.
	ErrTruncated = errors.New("bolt: truncated frame")
)

// Connection errors.
var (
	// ErrClosed is returned by calls on a closed Client and fails the calls
	// pending when it closes. When the connection broke (rather than Close
	// being called) the error also wraps the cause.
	ErrClosed = errors.New("bolt: connection closed")
	// ErrHeartbeatTimeout is the cause when a Client closes its connection
	// after too many unanswered heartbeats.
	ErrHeartbeatTimeout = errors.New("bolt: heartbeat timeout")
	// ErrIdleTimeout is the cause when a Server closes an idle connection.
	ErrIdleTimeout = errors.New("bolt: idle timeout")
	// ErrServerClosed is returned by Server.Serve after Shutdown or Close.
	ErrServerClosed = errors.New("bolt: server closed")
)

// StatusError is a non-success response status. Client.Call returns it
// together with the response; a Handler may return one to choose the status
// of its error response.
type StatusError struct {
	// Status is the response status.
	Status Status
	// Message is a human-readable detail: on the client, the response content
	// when it is short printable text; on the server, the content to send.
	Message string
	// Response is the response that carried the status (client side only).
	Response *Response
}

// Error implements error.
func (e *StatusError) Error() string {
	s := fmt.Sprintf("bolt: response status %s (0x%s)", e.Status, hex4(uint16(e.Status)))
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// RemoteError is the error Call returns, with the response, for a response
// whose status is SUCCESS but whose header has sofa_head_response_error=true:
// how SOFARPC answers a call that failed on the server. SOFARPC tells the two
// kinds apart in the body (SofaResponse.isError): a business error, the
// service's own exception (result code 01), or a framework error of the
// server's RPC layer (02). SOFARPC's protobuf, JSON, MessagePack and
// Protostuff serializers (codecs 11–14) send only a message, which its
// client takes for a framework error, and so does this one; with every other
// codec the body is read as a Hessian 2 SofaResponse, and one this package
// cannot read is a framework error too (SOFARPC's client fails to decode it).
type RemoteError struct {
	// Business is true for a business error, false for a framework error.
	Business bool
	// Message is the server's error message, when the body holds one this
	// package can read.
	Message string
	// Response is the response that carried the error.
	Response *Response
}

// Error implements error.
func (e *RemoteError) Error() string {
	s := "bolt: remote RPC error"
	if e.Business {
		s = "bolt: remote business error"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// remoteError returns the RemoteError resp carries, or nil.
func remoteError(resp *Response) *RemoteError {
	if resp.Status != StatusSuccess || resp.Header.Get(KeyResponseError) != "true" {
		return nil
	}
	e := &RemoteError{Response: resp}
	if messageOnly(resp.Codec) {
		if resp.Codec != CodecJSON || json.Unmarshal(resp.Content, &e.Message) != nil {
			e.Message = printable(resp.Content)
		}
		return e
	}
	isError, msg, ok := readSofaResponse(resp.Content)
	e.Business, e.Message = ok && !isError, msg
	if !ok {
		e.Message = printable(resp.Content)
	}
	return e
}

// messageOnly reports whether SOFARPC's serializer for codec sends an error
// response's message alone (protobuf, JSON, MessagePack, Protostuff).
func messageOnly(codec byte) bool { return codec >= CodecProtobuf && codec <= codecProtostuff }

// PanicError is the error a Server hands to its interceptors when the
// handler panics; like any other error that is not a *StatusError, the
// client gets it as a business error (RemoteError).
type PanicError struct {
	// Value is the value passed to panic.
	Value any
	// Stack is the panicking goroutine's stack trace.
	Stack []byte
}

// Error implements error.
func (e *PanicError) Error() string { return fmt.Sprintf("bolt: handler panic: %v", e.Value) }

// StatusFromError returns the status a Server sends for a handler error:
// the Status of a *StatusError, StatusTimeout for context.DeadlineExceeded,
// and StatusSuccess for nil and for every other error, a business error,
// which goes in a successful response marked as SOFARPC marks a business
// exception (see RemoteError).
func StatusFromError(err error) Status {
	if err == nil {
		return StatusSuccess
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return StatusTimeout
	}
	return StatusSuccess
}

// errorResponse builds the response a Server sends for a handler error. A
// business error goes as SOFARPC's server sends a service's exception:
// status SUCCESS, class SofaResponse, header sofa_head_response_error=true
// and the message alone for codecs 11–14 (UTF-8; a JSON string for JSON), as
// SOFARPC's serializers for them do, else a Hessian 2 SofaResponse whose
// appResponse is a java.lang.RuntimeException with the error's message.
// Other errors get their status and the message as content.
func errorResponse(codec byte, err error) *Response {
	msg := err.Error()
	var se *StatusError
	if errors.As(err, &se) && se.Message != "" {
		msg = se.Message
	}
	status := StatusFromError(err)
	if status != StatusSuccess {
		return &Response{Status: status, Content: []byte(msg)}
	}
	resp := &Response{Class: ClassSofaResponse, Header: Header{{KeyResponseError, "true"}}}
	switch {
	case codec == CodecJSON:
		resp.Content, _ = json.Marshal(msg)
	case messageOnly(codec):
		resp.Content = []byte(msg)
	default:
		resp.Content = appendBusinessError(nil, msg)
	}
	return resp
}

// printable returns b as a string when it is short printable UTF-8 text.
func printable(b []byte) string {
	const max = 512
	if len(b) == 0 || len(b) > max || !utf8.Valid(b) {
		return ""
	}
	s := string(b)
	for _, r := range s {
		if !unicode.IsPrint(r) && r != '\n' && r != '\t' {
			return ""
		}
	}
	return s
}
