package grpctrace

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"

	"github.com/opentracing/opentracing-go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/sofatracer/sofatracer-go/plugins/internal/pluginutil"
	"github.com/sofatracer/sofatracer-go/propagation"
	"github.com/sofatracer/sofatracer-go/span"
)

// Component and Protocol are the component and protocol tags of the spans
// of this package.
const (
	Component = "grpc"
	Protocol  = "grpc"
)

// invoke.type values.
const (
	invokeSync   = "sync"
	invokeStream = "stream"
)

// UnaryClientInterceptor traces unary calls with client spans.
func UnaryClientInterceptor(tr opentracing.Tracer, opts ...Option) grpc.UnaryClientInterceptor {
	o := newOptions(opts)
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, callOpts ...grpc.CallOption) error {
		if !o.traced(ctx, method) {
			return invoker(ctx, method, req, reply, cc, callOpts...)
		}
		c := new(clientCall)
		// The span's tags are set once, when it ends: one lock, the
		// method's constant tags shared, not copied (span.TagBlock).
		var buf [9]span.Tag
		sp, ctx := startClient(ctx, tr, method, invokeSync, o.operation(method))
		// A copy: never append into the caller's array.
		callOpts = append(append(c.opts[:0], callOpts...), grpc.Peer(&c.p))
		err := invoker(ctx, method, req, reply, cc, callOpts...)
		tags := appendPeerTags(buf[:0], &c.p, cc)
		if o.sizes {
			if n, ok := size(req); ok {
				tags = append(tags, span.Tag{Key: span.TagReqSize, Value: n})
			}
			if n, ok := size(reply); ok && err == nil {
				tags = append(tags, span.Tag{Key: span.TagRespSize, Value: n})
			}
		}
		blocks := o.unaryClientBlocks(method)
		block := blocks.ok // with result.code 00
		if err != nil {
			block, tags = blocks.base, appendResult(tags, outcome(ctx, err, false), err)
		}
		pluginutil.SetTagBlock(sp, block, tags...)
		sp.Finish()
		return err
	}
}

// clientCall is the per-call state of a unary call, in one allocation.
type clientCall struct {
	p    peer.Peer
	opts [4]grpc.CallOption // the call options' first backing array
}

// StreamClientInterceptor traces streaming calls with client spans that
// cover the whole stream (see the package documentation for when they
// end).
func StreamClientInterceptor(tr opentracing.Tracer, opts ...Option) grpc.StreamClientInterceptor {
	o := newOptions(opts)
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, callOpts ...grpc.CallOption) (grpc.ClientStream, error) {
		if !o.traced(ctx, method) {
			return streamer(ctx, desc, cc, method, callOpts...)
		}
		var buf [7]span.Tag
		sp, ctx := startClient(ctx, tr, method, invokeStream, o.operation(method))
		pluginutil.SetTags(sp, o.methodTags(method).tags(buf[:0], span.KindClient, invokeStream, "grpc-client")...)
		cs, err := streamer(ctx, desc, cc, method, callOpts...)
		if err != nil {
			var buf [4]span.Tag
			finish(ctx, sp, err, false, appendPeerTags(buf[:0], nil, cc))
			return nil, err
		}
		s := &clientStream{ClientStream: cs, ctx: ctx, desc: desc, cc: cc, sp: sp, sizes: o.sizes}
		// Ends the span if the caller gives up on the stream without
		// reading it to its end; no goroutine runs until ctx is done.
		s.stop = context.AfterFunc(ctx, func() { s.finish(status.FromContextError(ctx.Err()).Err()) })
		return s, nil
	}
}

// contextStarter is implemented by *tracer.Tracer: it starts a child of
// the span in ctx with fewer allocations than StartSpan with ChildOf.
type contextStarter interface {
	StartSpanFromContext(ctx context.Context, operationName string, opts ...opentracing.StartSpanOption) (opentracing.Span, context.Context)
}

// startClient starts a client span named operation and puts its context
// in the outgoing metadata of the returned context.
func startClient(ctx context.Context, tr opentracing.Tracer, method, invokeType, operation string) (opentracing.Span, context.Context) {
	var sp opentracing.Span
	if cs, ok := tr.(contextStarter); ok {
		sp, ctx = cs.StartSpanFromContext(ctx, operation)
	} else {
		if parent := opentracing.SpanFromContext(ctx); parent != nil {
			sp = tr.StartSpan(operation, opentracing.ChildOf(parent.Context()))
		} else {
			sp = tr.StartSpan(operation)
		}
		ctx = opentracing.ContextWithSpan(ctx, sp)
	}

	w := mdWriters.Get().(*mdWriter)
	defer w.release()
	if err := tr.Inject(sp.Context(), propagation.Triple, w); errors.Is(err, opentracing.ErrUnsupportedFormat) {
		w.kv = w.kv[:0]
		_ = tr.Inject(sp.Context(), opentracing.HTTPHeaders, w)
	}
	if app := pluginutil.AppName(tr); app != "" {
		w.Set(propagation.TriCurrentApp, app)
	}
	w.Set(propagation.TriInvokeType, invokeType)
	w.Set(propagation.TriProtocolType, Protocol)
	return sp, w.outgoing(ctx)
}

// appendPeerTags appends remote.ip ("ip:port") and the local address of
// the call's connection, or the dial target when no connection was made.
func appendPeerTags(dst []span.Tag, p *peer.Peer, cc *grpc.ClientConn) []span.Tag {
	if p != nil && p.Addr != nil {
		dst = append(dst, span.Tag{Key: span.TagRemoteIP, Value: p.Addr.String()})
		return appendLocalTags(dst, p.LocalAddr)
	}
	if cc == nil {
		return dst
	}
	target := cc.Target()
	if i := strings.Index(target, ":///"); i >= 0 {
		target = target[i+4:]
	}
	return append(dst, span.Tag{Key: span.TagRemoteIP, Value: target})
}

// clientStream counts messages and ends the span with the stream.
type clientStream struct {
	grpc.ClientStream
	ctx   context.Context
	desc  *grpc.StreamDesc
	cc    *grpc.ClientConn
	sp    opentracing.Span
	sizes bool
	stop  func() bool

	done                           atomic.Bool
	sent, recv, sentSize, recvSize atomic.Int64
}

func (s *clientStream) SendMsg(m any) error {
	err := s.ClientStream.SendMsg(m)
	switch {
	case err == nil:
		s.sent.Add(1)
		if n, ok := size(m); ok && s.sizes {
			s.sentSize.Add(n)
		}
	case err != io.EOF: // io.EOF: the status comes from RecvMsg
		s.end(err)
	}
	return err
}

func (s *clientStream) RecvMsg(m any) error {
	err := s.ClientStream.RecvMsg(m)
	switch {
	case err == nil:
		s.recv.Add(1)
		if n, ok := size(m); ok && s.sizes {
			s.recvSize.Add(n)
		}
		if !s.desc.ServerStreams { // the one response: the call is over
			s.end(nil)
		}
	case err == io.EOF:
		s.end(nil)
	default:
		s.end(err)
	}
	return err
}

func (s *clientStream) Header() (md metadata.MD, err error) {
	md, err = s.ClientStream.Header()
	if err != nil && err != io.EOF {
		s.end(err)
	}
	return md, err
}

// end finishes the span from the caller's goroutine and releases the
// context callback.
func (s *clientStream) end(err error) {
	if s.finish(err) {
		s.stop()
	}
}

// finish ends the span once; it reports whether this call did.
func (s *clientStream) finish(err error) bool {
	if !s.done.CompareAndSwap(false, true) {
		return false
	}
	var buf [9]span.Tag
	p, _ := peer.FromContext(s.ClientStream.Context())
	tags := append(appendPeerTags(buf[:0], p, s.cc),
		span.Tag{Key: span.TagRPCMessagesSent, Value: s.sent.Load()},
		span.Tag{Key: span.TagRPCMessagesReceived, Value: s.recv.Load()})
	if s.sizes {
		tags = append(tags,
			span.Tag{Key: span.TagReqSize, Value: s.sentSize.Load()},
			span.Tag{Key: span.TagRespSize, Value: s.recvSize.Load()})
	}
	finish(s.ctx, s.sp, err, false, tags)
	return true
}
