package sqlite

import (
	"context"
	"database/sql"
)

// conn is what runs q's statements: its transaction, or else its pool.
// Statements need no preparing here: the pool's connections keep them
// prepared (see cachingConnector).
type conn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (q *queries) conn() conn {
	if q.sqlTx != nil {
		return q.sqlTx
	}
	return q.db
}

func (q *queries) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return q.conn().ExecContext(ctx, query, args...)
}

func (q *queries) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return q.conn().QueryContext(ctx, query, args...)
}

func (q *queries) queryRow(ctx context.Context, query string, args ...any) scanner {
	return q.conn().QueryRowContext(ctx, query, args...)
}
