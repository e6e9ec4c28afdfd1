package schedule_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/schedule"
	"github.com/halcytone/halcytone/store"
	"github.com/halcytone/halcytone/store/sqlite"
)

// driverTx is a store.Tx that only carries a driver transaction: the
// queue needs nothing else from the store.
type driverTx struct {
	store.Queries
	d any
}

func (t driverTx) Driver() any { return t.d }

// backendKind opens a fresh queue of one kind with its own database.
type backendKind struct {
	name string
	open func(tb testing.TB, cfg schedule.Config) (*schedule.RiverQueue, txRunner)
}

// txRunner runs fn in a transaction that commits when fn returns nil.
type txRunner func(ctx context.Context, fn func(tx store.Tx) error) error

func backends() []backendKind {
	return []backendKind{{"sqlite", openSQLiteQueue}, {"postgres", openPostgresQueue}}
}

// openSQLite returns the writer pool of a new SQLite store: the pool the
// server gives River, with its prepared-statement cache.
func openSQLite(tb testing.TB) *sql.DB {
	tb.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "queue.db"), sqlite.WithReadConns(0))
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = st.Close() })
	return st.DB()
}

func openSQLiteQueue(tb testing.TB, cfg schedule.Config) (*schedule.RiverQueue, txRunner) {
	tb.Helper()
	db := openSQLite(tb)
	q, err := schedule.NewSQLite(context.Background(), db, cfg)
	require.NoError(tb, err)
	return q, func(ctx context.Context, fn func(tx store.Tx) error) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if err := fn(driverTx{d: tx}); err != nil {
			_ = tx.Rollback()
			return err
		}
		return tx.Commit()
	}
}

func postgresURL() string {
	if u := os.Getenv("HALCYTONE_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// openPostgres returns a pool whose search_path is a new schema, dropped
// at cleanup, and the schema's name. An unreachable server fails the test.
func openPostgres(tb testing.TB) (*pgxpool.Pool, string) {
	tb.Helper()
	ctx := context.Background()
	url := postgresURL()
	admin, err := pgxpool.New(ctx, url)
	require.NoError(tb, err)
	if err := admin.Ping(ctx); err != nil {
		admin.Close()
		tb.Fatalf("postgres at %s is unreachable (%v): start it with "+
			"`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` "+
			"or set HALCYTONE_TEST_POSTGRES_URL", url, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "sched_" + hex.EncodeToString(b[:])
	_, err = admin.Exec(ctx, "CREATE SCHEMA "+schema)
	require.NoError(tb, err)
	cfg, err := pgxpool.ParseConfig(url)
	require.NoError(tb, err)
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(tb, err)
	tb.Cleanup(func() {
		pool.Close()
		_, _ = admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	return pool, schema
}

func openPostgresQueue(tb testing.TB, cfg schedule.Config) (*schedule.RiverQueue, txRunner) {
	tb.Helper()
	pool, schema := openPostgres(tb)
	cfg.Schema = schema
	q, err := schedule.NewPostgres(context.Background(), pool, cfg)
	require.NoError(tb, err)
	return q, func(ctx context.Context, fn func(tx store.Tx) error) error {
		tx, err := pool.Begin(ctx)
		if err != nil {
			return err
		}
		if err := fn(driverTx{d: tx}); err != nil {
			_ = tx.Rollback(ctx)
			return err
		}
		return tx.Commit(ctx)
	}
}

// startQueue starts q and stops it at cleanup.
func startQueue(tb testing.TB, q *schedule.RiverQueue) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(tb, q.Start(ctx))
	tb.Cleanup(func() {
		stopCtx, stop := context.WithTimeout(context.Background(), 30e9)
		defer stop()
		require.NoError(tb, q.Stop(stopCtx))
		cancel()
	})
}
