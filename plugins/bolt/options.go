package bolt

import (
	"context"
	"net"
	"time"
)

// Option configures a Client, Server or Decoder. Options that do not apply to
// the thing being built are ignored.
type Option func(*options)

type options struct {
	maxFrame    int
	readBuf     int
	writeBuf    int
	hbInterval  time.Duration
	hbMisses    int
	idleTimeout time.Duration
	clientICs   []ClientInterceptor
	serverICs   []ServerInterceptor
	dial        func(ctx context.Context, network, addr string) (net.Conn, error)
	onError     func(Peer, error)
}

// Defaults, as in Java Bolt.
const (
	// DefaultHeartbeatInterval is how long a Client connection stays idle
	// before it sends a heartbeat (bolt.tcp.heartbeat.interval).
	DefaultHeartbeatInterval = 15 * time.Second
	// DefaultHeartbeatMisses is how many heartbeats may go unanswered before
	// a Client closes its connection (TCP_IDLE_MAXTIMES).
	DefaultHeartbeatMisses = 3
	// DefaultIdleTimeout is how long a Server keeps a connection that
	// receives nothing.
	DefaultIdleTimeout = 90 * time.Second
)

func newOptions(opts []Option) *options {
	o := &options{
		maxFrame:    DefaultMaxFrameSize,
		readBuf:     16 << 10,
		writeBuf:    16 << 10,
		hbInterval:  DefaultHeartbeatInterval,
		hbMisses:    DefaultHeartbeatMisses,
		idleTimeout: DefaultIdleTimeout,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(o)
		}
	}
	return o
}

// WithMaxFrameSize sets the largest frame accepted, in bytes (client, server,
// decoder). Larger incoming frames are an ErrFrameTooLarge that closes the
// connection; a Client refuses to send larger requests. n <= 0 restores the
// default, DefaultMaxFrameSize.
func WithMaxFrameSize(n int) Option {
	return func(o *options) {
		if n <= 0 {
			n = DefaultMaxFrameSize
		}
		o.maxFrame = n
	}
}

// WithReadBufferSize sets the size of the read buffer of each connection
// (client, server, decoder).
func WithReadBufferSize(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.readBuf = n
		}
	}
}

// WithWriteBufferSize sets the size of the write buffer of each connection
// (client, server). Frames written concurrently are coalesced into it.
func WithWriteBufferSize(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.writeBuf = n
		}
	}
}

// WithHeartbeat makes a Client send a heartbeat each time its connection has
// received nothing for interval, and close the connection (ErrHeartbeatTimeout)
// when maxMisses heartbeats in a row go unanswered. interval <= 0 turns
// heartbeats off; maxMisses < 1 means 1. Servers ignore it (they always
// answer heartbeats; see WithIdleTimeout).
func WithHeartbeat(interval time.Duration, maxMisses int) Option {
	return func(o *options) {
		o.hbInterval = interval
		o.hbMisses = max(maxMisses, 1)
	}
}

// WithIdleTimeout makes a Server close connections on which nothing has been
// received for d (ErrIdleTimeout); d <= 0 turns it off. Clients ignore it.
func WithIdleTimeout(d time.Duration) Option {
	return func(o *options) { o.idleTimeout = d }
}

// WithClientInterceptor adds client interceptors; the first one added is the
// outermost.
func WithClientInterceptor(ics ...ClientInterceptor) Option {
	return func(o *options) { o.clientICs = append(o.clientICs, ics...) }
}

// WithServerInterceptor adds server interceptors; the first one added is the
// outermost.
func WithServerInterceptor(ics ...ServerInterceptor) Option {
	return func(o *options) { o.serverICs = append(o.serverICs, ics...) }
}

// WithDialer sets the function Dial uses to connect (default: a net.Dialer).
func WithDialer(dial func(ctx context.Context, network, addr string) (net.Conn, error)) Option {
	return func(o *options) { o.dial = dial }
}

// WithErrorHandler sets a function called when a connection ends because of
// an error: a malformed frame, a read or write failure, a heartbeat or idle
// timeout. It is not called for a clean close (EOF, Close, Shutdown). It
// runs on the connection's reader goroutine, so it must not block (and must
// not call Client.Close).
func WithErrorHandler(fn func(p Peer, err error)) Option {
	return func(o *options) { o.onError = fn }
}
