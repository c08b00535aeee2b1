package bolt

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"
)

// testTimeout bounds every wait in the network tests; nothing should come
// close to it.
const testTimeout = 30 * time.Second

func bg(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// startServer serves h on a fresh 127.0.0.1 port and shuts it down at the
// end of the test.
func startServer(t testing.TB, h Handler, opts ...Option) (*Server, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(h, opts...)
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-errc; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return s, l.Addr().String()
}

func dial(t testing.TB, addr string, opts ...Option) *Client {
	t.Helper()
	c, err := Dial(bg(t), addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// echo answers with the request's content and method.
func echo(_ context.Context, req *Request) (*Response, error) {
	return &Response{Class: ClassSofaResponse, Header: Header{{"method", req.Method}}, Content: req.Content}, nil
}

// rawServer accepts connections on 127.0.0.1 and runs fn for each; at the
// end of the test it closes the listener and connections and waits for fn.
func rawServer(t *testing.T, fn func(conn net.Conn, dec *Decoder)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				fn(conn, NewDecoder(conn))
			}()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return l.Addr().String()
}

// writeResponse encodes and writes a response on a raw connection.
func writeResponse(t *testing.T, conn net.Conn, resp *Response) {
	b, err := AppendResponse(nil, resp)
	if err != nil {
		t.Error(err)
		return
	}
	conn.Write(b)
}

// waitFor polls cond until it holds or testTimeout passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
