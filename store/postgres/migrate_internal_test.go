package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
)

// TestMigrationFailureKeepsPreviousVersion runs the migration runner on a
// made-up set whose second step fails half-way: the first step stays, the
// second leaves nothing behind, and fixing it lets the next Open go on.
func TestMigrationFailureKeepsPreviousVersion(t *testing.T) {
	url := os.Getenv("HALCYTONE_TEST_POSTGRES_URL")
	if url == "" {
		url = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema := "halcytone_test_" + hex.EncodeToString(b)

	cfg, err := pgxpool.ParseConfig(url)
	require.NoError(t, err)
	cfg.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{schema}.Sanitize()
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := pool.Exec(context.Background(), `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`)
		require.NoError(t, err)
		pool.Close()
	})
	require.NoError(t, pool.Ping(ctx), "PostgreSQL must be running at %s for this test (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)", url)
	s := &Store{queries: queries{db: pool}, pool: pool, schema: schema}

	bad := fstest.MapFS{
		"migrations/0001_one.sql": {Data: []byte(`CREATE TABLE one (id int);`)},
		"migrations/0002_two.sql": {Data: []byte(`CREATE TABLE two (id int); SELECT 1/0;`)},
	}
	ms, err := migrations(bad)
	require.NoError(t, err)
	err = s.migrate(ctx, ms)
	require.ErrorContains(t, err, "0002_two.sql")
	v, err := s.Version(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, v)
	var one, two bool
	require.NoError(t, pool.QueryRow(ctx, `SELECT to_regclass('one') IS NOT NULL, to_regclass('two') IS NOT NULL`).Scan(&one, &two))
	require.True(t, one, "the first migration stays")
	require.False(t, two, "the failed migration left nothing")

	fixed := fstest.MapFS{
		"migrations/0001_one.sql": bad["migrations/0001_one.sql"],
		"migrations/0002_two.sql": {Data: []byte(`CREATE TABLE two (id int);`)},
	}
	ms, err = migrations(fixed)
	require.NoError(t, err)
	require.NoError(t, s.migrate(ctx, ms))
	v, err = s.Version(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, v)
}

func TestMigrationNames(t *testing.T) {
	tests := []struct {
		name  string
		files fstest.MapFS
		want  string
	}{
		{"no number", fstest.MapFS{"migrations/init.sql": {}}, "version number"},
		{"gap", fstest.MapFS{"migrations/0001_a.sql": {}, "migrations/0003_c.sql": {}}, "want version 2"},
		{"repeat", fstest.MapFS{"migrations/0001_a.sql": {}, "migrations/0001_b.sql": {}}, "want version 2"},
		{"zero", fstest.MapFS{"migrations/0000_a.sql": {}}, "version number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := migrations(tt.files)
			require.ErrorContains(t, err, tt.want)
		})
	}
	ms, err := migrations(migrationFiles)
	require.NoError(t, err, "the embedded migrations are well named")
	require.NotEmpty(t, ms)
}
