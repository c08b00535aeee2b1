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
// writes them (message-pub-digest.log, message-sub-digest.log): the
// publisher writes and keys its stats by channel then topic, the
// subscriber by topic then channel. Database spans use
// digest.DataSourceClient and Redis spans digest.Redis, the layouts the
// database plugins share.
var (
	messagePubLayout = messageLayout("message-pub",
		[]digest.Field{tagField("msg.channel", tagMsgChannel), tagField("msg.topic", tagMsgTopic)},
		tagField("msg.channel", tagMsgChannel))
	messageSubLayout = messageLayout("message-sub",
		[]digest.Field{tagField("msg.topic", tagMsgTopic), tagField("msg.channel", tagMsgChannel)},
		tagField("msg.channel", tagMsgChannel), tagField("msg.topic", tagMsgTopic))
)

// messageLayout is a messaging layout whose fields begin with dest (after
// the error) and whose stats are keyed by app, method and statKey.
func messageLayout(name string, dest []digest.Field, statKey ...digest.Field) *digest.Layout {
	fields := []digest.Field{{Name: "error", Source: digest.FromError}}
	fields = append(fields, dest...)
	return &digest.Layout{
		Name:   name,
		Fields: append(fields, tagField("msg.id", tagMsgID), tagField("remote.app", span.TagRemoteApp)),
		StatKey: append([]digest.Field{
			{Name: "local.app", Source: digest.FromApp},
			{Name: "method", Source: digest.FromOperation},
		}, statKey...),
		StatLoadTest: true,
		Result:       func(*span.Span) string { return "00" },
		Success:      func(code string, failed bool) bool { return code == "00" && !failed },
	}
}

func init() {
	digest.Register(digest.DataSourceClient, span.KindClient, componentDB)
	digest.Register(digest.Redis, span.KindClient, componentRedis)
	digest.Register(messagePubLayout, span.KindProducer, componentMessaging)
	digest.Register(messageSubLayout, span.KindConsumer, componentMessaging)
}
