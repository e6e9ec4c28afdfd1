package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// stmtCache keeps one prepared statement per query text for a pool.
// modernc.org/sqlite prepares every query anew otherwise, and preparing
// (parsing, and compiling the job triggers into every insert) costs more
// than running the statement. The queries are a fixed, small set of shapes.
//
// A statement is prepared on the pool (db.PrepareContext), which needs a
// free connection: inside a transaction, which holds one (the only one, on
// the writer), a query met for the first time runs as a statement of the
// transaction and is queued in pending, to be prepared on the pool once the
// transaction has ended.
type stmtCache struct {
	db      *sql.DB
	mu      sync.Mutex
	m       map[string]*sql.Stmt
	pending map[string]bool
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// get returns the prepared statement of query, if there is one.
func (c *stmtCache) get(query string) (*sql.Stmt, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.m[query]
	return st, ok
}

// want queues query to be prepared by preparePending.
func (c *stmtCache) want(query string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending[query] = true
}

// preparePending prepares the queued queries. It must be called while the
// caller holds no connection of the pool. A failure leaves the query to be
// queued again on its next use.
func (c *stmtCache) preparePending(ctx context.Context) {
	c.mu.Lock()
	queries := make([]string, 0, len(c.pending))
	for q := range c.pending {
		queries = append(queries, q)
	}
	clear(c.pending)
	c.mu.Unlock()
	for _, q := range queries {
		_, _ = c.prepare(ctx, q)
	}
}

// prepare returns the statement of query, preparing it on first use.
func (c *stmtCache) prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := c.get(query); ok {
		return st, nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[query]; ok {
		_ = st.Close()
		return prev, nil
	}
	c.m[query] = st
	return st, nil
}

// close closes every statement.
func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for q, st := range c.m {
		errs = append(errs, st.Close())
		delete(c.m, q)
	}
	return errors.Join(errs...)
}

// stmt returns the cached statement of query, bound to q's transaction
// if there is one.
func (q *queries) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if q.sqlTx == nil {
		return q.stmts.prepare(ctx, query)
	}
	if st, ok := q.stmts.get(query); ok {
		return q.sqlTx.StmtContext(ctx, st), nil
	}
	q.stmts.want(query)
	return q.sqlTx.PrepareContext(ctx, query)
}

func (q *queries) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := q.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (q *queries) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := q.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (q *queries) queryRow(ctx context.Context, query string, args ...any) scanner {
	st, err := q.stmt(ctx, query)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

// errRow is a row whose Scan fails with err.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
