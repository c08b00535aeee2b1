package bolt

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"
)

// TestHeartbeatKeepsIdleConnectionOpen: a server closing connections idle
// for 1s keeps one whose client heartbeats every 200ms, and closes one
// whose client does not. The margins hold on a loaded machine.
func TestHeartbeatKeepsIdleConnectionOpen(t *testing.T) {
	errs := make(chan error, 4)
	srv, addr := startServer(t, HandlerFunc(echo), WithIdleTimeout(time.Second),
		WithErrorHandler(func(_ Peer, err error) { errs <- err }))
	live := dial(t, addr, WithHeartbeat(200*time.Millisecond, 5))
	silent := dial(t, addr, WithHeartbeat(0, 0))

	select {
	case <-silent.Done():
	case <-time.After(testTimeout):
		t.Fatal("idle connection without heartbeats was not closed")
	}
	if !errors.Is(silent.Err(), ErrClosed) {
		t.Fatalf("silent client: %v", silent.Err())
	}
	if err := <-errs; !errors.Is(err, ErrIdleTimeout) {
		t.Fatalf("server reported %v, want ErrIdleTimeout", err)
	}
	// Stay idle (no calls) for more than two idle timeouts.
	time.Sleep(2500 * time.Millisecond)
	if err := live.Err(); err != nil {
		t.Fatalf("heartbeating client closed: %v", err)
	}
	if resp, err := live.Call(bg(t), &Request{Content: []byte("still here")}); err != nil || string(resp.Content) != "still here" {
		t.Fatalf("call after idle period: %v", err)
	}
	st := live.Stats()
	if st.HeartbeatsSent == 0 || st.HeartbeatAcks == 0 {
		t.Fatalf("client stats %+v", st)
	}
	if ss := srv.Stats(); ss.Heartbeats == 0 || ss.Active != 1 {
		t.Fatalf("server stats %+v", ss)
	}
}

// TestHeartbeatWireFormat sends the D1 frame and expects exactly D2.
func TestHeartbeatWireFormat(t *testing.T) {
	_, addr := startServer(t, HandlerFunc(echo))
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	d1, _ := hex.DecodeString("01010000010000000101ffffffff0000000000000000")
	d2, _ := hex.DecodeString("0100000001000000010100000000000000000000")
	conn.SetDeadline(time.Now().Add(testTimeout))
	conn.Write(d1)
	got := make([]byte, len(d2))
	if _, err := io.ReadFull(conn, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, d2) {
		t.Fatalf("ack %x, want %x", got, d2)
	}
}

// TestV2RequestAnsweredInV2: a Bolt v2 request with CRC gets a v2 response
// with CRC.
func TestV2RequestAnsweredInV2(t *testing.T) {
	_, addr := startServer(t, HandlerFunc(echo))
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(testTimeout))
	p := Protocol{Code: ProtoV2, Version: 2, Switch: 1}
	b, _ := AppendRequest(nil, &Request{Proto: p, ID: 42, Version: 1, Codec: CodecHessian2, Method: "m", Content: []byte("v2")})
	conn.Write(b)
	f, err := NewDecoder(conn).Decode()
	if err != nil {
		t.Fatal(err)
	}
	r := f.(*Response)
	if r.Proto != p || r.ID != 42 || r.Codec != CodecHessian2 || string(r.Content) != "v2" {
		t.Fatalf("response %+v", r)
	}
}

func TestHandlerErrorsAndPanics(t *testing.T) {
	srv, addr := startServer(t, HandlerFunc(func(ctx context.Context, req *Request) (*Response, error) {
		switch req.Method {
		case "panic":
			panic("boom")
		case "err":
			return nil, errors.New("bad input")
		case "busy":
			return nil, &StatusError{Status: StatusServerThreadpoolBusy, Message: "too busy"}
		case "slow":
			ctx2, cancel := context.WithTimeout(ctx, 5*time.Millisecond)
			defer cancel()
			<-ctx2.Done()
			return nil, ctx2.Err()
		case "deadline":
			d, ok := ctx.Deadline()
			if !ok {
				return nil, errors.New("no deadline")
			}
			return &Response{Content: []byte(strconv.Itoa(int(time.Until(d) / time.Millisecond)))}, nil
		case "nil":
			return nil, nil
		}
		return echo(ctx, req)
	}))
	c := dial(t, addr)
	for _, tc := range []struct {
		method string
		status Status
		msg    string
	}{
		// Business errors and panics: SUCCESS, marked as SOFARPC marks them.
		{"panic", StatusSuccess, "bolt: handler panic: boom"},
		{"err", StatusSuccess, "bad input"},
		{"busy", StatusServerThreadpoolBusy, "too busy"},
		{"slow", StatusTimeout, "context deadline exceeded"},
		{"panic", StatusSuccess, "bolt: handler panic: boom"},
	} {
		resp, err := c.Call(bg(t), &Request{Method: tc.method})
		var se *StatusError
		var re *RemoteError
		switch {
		case tc.status == StatusSuccess:
			if !errors.As(err, &re) || !re.Business || re.Message != tc.msg || resp == nil || re.Response != resp || resp.Status != StatusSuccess {
				t.Errorf("%s: resp %+v, err %v; want a business error %q", tc.method, resp, err, tc.msg)
			}
		case !errors.As(err, &se) || se.Status != tc.status || se.Message != tc.msg || resp == nil || resp.Status != tc.status || se.Response != resp:
			t.Errorf("%s: resp %+v, err %v; want status %v %q", tc.method, resp, err, tc.status, tc.msg)
		}
	}
	resp, err := c.Call(bg(t), &Request{Method: "deadline", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if ms, _ := strconv.Atoi(string(resp.Content)); ms <= 0 || ms > 2000 {
		t.Fatalf("handler deadline %dms from now, want within the 2s request timeout", ms)
	}
	if resp, err := c.Call(bg(t), &Request{Method: "nil"}); err != nil || resp.Status != StatusSuccess || resp.Content != nil {
		t.Fatalf("nil response: %+v %v", resp, err)
	}
	if resp, err := c.Call(bg(t), &Request{Method: "ok", Content: []byte("alive")}); err != nil || string(resp.Content) != "alive" {
		t.Fatalf("after panics: %v", err)
	}
	if st := srv.Stats(); st.Panics != 2 || st.Errors != 5 || st.Accepted != 1 {
		t.Fatalf("server stats %+v", st)
	}
}

// TestMalformedFramesCloseOnlyThatConnection sends each malformed frame on
// its own connection while a good client keeps calling.
func TestMalformedFramesCloseOnlyThatConnection(t *testing.T) {
	errs := make(chan error, 1)
	srv, addr := startServer(t, HandlerFunc(echo), WithMaxFrameSize(1<<20),
		WithErrorHandler(func(_ Peer, err error) { errs <- err }))
	good := dial(t, addr)
	cases := malformed()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(testTimeout))
			conn.Write(tc.b)
			if tc.err == ErrTruncated {
				conn.(*net.TCPConn).CloseWrite()
			}
			// The server closes the connection: EOF, or a reset if it
			// left bytes unread.
			if _, err := io.Copy(io.Discard, conn); errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatal("server did not close the connection")
			}
			if err := <-errs; !errors.Is(err, tc.err) {
				t.Fatalf("server reported %v, want %v", err, tc.err)
			}
			if resp, err := good.Call(bg(t), &Request{Content: []byte(tc.name)}); err != nil || string(resp.Content) != tc.name {
				t.Fatalf("good connection broken: %v", err)
			}
		})
	}
	if st := srv.Stats(); st.FrameErrors != uint64(len(cases)-1) { // truncation is not a frame error
		t.Fatalf("server stats %+v", st)
	}
}

// TestInterceptors checks ordering, header injection, peers and sizes.
func TestInterceptors(t *testing.T) {
	var mu sync.Mutex
	var order []string
	var cliPeer, srvPeer Peer
	var cliReqSize, cliRespSize, srvReqSize, srvRespSize int
	var srvTrace string
	log := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }
	srvIC := func(name string) ServerInterceptor {
		return func(ctx context.Context, req *Request, next Invoker) (*Response, error) {
			log(name + ">")
			if name == "s1" {
				srvPeer, _ = PeerFromContext(ctx)
				srvTrace = req.Header.Get("rpc_trace_context.sofaTraceId")
				srvReqSize = req.Size()
			}
			resp, err := next(ctx, req)
			if name == "s1" && resp != nil {
				srvRespSize = resp.Size()
			}
			log(name + "<")
			return resp, err
		}
	}
	cliIC := func(name string) ClientInterceptor {
		return func(ctx context.Context, req *Request, invoke Invoker) (*Response, error) {
			log(name + ">")
			if name == "c1" {
				cliPeer, _ = PeerFromContext(ctx)
				req.Header.Set("rpc_trace_context.sofaTraceId", "0ba616a11523251819114100218738")
			}
			resp, err := invoke(ctx, req)
			if name == "c1" {
				cliReqSize, cliRespSize = req.Size(), resp.Size()
			}
			log(name + "<")
			return resp, err
		}
	}
	_, addr := startServer(t, HandlerFunc(func(ctx context.Context, req *Request) (*Response, error) {
		log("handler")
		if _, ok := PeerFromContext(ctx); !ok {
			t.Error("no peer in handler context")
		}
		return echo(ctx, req)
	}), WithServerInterceptor(srvIC("s1")), WithServerInterceptor(srvIC("s2")))
	c := dial(t, addr, WithClientInterceptor(cliIC("c1"), cliIC("c2")))
	if _, err := c.Call(bg(t), &Request{Service: "svc", Method: "m", Content: []byte("1234567890")}); err != nil {
		t.Fatal(err)
	}
	want := []string{"c1>", "c2>", "s1>", "s2>", "handler", "s2<", "s1<", "c2<", "c1<"}
	if len(order) != len(want) {
		t.Fatalf("order %v", order)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("order %v, want %v", order, want)
		}
	}
	if srvTrace != "0ba616a11523251819114100218738" {
		t.Fatalf("injected header not seen by the server: %q", srvTrace)
	}
	if cliPeer.RemoteAddr.String() != addr || srvPeer.RemoteAddr.String() != c.LocalAddr().String() ||
		srvPeer.LocalAddr.String() != addr || cliPeer.LocalAddr.String() != c.LocalAddr().String() {
		t.Fatalf("peers: client %v, server %v", cliPeer, srvPeer)
	}
	if cliReqSize == 0 || cliReqSize != srvReqSize || cliRespSize == 0 || cliRespSize != srvRespSize {
		t.Fatalf("sizes: client req %d resp %d, server req %d resp %d", cliReqSize, cliRespSize, srvReqSize, srvRespSize)
	}
	if _, ok := PeerFromContext(context.Background()); ok {
		t.Fatal("peer in a bare context")
	}
}

// TestInterceptorPanic: a panicking server interceptor is recovered too.
func TestInterceptorPanic(t *testing.T) {
	_, addr := startServer(t, HandlerFunc(echo), WithServerInterceptor(
		func(ctx context.Context, req *Request, next Invoker) (*Response, error) {
			if req.Method == "boom" {
				panic("interceptor")
			}
			return next(ctx, req)
		}))
	c := dial(t, addr)
	var re *RemoteError
	if _, err := c.Call(bg(t), &Request{Method: "boom"}); !errors.As(err, &re) || !re.Business {
		t.Fatalf("err %v", err)
	}
	if _, err := c.Call(bg(t), &Request{}); err != nil {
		t.Fatal(err)
	}
}

// TestShutdownGraceful: Shutdown stops accepting, lets the running handler
// answer, then closes the connection.
func TestShutdownGraceful(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(HandlerFunc(func(ctx context.Context, req *Request) (*Response, error) {
		close(entered)
		<-release
		return echo(ctx, req)
	}))
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(l) }()
	c := dial(t, l.Addr().String())
	result := make(chan error, 1)
	go func() {
		resp, err := c.Call(bg(t), &Request{Content: []byte("in flight")})
		if err == nil && string(resp.Content) != "in flight" {
			err = errors.New("wrong content")
		}
		result <- err
	}()
	<-entered
	shutdown := make(chan error, 1)
	go func() { shutdown <- srv.Shutdown(bg(t)) }()
	if err := <-serveErr; !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve: %v", err)
	}
	if conn, err := net.Dial("tcp", l.Addr().String()); err == nil {
		conn.Close()
		t.Fatal("listener still accepting after Shutdown")
	}
	close(release)
	if err := <-result; err != nil {
		t.Fatalf("in-flight call: %v", err)
	}
	if err := <-shutdown; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	<-c.Done()
	if err := srv.Serve(l); !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve after Shutdown: %v", err)
	}
}

// TestShutdownDeadline: when handlers outlive the Shutdown context, their
// connections are closed and their contexts canceled.
func TestShutdownDeadline(t *testing.T) {
	entered := make(chan struct{})
	canceled := make(chan struct{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(HandlerFunc(func(ctx context.Context, req *Request) (*Response, error) {
		close(entered)
		<-ctx.Done()
		close(canceled)
		return nil, ctx.Err()
	}))
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(l) }()
	c := dial(t, l.Addr().String())
	result := make(chan error, 1)
	go func() {
		_, err := c.Call(bg(t), &Request{})
		result <- err
	}()
	<-entered
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v, want DeadlineExceeded", err)
	}
	<-canceled
	if err := <-result; !errors.Is(err, ErrClosed) {
		t.Fatalf("call: %v, want ErrClosed", err)
	}
	if err := srv.Shutdown(bg(t)); err != nil { // now waits for the rest
		t.Fatal(err)
	}
	<-serveErr
}

func TestNilHandler(t *testing.T) {
	_, addr := startServer(t, nil)
	c := dial(t, addr)
	var se *StatusError
	if _, err := c.Call(bg(t), &Request{}); !errors.As(err, &se) || se.Status != StatusNoProcessor {
		t.Fatalf("err %v", err)
	}
}
