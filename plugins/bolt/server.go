package bolt

import (
	"context"
	"errors"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Server serves Bolt connections. Each request runs its Handler in its own
// goroutine, so responses may leave out of order; heartbeats are answered by
// the server itself.
type Server struct {
	opts   *options
	invoke Invoker // interceptors + recovering handler

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*serverConn]struct{}
	closing   atomic.Bool
	done      chan struct{} // closed when shutting down

	stats serverCounters
}

// NewServer returns a Server that passes requests to h through the server
// interceptors. A nil h answers every request with StatusNoProcessor.
func NewServer(h Handler, opts ...Option) *Server {
	if h == nil {
		h = HandlerFunc(func(context.Context, *Request) (*Response, error) {
			return nil, &StatusError{Status: StatusNoProcessor, Message: "no handler"}
		})
	}
	s := &Server{
		opts:      newOptions(opts),
		listeners: make(map[net.Listener]struct{}),
		conns:     make(map[*serverConn]struct{}),
		done:      make(chan struct{}),
	}
	handler := func(ctx context.Context, req *Request) (resp *Response, err error) {
		defer s.recoverPanic(&resp, &err)
		return h.ServeBolt(ctx, req)
	}
	s.invoke = chainServer(s.opts.serverICs, handler)
	return s
}

func (s *Server) recoverPanic(resp **Response, err *error) {
	if p := recover(); p != nil {
		s.stats.panics.Add(1)
		*resp, *err = nil, &PanicError{Value: p, Stack: debug.Stack()}
	}
}

// call runs the interceptor chain; a panicking interceptor is recovered too.
func (s *Server) call(ctx context.Context, req *Request) (resp *Response, err error) {
	defer s.recoverPanic(&resp, &err)
	return s.invoke(ctx, req)
}

// Serve accepts connections on l until l fails or the server shuts down,
// in which case it returns ErrServerClosed. Serve may be called for several
// listeners at once; Shutdown and Close close them.
func (s *Server) Serve(l net.Listener) error {
	if !s.trackListener(l) {
		return ErrServerClosed
	}
	defer s.untrackListener(l)
	var delay time.Duration
	for {
		conn, err := l.Accept()
		if err != nil {
			if s.closing.Load() {
				return ErrServerClosed
			}
			if !isTemporary(err) {
				return err
			}
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-s.done:
				t.Stop()
				return ErrServerClosed
			}
			continue
		}
		delay = 0
		sc := newServerConn(s, conn)
		if !s.trackConn(sc) {
			conn.Close()
			return ErrServerClosed
		}
		s.stats.accepted.Add(1)
		go sc.serve()
	}
}

func isTemporary(err error) bool {
	if errors.Is(err, net.ErrClosed) {
		return false
	}
	var t interface{ Temporary() bool }
	var to interface{ Timeout() bool }
	return (errors.As(err, &t) && t.Temporary()) || (errors.As(err, &to) && to.Timeout())
}

// Shutdown stops the server gracefully: it closes the listeners, stops
// reading new requests, waits for running handlers to send their responses
// and then closes the connections. If ctx ends first, the remaining
// connections are closed (canceling their handlers' contexts) and ctx.Err()
// is returned.
func (s *Server) Shutdown(ctx context.Context) error {
	s.beginClose()
	s.mu.Lock()
	for sc := range s.conns {
		sc.stop()
	}
	s.mu.Unlock()
	wait := time.Millisecond
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		if s.activeConns() == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			s.closeConns()
			return ctx.Err()
		case <-t.C:
			wait = min(2*wait, 50*time.Millisecond)
			t.Reset(wait)
		}
	}
}

// Close closes the listeners and all connections at once, canceling the
// contexts of running handlers. It does not wait; call Shutdown afterwards
// to wait for the connections to wind down.
func (s *Server) Close() error {
	s.beginClose()
	s.closeConns()
	return nil
}

func (s *Server) beginClose() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closing.Swap(true) {
		close(s.done)
	}
	for l := range s.listeners {
		l.Close()
	}
}

func (s *Server) closeConns() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for sc := range s.conns {
		sc.stop()
		sc.close()
	}
}

func (s *Server) trackListener(l net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() {
		return false
	}
	s.listeners[l] = struct{}{}
	return true
}

func (s *Server) untrackListener(l net.Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.listeners, l)
}

func (s *Server) trackConn(sc *serverConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() {
		return false
	}
	s.conns[sc] = struct{}{}
	return true
}

func (s *Server) untrackConn(sc *serverConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, sc)
}

func (s *Server) activeConns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Stats returns a snapshot of the server's counters.
func (s *Server) Stats() ServerStats {
	return ServerStats{
		Accepted:    s.stats.accepted.Load(),
		Active:      s.activeConns(),
		Requests:    s.stats.requests.Load(),
		Heartbeats:  s.stats.heartbeats.Load(),
		Errors:      s.stats.errors.Load(),
		Panics:      s.stats.panics.Load(),
		FrameErrors: s.stats.frameErrors.Load(),
	}
}
