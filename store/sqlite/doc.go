// Package sqlite is the zero-config store.Store: one SQLite file (by
// default ./halcytone.db) through modernc.org/sqlite, pure Go, no cgo.
//
// Guarantees, beyond those of package store:
//   - The database runs in WAL mode with synchronous=NORMAL, foreign keys
//     on and a 5 s busy timeout; every transaction starts with BEGIN
//     IMMEDIATE.
//   - All writes go through ONE connection (Store.DB), so writers queue in
//     Go instead of failing with SQLITE_BUSY. Reads outside a transaction use
//     a separate read-only pool and never wait for a writer; they see every
//     transaction committed before they start.
//   - The schema is created and upgraded on Open by embedded, versioned
//     migrations (table schema_migrations), each in its own transaction: an
//     upgrade that fails leaves the previous version intact. A database
//     written by newer code is refused with ErrSchemaTooNew.
//   - A file that is not a database or is damaged gives ErrCorrupt, a file
//     or directory that cannot be written gives ErrReadOnly; Open never
//     panics and never leaves a half-created schema.
//   - Times are stored as INTEGER unix microseconds in UTC; nested values
//     (results, metadata, stages, ...) as JSON text, nil and empty kept
//     apart (nil in, nil out; empty in, empty out).
//   - Every connection keeps up to 256 statements prepared, keyed by their
//     SQL text, for whoever uses the pools (River included): the SQLite
//     parser no longer runs on every call.
//   - ListJobs reads its Total from counters kept by triggers in the same
//     transaction as the job rows (a COUNT only when a time window is set),
//     and lists through indexes in (created_at DESC, id DESC) order.
//
// River (the schedule package's queue) must use Store.DB, the one writer
// connection, with its riversqlite driver, and enqueue with InsertTx on
// the *sql.Tx that Tx.Driver returns: a second writer connection to the
// same file would meet SQLITE_BUSY. River's migrations create their own
// river_* tables in the same file.
package sqlite
