package bolt

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Call sends req and waits for its response, through the client
// interceptors. The deadline is the earlier of ctx's deadline and
// req.Timeout (if positive); the time left is written into the frame's
// timeout field (-1, "none", without a deadline). If the context ends first
// Call returns an error wrapping ctx.Err(), and a response arriving later is
// dropped and counted in Stats().LateResponses. A oneway request returns
// (nil, nil) once written. A response with a non-success status is returned
// together with a *StatusError, a successful one that SOFARPC marks as an
// error (sofa_head_response_error) with a *RemoteError. When the connection closes, pending calls
// fail at once with an error wrapping ErrClosed. Call does not modify req,
// though interceptors may.
func (c *Client) Call(ctx context.Context, req *Request) (*Response, error) {
	if req == nil {
		return nil, errors.New("bolt: nil request")
	}
	if c.invoke == nil {
		return c.roundTrip(ctx, req)
	}
	return c.invoke(withPeer(ctx, &c.peer), req)
}

// roundTrip is the innermost Invoker of a Client.
func (c *Client) roundTrip(ctx context.Context, req *Request) (*Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	wire := *req
	wire.Heartbeat = false
	if wire.Version == 0 {
		wire.Version = 1
	}
	deadline, ok := ctx.Deadline()
	if req.Timeout > 0 {
		if d := time.Now().Add(req.Timeout); !ok || d.Before(deadline) {
			var cancel context.CancelFunc
			ctx, cancel = context.WithDeadline(ctx, d)
			defer cancel()
			deadline, ok = d, true
		}
	}
	wire.Timeout = -time.Millisecond
	if ok {
		if wire.Timeout = time.Until(deadline); wire.Timeout <= 0 {
			return nil, context.DeadlineExceeded
		}
	}
	rt := wire.routing()
	hl := rt.headerLen(wire.Header)
	if err := checkLens(wire.Proto, len(wire.Class), hl, len(wire.Content)); err != nil {
		return nil, err
	}
	size := v1RequestFixed + wire.Proto.extra() + len(wire.Class) + hl + len(wire.Content)
	if size > c.opts.maxFrame {
		return nil, fmt.Errorf("%w: request is %d bytes, max %d", ErrFrameTooLarge, size, c.opts.maxFrame)
	}
	encode := func(b []byte) []byte { return appendRequest(b, &wire, &rt) }

	if wire.Oneway {
		if err := c.closedErr(); err != nil {
			return nil, err
		}
		wire.ID = c.nextID.Add(1)
		if err := c.w.write(size, encode); err != nil {
			return nil, c.fail(err)
		}
		c.stats.calls.Add(1)
		c.stats.oneway.Add(1)
		return nil, nil
	}

	cl := callPool.Get().(*call)
	id, err := c.register(cl)
	if err != nil {
		callPool.Put(cl)
		return nil, err
	}
	wire.ID = id
	if err := c.w.write(size, encode); err != nil {
		c.fail(err) // fails every pending call, this one included
	} else {
		c.stats.calls.Add(1)
	}
	var res callResult
	select {
	case res = <-cl.ch:
	case <-ctx.Done():
		if c.unregister(id) {
			callPool.Put(cl)
			c.stats.timeouts.Add(1)
			return nil, fmt.Errorf("bolt: call %d to %s: %w", id, c.peer.RemoteAddr, ctx.Err())
		}
		res = <-cl.ch // the response (or close error) is being delivered
	}
	callPool.Put(cl)
	if res.err != nil {
		return nil, res.err
	}
	if res.resp.Status != StatusSuccess {
		return res.resp, &StatusError{Status: res.resp.Status, Message: printable(res.resp.Content), Response: res.resp}
	}
	if re := remoteError(res.resp); re != nil {
		return res.resp, re
	}
	return res.resp, nil
}

// Ping sends a heartbeat and waits for its ack.
func (c *Client) Ping(ctx context.Context) error {
	cl := callPool.Get().(*call)
	id, err := c.register(cl)
	if err != nil {
		callPool.Put(cl)
		return err
	}
	if err := c.sendHeartbeat(id); err != nil {
		c.fail(err)
	}
	select {
	case res := <-cl.ch:
		callPool.Put(cl)
		return res.err
	case <-ctx.Done():
		if c.unregister(id) {
			callPool.Put(cl)
			return ctx.Err()
		}
		res := <-cl.ch
		callPool.Put(cl)
		return res.err
	}
}

func (c *Client) sendHeartbeat(id uint32) error {
	hb := Request{ID: id, Heartbeat: true, Version: 1, Codec: CodecHessian2, Timeout: -time.Millisecond}
	var rt routing
	c.stats.hbSent.Add(1)
	return c.w.write(v1RequestFixed, func(b []byte) []byte { return appendRequest(b, &hb, &rt) })
}

func (c *Client) register(cl *call) (uint32, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	for {
		id := c.nextID.Add(1)
		if _, busy := c.pending[id]; !busy {
			c.pending[id] = cl
			return id, nil
		}
	}
}

// unregister removes a pending call and reports whether it was still
// pending; if not, its result has been or is being sent to its channel.
func (c *Client) unregister(id uint32) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.pending[id]; ok {
		delete(c.pending, id)
		return true
	}
	return false
}
