package sqltrace

import (
	"context"
	"database/sql/driver"
)

// tx traces Commit and Rollback as statements "COMMIT" and "ROLLBACK",
// children of the span in the context the transaction began with (roots
// for a driver without driver.ConnBeginTx, whose Begin has no context).
type tx struct {
	t   driver.Tx
	c   *conn
	ctx context.Context
}

// Commit implements driver.Tx.
func (t *tx) Commit() error { return t.end(operationCommit, t.t.Commit) }

// Rollback implements driver.Tx.
func (t *tx) Rollback() error { return t.end(operationRollback, t.t.Rollback) }

func (t *tx) end(op string, f func() error) error {
	_, err := traced(t.ctx, t.c, op, func() (struct{}, error) { return struct{}{}, f() })
	return err
}
