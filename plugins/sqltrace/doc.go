// Package sqltrace traces database/sql with any driver: every statement
// (Exec, Query, QueryRow, prepared statements, statements in
// transactions, Commit and Rollback) is a client span, a child of the
// span in the call's context, or the root of a new trace when the
// context has none (see WithRootSpans).
//
//	db, err := sqltrace.Open(t, "pgx", "postgres://app@db:5432/orders")
//
// With the SOFATracer tracer the spans are written to
// datasource-client-digest.log and datasource-client-stat.log in
// SOFATracer's DataSource layout, digest.DataSourceClient, which every
// database plugin of this project shares. The spans also carry the
// OpenTracing tags component, span.kind, db.type ("sql"), db.instance,
// db.statement and peer.address, so a Zipkin collector shows the same.
//
// A span covers the driver's call: for a query, until the first result
// is ready, not the reading of the rows (as in SOFATracer, where the span
// covers executeQuery). A call that the driver answers with
// driver.ErrSkip leaves no span: database/sql then prepares the statement
// and runs it, and that run is traced. Each attempt database/sql retries
// after driver.ErrBadConn is a span of its own.
//
// Nothing the application sees changes: results and errors are the
// driver's own, and the wrapped connections, statements and connectors
// have exactly the optional interfaces (driver.Pinger,
// driver.SessionResetter, driver.Validator, driver.NamedValueChecker,
// driver.ConnBeginTx, driver.ColumnConverter, io.Closer, ...) of the
// wrapped ones, with two equivalences: a connection always has
// driver.ConnPrepareContext, statements always have
// driver.StmtExecContext and driver.StmtQueryContext, and a connection
// with only driver.Execer or driver.Queryer offers their context forms;
// for drivers without them these do what database/sql does.
//
// The DSN's password is never kept: the parsers keep the hosts, ports and
// database name only, read as the driver reads them. A DSN the driver
// would reject, or one that reads two ways (an unescaped '@' or '/' that
// may be a password's), leaves them empty; WithDatabaseName and
// WithEndpoint set them.
package sqltrace
