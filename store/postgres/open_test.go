package postgres_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/store"
	"github.com/halcytone/halcytone/store/postgres"
)

// latestVersion is the number of embedded migrations.
const latestVersion = 2

func TestMigrationsFresh(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	v, err := s.Version(ctx)
	require.NoError(t, err)
	require.Equal(t, latestVersion, v)

	var tables []string
	rows, err := s.Pool().Query(ctx, `SELECT table_name FROM information_schema.tables
WHERE table_schema = current_schema() ORDER BY table_name`)
	require.NoError(t, err)
	tables, err = pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Equal(t, []string{"api_keys", "approvals", "bundles", "deliveries", "document_versions",
		"events", "job_counts", "jobs", "schedules", "schema_migrations", "webhook_deliveries", "webhooks"}, tables)
}

func TestMigrationsReopenIsNoop(t *testing.T) {
	schema := newSchema(t)
	first := openSchema(t, schema)
	ctx := t.Context()
	var applied time.Time
	require.NoError(t, first.Pool().QueryRow(ctx, `SELECT max(applied_at) FROM schema_migrations`).Scan(&applied))
	require.NoError(t, first.Close())

	second := openSchema(t, schema)
	var n int
	var again time.Time
	require.NoError(t, second.Pool().QueryRow(ctx, `SELECT count(*), max(applied_at) FROM schema_migrations`).Scan(&n, &again))
	require.Equal(t, latestVersion, n)
	require.Equal(t, applied, again, "a re-open applies nothing")
}

func TestMigrationsConcurrentOpen(t *testing.T) {
	schema := newSchema(t)
	const replicas = 4
	var (
		wg     sync.WaitGroup
		errs   [replicas]error
		stores [replicas]*postgres.Store
	)
	for i := range replicas {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			stores[i], errs[i] = postgres.Open(ctx, testURL(), postgres.WithSchema(schema), postgres.WithMaxConns(2))
		})
	}
	wg.Wait()
	for i := range replicas {
		require.NoError(t, errs[i], "replica %d", i)
		t.Cleanup(func() { _ = stores[i].Close() })
	}
	var n int
	require.NoError(t, stores[0].Pool().QueryRow(t.Context(), `SELECT count(*) FROM schema_migrations`).Scan(&n))
	require.Equal(t, latestVersion, n, "each migration applied once")

	// Every replica sees the same tables.
	j := &store.Job{ID: "j1", DocumentID: "d", Status: store.JobPending}
	require.NoError(t, stores[1].CreateJob(t.Context(), j))
	_, err := stores[3].GetJob(t.Context(), "j1")
	require.NoError(t, err)
}

func TestSchemaTooNew(t *testing.T) {
	schema := newSchema(t)
	s := openSchema(t, schema)
	_, err := s.Pool().Exec(t.Context(), `INSERT INTO schema_migrations (version, name) VALUES (999, '0999_future.sql')`)
	require.NoError(t, err)
	require.NoError(t, s.Close())

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = postgres.Open(ctx, testURL(), postgres.WithSchema(schema))
	require.ErrorIs(t, err, postgres.ErrSchemaTooNew)
	assert.Contains(t, err.Error(), "999")
}

func TestReopenPersists(t *testing.T) {
	schema := newSchema(t)
	s := openSchema(t, schema)
	ctx := t.Context()
	created := time.Date(2026, 3, 8, 7, 30, 0, 123456789, time.UTC)
	j := &store.Job{ID: "j1", DocumentID: "gdocs:abc", Channels: []string{"email", "web"},
		Status: store.JobScheduled, CreatedAt: created, Metadata: map[string]any{"n": 1.5}, IdempotencyKey: "idem-1"}
	require.NoError(t, s.CreateJob(ctx, j))
	require.NoError(t, s.Close())

	again := openSchema(t, schema)
	got, err := again.JobByIdempotencyKey(ctx, "idem-1")
	require.NoError(t, err)
	assert.Equal(t, "j1", got.ID)
	assert.Equal(t, created.Truncate(time.Microsecond), got.CreatedAt)
	assert.Equal(t, []string{"email", "web"}, got.Channels)
	assert.Equal(t, map[string]any{"n": 1.5}, got.Metadata)
	page, err := again.ListJobs(ctx, store.JobFilter{Channel: "web"})
	require.NoError(t, err)
	assert.Equal(t, 1, page.Total, "the job counters persist too")
}

func TestSchemasAreIsolated(t *testing.T) {
	a := openTest(t)
	b := openSchema(t, newSchemaWith(t, `Tenant "B"; -- `), postgres.WithMaxConns(1))
	ctx := t.Context()
	require.NoError(t, a.CreateJob(ctx, &store.Job{ID: "j1", DocumentID: "d", Status: store.JobPending}))
	_, err := b.GetJob(ctx, "j1")
	require.ErrorIs(t, err, store.ErrNotFound)
	require.NoError(t, b.CreateJob(ctx, &store.Job{ID: "j1", DocumentID: "d", Status: store.JobPending}), "the same id in another schema")
}

func TestOpenErrors(t *testing.T) {
	// A server that accepts connections and never answers.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var held sync.WaitGroup
	t.Cleanup(held.Wait) // after the Close below: cleanups run last first
	t.Cleanup(func() { _ = silent.Close() })
	held.Go(func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				_ = c.Close()
			}
		}()
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	})

	// A port nobody listens on.
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closedAddr := closed.Addr().String()
	require.NoError(t, closed.Close())

	tests := []struct {
		name    string
		url     string
		opts    []postgres.Option
		wantIs  error
		wantMsg string
	}{
		{name: "empty url", url: "", wantIs: store.ErrInvalid, wantMsg: "empty database url"},
		{name: "malformed url", url: "postgres://postgres@127.0.0.1:notaport/test", wantIs: store.ErrInvalid, wantMsg: "parse database url"},
		{name: "unknown parameter", url: "postgres://127.0.0.1/test?sslmode=sometimes", wantIs: store.ErrInvalid},
		{name: "empty schema", url: testURL(), opts: []postgres.Option{postgres.WithSchema("")}, wantIs: store.ErrInvalid},
		{name: "schema too long", url: testURL(), opts: []postgres.Option{postgres.WithSchema(string(make([]byte, 64)))}, wantIs: store.ErrInvalid},
		{name: "zero pool", url: testURL(), opts: []postgres.Option{postgres.WithMaxConns(0)}, wantIs: store.ErrInvalid},
		{name: "nothing listens", url: "postgres://postgres@" + closedAddr + "/test?sslmode=disable", wantMsg: "connect to 127.0.0.1"},
		{name: "server never answers", url: "postgres://postgres@" + silent.Addr().String() + "/test?sslmode=disable",
			wantIs: context.DeadlineExceeded, wantMsg: "connect to 127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
			defer cancel()
			s, err := postgres.Open(ctx, tt.url, tt.opts...)
			require.Error(t, err)
			require.Nil(t, s)
			if tt.wantIs != nil {
				require.ErrorIs(t, err, tt.wantIs)
			}
			assert.Contains(t, err.Error(), tt.wantMsg)
		})
	}
}

func TestPasswordNotInErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	_, err := postgres.Open(ctx, "postgres://u:s3cret-pw@127.0.0.1:notaport/test")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "s3cret-pw")
}
