package bolt

import (
	"context"
	"net"
	"strconv"
)

// Invoker performs a call: on the client it sends the request and waits for
// the response; on the server it runs the handler.
type Invoker func(ctx context.Context, req *Request) (*Response, error)

// ClientInterceptor wraps every Client.Call. It may edit req (for example
// inject trace keys into req.Header) before calling invoke, and inspect the
// response or error afterwards. PeerFromContext(ctx) gives the connection's
// addresses. For oneway requests invoke returns a nil response.
type ClientInterceptor func(ctx context.Context, req *Request, invoke Invoker) (*Response, error)

// ServerInterceptor wraps the Handler for every request a Server receives
// (heartbeats excluded). PeerFromContext(ctx) gives the connection's
// addresses. A handler panic reaches it as a *PanicError.
type ServerInterceptor func(ctx context.Context, req *Request, next Invoker) (*Response, error)

// Handler serves Bolt requests. The context is canceled when the request's
// timeout (if any) expires or its connection closes. For oneway requests the
// response is discarded. Returning an error sends a response whose status is
// StatusFromError(err) and whose content is the error text.
type Handler interface {
	ServeBolt(ctx context.Context, req *Request) (*Response, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, req *Request) (*Response, error)

// ServeBolt calls f.
func (f HandlerFunc) ServeBolt(ctx context.Context, req *Request) (*Response, error) {
	return f(ctx, req)
}

// Peer describes the connection a call travels on.
type Peer struct {
	// LocalAddr is this side's address.
	LocalAddr net.Addr
	// RemoteAddr is the other side's address (ip:port).
	RemoteAddr net.Addr
	// Local and Remote are the addresses as "ip:port" text, made once per
	// connection.
	Local, Remote string
}

// addrText is a TCP address as ip:port.
func addrText(a net.Addr) string {
	if a == nil {
		return ""
	}
	if t, ok := a.(*net.TCPAddr); ok {
		return net.JoinHostPort(t.IP.String(), strconv.Itoa(t.Port))
	}
	return a.String()
}

// connPeer is what a connection stores in the contexts of its calls: its
// Peer, and the span tag values made from it, boxed once per connection.
type connPeer struct {
	Peer
	remoteIP           any // Remote
	localIP, localPort any // the parts of Local; nil unless it is host:port
}

func newPeer(conn net.Conn) connPeer {
	l, r := conn.LocalAddr(), conn.RemoteAddr()
	p := connPeer{Peer: Peer{LocalAddr: l, RemoteAddr: r, Local: addrText(l), Remote: addrText(r)}}
	p.remoteIP = p.Remote
	if ip, port, err := net.SplitHostPort(p.Local); err == nil {
		p.localIP, p.localPort = ip, port
	}
	return p
}

type peerKey struct{}

// PeerFromContext returns the connection addresses stored in ctx by a Client
// (for its interceptors) or a Server (for interceptors and handlers).
func PeerFromContext(ctx context.Context) (Peer, bool) {
	if p := connPeerFrom(ctx); p != nil {
		return p.Peer, true
	}
	return Peer{}, false
}

func connPeerFrom(ctx context.Context) *connPeer {
	p, _ := ctx.Value(peerKey{}).(*connPeer)
	return p
}

func withPeer(ctx context.Context, p *connPeer) context.Context {
	return context.WithValue(ctx, peerKey{}, p)
}

func chainClient(ics []ClientInterceptor, final Invoker) Invoker {
	inv := final
	for i := len(ics) - 1; i >= 0; i-- {
		ic, next := ics[i], inv
		inv = func(ctx context.Context, req *Request) (*Response, error) { return ic(ctx, req, next) }
	}
	return inv
}

func chainServer(ics []ServerInterceptor, final Invoker) Invoker {
	inv := final
	for i := len(ics) - 1; i >= 0; i-- {
		ic, next := ics[i], inv
		inv = func(ctx context.Context, req *Request) (*Response, error) { return ic(ctx, req, next) }
	}
	return inv
}
