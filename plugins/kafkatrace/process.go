package kafkatrace

import (
	"context"

	"github.com/opentracing/opentracing-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sofatracer/sofatracer-go/plugins/internal/pluginutil"
	"github.com/sofatracer/sofatracer-go/span"
)

// Process runs fn, the application's processing of rec, inside a consume
// span: a child of the producer's span read from rec's headers, or the
// root of a new trace when they hold no usable context. fn's context
// holds the span. The span ends with result.code 00, or 99 and the error
// when fn returns one (returned unchanged) or panics (re-panicked).
func Process(ctx context.Context, tr opentracing.Tracer, rec *kgo.Record, fn func(context.Context) error) error {
	var sp opentracing.Span
	if sc := pluginutil.ExtractMessage(tr, (*reader)(rec)); sc != nil {
		sp = pluginutil.StartChild(tr, "mq-kafka-consume", sc)
	} else {
		sp = tr.StartSpan("mq-kafka-consume")
	}
	// The topic's tags are shared, result.code 00 among them (an error
	// replaces it); set before fn, so that fn's own tags come after them.
	pluginutil.SetTagBlock(sp, consumeTags.Get(rec.Topic, newConsumeTags).OK,
		span.Tag{Key: TagPartition, Value: rec.Partition},
		span.Tag{Key: TagOffset, Value: rec.Offset})
	return pluginutil.RunMQ(ctx, sp, fn)
}
