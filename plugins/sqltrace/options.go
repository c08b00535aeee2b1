package sqltrace

// Option configures Open, OpenDB and WrapDriver.
type Option func(*options)

type options struct {
	dbType, dbName, endpoint string
	clean                    func(string) string
	noRoots                  bool
}

func newOptions(opts []Option) *options {
	o := &options{}
	for _, f := range opts {
		if f != nil {
			f(o)
		}
	}
	return o
}

// WithDatabaseType sets database.type (and the operation's fallback name),
// e.g. "postgresql", "mysql", "sqlite", "oracle". It is read from the
// driver and DSN for PostgreSQL, MySQL and SQLite; set it for other drivers.
func WithDatabaseType(t string) Option { return func(o *options) { o.dbType = t } }

// WithDatabaseName sets database.name (the db.instance tag and the
// operation name), which is otherwise read from the DSN.
func WithDatabaseName(name string) Option { return func(o *options) { o.dbName = name } }

// WithEndpoint sets database.endpoint (the peer.address tag), "host:port"
// with several joined by "/", which is otherwise read from the DSN.
func WithEndpoint(endpoint string) Option { return func(o *options) { o.endpoint = endpoint } }

// WithSQLCleaner replaces SOFATracer's cleaning of the statement text (cut
// to 4096 characters, line breaks and '|' to spaces, spaces collapsed,
// trimmed) with f, to redact literals for example. Its result is the
// db.statement tag; the digest's sql field is that text with ',' written as
// %2C, as in Java. f must depend on the query alone: results are cached
// per query text.
func WithSQLCleaner(f func(query string) string) Option {
	return func(o *options) { o.clean = f }
}

// WithRootSpans says whether a statement whose context holds no span gets
// a span of its own, the root of a new trace (the default, true). With
// false such statements are not traced.
func WithRootSpans(enabled bool) Option { return func(o *options) { o.noRoots = !enabled } }
