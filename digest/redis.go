package digest

import "github.com/sofatracer/sofatracer-go/span"

// TagDBType is OpenTracing's database type tag: the Redis layout's
// db.type field, "redis".
const TagDBType = "db.type"

// Redis is SOFATracer's Redis layout (redis-digest.log and
// redis-stat.log, SOFATracer 3.1.9+), for Redis client spans: db.type
// (TagDBType) and method (span.TagMethod, the command, e.g. "SET") after
// the common prefix; result.code "99" when the error tag is set, else
// "00". Its stat key adds method to Java's local.app, db.type, after them,
// so that a stat line says which command took the time; JSON readers find
// every key by name, and in plain lines local.app and db.type keep their
// columns. Redis plugins Register it for their component.
var Redis = &Layout{
	Name: "redis",
	Fields: []Field{
		tagField("db.type", false, "", TagDBType),
		tagField("method", false, "", span.TagMethod),
	},
	StatKey: []Field{
		{Name: "local.app", Source: FromApp},
		tagField("db.type", false, "", TagDBType),
		tagField("method", false, "", span.TagMethod),
	},
	StatLoadTest: true,
	Result: func(s *span.Span) string {
		if failed(s) {
			return "99"
		}
		return "00"
	},
	Success: func(code string, _ bool) bool { return code == "00" },
}
