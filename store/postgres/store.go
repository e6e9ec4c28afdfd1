package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/halcytone/halcytone/store"
)

// Store is the store.Store on a PostgreSQL database. It is safe for
// concurrent use.
type Store struct {
	queries
	pool   *pgxpool.Pool
	schema string // "" when the server's search_path applies
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at url (a postgres:// URL or a key=value
// DSN, as pgx parses it), checks that it is reachable within ctx, and
// migrates its schema to this build's version. A malformed url or option
// is store.ErrInvalid; a database migrated by newer code is
// ErrSchemaTooNew.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	var o options
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if url == "" {
		return nil, fmt.Errorf("postgres: %w: empty database url", store.ErrInvalid)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgconn redacts the password from the error it returns.
		return nil, fmt.Errorf("postgres: %w: parse database url: %w", store.ErrInvalid, err)
	}
	if o.schema != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{o.schema}.Sanitize()
	}
	if o.maxConns > 0 {
		cfg.MaxConns = o.maxConns
		cfg.MinConns = min(cfg.MinConns, o.maxConns)
	}
	ms, err := migrations(migrationFiles)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: create pool for %s: %w", serverName(cfg), err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect to %s: %w", serverName(cfg), err)
	}
	s := &Store{queries: queries{db: pool}, pool: pool, schema: o.schema}
	if err := s.migrate(ctx, ms); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// serverName names the server of cfg for error messages, without credentials.
func serverName(cfg *pgxpool.Config) string {
	return fmt.Sprintf("%s:%d/%s", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)
}

// Pool returns the store's connection pool, for River's riverpgxv5 driver
// (river.NewClient(riverpgxv5.New(s.Pool()), ...)). Its connections use
// the store's schema. Close closes it.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close closes the pool, waiting for connections in use to be returned.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// InTx runs fn in one transaction: every write through tx commits when fn
// returns nil, none does otherwise, and fn's error is returned as is. A
// panic in fn rolls back and goes on. The store.Tx is for fn's goroutine
// only and must not be used once fn returns.
func (s *Store) InTx(ctx context.Context, fn func(tx store.Tx) error) (err error) {
	if fn == nil {
		return fmt.Errorf("postgres: in tx: %w: nil function", store.ErrInvalid)
	}
	ptx, err := s.pool.Begin(ctx)
	if err != nil {
		return classify(err, "begin transaction")
	}
	t := &tx{queries: queries{db: ptx, pending: counts{}}, raw: ptx}
	done := false
	defer func() {
		if !done {
			// On a cancelled ctx pgx closes the connection, which aborts
			// the transaction on the server just as well.
			_ = ptx.Rollback(ctx)
		}
	}()
	if err := fn(t); err != nil {
		return err
	}
	if err := t.pending.flush(ctx, ptx); err != nil {
		return err
	}
	done = true
	if err := ptx.Commit(ctx); err != nil {
		return classify(err, "commit transaction")
	}
	return nil
}

// tx is the store.Tx of InTx.
type tx struct {
	queries
	raw pgx.Tx
}

// Driver returns the transaction's pgx.Tx, for River's InsertTx.
func (t *tx) Driver() any { return t.raw }

// querier is what queries need of a pool or a transaction. Begin starts a
// transaction on a pool and a savepoint in a transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
	Begin(ctx context.Context) (pgx.Tx, error)
}

// queries implements store.Queries on a pool (Store) or in a transaction
// (tx).
type queries struct {
	db querier
	// pending collects the job count changes of a transaction, applied
	// just before it commits; nil outside InTx.
	pending counts
}

// atomically runs fn in a transaction of its own, or under a savepoint
// inside InTx, so that its statements take effect together or not at all;
// a failing write inside InTx leaves the transaction usable. The job count
// changes fn records in c are applied when the outermost transaction
// commits. fn's error is returned as is.
func (q *queries) atomically(ctx context.Context, fn func(db querier, c counts) error) error {
	sub, err := q.db.Begin(ctx)
	if err != nil {
		return classify(err, "begin transaction")
	}
	committed := false
	defer func() {
		if !committed {
			_ = sub.Rollback(ctx)
		}
	}()
	c := counts{}
	if err := fn(sub, c); err != nil {
		return err
	}
	if q.pending == nil {
		if err := c.flush(ctx, sub); err != nil {
			return err
		}
	}
	committed = true
	if err := sub.Commit(ctx); err != nil {
		return classify(err, "commit transaction")
	}
	if q.pending != nil {
		q.pending.merge(c)
	}
	return nil
}

// fnError marks an error returned by a caller's update function, which
// goes back to the caller as is.
type fnError struct{ err error }

func (e fnError) Error() string { return e.err.Error() }
func (e fnError) Unwrap() error { return e.err }

// unwrapFn returns the caller's own error if err carries one.
func unwrapFn(err error) error {
	var fe fnError
	if errors.As(err, &fe) {
		return fe.err
	}
	return err
}

// savepoint names the savepoint exec and writeRow set inside InTx. It is
// released at once, so reusing the name never nests.
const savepoint = "halcytone_write"

// exec runs one writing statement: on the pool outside InTx, and inside
// it under a savepoint sent in the same round trip, so that a statement
// PostgreSQL refuses (a NUL byte in text, say) leaves the caller's
// transaction usable.
func (q *queries) exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if q.pending == nil {
		return q.db.Exec(ctx, sql, args...)
	}
	var tag pgconn.CommandTag
	err := q.guarded(ctx, func(b *pgx.Batch) {
		b.Queue(sql, args...).Exec(func(t pgconn.CommandTag) error {
			tag = t
			return nil
		})
	})
	return tag, err
}

// writeRow is exec for a statement that returns one row, scanned into
// dest.
func (q *queries) writeRow(ctx context.Context, dest []any, sql string, args ...any) error {
	if q.pending == nil {
		return q.db.QueryRow(ctx, sql, args...).Scan(dest...)
	}
	return q.guarded(ctx, func(b *pgx.Batch) {
		b.Queue(sql, args...).QueryRow(func(r pgx.Row) error { return r.Scan(dest...) })
	})
}

// guarded sends the statement queue adds between SAVEPOINT and RELEASE in
// one batch, and rolls back to the savepoint when it fails.
func (q *queries) guarded(ctx context.Context, queue func(*pgx.Batch)) error {
	b := &pgx.Batch{}
	b.Queue(`SAVEPOINT ` + savepoint)
	queue(b)
	b.Queue(`RELEASE SAVEPOINT ` + savepoint)
	err := q.db.SendBatch(ctx, b).Close()
	if err != nil {
		if _, rerr := q.db.Exec(ctx, `ROLLBACK TO SAVEPOINT `+savepoint); rerr == nil {
			_, _ = q.db.Exec(ctx, `RELEASE SAVEPOINT `+savepoint)
		}
	}
	return err
}
