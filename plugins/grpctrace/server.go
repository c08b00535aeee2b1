package grpctrace

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/opentracing/opentracing-go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/sofatracer/sofatracer-go/plugins/internal/pluginutil"
	"github.com/sofatracer/sofatracer-go/propagation"
	"github.com/sofatracer/sofatracer-go/span"
)

// maxAppLen bounds the caller's app name taken from metadata.
const maxAppLen = 256

// UnaryServerInterceptor traces unary calls with server spans that share
// the caller's SpanId.
func UnaryServerInterceptor(tr opentracing.Tracer, opts ...Option) grpc.UnaryServerInterceptor {
	o := newOptions(opts)
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		if !o.traced(ctx, info.FullMethod) {
			return handler(ctx, req)
		}
		sp, ctx := startServer(ctx, tr, o, info.FullMethod, invokeSync)
		defer func() {
			p := recover()
			if p != nil {
				err = panicError(p)
			}
			var buf [5]span.Tag
			tags := buf[:0]
			if o.sizes {
				if n, ok := size(req); ok {
					tags = append(tags, span.Tag{Key: span.TagReqSize, Value: n})
				}
				if n, ok := size(resp); ok && err == nil {
					tags = append(tags, span.Tag{Key: span.TagRespSize, Value: n})
				}
			}
			finish(ctx, sp, err, true, tags)
			if p != nil {
				panic(p)
			}
		}()
		return handler(ctx, req)
	}
}

// StreamServerInterceptor traces streaming calls with server spans that
// share the caller's SpanId and end when the handler returns.
func StreamServerInterceptor(tr opentracing.Tracer, opts ...Option) grpc.StreamServerInterceptor {
	o := newOptions(opts)
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		if !o.traced(ss.Context(), info.FullMethod) {
			return handler(srv, ss)
		}
		sp, ctx := startServer(ss.Context(), tr, o, info.FullMethod, invokeStream)
		s := &serverStream{ServerStream: ss, ctx: ctx, sizes: o.sizes}
		defer func() {
			p := recover()
			if p != nil {
				err = panicError(p)
			}
			var buf [7]span.Tag
			tags := append(buf[:0],
				span.Tag{Key: span.TagRPCMessagesSent, Value: s.sent.Load()},
				span.Tag{Key: span.TagRPCMessagesReceived, Value: s.recv.Load()})
			if o.sizes {
				tags = append(tags,
					span.Tag{Key: span.TagReqSize, Value: s.recvSize.Load()},
					span.Tag{Key: span.TagRespSize, Value: s.sentSize.Load()})
			}
			finish(ctx, sp, err, true, tags)
			if p != nil {
				panic(p)
			}
		}()
		return handler(srv, s)
	}
}

// startServer joins the caller's trace from the incoming metadata and
// starts a server span sharing the caller's SpanId, or a new trace.
func startServer(ctx context.Context, tr opentracing.Tracer, o *options, method, invokeType string) (opentracing.Span, context.Context) {
	sc, err := tr.Extract(propagation.Triple, tripleReader{ctx})
	if errors.Is(err, opentracing.ErrUnsupportedFormat) || errors.Is(err, opentracing.ErrSpanContextNotFound) {
		md, _ := metadata.FromIncomingContext(ctx) // a copy of all of it: only on this path
		sc, err = tr.Extract(opentracing.HTTPHeaders, mdReader(md))
	}
	var sp opentracing.Span
	if err == nil && sc != nil {
		sp = tr.StartSpan(o.operation(method), span.ShareContext(sc))
	} else {
		sp = tr.StartSpan(o.operation(method))
	}
	mt := o.methodTags(method)
	if t := incoming(ctx, propagation.TriInvokeType); t != "" && len(t) <= 32 {
		invokeType = t
	}
	var buf [9]span.Tag
	tags := mt.tags(buf[:0], span.KindServer, invokeType, "grpc-server")
	if app := incoming(ctx, propagation.TriCurrentApp); app != "" {
		if len(app) > maxAppLen {
			app = app[:maxAppLen]
		}
		tags = append(tags, span.Tag{Key: span.TagRemoteApp, Value: o.app(app)})
	}
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		tags = append(tags, span.Tag{Key: span.TagRemoteIP, Value: p.Addr.String()})
	}
	pluginutil.SetTags(sp, tags...)
	return sp, opentracing.ContextWithSpan(ctx, sp)
}

// panicError is the status a panicking handler is recorded with.
func panicError(p any) error {
	return status.Error(codes.Internal, fmt.Sprint("panic: ", p))
}

// serverStream counts messages and carries the span's context.
type serverStream struct {
	grpc.ServerStream
	ctx                            context.Context
	sizes                          bool
	sent, recv, sentSize, recvSize atomic.Int64
}

func (s *serverStream) Context() context.Context { return s.ctx }

func (s *serverStream) SendMsg(m any) error {
	err := s.ServerStream.SendMsg(m)
	if err == nil {
		s.sent.Add(1)
		if n, ok := size(m); ok && s.sizes {
			s.sentSize.Add(n)
		}
	}
	return err
}

func (s *serverStream) RecvMsg(m any) error {
	err := s.ServerStream.RecvMsg(m)
	if err == nil {
		s.recv.Add(1)
		if n, ok := size(m); ok && s.sizes {
			s.recvSize.Add(n)
		}
	}
	return err
}
