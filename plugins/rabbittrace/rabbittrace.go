package rabbittrace

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/opentracing/opentracing-go"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/sofatracer/sofatracer-go/internal/strcache"
	"github.com/sofatracer/sofatracer-go/plugins/internal/pluginutil"
	"github.com/sofatracer/sofatracer-go/span"
)

// ErrNotConfirmed is Publish's error when the broker nacks the message on
// a channel in confirm mode, or closes the channel before confirming it
// (publishing to a missing exchange, say: the error then also matches
// amqp.ErrClosed, which the channel's next calls return).
var ErrNotConfirmed = errors.New("rabbittrace: the broker did not confirm the publish (nack)")

// The constant tags of the spans of each exchange, routing key (and
// queue), cached: they repeat. The cache key joins them with NUL bytes.
var sendTags, consumeTags strcache.Cache[pluginutil.MQTags]

// tagsOf returns the cached tags of the names (joined, the key of c),
// built on a miss by build, or by tags from the names themselves when
// one holds a NUL byte.
func tagsOf(c *strcache.Cache[pluginutil.MQTags], build func(key string) pluginutil.MQTags, tags func(names []string) pluginutil.MQTags, names ...string) pluginutil.MQTags {
	var buf [128]byte
	k := buf[:0]
	for i, n := range names {
		if strings.IndexByte(n, 0) >= 0 { // not a key of the cache
			return tags(slices.Clone(names)) // a copy: names stays on the caller's stack
		}
		if i > 0 {
			k = append(k, 0)
		}
		k = append(k, n...)
	}
	return c.GetBytes(k, build)
}

func sendTagsOf(key string) pluginutil.MQTags    { return newSendTags(strings.Split(key, "\x00")) }
func consumeTagsOf(key string) pluginutil.MQTags { return newConsumeTags(strings.Split(key, "\x00")) }

func newSendTags(names []string) pluginutil.MQTags {
	return pluginutil.NewMQTags(
		span.Tag{Key: span.TagComponent, Value: Component},
		span.Tag{Key: span.TagSpanKind, Value: span.KindClient},
		span.Tag{Key: span.TagThreadName, Value: "rabbitmq-send"},
		span.Tag{Key: TagExchange, Value: names[0]},
		span.Tag{Key: TagRoutingKey, Value: names[1]})
}

func newConsumeTags(names []string) pluginutil.MQTags {
	return pluginutil.NewMQTags(
		span.Tag{Key: span.TagComponent, Value: Component},
		span.Tag{Key: span.TagSpanKind, Value: span.KindServer},
		span.Tag{Key: span.TagThreadName, Value: "rabbitmq-consume"},
		span.Tag{Key: TagExchange, Value: names[0]},
		span.Tag{Key: TagRoutingKey, Value: names[1]},
		span.Tag{Key: TagQueue, Value: names[2]})
}

// Publish publishes msg as ch.PublishWithContext does, in a send span
// (see the package documentation). The caller's msg.Headers map is not
// modified: the trace headers go into a copy. On a channel in confirm
// mode it waits for the broker's confirm (or ctx): a nack gives
// ErrNotConfirmed.
func Publish(ctx context.Context, tr opentracing.Tracer, ch *amqp.Channel, exchange, key string, mandatory, immediate bool, msg amqp.Publishing) error {
	var sp opentracing.Span
	if ps := opentracing.SpanFromContext(ctx); ps != nil {
		sp = pluginutil.StartChild(tr, "mq-rabbit-send", ps.Context())
	} else {
		sp = tr.StartSpan("mq-rabbit-send")
	}
	h := make(amqp.Table, len(msg.Headers)+4)
	maps.Copy(h, msg.Headers)
	// An error here (a tracer that cannot inject) loses only the link.
	_ = pluginutil.InjectMessage(tr, sp.Context(), table(h))
	msg.Headers = h
	err := publish(ctx, ch, exchange, key, mandatory, immediate, msg)
	pluginutil.EndMQ(sp, tagsOf(&sendTags, sendTagsOf, newSendTags, exchange, key), err)
	return err
}

func publish(ctx context.Context, ch *amqp.Channel, exchange, key string, mandatory, immediate bool, msg amqp.Publishing) error {
	dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, exchange, key, mandatory, immediate, msg)
	if err != nil || dc == nil { // dc is nil when ch is not in confirm mode
		return err
	}
	ack, err := dc.WaitContext(ctx)
	switch {
	case err != nil || ack:
		return err
	case ch.IsClosed(): // the broker closed the channel (e.g. no such exchange)
		return fmt.Errorf("%w: %w", ErrNotConfirmed, amqp.ErrClosed)
	}
	return ErrNotConfirmed
}

type queueKey struct{}

// ContextWithQueue returns ctx naming the queue whose deliveries Process
// handles with it, for the consume span's queueName.
func ContextWithQueue(ctx context.Context, queue string) context.Context {
	return context.WithValue(ctx, queueKey{}, queue)
}

// Process runs fn, the application's handling of d, inside a consume
// span: a child of the publisher's span read from d's headers, or the
// root of a new trace. fn's context holds the span. The span ends with
// result.code 00, or 99 and the error when fn returns one (returned
// unchanged) or panics (re-panicked).
func Process(ctx context.Context, tr opentracing.Tracer, d amqp.Delivery, fn func(context.Context) error) error {
	var sp opentracing.Span
	if sc := pluginutil.ExtractMessage(tr, table(d.Headers)); sc != nil {
		sp = pluginutil.StartChild(tr, "mq-rabbit-consume", sc)
	} else {
		sp = tr.StartSpan("mq-rabbit-consume")
	}
	queue, _ := ctx.Value(queueKey{}).(string)
	// Shared tags, result.code 00 among them (an error replaces it), set
	// before fn, so that fn's own tags come after them.
	pluginutil.SetTagBlock(sp, tagsOf(&consumeTags, consumeTagsOf, newConsumeTags, d.Exchange, d.RoutingKey, queue).OK)
	return pluginutil.RunMQ(ctx, sp, fn)
}

// table reads and writes AMQP headers as an OpenTracing text map. Values
// are written as strings (as Java writes them); on reading, string and
// byte-slice values count, others (numbers, tables) are no trace
// context.
type table amqp.Table

// Set implements opentracing.TextMapWriter. A header of the same name in
// another case (an old context of a forwarded message) is removed.
func (t table) Set(k, v string) {
	for old := range t {
		if old != k && strings.EqualFold(old, k) {
			delete(t, old)
		}
	}
	t[k] = v
}

// ForeachKey implements opentracing.TextMapReader.
func (t table) ForeachKey(handler func(k, v string) error) error {
	for k, v := range t {
		var s string
		switch v := v.(type) {
		case string:
			s = v
		case []byte:
			s = string(v)
		default:
			continue
		}
		if err := handler(k, s); err != nil {
			return err
		}
	}
	return nil
}
