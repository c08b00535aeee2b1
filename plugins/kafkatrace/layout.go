package kafkatrace

import (
	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/plugins/internal/pluginutil"
	"github.com/sofatracer/sofatracer-go/span"
)

// Component is the component tag of this package's spans.
const Component = "kafka"

// Tags of this package's spans, named as SOFATracer names them.
const (
	TagTopic     = "kafka.topic"
	TagPartition = "kafka.partition"
	TagOffset    = "kafka.offset"
)

// SendLayout is Java's kafkamq-send-digest.log layout: the common prefix,
// kafka.topic, kafka.partition, then, in JSON lines only, error (Java
// always writes it, empty) and kafka.offset (the offset the broker
// assigned, which Java does not log). Its stat key is local.app,
// kafka.topic, kafka.partition.
var SendLayout = &digest.Layout{
	Name: "kafkamq-send",
	Fields: []digest.Field{
		{Name: TagTopic, Source: digest.FromTag, Tags: []string{TagTopic}},
		{Name: TagPartition, Source: digest.FromTag, Tags: []string{TagPartition}, Num: true, Default: "-1"},
		{Name: "error", Source: digest.FromError, JSONOnly: true},
		{Name: TagOffset, Source: digest.FromTag, Tags: []string{TagOffset}, Num: true, Default: "-1", JSONOnly: true},
	},
	StatKey: []digest.Field{
		{Name: "local.app", Source: digest.FromApp},
		{Name: TagTopic, Source: digest.FromTag, Tags: []string{TagTopic}},
		{Name: TagPartition, Source: digest.FromTag, Tags: []string{TagPartition}, Default: "-1"},
	},
	StatLoadTest: true,
	Result:       pluginutil.MQResult,
	Success:      pluginutil.MQSuccess,
}

// ConsumeLayout is Java's kafkamq-consume-digest.log layout: the common
// prefix, kafka.topic, kafka.partition, kafka.offset, then, in JSON lines
// only, error (the processing's error; Java has none). Its stat key is
// local.app, kafka.topic, kafka.partition: unlike Java, without the
// offset, which would make one stat line per record.
var ConsumeLayout = &digest.Layout{
	Name: "kafkamq-consume",
	Fields: []digest.Field{
		{Name: TagTopic, Source: digest.FromTag, Tags: []string{TagTopic}},
		{Name: TagPartition, Source: digest.FromTag, Tags: []string{TagPartition}, Num: true, Default: "-1"},
		{Name: TagOffset, Source: digest.FromTag, Tags: []string{TagOffset}, Num: true, Default: "-1"},
		{Name: "error", Source: digest.FromError, JSONOnly: true},
	},
	StatKey: []digest.Field{
		{Name: "local.app", Source: digest.FromApp},
		{Name: TagTopic, Source: digest.FromTag, Tags: []string{TagTopic}},
		{Name: TagPartition, Source: digest.FromTag, Tags: []string{TagPartition}, Default: "-1"},
	},
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
