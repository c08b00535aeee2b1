package rabbittrace

import (
	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/plugins/internal/pluginutil"
	"github.com/sofatracer/sofatracer-go/span"
)

// Component is the component tag of this package's spans.
const Component = "rabbitmq"

// Tags of this package's spans, named as SOFATracer names them (sic).
const (
	TagExchange   = "exchange"
	TagRoutingKey = "rountingKey"
	TagQueue      = "queueName"
)

func tag(name string) digest.Field {
	return digest.Field{Name: name, Source: digest.FromTag, Tags: []string{name}}
}

// SendLayout is Java's rabbitmq-send-digest.log layout: the common prefix,
// exchange, rountingKey, error. (Java's replyTimeout is written only for
// request-reply sends, which Publish does not make.) Stat key: local.app,
// exchange, rountingKey.
var SendLayout = &digest.Layout{
	Name:         "rabbitmq-send",
	Fields:       []digest.Field{tag(TagExchange), tag(TagRoutingKey), {Name: "error", Source: digest.FromError}},
	StatKey:      []digest.Field{{Name: "local.app", Source: digest.FromApp}, tag(TagExchange), tag(TagRoutingKey)},
	StatLoadTest: true,
	Result:       pluginutil.MQResult,
	Success:      pluginutil.MQSuccess,
}

// ConsumeLayout is Java's rabbitmq-consume-digest.log layout: the common
// prefix, exchange, rountingKey, queueName, error. Stat key: local.app,
// exchange, rountingKey, queueName.
var ConsumeLayout = &digest.Layout{
	Name:         "rabbitmq-consume",
	Fields:       []digest.Field{tag(TagExchange), tag(TagRoutingKey), tag(TagQueue), {Name: "error", Source: digest.FromError}},
	StatKey:      []digest.Field{{Name: "local.app", Source: digest.FromApp}, tag(TagExchange), tag(TagRoutingKey), tag(TagQueue)},
	StatLoadTest: true,
	Result:       pluginutil.MQResult,
	Success:      pluginutil.MQSuccess,
}

func init() {
	digest.Register(SendLayout, span.KindClient, Component)
	digest.Register(SendLayout, span.KindProducer, Component)
	digest.Register(ConsumeLayout, span.KindServer, Component)
	digest.Register(ConsumeLayout, span.KindConsumer, Component)
}
