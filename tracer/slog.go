package tracer

import (
	"context"
	"log/slog"

	"github.com/sofatracer/sofatracer-go/span"
)

// LogHandler wraps next so that every record logged with a context that
// holds a SOFATracer span gets traceId and spanId attributes: the Go form
// of SOFATracer's MDC extension.
//
//	logger := slog.New(tracer.LogHandler(slog.NewJSONHandler(os.Stdout, nil)))
//	logger.InfoContext(ctx, "paid")  // ... "traceId":"0a0f...","spanId":"0.1"
func LogHandler(next slog.Handler) slog.Handler { return logHandler{next} }

type logHandler struct{ next slog.Handler }

func (h logHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h logHandler) Handle(ctx context.Context, r slog.Record) error {
	if s := span.FromContext(ctx); s != nil {
		r = r.Clone()
		r.AddAttrs(slog.String("traceId", s.Ctx.TraceID), slog.String("spanId", s.Ctx.SpanID))
	}
	return h.next.Handle(ctx, r)
}

func (h logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return logHandler{h.next.WithAttrs(attrs)}
}

func (h logHandler) WithGroup(name string) slog.Handler { return logHandler{h.next.WithGroup(name)} }
