package sofaotel

import (
	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/span"
)

// Components of database and messaging spans, for which this package
// registers layouts.
const (
	componentDB        = "sofaotel-db"
	componentRedis     = "sofaotel-redis"
	componentMessaging = "sofaotel-messaging"
)

func tagField(name string, tags ...string) digest.Field {
	return digest.Field{Name: name, Source: digest.FromTag, Tags: tags}
}

// Layouts of messaging spans, as SOFATracer's Spring messaging plugin
// writes them (message-pub-digest.log, message-sub-digest.log). Database
// spans use digest.DataSourceClient and Redis spans digest.Redis, the
// layouts the database plugins share.
var (
	messagePubLayout = &digest.Layout{
		Name: "message-pub",
		Fields: []digest.Field{
			{Name: "error", Source: digest.FromError},
			tagField("msg.channel", tagMsgChannel),
			tagField("msg.topic", tagMsgTopic),
			tagField("msg.id", tagMsgID),
			tagField("remote.app", span.TagRemoteApp),
		},
		StatKey: []digest.Field{
			{Name: "local.app", Source: digest.FromApp},
			{Name: "method", Source: digest.FromOperation},
			tagField("msg.channel", tagMsgChannel),
		},
		StatLoadTest: true,
		Result:       func(*span.Span) string { return "00" },
		Success:      func(code string, failed bool) bool { return code == "00" && !failed },
	}
	messageSubLayout = &digest.Layout{
		Name: "message-sub",
		Fields: []digest.Field{
			{Name: "error", Source: digest.FromError},
			tagField("msg.topic", tagMsgTopic),
			tagField("msg.channel", tagMsgChannel),
			tagField("msg.id", tagMsgID),
			tagField("remote.app", span.TagRemoteApp),
		},
		StatKey: []digest.Field{
			{Name: "local.app", Source: digest.FromApp},
			{Name: "method", Source: digest.FromOperation},
			tagField("msg.channel", tagMsgChannel),
			tagField("msg.topic", tagMsgTopic),
		},
		StatLoadTest: true,
		Result:       func(*span.Span) string { return "00" },
		Success:      func(code string, failed bool) bool { return code == "00" && !failed },
	}
)

func init() {
	digest.Register(digest.DataSourceClient, span.KindClient, componentDB)
	digest.Register(digest.Redis, span.KindClient, componentRedis)
	digest.Register(messagePubLayout, span.KindProducer, componentMessaging)
	digest.Register(messageSubLayout, span.KindConsumer, componentMessaging)
}
