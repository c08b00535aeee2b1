package redistrace

import (
	"context"
	"errors"
	"strings"

	"github.com/opentracing/opentracing-go"
	"github.com/redis/go-redis/v9"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/internal/strcache"
	"github.com/sofatracer/sofatracer-go/plugins/internal/pluginutil"
	"github.com/sofatracer/sofatracer-go/span"
)

// Component is the component tag of the spans of this package; the
// SOFATracer tracer writes such client spans in digest.Redis.
const Component = "go-redis"

// Tag keys and values besides the digest.Redis ones (db.type, method)
// and the common ones.
const (
	TagCommands = "redis.commands" // a pipeline's command names, space-separated
	tagStmt     = "db.statement"
	dbTypeRedis = "redis"
	threadName  = "redis-client"
	opPipeline  = "PIPELINE"
	opMulti     = "MULTI"
	maxStmtLen  = 1024
)

func init() { digest.Register(digest.Redis, span.KindClient, Component) }

// Option configures NewHook.
type Option func(*options)

type options struct {
	statements bool
	noRoots    bool
}

// WithStatements puts each command with its arguments (keys and values,
// cut to 1024 bytes) in the db.statement tag, which reporters such as
// Zipkin show. Off by default: arguments may be personal data. The
// digest layout has no field for it either way.
func WithStatements(enabled bool) Option { return func(o *options) { o.statements = enabled } }

// WithRootSpans says whether a command whose context holds no span gets a
// span of its own, the root of a new trace (the default, true).
func WithRootSpans(enabled bool) Option { return func(o *options) { o.noRoots = !enabled } }

// NewHook returns a hook that traces the commands of the client it is
// added to with tr.
func NewHook(tr opentracing.Tracer, opts ...Option) redis.Hook {
	h := &hook{tr: tr}
	for _, f := range opts {
		if f != nil {
			f(&h.o)
		}
	}
	return h
}

type hook struct {
	tr      opentracing.Tracer
	o       options
	methods strcache.Cache[any] // command name -> boxed upper-case name
}

// DialHook implements redis.Hook; dialing is not traced.
func (h *hook) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook implements redis.Hook.
func (h *hook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		name := cmd.FullName()
		if setupCmd(name, cmd) {
			return next(ctx, cmd)
		}
		sp := h.start(ctx, h.methods.Get(name, upper))
		if sp == nil {
			return next(ctx, cmd)
		}
		if h.o.statements {
			sp.SetTag(tagStmt, cut(string(statement(nil, cmd))))
		}
		err := next(ctx, cmd)
		finish(sp, err)
		return err
	}
}

// ProcessPipelineHook implements redis.Hook.
func (h *hook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if setup(cmds) {
			return next(ctx, cmds)
		}
		op, inner := pipelineOp(cmds)
		sp := h.start(ctx, op)
		if sp == nil {
			return next(ctx, cmds)
		}
		var buf [128]byte // the names of a short pipeline, on the stack
		names, stmts := buf[:0], []byte(nil)
		for i, c := range inner {
			if i > 0 {
				names = append(names, ' ')
			}
			names = append(names, h.methods.Get(c.FullName(), upper).(string)...)
			if h.o.statements && len(stmts) < maxStmtLen {
				if i > 0 {
					stmts = append(stmts, "; "...)
				}
				stmts = statement(stmts, c)
			}
		}
		sp.SetTag(TagCommands, string(names))
		if h.o.statements {
			sp.SetTag(tagStmt, cut(string(stmts)))
		}
		err := next(ctx, cmds)
		finish(sp, pipelineErr(err, inner))
		return err
	}
}

// pipelineErr is the error of a pipeline's span: err unless it is nil or
// redis.Nil, else the first failed command's (redis.Nil is no failure).
func pipelineErr(err error, cmds []redis.Cmder) error {
	if err != nil && !errors.Is(err, redis.Nil) {
		return err
	}
	for _, c := range cmds {
		if e := c.Err(); e != nil && !errors.Is(e, redis.Nil) {
			return e
		}
	}
	return nil
}

// pipelineOp names a pipeline and returns its commands without the MULTI
// and EXEC that go-redis wraps a transaction's in.
func pipelineOp(cmds []redis.Cmder) (string, []redis.Cmder) {
	if n := len(cmds); n >= 2 && cmds[0].Name() == "multi" && cmds[n-1].Name() == "exec" {
		return opMulti, cmds[1 : n-1]
	}
	return opPipeline, cmds
}

// setup reports whether cmds is a pipeline of connection set-up
// commands, which go-redis sends when it opens a connection.
func setup(cmds []redis.Cmder) bool {
	for _, c := range cmds {
		switch n := c.Name(); n {
		case "auth", "select", "readonly":
		default:
			if !setupCmd(n, c) {
				return false
			}
		}
	}
	return len(cmds) > 0
}

// setupCmd reports whether cmd, named name, is one go-redis sends on its
// own when it opens a connection: HELLO, CLIENT SETNAME, CLIENT SETINFO,
// CLIENT MAINT_NOTIFICATIONS.
func setupCmd(name string, cmd redis.Cmder) bool {
	switch name {
	case "hello":
		return true
	case "client":
		if args := cmd.Args(); len(args) > 1 {
			sub, _ := args[1].(string)
			switch strings.ToLower(sub) {
			case "setname", "setinfo", "maint_notifications":
				return true
			}
		}
	}
	return false
}

func upper(name string) any { return strings.ToUpper(name) }

// start begins a command's span, nil when the command is not traced.
func (h *hook) start(ctx context.Context, method any) opentracing.Span {
	parent := opentracing.SpanFromContext(ctx)
	if parent == nil && h.o.noRoots {
		return nil
	}
	op, _ := method.(string)
	var sp opentracing.Span
	if parent == nil {
		sp = h.tr.StartSpan(op)
	} else {
		sp = pluginutil.StartChild(h.tr, op, parent.Context())
	}
	pluginutil.SetTags(sp,
		span.Tag{Key: span.TagComponent, Value: Component},
		span.Tag{Key: span.TagSpanKind, Value: span.KindClient},
		span.Tag{Key: span.TagThreadName, Value: threadName},
		span.Tag{Key: digest.TagDBType, Value: dbTypeRedis},
		span.Tag{Key: span.TagMethod, Value: method})
	return sp
}

// finish ends sp; redis.Nil is an answer, not an error.
func finish(sp opentracing.Span, err error) {
	if err != nil && !errors.Is(err, redis.Nil) {
		pluginutil.SetTags(sp, span.Tag{Key: span.TagError, Value: true},
			span.Tag{Key: span.TagErrorMessage, Value: err.Error()})
	}
	sp.Finish()
}

// statement appends cmd's arguments, space-separated, to dst (a new
// string when dst is nil). It stops past maxStmtLen bytes, appending at
// most one byte more, so that cut can tell a cut statement, and never
// copies a large argument whole.
func statement(dst []byte, cmd redis.Cmder) []byte {
	for i, a := range cmd.Args() {
		if len(dst) > maxStmtLen {
			break
		}
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = appendArg(dst, a, maxStmtLen+1-len(dst))
	}
	return dst
}

// cut cuts s to maxStmtLen bytes, marking a cut with "...".
func cut(s string) string {
	if len(s) > maxStmtLen {
		return s[:maxStmtLen] + "..."
	}
	return s
}
