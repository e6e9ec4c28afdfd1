package sqlite_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/store"
	"github.com/halcytone/halcytone/store/sqlite"
)

func TestOpenCreatesSchema(t *testing.T) {
	s, path := openTemp(t)
	v, err := sqlite.Version(t.Context(), s.DB())
	require.NoError(t, err)
	require.Equal(t, sqlite.LatestVersion(), v)
	require.Positive(t, v)
	require.Equal(t, path, s.Path())

	var mode string
	require.NoError(t, s.DB().QueryRowContext(t.Context(), "PRAGMA journal_mode").Scan(&mode))
	require.Equal(t, "wal", mode)
	require.Equal(t, 1, s.DB().Stats().MaxOpenConnections, "one writer connection")
}

func TestReopenIsNoOpAndKeepsData(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "data.db")
	s, err := sqlite.Open(ctx, path)
	require.NoError(t, err)
	require.NoError(t, s.CreateJob(ctx, &store.Job{ID: "j1", DocumentID: "d", Status: store.JobPending, Channels: []string{"email"}}))
	require.NoError(t, s.CreateAPIKey(ctx, &store.APIKey{ID: "k1", Name: "ci", Hash: "abc", Scopes: []string{"read"}}))
	require.NoError(t, s.Close())

	s, err = sqlite.Open(ctx, path)
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	var applied int
	require.NoError(t, s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&applied))
	require.Equal(t, sqlite.LatestVersion(), applied, "reopening applies nothing twice")

	j, err := s.GetJob(ctx, "j1")
	require.NoError(t, err)
	require.Equal(t, []string{"email"}, j.Channels)
	page, err := s.ListJobs(ctx, store.JobFilter{Channel: "email"})
	require.NoError(t, err)
	require.Equal(t, 1, page.Total)
	k, err := s.APIKeyByHash(ctx, "abc")
	require.NoError(t, err)
	require.Equal(t, "k1", k.ID)
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := t.Context()
	s, path := openTemp(t)
	_, err := s.DB().ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', 0)",
		sqlite.LatestVersion()+1)
	require.NoError(t, err)

	_, err = sqlite.Open(ctx, path)
	require.ErrorIs(t, err, sqlite.ErrSchemaTooNew)
	require.ErrorContains(t, err, path)
}

func TestOpenBadFiles(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.db")
	junk := make([]byte, 8192)
	_, _ = rand.Read(junk)
	require.NoError(t, os.WriteFile(garbage, junk, 0o600))
	text := filepath.Join(dir, "text.db")
	require.NoError(t, os.WriteFile(text, []byte("this is not a database, just some notes\n"), 0o600))
	truncated := filepath.Join(dir, "truncated.db")
	{
		s, err := sqlite.Open(t.Context(), truncated)
		require.NoError(t, err)
		require.NoError(t, s.Close())
		b, err := os.ReadFile(truncated)
		require.NoError(t, err)
		copy(b[16:], junk[:100]) // page size and header fields
		require.NoError(t, os.WriteFile(truncated, b, 0o600))
	}

	tests := []struct {
		name string
		path string
		want error
	}{
		{"random bytes", garbage, sqlite.ErrCorrupt},
		{"text file", text, sqlite.ErrCorrupt},
		{"damaged header", truncated, sqlite.ErrCorrupt},
		{"a directory", dir, store.ErrInvalid},
		{"missing directory", filepath.Join(dir, "nope", "x.db"), fs.ErrNotExist},
		{"directory that cannot be written", "/proc/halcytone-test.db", sqlite.ErrReadOnly},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := os.ReadFile(tt.path)
			s, err := sqlite.Open(t.Context(), tt.path)
			require.ErrorIs(t, err, tt.want)
			require.Nil(t, s)
			require.ErrorContains(t, err, tt.path)
			after, _ := os.ReadFile(tt.path)
			require.Equal(t, before, after, "the file is left as it was")
			t.Log(err)
		})
	}
}

func TestOpenReadOnlyFile(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores file permissions; the read-only directory case of TestOpenBadFiles still runs")
	}
	ctx := t.Context()
	dir := t.TempDir()
	path := filepath.Join(dir, "ro.db")
	s, err := sqlite.Open(ctx, path)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, os.Chmod(path, 0o444))
	require.NoError(t, os.Chmod(dir, 0o555))
	t.Cleanup(func() { _ = os.Chmod(dir, 0o755) })

	before, err := os.ReadFile(path)
	require.NoError(t, err)
	_, err = sqlite.Open(ctx, path)
	require.ErrorIs(t, err, sqlite.ErrReadOnly)
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, before, after)
}

func TestOpenURL(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		url     string
		want    string
		wantErr error
	}{
		{"sqlite://" + dir + "/a.db", dir + "/a.db", nil},
		{"sqlite:" + dir + "/b.db", dir + "/b.db", nil},
		{"file://" + dir + "/c%20d.db", dir + "/c d.db", nil},
		{"file:" + dir + "/e.db", dir + "/e.db", nil},
		{dir + "/plain.db", dir + "/plain.db", nil},
		{"postgres://localhost/x", "", store.ErrInvalid},
		{"sqlite://" + dir + "/a.db?mode=ro", "", store.ErrInvalid},
		{"sqlite://", "", store.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			got, err := sqlite.PathFromURL(tt.url)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}

	s, err := sqlite.OpenURL(t.Context(), "sqlite://"+dir+"/we?ird #name.db")
	require.ErrorIs(t, err, store.ErrInvalid, "? starts a query")
	require.Nil(t, s)

	s, err = sqlite.OpenURL(t.Context(), "file://"+dir+"/we%3Fird%20%23name.db")
	require.NoError(t, err)
	require.NoError(t, s.CreateJob(t.Context(), &store.Job{ID: "j", DocumentID: "d", Status: store.JobPending}))
	require.NoError(t, s.Close())
	_, err = os.Stat(filepath.Join(dir, "we?ird #name.db"))
	require.NoError(t, err, "the reserved characters reach the file name unescaped")
}

func TestOpenHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "x.db"))
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.Canceled), "got %v", err)
}

func TestDBIsTheWriter(t *testing.T) {
	ctx := t.Context()
	s, _ := openTemp(t)
	err := s.InTx(ctx, func(tx store.Tx) error {
		sqlTx, ok := tx.Driver().(*sql.Tx)
		require.True(t, ok, "Driver is a *sql.Tx")
		if _, err := sqlTx.ExecContext(ctx, "CREATE TABLE river_probe (x INTEGER)"); err != nil {
			return err
		}
		return tx.CreateJob(ctx, &store.Job{ID: "j", DocumentID: "d", Status: store.JobPending})
	})
	require.NoError(t, err)
	var n int
	require.NoError(t, s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM river_probe").Scan(&n))
	_, err = s.GetJob(ctx, "j")
	require.NoError(t, err)
}
