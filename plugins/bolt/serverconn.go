package bolt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// serverConn is one connection of a Server.
type serverConn struct {
	s        *Server
	conn     net.Conn
	w        *frameWriter
	peer     connPeer
	ctx      context.Context // parent of request contexts; carries the Peer
	cancel   context.CancelFunc
	handlers sync.WaitGroup

	mu        sync.Mutex // orders stop against read-deadline updates
	stopping  bool
	closeOnce sync.Once
}

var errStopping = errors.New("bolt: connection stopping")

func newServerConn(s *Server, conn net.Conn) *serverConn {
	sc := &serverConn{
		s:    s,
		conn: conn,
		w:    newFrameWriter(conn, s.opts.writeBuf),
		peer: newPeer(conn),
	}
	sc.ctx, sc.cancel = context.WithCancel(withPeer(context.Background(), &sc.peer))
	return sc
}

// Read reads from the connection, first pushing the idle deadline forward.
func (sc *serverConn) Read(p []byte) (int, error) {
	if idle := sc.s.opts.idleTimeout; idle > 0 {
		sc.mu.Lock()
		stopping := sc.stopping
		if !stopping {
			sc.conn.SetReadDeadline(time.Now().Add(idle))
		}
		sc.mu.Unlock()
		if stopping {
			return 0, errStopping
		}
	}
	return sc.conn.Read(p)
}

// serve reads requests until the connection ends, then waits for its
// handlers and closes it.
func (sc *serverConn) serve() {
	s := sc.s
	dec := newDecoder(sc, s.opts)
	var err error
	for {
		var f Frame
		if f, err = dec.Decode(); err != nil {
			break
		}
		req, ok := f.(*Request)
		if !ok {
			continue // a stray response: nothing waits for it
		}
		if req.Heartbeat {
			s.stats.heartbeats.Add(1)
		} else {
			s.stats.requests.Add(1)
		}
		if req.Heartbeat && req.Oneway {
			continue
		}
		sc.handlers.Add(1)
		go sc.handle(req)
	}
	if !sc.isStopping() && !errors.Is(err, io.EOF) {
		if isFrameError(err) {
			s.stats.frameErrors.Add(1)
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			err = fmt.Errorf("%w: nothing received for %v", ErrIdleTimeout, s.opts.idleTimeout)
		}
		if s.opts.onError != nil {
			s.opts.onError(sc.peer.Peer, err)
		}
	}
	if !sc.isStopping() {
		sc.close() // broken or malformed: no point in answering
	}
	sc.handlers.Wait()
	sc.close()
	s.untrackConn(sc)
}

func (sc *serverConn) isStopping() bool {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return sc.stopping
}

// stop makes the read loop return without closing the connection, so
// running handlers can still answer.
func (sc *serverConn) stop() {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.stopping = true
	sc.conn.SetReadDeadline(time.Unix(1, 0))
}

// close closes the connection and then cancels the handlers' contexts, so
// that nothing they return can still be written.
func (sc *serverConn) close() {
	sc.closeOnce.Do(func() {
		sc.conn.Close()
		sc.cancel()
	})
}

// handle answers one request (or heartbeat).
func (sc *serverConn) handle(req *Request) {
	defer sc.handlers.Done()
	if req.Heartbeat {
		sc.respond(req, &Response{Heartbeat: true, Codec: req.Codec})
		return
	}
	ctx := sc.ctx
	if req.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, req.Timeout)
		defer cancel()
	}
	resp, err := sc.s.call(ctx, req)
	if req.Oneway {
		return
	}
	if err != nil {
		sc.s.stats.errors.Add(1)
		resp = errorResponse(req.Codec, err)
	} else if resp == nil {
		resp = &Response{}
	}
	sc.respond(req, resp)
}

// respond writes resp as the answer to req, in req's protocol.
func (sc *serverConn) respond(req *Request, resp *Response) {
	wire := *resp
	wire.Proto, wire.ID, wire.Heartbeat = req.Proto, req.ID, req.Heartbeat
	if wire.Version == 0 {
		wire.Version = 1
	}
	if wire.Codec == 0 {
		wire.Codec = req.Codec
	}
	if err := checkLens(wire.Proto, len(wire.Class), wire.Header.EncodedLen(), len(wire.Content)); err != nil {
		wire = Response{Proto: req.Proto, ID: req.ID, Version: 1, Codec: req.Codec,
			Status: StatusServerSerialException, Content: []byte(err.Error())}
	}
	if err := sc.w.write(wire.Size(), func(b []byte) []byte { return appendResponse(b, &wire) }); err != nil {
		sc.close()
	}
}
