// Package redistrace traces github.com/redis/go-redis/v9 clients, cluster
// clients and rings with a hook:
//
//	rdb.AddHook(redistrace.NewHook(t))
//
// Every command is a client span named after the command ("SET",
// "CLUSTER INFO"); a pipeline is one span named "PIPELINE" and a
// transaction (TxPipelined, Watch) one named "MULTI", with the names of
// the commands it held in the tag redis.commands. Spans are children of
// the span in the command's context, or roots when it holds none (see
// WithRootSpans).
//
// With the SOFATracer tracer they are written to redis-digest.log and
// redis-stat.log in SOFATracer's Redis layout, digest.Redis: db.type
// "redis" and method after the common prefix, result.code "00", or "99"
// when the command failed; redis.Nil (a missing key) is not a failure.
// The stat key is local.app, db.type and method: unlike Java's (local.app,
// db.type), it tells the commands apart (see digest.Redis).
//
// The commands go-redis sends on its own when it opens a connection
// (HELLO, CLIENT SETNAME, CLIENT SETINFO, CLIENT MAINT_NOTIFICATIONS, and
// a pipeline of only those, AUTH, SELECT and READONLY) are not traced.
//
// Keys and values never reach a span or a log line unless WithStatements
// is set. Errors and results are the client's own.
package redistrace
