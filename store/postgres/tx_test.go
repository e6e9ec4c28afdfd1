package postgres_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/store"
	"github.com/halcytone/halcytone/store/postgres"
)

func TestTxConflictLeavesTransactionUsable(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	err := s.InTx(ctx, func(tx store.Tx) error {
		require.NoError(t, tx.CreateJob(ctx, &store.Job{ID: "j1", DocumentID: "d", Status: store.JobPending}))
		require.ErrorIs(t, tx.CreateJob(ctx, &store.Job{ID: "j1", DocumentID: "d", Status: store.JobPending}), store.ErrConflict)
		require.ErrorIs(t, tx.CreateJob(ctx, &store.Job{ID: "bad\x00id", DocumentID: "d"}), store.ErrInvalid,
			"PostgreSQL refuses NUL in text")
		_, err := tx.UpdateJob(ctx, "j1", func(j *store.Job) error {
			j.DocumentID = "no\x00pe"
			return nil
		})
		require.ErrorIs(t, err, store.ErrInvalid)
		// The transaction goes on after each refusal.
		return tx.CreateJob(ctx, &store.Job{ID: "j2", DocumentID: "d", Status: store.JobPending})
	})
	require.NoError(t, err)
	for _, id := range []string{"j1", "j2"} {
		j, err := s.GetJob(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, "d", j.DocumentID)
	}
	page, err := s.ListJobs(ctx, store.JobFilter{})
	require.NoError(t, err)
	assert.Equal(t, 2, page.Total)
}

func TestTxDriverSharesTheTransaction(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	_, err := s.Pool().Exec(ctx, `CREATE TABLE side (id text PRIMARY KEY)`)
	require.NoError(t, err)

	write := func(fail bool) error {
		return s.InTx(ctx, func(tx store.Tx) error {
			ptx, ok := tx.Driver().(pgx.Tx)
			require.True(t, ok, "Driver returns a pgx.Tx, got %T", tx.Driver())
			id := fmt.Sprintf("j-%t", fail)
			if _, err := ptx.Exec(ctx, `INSERT INTO side (id) VALUES ($1)`, id); err != nil {
				return err
			}
			if err := tx.CreateJob(ctx, &store.Job{ID: id, DocumentID: "d", Status: store.JobPending}); err != nil {
				return err
			}
			if fail {
				return errors.New("boom")
			}
			return nil
		})
	}
	require.NoError(t, write(false))
	require.EqualError(t, write(true), "boom")

	var ids []string
	rows, err := s.Pool().Query(ctx, `SELECT id FROM side ORDER BY id`)
	require.NoError(t, err)
	ids, err = pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	assert.Equal(t, []string{"j-false"}, ids, "the driver's writes commit and roll back with the store's")
	_, err = s.GetJob(ctx, "j-true")
	require.ErrorIs(t, err, store.ErrNotFound)
}

func TestTxPanicRollsBack(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	require.PanicsWithValue(t, "boom", func() {
		_ = s.InTx(ctx, func(tx store.Tx) error {
			require.NoError(t, tx.CreateJob(ctx, &store.Job{ID: "j1", DocumentID: "d", Status: store.JobPending}))
			panic("boom")
		})
	})
	_, err := s.GetJob(ctx, "j1")
	require.ErrorIs(t, err, store.ErrNotFound)
	page, err := s.ListJobs(ctx, store.JobFilter{})
	require.NoError(t, err)
	assert.Zero(t, page.Total)
}

// TestJobCountsMatchRows checks the counters ListJobs reads its Total from
// against COUNT(*) (a time window makes ListJobs count rows) after
// concurrent creates, status and channel changes, and rolled-back
// transactions.
func TestJobCountsMatchRows(t *testing.T) {
	s := openTest(t, postgres.WithMaxConns(8))
	ctx := t.Context()
	statuses := []store.JobStatus{store.JobPending, store.JobScheduled, store.JobCompleted, store.JobFailed}
	channels := [][]string{{"email"}, {"email", "website"}, {"twitter", "twitter"}, nil, {}}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	var wg sync.WaitGroup
	for w := range 6 {
		wg.Go(func() {
			for i := range 30 {
				n := w*100 + i
				id := fmt.Sprintf("j%04d", n)
				err := s.InTx(ctx, func(tx store.Tx) error {
					j := &store.Job{ID: id, DocumentID: "d", Status: statuses[n%len(statuses)],
						Channels: channels[n%len(channels)], CreatedAt: base.Add(time.Duration(n) * time.Second)}
					if err := tx.CreateJob(ctx, j); err != nil {
						return err
					}
					if n%7 == 0 {
						return errors.New("rolled back")
					}
					return nil
				})
				if n%7 == 0 {
					assert.EqualError(t, err, "rolled back")
					continue
				}
				assert.NoError(t, err)
				if n%3 == 0 {
					_, err := s.UpdateJob(ctx, id, func(j *store.Job) error {
						j.Status = statuses[(n+1)%len(statuses)]
						j.Channels = append(j.Channels, "linkedin")
						return nil
					})
					assert.NoError(t, err)
				}
			}
		})
	}
	wg.Wait()

	filters := []store.JobFilter{{}}
	for _, st := range statuses {
		filters = append(filters, store.JobFilter{Statuses: []store.JobStatus{st}})
	}
	for _, ch := range []string{"email", "website", "twitter", "linkedin", "facebook"} {
		filters = append(filters, store.JobFilter{Channel: ch},
			store.JobFilter{Channel: ch, Statuses: []store.JobStatus{store.JobPending, store.JobCompleted}})
	}
	for _, f := range filters {
		fast, err := s.ListJobs(ctx, f)
		require.NoError(t, err)
		f.CreatedAfter = base.Add(-time.Hour)
		counted, err := s.ListJobs(ctx, f)
		require.NoError(t, err)
		assert.Equal(t, counted.Total, fast.Total, "filter %+v", f)
		assert.Equal(t, counted.Jobs, fast.Jobs, "filter %+v", f)
	}
	all, err := s.ListJobs(ctx, store.JobFilter{})
	require.NoError(t, err)
	want := 0
	for w := range 6 {
		for i := range 30 {
			if (w*100+i)%7 != 0 {
				want++
			}
		}
	}
	assert.Equal(t, want, all.Total, "the rolled-back jobs are not counted")
}

func TestNULBytes(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	doc := &content.Document{Title: "nul \x00 inside", Sections: []content.Section{{Heading: "h"}}}
	v, created, err := s.SaveDocument(ctx, "ref", doc, false)
	require.NoError(t, err, "documents are json, kept verbatim")
	require.True(t, created)
	assert.Equal(t, "nul \x00 inside", v.Document.Title)

	err = s.CreateJob(ctx, &store.Job{ID: "j1", DocumentID: "d", Metadata: map[string]any{"k": "a\x00b"}})
	require.ErrorIs(t, err, store.ErrInvalid, "jsonb refuses \\u0000")
	_, err = s.GetJob(ctx, "j1")
	require.ErrorIs(t, err, store.ErrNotFound, "nothing written")
}
