package halcytone_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/approval"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/schedule"
	"github.com/halcytone/halcytone/source"
	"github.com/halcytone/halcytone/store"
	"github.com/halcytone/halcytone/store/postgres"
	"github.com/halcytone/halcytone/store/sqlite"
)

func postgresURL() string {
	if u := os.Getenv("HALCYTONE_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// dbBackend is a real store and a River queue on its database.
type dbBackend struct {
	store store.Store
	queue func(schedule.Config) (*schedule.RiverQueue, error)
}

// engine starts an Engine on b's store and a River queue of workers
// workers (polling every 50 ms), stopped at cleanup. cfg gives the rest;
// its Sources default to an empty registry.
func (b dbBackend) engine(t *testing.T, workers int, cfg halcytone.Config) *halcytone.Engine {
	t.Helper()
	eng, _ := b.engineAndQueue(t, workers, cfg, nil)
	return eng
}

// engineAndQueue is engine, returning the queue too. A cfg.Store, when
// set, is used instead of b's store (a wrapper of it); tune, when not nil,
// adjusts the queue's configuration.
func (b dbBackend) engineAndQueue(t *testing.T, workers int, cfg halcytone.Config, tune func(*schedule.Config)) (*halcytone.Engine, *schedule.RiverQueue) {
	t.Helper()
	var eng *halcytone.Engine
	qc := schedule.Config{
		Workers:           workers,
		Worker:            schedule.WorkerFunc(func(ctx context.Context, j schedule.Job, attempt int) error { return eng.Work(ctx, j, attempt) }),
		FetchPollInterval: 50 * time.Millisecond,
	}
	if tune != nil {
		tune(&qc)
	}
	q, err := b.queue(qc)
	require.NoError(t, err)
	if cfg.Store == nil {
		cfg.Store = b.store
	}
	cfg.Queue = q
	if cfg.Sources == nil {
		cfg.Sources = source.NewRegistry()
	}
	eng, err = halcytone.New(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, q.Start(ctx))
	t.Cleanup(func() {
		stopCtx, stop := context.WithTimeout(context.Background(), 10*time.Second)
		defer stop()
		_ = q.Stop(stopCtx)
		cancel()
	})
	return eng, q
}

// dbBackends opens SQLite in a temp file and PostgreSQL in a schema of
// its own, dropped at cleanup.
func dbBackends(ctx context.Context) map[string]func(t *testing.T) dbBackend {
	return map[string]func(t *testing.T) dbBackend{
		"sqlite": func(t *testing.T) dbBackend {
			st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "h.db"))
			require.NoError(t, err)
			t.Cleanup(func() { _ = st.Close() })
			return dbBackend{st, func(c schedule.Config) (*schedule.RiverQueue, error) { return schedule.NewSQLite(ctx, st.DB(), c) }}
		},
		"postgres": func(t *testing.T) dbBackend {
			var b [6]byte
			_, _ = rand.Read(b[:])
			schema := "engine_" + hex.EncodeToString(b[:])
			st, err := postgres.Open(ctx, postgresURL(), postgres.WithSchema(schema))
			require.NoError(t, err, "PostgreSQL must be running at %s (start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)", postgresURL())
			t.Cleanup(func() {
				_ = st.Close()
				if conn, err := pgx.Connect(ctx, postgresURL()); err == nil {
					_, _ = conn.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
					_ = conn.Close(ctx)
				}
			})
			return dbBackend{st, func(c schedule.Config) (*schedule.RiverQueue, error) {
				c.Schema = schema
				return schedule.NewPostgres(ctx, st.Pool(), c)
			}}
		},
	}
}

// TestEngineOnDatabases runs one approval-and-delivery flow on the real
// stores and River queues: SQLite in a temp file and PostgreSQL in a schema
// of its own.
func TestEngineOnDatabases(t *testing.T) {
	ctx := context.Background()
	backends := dbBackends(ctx)
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			b := open(t)
			email := mock.NewRecordingPublisher("email", content.ChannelEmail)
			eng := b.engine(t, 8, halcytone.Config{
				Publishers: []publish.Publisher{email},
				Gate:       &approval.Gate{Policy: approval.DefaultPolicy(), Directory: approval.StaticDirectory{"erin": {"editor"}, "mark": {"marketing"}}},
			})

			blog := &content.Blog{Base: content.Base{Title: "The science of the long exhale", Body: "Making the exhale longer than the inhale is one of the simplest ways to slow down."}}
			res, err := eng.Generate(ctx, halcytone.Request{Content: blog, Channels: []string{"newsletter"}, Author: "ada"})
			require.NoError(t, err)
			require.Equal(t, halcytone.StatusAwaitingApproval, res.Status)

			for _, reviewer := range []string{"erin", "mark"} {
				_, err = eng.Decide(ctx, res.Approval.ID, approval.DecisionInput{Reviewer: reviewer, Decision: approval.Approve})
				require.NoError(t, err)
			}
			require.Eventually(t, func() bool {
				j, err := eng.Job(ctx, res.Job.ID)
				return err == nil && j.Status == store.JobCompleted
			}, time.Minute, 50*time.Millisecond)
			j, err := eng.Job(ctx, res.Job.ID)
			require.NoError(t, err)
			assert.Equal(t, "success", j.Results["newsletter"].Status, "results keyed as the request spelled the channel")
			mock.RequirePublished(t, email, mock.ForJob(j.ID))

			a, err := b.store.GetApproval(ctx, res.Approval.ID)
			require.NoError(t, err)
			assert.Equal(t, store.ApprovalApproved, a.State)
			assert.GreaterOrEqual(t, len(a.Audit), 3, "opened and two approvals")
		})
	}
}

// TestEngineSettlesConcurrentDeliveries: the deliveries of one job,
// finishing at once on several workers, complete the job. On PostgreSQL
// each settle used to read the others as pending before taking the job's
// lock, and a job could stay in_progress for ever.
func TestEngineSettlesConcurrentDeliveries(t *testing.T) {
	ctx := context.Background()
	for name, open := range dbBackends(ctx) {
		t.Run(name, func(t *testing.T) {
			b := open(t)
			var pubs []publish.Publisher
			chans := []content.Channel{content.ChannelEmail, content.ChannelWebsite, content.ChannelTwitter, content.ChannelLinkedIn, content.ChannelFacebook}
			for _, ch := range chans {
				pubs = append(pubs, mock.NewRecordingPublisher(string(ch), ch))
			}
			eng := b.engine(t, 16, halcytone.Config{Publishers: pubs})

			var ids []string
			for i := range 12 {
				u := &content.Update{Base: content.Base{Title: fmt.Sprintf("Studio hours, week %d", i+1), Priority: 4,
					Body: fmt.Sprintf("The studio opens at eight on weekdays in week %d, and the evening class moves to seven.", i+1)}}
				res, err := eng.Generate(ctx, halcytone.Request{Content: u, Channels: []string{"email", "website", "twitter", "linkedin", "facebook"}})
				require.NoError(t, err)
				require.NotNil(t, res.Job, "status %s: %+v", res.Status, res.Report)
				require.Equal(t, halcytone.StatusQueued, res.Status, "level 1: approved at once")
				ids = append(ids, res.Job.ID)
			}
			for _, id := range ids {
				require.Eventually(t, func() bool {
					j, err := eng.Job(ctx, id)
					return err == nil && j.Status.Terminal()
				}, time.Minute, 20*time.Millisecond, "job %s never finished", id)
				j, err := eng.Job(ctx, id)
				require.NoError(t, err)
				assert.Equal(t, store.JobCompleted, j.Status, "job %s: %+v", id, j.Results)
				assert.Len(t, j.Results, len(chans))
			}
		})
	}
}

// TestEngineStoresPlatformTextSafely: a platform's error text with a NUL
// byte and invalid UTF-8 (PostgreSQL refuses NUL) is recorded, and the
// permanent failure is final: one attempt, no resend.
func TestEngineStoresPlatformTextSafely(t *testing.T) {
	ctx := context.Background()
	for name, open := range dbBackends(ctx) {
		t.Run(name, func(t *testing.T) {
			b := open(t)
			email := mock.NewRecordingPublisher("email", content.ChannelEmail)
			email.FailNext(&content.Error{Class: content.Permanent, Op: "crm", Err: errors.New("403: {\"error\":\"forbidden\x00\xff\"}")})
			eng := b.engine(t, 2, halcytone.Config{Publishers: []publish.Publisher{email}})
			res, err := eng.Generate(ctx, halcytone.Request{Content: update("Breathing tips for travel"), Channels: []string{"email"}})
			require.NoError(t, err)
			require.NotNil(t, res.Job, "status %s", res.Status)
			require.Eventually(t, func() bool {
				j, err := eng.Job(ctx, res.Job.ID)
				return err == nil && j.Status == store.JobFailed
			}, time.Minute, 50*time.Millisecond)
			dels, err := b.store.ListDeliveries(ctx, res.Job.ID)
			require.NoError(t, err)
			require.Len(t, dels, 1)
			assert.Equal(t, store.DeliveryFailed, dels[0].Status)
			assert.Equal(t, 1, dels[0].Attempts)
			assert.Contains(t, dels[0].LastError, "forbidden\uFFFD\uFFFD")
			assert.Equal(t, 1, email.Attempts(dels[0].IdempotencyKey), "a permanent failure is not sent again")
		})
	}
}

// TestEngineSendsCancelledContentLater: on the real queues, a job that
// takes over the deliveries of a cancelled, still scheduled job is
// enqueued beside the cancelled job's entry and sends once.
func TestEngineSendsCancelledContentLater(t *testing.T) {
	ctx := context.Background()
	for name, open := range dbBackends(ctx) {
		t.Run(name, func(t *testing.T) {
			b := open(t)
			email := mock.NewRecordingPublisher("email", content.ChannelEmail)
			eng := b.engine(t, 2, halcytone.Config{Publishers: []publish.Publisher{email}})
			req := halcytone.Request{Content: update("Firmware 1.4 is coming"), Channels: []string{"email"}, PublishAt: time.Now().Add(time.Hour)}
			first, err := eng.Generate(ctx, req)
			require.NoError(t, err)
			_, err = eng.Cancel(ctx, first.Job.ID)
			require.NoError(t, err)
			req.PublishAt = time.Time{}
			again, err := eng.Generate(ctx, req)
			require.NoError(t, err)
			require.NotNil(t, again.Job)
			require.Eventually(t, func() bool {
				j, err := eng.Job(ctx, again.Job.ID)
				return err == nil && j.Status == store.JobCompleted
			}, time.Minute, 50*time.Millisecond)
			assert.Len(t, email.Published(), 1)
		})
	}
}
