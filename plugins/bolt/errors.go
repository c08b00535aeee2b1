package bolt

import (
	"context"
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

// PanicError is the error a Server hands to its interceptors when the
// handler panics; the client sees StatusServerException.
type PanicError struct {
	// Value is the value passed to panic.
	Value any
	// Stack is the panicking goroutine's stack trace.
	Stack []byte
}

// Error implements error.
func (e *PanicError) Error() string { return fmt.Sprintf("bolt: handler panic: %v", e.Value) }

// StatusFromError returns the status a Server sends for a handler error:
// StatusSuccess for nil, the Status of a *StatusError, StatusTimeout for
// context.DeadlineExceeded, StatusServerException otherwise.
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
	return StatusServerException
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
