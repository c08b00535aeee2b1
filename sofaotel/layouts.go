package sofaotel

import (
	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/span"
)

// Components of the spans this package writes in its own layouts.
const (
	componentDB        = "sofaotel-db"
	componentMessaging = "sofaotel-messaging"
)

func tagField(name string, tags ...string) digest.Field {
	return digest.Field{Name: name, Source: digest.FromTag, Tags: tags}
}

// Layouts of database and messaging spans, as SOFATracer's DataSource
// (datasource-client-digest.log) and Spring messaging
// (message-pub-digest.log, message-sub-digest.log) plugins write them.
var (
	dataSourceLayout = &digest.Layout{
		Name: "datasource-client",
		Fields: []digest.Field{
			tagField("database.name", tagDBName),
			tagField("sql", tagSQL),
			tagField("connection.establish.span", "connection.establish.span"),
			tagField("db.execute.cost", tagExecCost),
			tagField("database.type", tagDBType),
			tagField("database.endpoint", tagDBEndpoint),
			{Name: "error", Source: digest.FromError},
		},
		StatKey: []digest.Field{
			{Name: "local.app", Source: digest.FromApp},
			tagField("database.name", tagDBName),
			tagField("sql", tagSQLSummary, tagSQL),
		},
		StatLoadTest: true,
		Result:       func(*span.Span) string { return "success" },
		Success:      func(code string, failed bool) bool { return code == "success" && !failed },
	}
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
	digest.Register(dataSourceLayout, span.KindClient, componentDB)
	digest.Register(messagePubLayout, span.KindProducer, componentMessaging)
	digest.Register(messageSubLayout, span.KindConsumer, componentMessaging)
}
