//go:generate go run gen_conns.go

package sqltrace

import (
	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/span"
)

// Component is the component tag of the spans of this package; the
// SOFATracer tracer writes such client spans in digest.DataSourceClient,
// SOFATracer's DataSource layout.
const Component = "database/sql"

// Tag keys and values of the spans besides the digest.DataSourceClient
// ones (database.type, db.instance, sql, connection.establish.span,
// db.execute.cost, peer.address) and the common ones.
const (
	tagDBStatement    = "db.statement"
	tagDBType         = "db.type"
	threadName        = "datasource-client"
	dbTypeSQL         = "sql"
	defaultOperation  = "sql"
	operationCommit   = "COMMIT"
	operationRollback = "ROLLBACK"
)

func init() { digest.Register(digest.DataSourceClient, span.KindClient, Component) }
