package sqlite

import (
	"container/list"
	"context"
	"database/sql/driver"
	"reflect"
)

// stmtCacheSize bounds the statements a connection keeps prepared.
const stmtCacheSize = 256

// maxCachedQuery is the longest query text a connection keeps prepared;
// longer ones (migrations, mostly) are prepared for each use.
const maxCachedQuery = 32 << 10

// cachingConnector opens connections that keep their prepared statements
// between calls. database/sql prepares nothing for DB.Exec and DB.Query:
// the driver parses the SQL text on every call, and for River's long
// statements (one UPDATE per completed job) the parse costs as much as the
// work. Keeping the compiled statement per connection, keyed by its text,
// removes that cost for every caller of the pool, River included.
type cachingConnector struct {
	driver.Connector
}

// Connect implements driver.Connector.
func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	full, ok := conn.(fullConn)
	if !ok {
		return conn, nil
	}
	return &cachingConn{fullConn: full, byQuery: map[string]*list.Element{}, lru: list.New()}, nil
}

// fullConn is the set of optional interfaces modernc.org/sqlite's
// connections implement and database/sql relies on; the wrapper forwards
// all of them.
type fullConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// cachedStmt is a prepared statement and whether rows still read it.
type cachedStmt struct {
	query   string
	stmt    driver.Stmt
	busy    bool // open rows are reading it: it cannot run again yet
	evicted bool // close it when the rows release it
}

// cachingConn is a connection with an LRU of prepared statements. database/sql
// never uses one connection from two goroutines at once, so it needs no
// lock.
type cachingConn struct {
	fullConn
	byQuery map[string]*list.Element
	lru     *list.List // front: most recently used
}

// Unwrap returns the driver's connection (modernc.org/sqlite.Limit looks
// through wrappers this way).
func (c *cachingConn) Unwrap() driver.Conn { return c.fullConn }

// statement returns the cached statement for query, preparing it on first
// use. It returns nil, nil when the statement cannot be used now (rows are
// still reading it) or should not be cached; the caller then runs query
// uncached.
func (c *cachingConn) statement(ctx context.Context, query string) (*cachedStmt, error) {
	if len(query) > maxCachedQuery {
		return nil, nil
	}
	if el, ok := c.byQuery[query]; ok {
		cs := el.Value.(*cachedStmt)
		if cs.busy {
			return nil, nil
		}
		c.lru.MoveToFront(el)
		return cs, nil
	}
	st, err := c.fullConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if _, ok := st.(driver.StmtExecContext); !ok {
		return nil, st.Close()
	}
	if _, ok := st.(driver.StmtQueryContext); !ok {
		return nil, st.Close()
	}
	cs := &cachedStmt{query: query, stmt: st}
	c.byQuery[query] = c.lru.PushFront(cs)
	for c.lru.Len() > stmtCacheSize {
		c.evict(c.lru.Back())
	}
	return cs, nil
}

// evict drops el from the cache, closing its statement now or, when rows
// still read it, once they are closed.
func (c *cachingConn) evict(el *list.Element) {
	cs := c.lru.Remove(el).(*cachedStmt)
	delete(c.byQuery, cs.query)
	if cs.busy {
		cs.evicted = true
		return
	}
	_ = cs.stmt.Close()
}

// ExecContext implements driver.ExecerContext.
func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.fullConn.ExecContext(ctx, query, args)
	}
	return cs.stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

// QueryContext implements driver.QueryerContext.
func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.fullConn.QueryContext(ctx, query, args)
	}
	rows, err := cs.stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	cs.busy = true
	return &cachedRows{Rows: rows, cs: cs}, nil
}

// Close closes every cached statement, then the connection.
func (c *cachingConn) Close() error {
	for el := c.lru.Front(); el != nil; el = el.Next() {
		_ = el.Value.(*cachedStmt).stmt.Close()
	}
	c.lru.Init()
	clear(c.byQuery)
	return c.fullConn.Close()
}

// cachedRows releases its statement for reuse when closed, and forwards
// the column-type interfaces of the driver's rows.
type cachedRows struct {
	driver.Rows
	cs *cachedStmt
}

// Close implements driver.Rows.
func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	if r.cs != nil {
		r.cs.busy = false
		if r.cs.evicted {
			_ = r.cs.stmt.Close()
		}
		r.cs = nil
	}
	return err
}

// ColumnTypeDatabaseTypeName implements driver.RowsColumnTypeDatabaseTypeName.
func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if x, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return x.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

// ColumnTypeLength implements driver.RowsColumnTypeLength.
func (r *cachedRows) ColumnTypeLength(i int) (int64, bool) {
	if x, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return x.ColumnTypeLength(i)
	}
	return 0, false
}

// ColumnTypeNullable implements driver.RowsColumnTypeNullable.
func (r *cachedRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if x, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return x.ColumnTypeNullable(i)
	}
	return false, false
}

// ColumnTypePrecisionScale implements driver.RowsColumnTypePrecisionScale.
func (r *cachedRows) ColumnTypePrecisionScale(i int) (precision, scale int64, ok bool) {
	if x, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return x.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}

// ColumnTypeScanType implements driver.RowsColumnTypeScanType.
func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if x, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return x.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}
