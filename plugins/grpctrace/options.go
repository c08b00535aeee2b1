package grpctrace

import (
	"context"
	"strings"

	"github.com/sofatracer/sofatracer-go/internal/strcache"
	"github.com/sofatracer/sofatracer-go/plugins/internal/pluginutil"
	"github.com/sofatracer/sofatracer-go/span"
)

// Option configures the interceptors.
type Option func(*options)

type options struct {
	filter func(ctx context.Context, fullMethod string) bool
	opName func(fullMethod string) string
	sizes  bool

	methods strcache.Cache[methodTags]   // by full method
	blocks  strcache.Cache[clientBlocks] // by full method, unary client
	apps    strcache.Cache[any]          // remote.app values, by name
}

func newOptions(opts []Option) *options {
	o := &options{sizes: true}
	for _, f := range opts {
		if f != nil {
			f(o)
		}
	}
	return o
}

// WithFilter decides which calls are traced: a call for which f returns
// false (a health check, say) is passed on untraced.
func WithFilter(f func(ctx context.Context, fullMethod string) bool) Option {
	return func(o *options) { o.filter = f }
}

// WithOperationName names spans; the default is the full method,
// "/package.Service/Method".
func WithOperationName(f func(fullMethod string) string) Option {
	return func(o *options) { o.opName = f }
}

// WithMessageSizes turns the req.size / resp.size tags (proto.Size of
// protobuf messages, summed over a stream) on (default) or off.
func WithMessageSizes(on bool) Option {
	return func(o *options) { o.sizes = on }
}

func (o *options) traced(ctx context.Context, method string) bool {
	return o.filter == nil || o.filter(ctx, method)
}

func (o *options) operation(method string) string {
	if o.opName != nil {
		return o.opName(method)
	}
	return method
}

// splitMethod splits "/package.Service/Method".
func splitMethod(full string) (service, method string) {
	full = strings.TrimPrefix(full, "/")
	if i := strings.LastIndexByte(full, '/'); i >= 0 {
		return full[:i], full[i+1:]
	}
	return "", full
}

// methodTags are the service and method tag values of a full method.
type methodTags struct{ service, method any }

// tags appends the tags every gRPC span starts with. kind and thread are
// constants, which box without allocating.
func (mt methodTags) tags(dst []span.Tag, kind any, invokeType string, thread any) []span.Tag {
	return append(dst,
		span.Tag{Key: span.TagComponent, Value: Component},
		span.Tag{Key: span.TagSpanKind, Value: kind},
		span.Tag{Key: span.TagProtocol, Value: Protocol},
		span.Tag{Key: span.TagService, Value: mt.service},
		span.Tag{Key: span.TagMethod, Value: mt.method},
		span.Tag{Key: span.TagInvokeType, Value: invokeTypeValue(invokeType)},
		span.Tag{Key: span.TagThreadName, Value: thread})
}

func newMethodTags(full string) methodTags {
	service, method := splitMethod(full)
	return methodTags{service, method}
}

func (o *options) methodTags(full string) methodTags {
	return o.methods.Get(full, newMethodTags)
}

// clientBlocks are the tags every unary client span of one method carries,
// shared by all of them: ok holds result.code 00 as well, for the calls
// that succeed.
type clientBlocks struct{ base, ok *span.TagBlock }

func newClientBlocks(full string) clientBlocks {
	var buf [8]span.Tag
	tags := newMethodTags(full).tags(buf[:0], span.KindClient, invokeSync, "grpc-client")
	return clientBlocks{
		base: span.NewTagBlock(tags...),
		ok:   span.NewTagBlock(append(tags, span.Tag{Key: span.TagResultCode, Value: ResultSuccess})...),
	}
}

// unaryClientBlocks returns the clientBlocks of a full method.
func (o *options) unaryClientBlocks(full string) clientBlocks {
	return o.blocks.Get(full, newClientBlocks)
}

func (o *options) app(name string) any { return o.apps.Get(name, pluginutil.Box) }

// invokeTypeValues are the known invoke.type values, boxed once.
var invokeTypeValues = []any{invokeSync, invokeStream, "oneway", "future", "callback"}

// invokeTypeValue is the invoke.type tag value of t, without allocating
// for the known types.
func invokeTypeValue(t string) any { return pluginutil.Boxed(t, invokeTypeValues) }
