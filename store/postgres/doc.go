// Package postgres is the store.Store on PostgreSQL, through pgx and its
// connection pool: the scale-out choice, where several Halcytone replicas
// share one database.
//
// Guarantees, beyond those of package store:
//   - The schema is created and upgraded on Open by embedded, versioned
//     migrations (table schema_migrations), each in its own transaction,
//     under a transaction-scoped advisory lock per schema: replicas that
//     start at once apply every migration exactly once, and an upgrade that
//     fails leaves the previous version intact. A database migrated by newer
//     code is refused with ErrSchemaTooNew.
//   - WithSchema puts every table in one PostgreSQL schema (created if
//     missing) by setting search_path on each pooled connection, so that
//     tenants, or tests, share a database without sharing rows.
//   - Update functions (UpdateJob, ...) lock the row with SELECT ... FOR
//     UPDATE inside a transaction: concurrent updates queue, none is lost.
//   - A unique key taken is store.ErrConflict (inserts use ON CONFLICT DO
//     NOTHING, so a conflict inside InTx leaves the transaction usable); a
//     missing row is store.ErrNotFound; a value PostgreSQL refuses (a NUL
//     byte in text, say) is store.ErrInvalid.
//   - Every write inside InTx runs under a savepoint (sent in the same round
//     trip as a one-statement write): one that fails changes nothing and the
//     transaction goes on.
//   - ListJobs lists through the (created_at DESC, id DESC) index, the
//     status index, or the GIN index on channels, and reads its Total from
//     per-(status, channel) counters kept in the same transaction as the
//     job rows (a COUNT only when a time window is set). JobStats runs SQL
//     aggregates (date_bin buckets), never loading rows.
//   - Times are timestamptz (microseconds) returned in UTC; nested values are
//     jsonb (documents and bundles json, kept verbatim), nil and empty kept
//     apart. PostgreSQL refuses NUL bytes in text and "\u0000" in jsonb:
//     such a value is store.ErrInvalid (documents and bundles excepted: json
//     keeps it).
//
// River (the schedule package's queue) uses Store.Pool with its riverpgxv5
// driver and enqueues with InsertTx on the pgx.Tx that Tx.Driver returns,
// so a job's row and its queue entry commit together. River's own
// migrations create its river_* tables in the same schema.
package postgres
