//go:generate go run gen_conns.go

package sqltrace

import (
	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/span"
)

// Component is the component tag of the spans of this package; the
// SOFATracer tracer writes such client spans to Layout's files.
const Component = "database/sql"

// Tag keys of the spans, besides the OpenTracing ones (db.type "sql",
// db.instance, db.statement, peer.address, component, span.kind).
const (
	TagDatabaseType   = "database.type"             // postgresql, mysql, sqlite, ...
	TagSQL            = "sql"                       // the cleaned statement, ',' as %2C
	TagEstablishCost  = "connection.establish.span" // "<n>ms": connecting, on a connection's first statement
	TagExecuteCost    = "db.execute.cost"           // "<n>ms": the driver's call
	tagDBInstance     = "db.instance"
	tagDBStatement    = "db.statement"
	tagDBType         = "db.type"
	tagPeerAddress    = "peer.address"
	resultSuccess     = "success"
	resultFailed      = "failed"
	threadName        = "datasource-client"
	dbTypeSQL         = "sql"
	defaultOperation  = "sql"
	operationCommit   = "COMMIT"
	operationRollback = "ROLLBACK"
)

// Layout is SOFATracer's DataSource layout: datasource-client-digest.log
// and datasource-client-stat.log. After the common prefix come
// database.name, sql, connection.establish.span, db.execute.cost,
// database.type and database.endpoint; result.code is "success" or
// "failed"; the stat key is local.app, database.name, sql, and a row
// succeeds when its result code is "success".
var Layout = &digest.Layout{
	Name: "datasource-client",
	Fields: []digest.Field{
		{Name: "database.name", Tags: []string{tagDBInstance}},
		{Name: "sql", Tags: []string{TagSQL}},
		{Name: "connection.establish.span", Tags: []string{TagEstablishCost}},
		{Name: "db.execute.cost", Tags: []string{TagExecuteCost}},
		{Name: "database.type", Tags: []string{TagDatabaseType}},
		{Name: "database.endpoint", Tags: []string{tagPeerAddress}},
	},
	StatKey: []digest.Field{
		{Name: "local.app", Source: digest.FromApp},
		{Name: "database.name", Tags: []string{tagDBInstance}},
		{Name: "sql", Tags: []string{TagSQL}},
	},
	StatLoadTest: true,
	Result: func(s *span.Span) string {
		if v, _ := s.Tag(span.TagError).(bool); v {
			return resultFailed
		}
		return resultSuccess
	},
	Success: func(code string, _ bool) bool { return code == resultSuccess },
}

func init() { digest.Register(Layout, span.KindClient, Component) }
