package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/halcytone/halcytone/store"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

var (
	_ store.Store = (*Store)(nil)
	_ store.Tx    = (*tx)(nil)
)

// Store is a store.Store in one SQLite file. It is safe for concurrent use.
type Store struct {
	path   string
	writer *sql.DB // one connection: every write and every transaction
	reader *sql.DB // read-only pool; == writer when disabled
	now    func() time.Time
}

// Option configures Open.
type Option func(*options)

type options struct {
	readConns int
	now       func() time.Time
}

// WithReadConns sets the size of the read-only connection pool that serves
// reads outside transactions; the default is max(2, GOMAXPROCS). n <= 0
// sends reads through the writer connection instead, so they wait for any
// transaction in progress.
func WithReadConns(n int) Option { return func(o *options) { o.readConns = n } }

// WithClock sets the clock for the times the store assigns (CreatedAt when
// zero, UpdatedAt); the default is time.Now.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// Open opens (creating it if needed) the database file at path, "" meaning
// DefaultPath in the working directory, and applies the pending
// migrations. Its errors wrap ErrCorrupt, ErrReadOnly, ErrSchemaTooNew,
// fs.ErrNotExist (the directory does not exist) or store.ErrInvalid (path
// is a directory). ctx bounds the opening and migrating only.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	o := options{readConns: max(2, runtime.GOMAXPROCS(0)), now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	if path == "" {
		path = DefaultPath
	}
	if err := checkPath(path); err != nil {
		return nil, err
	}
	writer, err := openDB(writerDSN(path))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	s := &Store{path: path, writer: writer, reader: writer, now: o.now}
	if err := pingWhileBusy(ctx, writer); err != nil {
		_ = writer.Close()
		return nil, classify(err, fmt.Sprintf("open %q", path))
	}
	if err := Migrate(ctx, writer); err != nil {
		_ = writer.Close()
		return nil, fmt.Errorf("%w (database %q)", err, path)
	}
	if o.readConns > 0 {
		reader, err := openDB(readerDSN(path))
		if err != nil {
			_ = writer.Close()
			return nil, fmt.Errorf("sqlite: open %q for reading: %w", path, err)
		}
		reader.SetMaxOpenConns(o.readConns)
		reader.SetMaxIdleConns(o.readConns)
		if err := reader.PingContext(ctx); err != nil {
			_ = reader.Close()
			_ = writer.Close()
			return nil, classify(err, fmt.Sprintf("open %q for reading", path))
		}
		s.reader = reader
	}
	return s, nil
}

// openBusyWait bounds how long Open waits for another process that is
// creating or converting the same file (the switch to WAL on a new file
// can fail at once with SQLITE_BUSY, before busy_timeout applies).
const openBusyWait = 5 * time.Second

// pingWhileBusy opens db's first connection (running the DSN's pragmas),
// again while it fails with SQLITE_BUSY, for at most openBusyWait.
func pingWhileBusy(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(openBusyWait)
	for delay := 5 * time.Millisecond; ; delay = min(2*delay, 200*time.Millisecond) {
		err := db.PingContext(ctx)
		if err == nil || sqliteCode(err)&0xff != sqlite3.SQLITE_BUSY || time.Now().Add(delay).After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
	}
}

// openDB opens a pool on dsn whose connections keep their prepared
// statements (see cachingConnector).
func openDB(dsn string) (*sql.DB, error) {
	base, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(cachingConnector{base}), nil
}

// OpenURL is Open for a database URL such as "sqlite://halcytone.db" or
// "file:///var/lib/halcytone/halcytone.db" (see PathFromURL).
func OpenURL(ctx context.Context, rawURL string, opts ...Option) (*Store, error) {
	path, err := PathFromURL(rawURL)
	if err != nil {
		return nil, err
	}
	return Open(ctx, path, opts...)
}

// checkPath refuses a directory and a missing parent directory before
// SQLite reports them as an unhelpful "unable to open database file".
func checkPath(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("sqlite: open %q: %w: is a directory", path, store.ErrInvalid)
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("sqlite: open %q: directory %q: %w", path, dir, fs.ErrNotExist)
	case err != nil:
		return fmt.Errorf("sqlite: open %q: %w", path, err)
	case !fi.IsDir():
		return fmt.Errorf("sqlite: open %q: %w: %q is not a directory", path, store.ErrInvalid, dir)
	}
	return nil
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// DB returns the writer pool: one connection, for River's riversqlite
// driver. River must share it (a second writer connection would meet
// SQLITE_BUSY); a job's queue entry is written with River's InsertTx on
// the *sql.Tx of Tx.Driver, inside InTx.
func (s *Store) DB() *sql.DB { return s.writer }

// Close runs PRAGMA optimize (bounded by analysis_limit, as SQLite
// advises) and closes both pools.
func (s *Store) Close() error {
	_, _ = s.writer.Exec("PRAGMA analysis_limit = 400; PRAGMA optimize")
	var errs []error
	if s.reader != s.writer {
		errs = append(errs, s.reader.Close())
	}
	errs = append(errs, s.writer.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite: close %q: %w", s.path, err)
	}
	return nil
}

// InTx runs fn in one IMMEDIATE transaction on the writer connection: its
// writes commit when fn returns nil and roll back otherwise; fn's error is
// returned as is. A panic in fn rolls back and is re-raised. Concurrent
// calls queue for the connection, honouring ctx.
func (s *Store) InTx(ctx context.Context, fn func(store.Tx) error) error {
	return s.inTx(ctx, func(q *queries) error { return fn(&tx{queries: q}) })
}

func (s *Store) inTx(ctx context.Context, fn func(*queries) error) (err error) {
	sqlTx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return classify(err, "begin transaction")
	}
	done := false
	defer func() {
		if !done {
			_ = sqlTx.Rollback()
		}
	}()
	if err := fn(&queries{db: s.writer, sqlTx: sqlTx, now: s.now}); err != nil {
		return err
	}
	done = true
	if err := sqlTx.Commit(); err != nil {
		return classify(err, "commit")
	}
	return nil
}

// write runs fn in a transaction and returns its value.
func write[T any](ctx context.Context, s *Store, fn func(*queries) (T, error)) (T, error) {
	var out T
	err := s.inTx(ctx, func(q *queries) error {
		var err error
		out, err = fn(q)
		return err
	})
	return out, err
}

// read returns the queries of the read pool.
func (s *Store) read() *queries { return &queries{db: s.reader, now: s.now} }

// tx is the store.Tx of InTx.
type tx struct{ *queries }

// Driver returns the *sql.Tx of the transaction.
func (t *tx) Driver() any { return t.sqlTx }

// queries implements store.Queries on one pool, inside sqlTx when it is
// set. Writes that need several statements
// must run in a transaction: Store wraps them in one.
type queries struct {
	db    *sql.DB // the pool, outside a transaction
	sqlTx *sql.Tx // nil outside a transaction
	now   func() time.Time
}

// readTx runs fn in a read-only transaction of the read pool, so that the
// several statements of fn (a page and its total) see one snapshot.
func readTx[T any](ctx context.Context, s *Store, fn func(*queries) (T, error)) (T, error) {
	var zero T
	sqlTx, err := s.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return zero, classify(err, "begin read transaction")
	}
	defer func() { _ = sqlTx.Rollback() }()
	out, err := fn(&queries{db: s.reader, sqlTx: sqlTx, now: s.now})
	if err != nil {
		return zero, err
	}
	return out, nil
}
