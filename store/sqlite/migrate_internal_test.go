package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
)

func openRaw(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", writerDSN(filepath.Join(t.TempDir(), "m.db")))
	require.NoError(t, err)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func tableExists(t *testing.T, db *sql.DB, name string) bool {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRowContext(t.Context(),
		"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?", name).Scan(&n))
	return n == 1
}

func TestFailedMigrationLeavesNothingHalfWritten(t *testing.T) {
	ctx := t.Context()
	db := openRaw(t)
	good := fstest.MapFS{"migrations/0001_a.sql": {Data: []byte("CREATE TABLE a (x INTEGER);")}}
	bad := fstest.MapFS{
		"migrations/0001_a.sql": good["migrations/0001_a.sql"],
		"migrations/0002_b.sql": {Data: []byte("CREATE TABLE b (x INTEGER); INSERT INTO a VALUES (1); CREATE TABLE broken (;")},
	}
	ms, err := loadMigrations(good)
	require.NoError(t, err)
	require.NoError(t, migrate(ctx, db, ms))

	ms, err = loadMigrations(bad)
	require.NoError(t, err)
	err = migrate(ctx, db, ms)
	require.ErrorContains(t, err, "0002_b")

	v, err := Version(ctx, db)
	require.NoError(t, err)
	require.Equal(t, 1, v, "the failed migration is not recorded")
	require.False(t, tableExists(t, db, "b"), "the failed migration's first statement is rolled back")
	var rows int
	require.NoError(t, db.QueryRowContext(ctx, "SELECT COUNT(*) FROM a").Scan(&rows))
	require.Zero(t, rows)
}

func TestLoadMigrationsRefusesGapsAndBadNames(t *testing.T) {
	tests := []struct {
		name string
		fs   fstest.MapFS
	}{
		{"gap", fstest.MapFS{"migrations/0001_a.sql": {}, "migrations/0003_c.sql": {}}},
		{"duplicate", fstest.MapFS{"migrations/0001_a.sql": {}, "migrations/0001_b.sql": {}}},
		{"no number", fstest.MapFS{"migrations/init.sql": {}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadMigrations(tt.fs)
			require.Error(t, err)
		})
	}
	ms, err := loadMigrations(migrationFiles)
	require.NoError(t, err)
	require.Equal(t, len(ms), LatestVersion())
}

func TestMigrateTwiceIsNoOp(t *testing.T) {
	ctx := t.Context()
	db := openRaw(t)
	require.NoError(t, Migrate(ctx, db))
	require.NoError(t, Migrate(ctx, db))
	v, err := Version(ctx, db)
	require.NoError(t, err)
	require.Equal(t, LatestVersion(), v)
	require.True(t, tableExists(t, db, "jobs"))
}
