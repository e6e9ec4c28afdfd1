package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one versioned schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads the NNNN_name.sql files of fsys's migrations
// directory, in version order, refusing gaps and duplicates.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("sqlite: list migrations: %w", err)
	}
	var ms []migration
	for _, name := range names {
		base := strings.TrimSuffix(path.Base(name), ".sql")
		num, _, _ := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("sqlite: migration %q: name must start with a positive version number", name)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("sqlite: read migration %q: %w", name, err)
		}
		ms = append(ms, migration{version: v, name: base, sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("sqlite: migration %q: expected version %d", m.name, i+1)
		}
	}
	return ms, nil
}

// LatestVersion is the schema version this code migrates to.
func LatestVersion() int {
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		return 0
	}
	return len(ms)
}

// Migrate brings the database of db up to LatestVersion, one transaction
// per migration, recording each in schema_migrations. It is a no-op on an
// up-to-date database and safe against a concurrent Migrate of the same
// file (each step re-reads the version under the write lock). A database
// whose version is above LatestVersion gives ErrSchemaTooNew and is left
// untouched. Open calls it; db should be Store.DB or a pool opened with the
// same DSN (BEGIN IMMEDIATE).
func Migrate(ctx context.Context, db *sql.DB) error {
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		return err
	}
	return migrate(ctx, db, ms)
}

func migrate(ctx context.Context, db *sql.DB, ms []migration) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return classify(err, "create schema_migrations")
	}
	for _, m := range ms {
		if err := applyMigration(ctx, db, m, len(ms)); err != nil {
			return err
		}
	}
	// A database newer than the code, with nothing left to apply.
	v, err := Version(ctx, db)
	if err != nil {
		return err
	}
	if v > len(ms) {
		return fmt.Errorf("%w: database is at version %d, this program knows up to %d", ErrSchemaTooNew, v, len(ms))
	}
	return nil
}

// applyMigration applies m in its own transaction unless it is applied.
func applyMigration(ctx context.Context, db *sql.DB, m migration, latest int) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return classify(err, fmt.Sprintf("migration %s: begin", m.name))
	}
	defer func() { _ = tx.Rollback() }()
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return classify(err, "read schema version")
	}
	if current > latest {
		return fmt.Errorf("%w: database is at version %d, this program knows up to %d", ErrSchemaTooNew, current, latest)
	}
	if current >= m.version {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return classify(err, fmt.Sprintf("migration %s", m.name))
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.version, m.name, time.Now().UnixMicro()); err != nil {
		return classify(err, fmt.Sprintf("record migration %s", m.name))
	}
	if err := tx.Commit(); err != nil {
		return classify(err, fmt.Sprintf("migration %s: commit", m.name))
	}
	return nil
}

// Version returns the schema version recorded in db, 0 for a database
// that was never migrated.
func Version(ctx context.Context, db *sql.DB) (int, error) {
	var exists int
	if err := db.QueryRowContext(ctx,
		`SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&exists); err != nil {
		return 0, classify(err, "read schema version")
	}
	if exists == 0 {
		return 0, nil
	}
	var v int
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, classify(err, "read schema version")
	}
	return v, nil
}
