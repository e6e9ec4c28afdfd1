package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one embedded, versioned schema change.
type migration struct {
	version int
	name    string // the file name, such as "0001_init.sql"
	sql     string
}

// migrations returns the migrations of fsys (migrationFiles in
// production) in version order. Files are migrations/NNNN_what.sql,
// numbered from 1 without gaps.
func migrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("postgres: list migrations: %w", err)
	}
	out := make([]migration, 0, len(names))
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("postgres: migration %q: name must start with a version number and '_'", base)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("postgres: read migration %q: %w", base, err)
		}
		out = append(out, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("postgres: migration %q: want version %d (no gaps, no repeats)", m.name, i+1)
		}
	}
	return out, nil
}

// migrateLockClass is the first key of the advisory lock that serialises
// migrations; the second is a hash of the schema name, so that tenants in
// different schemas migrate in parallel.
const migrateLockClass = 0x4843_5954 // "HCYT"

// migrate brings the schema to the version of the last of ms. Each step is
// one transaction that takes the schema's advisory lock, so replicas that
// open the database at once apply every migration exactly once; one that
// fails rolls back and leaves the previous version in place.
func (s *Store) migrate(ctx context.Context, ms []migration) error {
	for first := true; ; first = false {
		applied, err := s.migrateStep(ctx, ms, first)
		if err != nil {
			return err
		}
		if !applied {
			return nil
		}
	}
}

// migrateStep applies the next pending migration in one transaction and
// reports whether there was one. The first step also creates the schema
// (WithSchema) and the schema_migrations table when missing.
func (s *Store) migrateStep(ctx context.Context, ms []migration, first bool) (applied bool, err error) {
	t, err := s.pool.Begin(ctx)
	if err != nil {
		return false, classify(err, "migrate: begin transaction")
	}
	defer func() { _ = t.Rollback(ctx) }() // a no-op once committed
	if _, err := t.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(coalesce($2::text, current_schema(), '')))`,
		int32(migrateLockClass), nullString(s.schema)); err != nil {
		return false, classify(err, "migrate: take advisory lock")
	}
	if first {
		if err := s.prepareSchema(ctx, t); err != nil {
			return false, err
		}
	}
	var current int
	if err := t.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return false, classify(err, "migrate: read schema version")
	}
	if current > len(ms) {
		return false, fmt.Errorf("%w: the database is at version %d, this program knows up to %d (schema %q)",
			ErrSchemaTooNew, current, len(ms), s.schemaName())
	}
	if current == len(ms) {
		if err := t.Commit(ctx); err != nil {
			return false, classify(err, "migrate: commit")
		}
		return false, nil
	}
	m := ms[current]
	if _, err := t.Exec(ctx, m.sql); err != nil {
		return false, classify(err, fmt.Sprintf("migrate: apply %s", m.name))
	}
	if _, err := t.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
		return false, classify(err, fmt.Sprintf("migrate: record %s", m.name))
	}
	if err := t.Commit(ctx); err != nil {
		return false, classify(err, fmt.Sprintf("migrate: commit %s", m.name))
	}
	return true, nil
}

// prepareSchema creates the store's schema (WithSchema) and the
// schema_migrations table if they are missing, under the migration lock.
func (s *Store) prepareSchema(ctx context.Context, t pgx.Tx) error {
	if s.schema != "" {
		var exists bool
		if err := t.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, s.schema).Scan(&exists); err != nil {
			return classify(err, fmt.Sprintf("migrate: look up schema %q", s.schema))
		}
		if !exists {
			if _, err := t.Exec(ctx, `CREATE SCHEMA `+pgx.Identifier{s.schema}.Sanitize()); err != nil {
				return classify(err, fmt.Sprintf("migrate: create schema %q", s.schema))
			}
		}
	}
	var schema *string
	if err := t.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return classify(err, "migrate: read current schema")
	}
	if schema == nil {
		return fmt.Errorf("postgres: migrate: no schema of the search_path exists: create one or use WithSchema")
	}
	if _, err := t.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    integer     PRIMARY KEY,
	name       text        NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now()
)`); err != nil {
		return classify(err, "migrate: create schema_migrations")
	}
	return nil
}

// schemaName names the store's schema for messages.
func (s *Store) schemaName() string {
	if s.schema == "" {
		return "search_path default"
	}
	return s.schema
}

// Version returns the schema version the database is at: the number of
// the last migration applied.
func (s *Store) Version(ctx context.Context) (int, error) {
	var v int
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, classify(err, "read schema version")
	}
	return v, nil
}

// nullString is s as a query argument: NULL when empty.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
