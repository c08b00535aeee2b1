package digest

import "github.com/sofatracer/sofatracer-go/span"

// Tag keys of database client spans, which DataSourceClient reads. Every
// database plugin sets these, so that all of them write the same line.
const (
	// TagDBInstance is OpenTracing's database name tag: the database.name
	// field and stat key.
	TagDBInstance = "db.instance"
	// TagSQL is the statement as SOFATracer writes it,
	// SQLField(CleanSQL(statement)): the sql field, and the stat key when
	// TagSQLSummary is not set.
	TagSQL = "sql"
	// TagSQLSummary, when set, replaces the statement in the stat key with
	// a low-cardinality summary such as "SELECT orders".
	TagSQLSummary = "sql.summary"
	// TagEstablishCost is the connection.establish.span field, "<n>ms".
	TagEstablishCost = "connection.establish.span"
	// TagExecuteCost is the db.execute.cost field, "<n>ms".
	TagExecuteCost = "db.execute.cost"
	// TagDatabaseType is the database.type field: postgresql, mysql, ...
	TagDatabaseType = "database.type"
	// TagPeerAddress is OpenTracing's peer address tag: the
	// database.endpoint field, host:port with several joined by '/'.
	TagPeerAddress = "peer.address"
)

// DataSource result codes, as SOFATracer's DataSource plugin writes them.
const (
	ResultSuccess = "success"
	ResultFailed  = "failed"
)

// DataSourceClient is SOFATracer's DataSource layout
// (datasource-client-digest.log and datasource-client-stat.log), for
// database client spans. After the common prefix come database.name, sql,
// connection.establish.span, db.execute.cost, database.type and
// database.endpoint, and no error field, as in Java. result.code is
// ResultFailed when the error tag is set, else ResultSuccess. The stat key
// is local.app, database.name and sql (TagSQLSummary when set); a row
// succeeds only for ResultSuccess. Database plugins Register it for their
// component.
var DataSourceClient = &Layout{
	Name: "datasource-client",
	Fields: []Field{
		tagField("database.name", false, "", TagDBInstance),
		tagField("sql", false, "", TagSQL),
		tagField("connection.establish.span", false, "", TagEstablishCost),
		tagField("db.execute.cost", false, "", TagExecuteCost),
		tagField("database.type", false, "", TagDatabaseType),
		tagField("database.endpoint", false, "", TagPeerAddress),
	},
	StatKey: []Field{
		{Name: "local.app", Source: FromApp},
		tagField("database.name", false, "", TagDBInstance),
		tagField("sql", false, "", TagSQLSummary, TagSQL),
	},
	StatLoadTest: true,
	Result: func(s *span.Span) string {
		if failed(s) {
			return ResultFailed
		}
		return ResultSuccess
	},
	Success: func(code string, _ bool) bool { return code == ResultSuccess },
}
