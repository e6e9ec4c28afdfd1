package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// openCachedDB opens a one-connection pool through cachingConnector with a
// table t(n) holding 1..5.
func openCachedDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := openDB(writerDSN(filepath.Join(t.TempDir(), "c.db")))
	require.NoError(t, err)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { _ = db.Close() })
	_, err = db.ExecContext(context.Background(), "CREATE TABLE t(n INTEGER); INSERT INTO t VALUES (1),(2),(3),(4),(5)")
	require.NoError(t, err)
	return db
}

// connOf reserves db's one connection, so that the test can look into it.
func connOf(t *testing.T, db *sql.DB) *sql.Conn {
	t.Helper()
	conn, err := db.Conn(context.Background())
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// cacheOf returns the connection's cache for inspection.
func cacheOf(t *testing.T, conn *sql.Conn) *cachingConn {
	t.Helper()
	var cc *cachingConn
	require.NoError(t, conn.Raw(func(dc any) error {
		var ok bool
		cc, ok = dc.(*cachingConn)
		if !ok {
			return fmt.Errorf("driver conn is %T", dc)
		}
		return nil
	}))
	return cc
}

func sum(t *testing.T, rows *sql.Rows) int {
	t.Helper()
	total := 0
	for rows.Next() {
		var n int
		require.NoError(t, rows.Scan(&n))
		total += n
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())
	return total
}

func TestCachingConnReusesStatements(t *testing.T) {
	ctx := context.Background()
	conn := connOf(t, openCachedDB(t))
	const q = "SELECT n FROM t WHERE n >= ?"
	for range 3 {
		rows, err := conn.QueryContext(ctx, q, 2)
		require.NoError(t, err)
		assert.Equal(t, 14, sum(t, rows))
	}
	cc := cacheOf(t, conn)
	el, ok := cc.byQuery[q]
	require.True(t, ok, "the query's statement is kept")
	first := el.Value.(*cachedStmt).stmt
	rows, err := conn.QueryContext(ctx, q, 5)
	require.NoError(t, err)
	assert.Equal(t, 5, sum(t, rows))
	assert.Same(t, first, cc.byQuery[q].Value.(*cachedStmt).stmt, "the same prepared statement runs again")
}

// TestCachingConnNestedSameQuery runs a query while rows of the same text
// are still open: the second must not reset the first.
func TestCachingConnNestedSameQuery(t *testing.T) {
	ctx := context.Background()
	conn := connOf(t, openCachedDB(t))
	const q = "SELECT n FROM t WHERE n >= ? ORDER BY n"
	outer, err := conn.QueryContext(ctx, q, 1)
	require.NoError(t, err)
	defer outer.Close() // before the connection's cleanup, should an assertion fail
	var got []int
	for outer.Next() {
		var n int
		require.NoError(t, outer.Scan(&n))
		got = append(got, n)
		require.LessOrEqual(t, len(got), 5, "the outer rows restarted: %v", got)
		inner, err := conn.QueryContext(ctx, q, n)
		require.NoError(t, err)
		defer inner.Close()
		want := 0
		for k := n; k <= 5; k++ {
			want += k
		}
		assert.Equal(t, want, sum(t, inner))
	}
	require.NoError(t, outer.Err())
	require.NoError(t, outer.Close())
	assert.Equal(t, []int{1, 2, 3, 4, 5}, got)
}

// TestCachingConnEvictsBusyStatementLater fills the cache past its bound
// while rows of the oldest statement are open: those rows still read to
// the end, and the cache stays bounded.
func TestCachingConnEvictsBusyStatementLater(t *testing.T) {
	ctx := context.Background()
	conn := connOf(t, openCachedDB(t))
	rows, err := conn.QueryContext(ctx, "SELECT n FROM t ORDER BY n")
	require.NoError(t, err)
	for i := range stmtCacheSize + 10 {
		var n int
		require.NoError(t, conn.QueryRowContext(ctx, fmt.Sprintf("SELECT %d", i)).Scan(&n))
		require.Equal(t, i, n)
	}
	assert.Equal(t, 15, sum(t, rows))
	cc := cacheOf(t, conn)
	assert.Equal(t, stmtCacheSize, cc.lru.Len())
	assert.Len(t, cc.byQuery, stmtCacheSize)
}

func TestCachingConnErrorsAndTransactions(t *testing.T) {
	ctx := context.Background()
	db := openCachedDB(t)
	_, err := db.ExecContext(ctx, "SELECT * FROM missing")
	require.ErrorContains(t, err, "no such table")

	const ins = "INSERT INTO t VALUES (?)"
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	_, err = tx.ExecContext(ctx, ins, 100)
	require.NoError(t, err)
	require.NoError(t, tx.Rollback())
	var total int
	require.NoError(t, db.QueryRowContext(ctx, "SELECT sum(n) FROM t").Scan(&total))
	assert.Equal(t, 15, total, "the rolled-back insert is gone")

	tx, err = db.BeginTx(ctx, nil)
	require.NoError(t, err)
	_, err = tx.ExecContext(ctx, ins, 100)
	require.NoError(t, err)
	require.NoError(t, tx.Commit())
	require.NoError(t, db.QueryRowContext(ctx, "SELECT sum(n) FROM t").Scan(&total))
	assert.Equal(t, 115, total)

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = db.ExecContext(cctx, ins, 1)
	require.ErrorIs(t, err, context.Canceled)
	require.NoError(t, db.QueryRowContext(ctx, "SELECT sum(n) FROM t").Scan(&total))
	assert.Equal(t, 115, total, "a canceled insert writes nothing")
}
