package bolt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// Client is a Bolt connection that multiplexes concurrent calls, matching
// responses to callers by request id. It is safe for concurrent use.
type Client struct {
	conn   net.Conn
	opts   *options
	w      *frameWriter
	invoke Invoker // interceptor chain; nil without interceptors
	peer   connPeer

	nextID atomic.Uint32
	reads  atomic.Uint64 // frames received, for idle detection

	mu      sync.Mutex
	pending map[uint32]*call
	err     error // why the client closed; nil while open

	done chan struct{}
	wg   sync.WaitGroup

	stats clientCounters
}

type call struct{ ch chan callResult }

type callResult struct {
	resp *Response
	err  error
}

var callPool = sync.Pool{New: func() any { return &call{ch: make(chan callResult, 1)} }}

// Dial connects to addr over TCP and returns a Client for the connection.
func Dial(ctx context.Context, addr string, opts ...Option) (*Client, error) {
	o := newOptions(opts)
	dial := o.dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	conn, err := dial(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("bolt: dial %s: %w", addr, err)
	}
	return newClient(conn, o), nil
}

// NewClient returns a Client that uses an established connection, which it
// then owns.
func NewClient(conn net.Conn, opts ...Option) *Client {
	return newClient(conn, newOptions(opts))
}

func newClient(conn net.Conn, o *options) *Client {
	c := &Client{
		conn:    conn,
		opts:    o,
		w:       newFrameWriter(conn, o.writeBuf),
		peer:    newPeer(conn),
		pending: make(map[uint32]*call),
		done:    make(chan struct{}),
	}
	if len(o.clientICs) > 0 {
		c.invoke = chainClient(o.clientICs, c.roundTrip)
	}
	c.wg.Add(1)
	go c.readLoop()
	if o.hbInterval > 0 {
		c.wg.Add(1)
		go c.heartbeatLoop(o.hbInterval, o.hbMisses)
	}
	return c
}

func (c *Client) closedErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// readLoop decodes frames and hands responses to their callers.
func (c *Client) readLoop() {
	defer c.wg.Done()
	dec := newDecoder(c.conn, c.opts)
	for {
		f, err := dec.Decode()
		if err != nil {
			c.fail(err)
			return
		}
		c.reads.Add(1)
		switch f := f.(type) {
		case *Response:
			c.deliver(f)
		case *Request:
			c.answer(f)
		}
	}
}

func (c *Client) deliver(resp *Response) {
	c.mu.Lock()
	cl := c.pending[resp.ID]
	if cl != nil {
		delete(c.pending, resp.ID)
	}
	c.mu.Unlock()
	if resp.Heartbeat {
		c.stats.hbAcks.Add(1)
	}
	if cl == nil {
		if !resp.Heartbeat {
			c.stats.late.Add(1)
		}
		return
	}
	cl.ch <- callResult{resp: resp}
}

// answer replies to requests the server sends: heartbeats are acked, RPC
// requests get StatusNoProcessor, oneway ones nothing.
func (c *Client) answer(req *Request) {
	if req.Oneway {
		return
	}
	resp := &Response{Proto: req.Proto, ID: req.ID, Heartbeat: req.Heartbeat, Version: 1, Codec: req.Codec}
	if !req.Heartbeat {
		resp.Status = StatusNoProcessor
	}
	c.wg.Add(1) // the read loop holds a count, so Close's Wait cannot race
	go func() {
		defer c.wg.Done()
		if err := c.w.write(resp.Size(), func(b []byte) []byte { return appendResponse(b, resp) }); err != nil {
			c.fail(err)
		}
	}()
}

// fail closes the client because of a connection error and returns the
// error pending calls get.
func (c *Client) fail(cause error) error {
	err := fmt.Errorf("%w: %w", ErrClosed, cause)
	if c.shutdown(err) {
		if c.opts.onError != nil && !errors.Is(cause, io.EOF) {
			c.opts.onError(c.peer.Peer, cause)
		}
		return err
	}
	return c.closedErr()
}

// shutdown closes the connection once and fails all pending calls with err.
func (c *Client) shutdown(err error) bool {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return false
	}
	c.err = err
	pending := c.pending
	c.pending = nil
	close(c.done)
	c.mu.Unlock()
	c.conn.Close()
	for _, cl := range pending {
		cl.ch <- callResult{err: err}
	}
	return true
}

// Close closes the connection, fails pending calls with ErrClosed and waits
// for the client's goroutines to exit. It is safe to call more than once.
func (c *Client) Close() error {
	c.shutdown(ErrClosed)
	c.wg.Wait()
	return nil
}

// Done returns a channel that is closed when the client closes, by Close or
// because the connection failed.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err returns nil while the client is open, then the reason it closed
// (an error wrapping ErrClosed).
func (c *Client) Err() error { return c.closedErr() }

// LocalAddr returns the local address of the connection.
func (c *Client) LocalAddr() net.Addr { return c.peer.LocalAddr }

// RemoteAddr returns the remote address of the connection.
func (c *Client) RemoteAddr() net.Addr { return c.peer.RemoteAddr }
