package sqltrace

import (
	"context"
	"database/sql/driver"
	"errors"
	"sync/atomic"
)

// conn wraps a driver connection. Its exported methods are those of
// driver.Conn and driver.ConnPrepareContext; the generated types of
// conns.go add each optional interface the wrapped connection has.
type conn struct {
	c         driver.Conn
	m         *meta
	establish atomic.Int64 // connecting's ms, until the first statement takes it
}

// wrapConn wraps c, whose connecting took establishMs.
func wrapConn(c driver.Conn, m *meta, establishMs int64) driver.Conn {
	w := &conn{c: c, m: m}
	w.establish.Store(establishMs)
	return connTypes[connMask(c)](w)
}

// Prepare implements driver.Conn.
func (c *conn) Prepare(query string) (driver.Stmt, error) {
	s, err := c.c.Prepare(query)
	if err != nil {
		return nil, err
	}
	return wrapStmt(s, c, query), nil
}

// PrepareContext implements driver.ConnPrepareContext; for a connection
// without it, it does what database/sql does.
func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	var s driver.Stmt
	var err error
	if pc, ok := c.c.(driver.ConnPrepareContext); ok {
		s, err = pc.PrepareContext(ctx, query)
	} else {
		s, err = c.c.Prepare(query)
		if err == nil {
			select {
			default:
			case <-ctx.Done():
				s.Close()
				return nil, ctx.Err()
			}
		}
	}
	if err != nil {
		return nil, err
	}
	return wrapStmt(s, c, query), nil
}

// Close implements driver.Conn.
func (c *conn) Close() error { return c.c.Close() }

// Begin implements driver.Conn.
//
// Deprecated: database/sql calls BeginTx.
func (c *conn) Begin() (driver.Tx, error) {
	t, err := c.c.Begin() //nolint:staticcheck // the wrapped driver's own
	if err != nil {
		return nil, err
	}
	return &tx{t: t, c: c, ctx: context.Background()}, nil
}

func (c *conn) beginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	t, err := c.c.(driver.ConnBeginTx).BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &tx{t: t, c: c, ctx: ctx}, nil
}

func (c *conn) exec(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return traced(ctx, c, query, func() (driver.Result, error) {
		if e, ok := c.c.(driver.ExecerContext); ok {
			return e.ExecContext(ctx, query, args)
		}
		return legacyExec(ctx, c.c.(driver.Execer), query, args) //nolint:staticcheck
	})
}

func (c *conn) query(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return traced(ctx, c, query, func() (driver.Rows, error) {
		if q, ok := c.c.(driver.QueryerContext); ok {
			return q.QueryContext(ctx, query, args)
		}
		return legacyQuery(ctx, c.c.(driver.Queryer), query, args) //nolint:staticcheck
	})
}

func (c *conn) ping(ctx context.Context) error { return c.c.(driver.Pinger).Ping(ctx) }

func (c *conn) resetSession(ctx context.Context) error {
	return c.c.(driver.SessionResetter).ResetSession(ctx)
}

func (c *conn) isValid() bool { return c.c.(driver.Validator).IsValid() }

func (c *conn) checkNamedValue(nv *driver.NamedValue) error {
	return c.c.(driver.NamedValueChecker).CheckNamedValue(nv)
}

// errNamedParams is database/sql's error for named arguments given to a
// driver without the context interfaces.
var errNamedParams = errors.New("sql: driver does not support the use of Named Parameters")

// legacyArgs is what database/sql's ctxDriverExec and ctxDriverQuery do
// before calling a driver.Execer or driver.Queryer: its namedValueToValue,
// then a check that ctx is not done.
func legacyArgs(ctx context.Context, named []driver.NamedValue) ([]driver.Value, error) {
	dargs := make([]driver.Value, len(named))
	for n, param := range named {
		if len(param.Name) > 0 {
			return nil, errNamedParams
		}
		dargs[n] = param.Value
	}
	select {
	default:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return dargs, nil
}

// legacyExec is database/sql's ctxDriverExec for a driver.Execer.
func legacyExec(ctx context.Context, e driver.Execer, query string, named []driver.NamedValue) (driver.Result, error) { //nolint:staticcheck
	dargs, err := legacyArgs(ctx, named)
	if err != nil {
		return nil, err
	}
	return e.Exec(query, dargs)
}

// legacyQuery is database/sql's ctxDriverQuery for a driver.Queryer.
func legacyQuery(ctx context.Context, q driver.Queryer, query string, named []driver.NamedValue) (driver.Rows, error) { //nolint:staticcheck
	dargs, err := legacyArgs(ctx, named)
	if err != nil {
		return nil, err
	}
	return q.Query(query, dargs)
}

// is reports whether v implements T.
func is[T any](v any) bool {
	_, ok := v.(T)
	return ok
}
