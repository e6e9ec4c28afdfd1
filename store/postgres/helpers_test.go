package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/store/postgres"
)

// defaultURL is the local test server; HALCYTONE_TEST_POSTGRES_URL
// overrides it.
const defaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

const startHint = "PostgreSQL must be running for these tests: start it with " +
	"`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, " +
	"or point HALCYTONE_TEST_POSTGRES_URL at a server"

// testURL returns the URL of the test server.
func testURL() string {
	if u := os.Getenv("HALCYTONE_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return defaultURL
}

// newSchema returns a fresh schema name and registers its removal with tb.
// It fails tb, never skips, when the server is unreachable.
func newSchema(tb testing.TB) string {
	tb.Helper()
	return newSchemaWith(tb, "halcytone_test_")
}

// newSchemaWith is newSchema with the name's prefix.
func newSchemaWith(tb testing.TB, prefix string) string {
	tb.Helper()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema := prefix + hex.EncodeToString(b)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, testURL())
		if err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}

// openSchema opens a store in schema and closes it at cleanup.
func openSchema(tb testing.TB, schema string, opts ...postgres.Option) *postgres.Store {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := postgres.Open(ctx, testURL(), append([]postgres.Option{postgres.WithSchema(schema)}, opts...)...)
	require.NoError(tb, err, startHint)
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// openTest opens a store in a schema of its own, dropped at cleanup.
func openTest(tb testing.TB, opts ...postgres.Option) *postgres.Store {
	tb.Helper()
	return openSchema(tb, newSchema(tb), opts...)
}
