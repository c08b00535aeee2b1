package sqltrace

import (
	"context"
	"database/sql/driver"
)

// stmt wraps a prepared statement; its executions are traced with the
// statement's text. The types of stmts below add the optional interfaces
// the wrapped statement has.
type stmt struct {
	s driver.Stmt
	c *conn
	q string
}

func wrapStmt(s driver.Stmt, c *conn, query string) driver.Stmt {
	w := &stmt{s: s, c: c, q: query}
	_, nvc := s.(driver.NamedValueChecker)
	_, cc := s.(driver.ColumnConverter) //nolint:staticcheck // the wrapped driver's own
	switch {
	case nvc && cc:
		return stmtNVCCC{w}
	case nvc:
		return stmtNVC{w}
	case cc:
		return stmtCC{w}
	}
	return w
}

// Close implements driver.Stmt.
func (s *stmt) Close() error { return s.s.Close() }

// NumInput implements driver.Stmt.
func (s *stmt) NumInput() int { return s.s.NumInput() }

// Exec implements driver.Stmt; database/sql calls ExecContext.
//
// Deprecated: use ExecContext.
func (s *stmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.s.Exec(args) //nolint:staticcheck // the wrapped driver's own
}

// Query implements driver.Stmt; database/sql calls QueryContext.
//
// Deprecated: use QueryContext.
func (s *stmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.s.Query(args) //nolint:staticcheck // the wrapped driver's own
}

// ExecContext implements driver.StmtExecContext; for a statement without
// it, it does what database/sql does.
func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return traced(ctx, s.c, s.q, func() (driver.Result, error) {
		if e, ok := s.s.(driver.StmtExecContext); ok {
			return e.ExecContext(ctx, args)
		}
		return legacyExec(ctx, legacyStmt{s.s}, "", args)
	})
}

// QueryContext implements driver.StmtQueryContext; for a statement
// without it, it does what database/sql does.
func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return traced(ctx, s.c, s.q, func() (driver.Rows, error) {
		if q, ok := s.s.(driver.StmtQueryContext); ok {
			return q.QueryContext(ctx, args)
		}
		return legacyQuery(ctx, legacyStmt{s.s}, "", args)
	})
}

// legacyStmt gives a statement the shape of driver.Execer and
// driver.Queryer for legacyExec and legacyQuery.
type legacyStmt struct{ s driver.Stmt }

func (l legacyStmt) Exec(_ string, args []driver.Value) (driver.Result, error) {
	return l.s.Exec(args) //nolint:staticcheck
}

func (l legacyStmt) Query(_ string, args []driver.Value) (driver.Rows, error) {
	return l.s.Query(args) //nolint:staticcheck
}

// Statements with NamedValueChecker, ColumnConverter or both.
type (
	stmtNVC   struct{ *stmt }
	stmtCC    struct{ *stmt }
	stmtNVCCC struct{ *stmt }
)

// CheckNamedValue implements driver.NamedValueChecker.
func (s stmtNVC) CheckNamedValue(nv *driver.NamedValue) error {
	return s.s.(driver.NamedValueChecker).CheckNamedValue(nv)
}

// ColumnConverter implements driver.ColumnConverter.
func (s stmtCC) ColumnConverter(idx int) driver.ValueConverter {
	return s.s.(driver.ColumnConverter).ColumnConverter(idx) //nolint:staticcheck
}

// CheckNamedValue implements driver.NamedValueChecker.
func (s stmtNVCCC) CheckNamedValue(nv *driver.NamedValue) error {
	return s.s.(driver.NamedValueChecker).CheckNamedValue(nv)
}

// ColumnConverter implements driver.ColumnConverter.
func (s stmtNVCCC) ColumnConverter(idx int) driver.ValueConverter {
	return s.s.(driver.ColumnConverter).ColumnConverter(idx) //nolint:staticcheck
}
