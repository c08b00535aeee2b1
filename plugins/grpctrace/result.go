package grpctrace

import (
	"context"
	"errors"
	"net"
	"strconv"
	"time"

	"github.com/opentracing/opentracing-go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/sofatracer/sofatracer-go/plugins/internal/pluginutil"
	"github.com/sofatracer/sofatracer-go/span"
)

// SOFARPC result codes.
const (
	ResultSuccess  = "00"
	ResultBizError = "01"
	ResultRPCError = "02"
	ResultTimeout  = "03"
)

// resultCode maps a call's error to a SOFARPC result code (see the package
// documentation). server says whether a handler returned err.
func resultCode(err error, server bool) string {
	if err == nil {
		return ResultSuccess
	}
	st, ok := status.FromError(err)
	if !ok {
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			return ResultTimeout
		case errors.Is(err, context.Canceled), !server:
			return ResultRPCError
		}
		return ResultBizError
	}
	switch st.Code() {
	case codes.OK:
		return ResultSuccess
	case codes.DeadlineExceeded:
		return ResultTimeout
	case codes.Canceled, codes.ResourceExhausted, codes.Unimplemented, codes.Internal, codes.Unavailable, codes.DataLoss:
		return ResultRPCError
	}
	return ResultBizError
}

// timeoutSlack: a call cancelled this close to its deadline counts as a
// timeout. A server whose caller timed out usually sees the caller's
// cancellation a little before its own deadline (computed from
// grpc-timeout when the call arrived) passes.
const timeoutSlack = 100 * time.Millisecond

// finish records the outcome and ends the span. tags are set with the
// outcome's; give them spare capacity for three more.
func finish(ctx context.Context, sp opentracing.Span, err error, server bool, tags []span.Tag) {
	pluginutil.SetTags(sp, appendResult(tags, outcome(ctx, err, server), err)...)
	sp.Finish()
}

// outcome is the result code of a call that ended with err: resultCode,
// and a timeout for a call cancelled at its deadline.
func outcome(ctx context.Context, err error, server bool) string {
	code := resultCode(err, server)
	if code == ResultRPCError && status.Code(err) == codes.Canceled || errors.Is(err, context.Canceled) {
		if d, ok := ctx.Deadline(); ok && time.Until(d) < timeoutSlack {
			code = ResultTimeout
		}
	}
	return code
}

// appendResult appends the result code and, for an error, the error tags.
func appendResult(tags []span.Tag, code string, err error) []span.Tag {
	tags = append(tags, span.Tag{Key: span.TagResultCode, Value: resultValue(code)})
	if err != nil {
		tags = append(tags,
			span.Tag{Key: span.TagError, Value: true},
			span.Tag{Key: span.TagErrorMessage, Value: errorText(err)})
	}
	return tags
}

// resultValues are the result codes, boxed once.
var resultValues = []any{ResultSuccess, ResultBizError, ResultRPCError, ResultTimeout}

// resultValue is code as a tag value, without allocating.
func resultValue(code string) any { return pluginutil.Boxed(code, resultValues) }

func errorText(err error) string {
	if st, ok := status.FromError(err); ok {
		return st.Code().String() + ": " + st.Message()
	}
	return err.Error()
}

// size is proto.Size of a protobuf message; ok is false for other
// messages.
func size(m any) (n int64, ok bool) {
	if pm, ok := m.(proto.Message); ok {
		return int64(proto.Size(pm)), true
	}
	return 0, false
}

// appendLocalTags appends local.client.ip and local.client.port of addr.
func appendLocalTags(dst []span.Tag, addr net.Addr) []span.Tag {
	if a, ok := addr.(*net.TCPAddr); ok {
		return append(dst,
			span.Tag{Key: span.TagLocalIP, Value: a.IP.String()},
			span.Tag{Key: span.TagLocalPort, Value: strconv.Itoa(a.Port)})
	}
	return dst
}
