package bolt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"
)

func TestCallEcho(t *testing.T) {
	var gotReq *Request
	var hasDeadline bool
	_, addr := startServer(t, HandlerFunc(func(ctx context.Context, req *Request) (*Response, error) {
		gotReq = req
		_, hasDeadline = ctx.Deadline()
		return echo(ctx, req)
	}))
	c := dial(t, addr)
	req := &Request{Codec: CodecProtobuf, Class: ClassSofaRequest, Service: "svc:1.0", Method: "hello",
		Header: Header{{"app", "foo"}}, Content: []byte("payload")}
	resp, err := c.Call(bg(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Content) != "payload" || resp.Header.Get("method") != "hello" || resp.Codec != CodecProtobuf ||
		resp.Version != 1 || resp.Class != ClassSofaResponse {
		t.Fatalf("response %+v", resp)
	}
	if gotReq.Service != "svc:1.0" || gotReq.Header.Get(KeyTargetService) != "svc:1.0" || gotReq.Header.Get("app") != "foo" ||
		gotReq.Version != 1 || !hasDeadline || gotReq.Timeout <= 0 || gotReq.Timeout > testTimeout {
		t.Fatalf("server saw %+v (deadline %v)", gotReq, hasDeadline)
	}
	if req.ID != 0 || req.Timeout != 0 || len(req.Header) != 1 {
		t.Fatalf("Call modified the request: %+v", req)
	}
	if err := c.Ping(bg(t)); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

// TestConcurrentCalls multiplexes 10,000 concurrent calls on one connection.
func TestConcurrentCalls(t *testing.T) {
	srv, addr := startServer(t, HandlerFunc(echo))
	c := dial(t, addr)
	const n = 10000
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := make(chan struct{})
	// Generous: on a loaded machine with -race, 20,000 goroutines (callers
	// and handlers) share two cores. Correctness, not speed, is tested.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			body := strconv.Itoa(i)
			resp, err := c.Call(ctx, &Request{Method: "m" + body, Content: []byte(body)})
			switch {
			case err != nil:
				errs <- err
			case string(resp.Content) != body || resp.Header.Get("method") != "m"+body:
				errs <- fmt.Errorf("call %s got %q/%q", body, resp.Content, resp.Header.Get("method"))
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st := c.Stats()
	if st.Calls != n || st.Pending != 0 || st.LateResponses != 0 || st.Timeouts != 0 {
		t.Fatalf("client stats %+v", st)
	}
	if ss := srv.Stats(); ss.Accepted != 1 || ss.Requests != n {
		t.Fatalf("server stats %+v", ss)
	}
}

// TestOutOfOrderResponses: a peer that answers in reverse order.
func TestOutOfOrderResponses(t *testing.T) {
	const n = 50
	addr := rawServer(t, func(conn net.Conn, dec *Decoder) {
		var reqs []*Request
		for len(reqs) < n {
			f, err := dec.Decode()
			if err != nil {
				return
			}
			reqs = append(reqs, f.(*Request))
		}
		for i := n - 1; i >= 0; i-- {
			writeResponse(t, conn, &Response{ID: reqs[i].ID, Version: 1, Content: reqs[i].Content})
		}
		io.Copy(io.Discard, conn)
	})
	c := dial(t, addr)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := c.Call(bg(t), &Request{Content: []byte(strconv.Itoa(i))})
			if err != nil || string(resp.Content) != strconv.Itoa(i) {
				t.Errorf("call %d: %v %v", i, resp, err)
			}
		}()
	}
	wg.Wait()
}

// TestServerAnswersOutOfOrder: the first request's handler waits for the
// second one to finish, so the second response goes out first.
func TestServerAnswersOutOfOrder(t *testing.T) {
	secondDone := make(chan struct{})
	_, addr := startServer(t, HandlerFunc(func(ctx context.Context, req *Request) (*Response, error) {
		if req.Method == "first" {
			select {
			case <-secondDone:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		return echo(ctx, req)
	}))
	c := dial(t, addr)
	first := make(chan error, 1)
	go func() {
		resp, err := c.Call(bg(t), &Request{Method: "first", Content: []byte("1")})
		if err == nil && string(resp.Content) != "1" {
			err = fmt.Errorf("first got %q", resp.Content)
		}
		first <- err
	}()
	waitFor(t, "first call pending", func() bool { return c.Stats().Pending == 1 })
	resp, err := c.Call(bg(t), &Request{Method: "second", Content: []byte("2")})
	if err != nil || string(resp.Content) != "2" {
		t.Fatalf("second: %v %v", resp, err)
	}
	close(secondDone)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
}

// TestTimeoutThenLateResponse: the caller gives up, the response arrives
// later and is dropped and counted; the connection keeps working.
func TestTimeoutThenLateResponse(t *testing.T) {
	release := make(chan struct{})
	addr := rawServer(t, func(conn net.Conn, dec *Decoder) {
		f, err := dec.Decode()
		if err != nil {
			return
		}
		<-release
		writeResponse(t, conn, &Response{ID: f.FrameID(), Version: 1, Content: []byte("late")})
		for {
			f, err := dec.Decode()
			if err != nil {
				return
			}
			writeResponse(t, conn, &Response{ID: f.FrameID(), Version: 1, Content: []byte("on time")})
		}
	})
	c := dial(t, addr, WithHeartbeat(0, 0))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err := c.Call(ctx, &Request{Content: []byte("x")})
	close(release)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
	waitFor(t, "late response counted", func() bool { return c.Stats().LateResponses == 1 })
	resp, err := c.Call(bg(t), &Request{})
	if err != nil || string(resp.Content) != "on time" {
		t.Fatalf("next call: %v %v", resp, err)
	}
	if st := c.Stats(); st.Timeouts != 1 || st.Pending != 0 || st.LateResponses != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// TestTimeoutField checks the timeout written into the frame.
func TestTimeoutField(t *testing.T) {
	addr := rawServer(t, func(conn net.Conn, dec *Decoder) {
		for {
			f, err := dec.Decode()
			if err != nil {
				return
			}
			ms := strconv.Itoa(int(f.(*Request).Timeout / time.Millisecond))
			writeResponse(t, conn, &Response{ID: f.FrameID(), Version: 1, Content: []byte(ms)})
		}
	})
	c := dial(t, addr)
	call := func(ctx context.Context, req *Request) int {
		resp, err := c.Call(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := strconv.Atoi(string(resp.Content))
		return n
	}
	if got := call(context.Background(), &Request{}); got != -1 {
		t.Errorf("no deadline: timeout field %d, want -1", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if got := call(ctx, &Request{}); got <= 0 || got > 5000 {
		t.Errorf("5s deadline: timeout field %d", got)
	}
	if got := call(ctx, &Request{Timeout: 300 * time.Millisecond}); got <= 0 || got > 300 {
		t.Errorf("Timeout 300ms: timeout field %d", got)
	}
	if got := call(context.Background(), &Request{Timeout: 300 * time.Millisecond}); got <= 0 || got > 300 {
		t.Errorf("Timeout 300ms, no deadline: timeout field %d", got)
	}
}

// TestServerKilledMidCall: pending calls fail at once with ErrClosed.
func TestServerKilledMidCall(t *testing.T) {
	const n = 20
	var entered sync.WaitGroup
	entered.Add(n)
	srv, addr := startServer(t, HandlerFunc(func(ctx context.Context, req *Request) (*Response, error) {
		entered.Done()
		<-ctx.Done()
		return nil, ctx.Err()
	}))
	c := dial(t, addr)
	results := make(chan error, n)
	for range n {
		go func() {
			_, err := c.Call(bg(t), &Request{})
			results <- err
		}()
	}
	entered.Wait()
	srv.Close()
	for range n {
		err := <-results
		if !errors.Is(err, ErrClosed) || errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("pending call: %v, want ErrClosed", err)
		}
	}
	<-c.Done()
	if _, err := c.Call(bg(t), &Request{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("call after close: %v", err)
	}
}

// TestPeerResetMidCall: the peer resets the connection while calls wait.
func TestPeerResetMidCall(t *testing.T) {
	addr := rawServer(t, func(conn net.Conn, dec *Decoder) {
		for range 3 {
			if _, err := dec.Decode(); err != nil {
				return
			}
		}
		conn.(*net.TCPConn).SetLinger(0) // RST instead of FIN
		conn.Close()
	})
	var reported []error
	var mu sync.Mutex
	c := dial(t, addr, WithErrorHandler(func(_ Peer, err error) { mu.Lock(); reported = append(reported, err); mu.Unlock() }))
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Call(bg(t), &Request{}); !errors.Is(err, ErrClosed) {
				t.Errorf("pending call: %v, want ErrClosed", err)
			}
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(reported) > 1 {
		t.Fatalf("error handler called %d times", len(reported))
	}
}

// TestClientRejectsMalformedResponse: garbage from the server fails the
// pending call with a clear error and closes the connection.
func TestClientRejectsMalformedResponse(t *testing.T) {
	addr := rawServer(t, func(conn net.Conn, dec *Decoder) {
		if _, err := dec.Decode(); err != nil {
			return
		}
		conn.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
		io.Copy(io.Discard, conn)
	})
	reported := make(chan error, 1)
	c := dial(t, addr, WithErrorHandler(func(_ Peer, err error) { reported <- err }))
	_, err := c.Call(bg(t), &Request{})
	if !errors.Is(err, ErrClosed) || !errors.Is(err, ErrUnknownProtocol) {
		t.Fatalf("err = %v, want ErrClosed wrapping ErrUnknownProtocol", err)
	}
	if err := <-reported; !errors.Is(err, ErrUnknownProtocol) {
		t.Fatalf("reported %v", err)
	}
}

func TestClientClose(t *testing.T) {
	addr := rawServer(t, func(conn net.Conn, dec *Decoder) { io.Copy(io.Discard, conn) })
	c := dial(t, addr)
	errc := make(chan error, 1)
	go func() {
		_, err := c.Call(bg(t), &Request{})
		errc <- err
	}()
	waitFor(t, "call pending", func() bool { return c.Stats().Pending == 1 })
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Fatalf("pending call: %v", err)
	}
	if _, err := c.Call(bg(t), &Request{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("call after Close: %v", err)
	}
	if _, err := c.Call(bg(t), &Request{Oneway: true}); !errors.Is(err, ErrClosed) {
		t.Fatalf("oneway after Close: %v", err)
	}
	if err := c.Ping(bg(t)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Ping after Close: %v", err)
	}
	c.Close() // idempotent
	if !errors.Is(c.Err(), ErrClosed) {
		t.Fatal(c.Err())
	}
}

func TestClientFrameLimit(t *testing.T) {
	_, addr := startServer(t, HandlerFunc(echo))
	c := dial(t, addr, WithMaxFrameSize(1024))
	if _, err := c.Call(bg(t), &Request{Content: make([]byte, 2048)}); !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("err = %v, want ErrFrameTooLarge", err)
	}
	if _, err := c.Call(bg(t), &Request{Class: string(make([]byte, 40000))}); !errors.Is(err, ErrBadLength) {
		t.Fatalf("err = %v, want ErrBadLength", err)
	}
	if _, err := c.Call(bg(t), &Request{Content: []byte("ok")}); err != nil {
		t.Fatalf("connection should still work: %v", err)
	}
	// A large frame (bigger than the write buffer) goes through too.
	c2 := dial(t, addr, WithWriteBufferSize(512))
	big := make([]byte, 100<<10)
	if resp, err := c2.Call(bg(t), &Request{Content: big}); err != nil || len(resp.Content) != len(big) {
		t.Fatalf("big call: %v", err)
	}
}

func TestDialError(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	if _, err := Dial(bg(t), addr); err == nil {
		t.Fatal("Dial to a closed port succeeded")
	}
}

// TestHeartbeatMissesCloseConnection: a peer that never answers heartbeats
// gets its connection closed after maxMisses.
func TestHeartbeatMissesCloseConnection(t *testing.T) {
	addr := rawServer(t, func(conn net.Conn, dec *Decoder) { io.Copy(io.Discard, conn) })
	c := dial(t, addr, WithHeartbeat(10*time.Millisecond, 2))
	_, err := c.Call(bg(t), &Request{})
	if !errors.Is(err, ErrClosed) || !errors.Is(err, ErrHeartbeatTimeout) {
		t.Fatalf("pending call: %v, want ErrHeartbeatTimeout", err)
	}
	if st := c.Stats(); st.HeartbeatsSent < 2 || st.HeartbeatAcks != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestOneway(t *testing.T) {
	got := make(chan *Request, 1)
	_, addr := startServer(t, HandlerFunc(func(ctx context.Context, req *Request) (*Response, error) {
		if req.Oneway {
			got <- req
		}
		return echo(ctx, req)
	}))
	c := dial(t, addr)
	resp, err := c.Call(bg(t), &Request{Oneway: true, Content: []byte("fire")})
	if resp != nil || err != nil {
		t.Fatalf("oneway returned %v, %v", resp, err)
	}
	if r := <-got; string(r.Content) != "fire" {
		t.Fatalf("server got %+v", r)
	}
	if _, err := c.Call(bg(t), &Request{}); err != nil {
		t.Fatal(err)
	}
	if st := c.Stats(); st.Oneway != 1 || st.Calls != 2 || st.LateResponses != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestClientAnswersServerRequests: heartbeats from the server are acked and
// RPC requests refused with NO_PROCESSOR.
func TestClientAnswersServerRequests(t *testing.T) {
	got := make(chan *Response, 2)
	addr := rawServer(t, func(conn net.Conn, dec *Decoder) {
		for _, r := range []*Request{{ID: 5, Heartbeat: true, Version: 1}, {ID: 6, Version: 1}, {ID: 7, Oneway: true}} {
			b, _ := AppendRequest(nil, r)
			conn.Write(b)
		}
		for range 2 {
			f, err := dec.Decode()
			if err != nil {
				return
			}
			got <- f.(*Response)
		}
		io.Copy(io.Discard, conn)
	})
	dial(t, addr)
	for range 2 {
		r := <-got
		switch r.ID {
		case 5:
			if !r.Heartbeat || r.Status != StatusSuccess {
				t.Errorf("heartbeat ack %+v", r)
			}
		case 6:
			if r.Heartbeat || r.Status != StatusNoProcessor {
				t.Errorf("rpc answer %+v", r)
			}
		default:
			t.Errorf("unexpected answer %+v", r)
		}
	}
}
