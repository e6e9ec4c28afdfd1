package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/store"
)

func testInTx(t *testing.T, open opener) {
	t.Run("CommitOnNil", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		err := s.InTx(ctx, func(tx store.Tx) error {
			_ = tx.Driver() // callable; its value is the driver's business
			if err := tx.CreateJob(ctx, job("job-1", 0, store.JobPending, "email")); err != nil {
				return err
			}
			// Reads inside the transaction see its writes.
			if _, err := tx.UpdateJob(ctx, "job-1", func(j *store.Job) error { j.Status = store.JobScheduled; return nil }); err != nil {
				return err
			}
			got, err := tx.GetJob(ctx, "job-1")
			if err != nil {
				return err
			}
			if got.Status != store.JobScheduled {
				return fmt.Errorf("status inside the transaction is %q", got.Status)
			}
			if _, _, err := tx.SaveDocument(ctx, "ref", sampleDocument("x"), false); err != nil {
				return err
			}
			return tx.CreateDelivery(ctx, &store.Delivery{IdempotencyKey: "d-1", JobID: "job-1", Channel: "email", Status: store.DeliveryPending, CreatedAt: at(0)})
		})
		require.NoError(t, err)
		got, err := s.GetJob(ctx, "job-1")
		require.NoError(t, err)
		require.Equal(t, store.JobScheduled, got.Status)
		_, err = s.LatestDocument(ctx, "ref")
		require.NoError(t, err)
		_, err = s.GetDelivery(ctx, "d-1")
		require.NoError(t, err)
	})

	t.Run("RollbackOnError", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		require.NoError(t, s.CreateJob(ctx, job("existing", 0, store.JobPending)))
		_, _, err := s.SaveDocument(ctx, "ref", sampleDocument("one"), false)
		require.NoError(t, err)
		require.NoError(t, s.CreateWebhook(ctx, &store.Webhook{ID: "wh-1", URL: "https://example.com/h", Events: []string{"job.created"}, CreatedAt: at(0)}))

		boom := errors.New("boom")
		err = s.InTx(ctx, func(tx store.Tx) error {
			if err := tx.CreateJob(ctx, job("job-1", 1, store.JobPending)); err != nil {
				return err
			}
			if _, err := tx.UpdateJob(ctx, "existing", func(j *store.Job) error { j.Status = store.JobFailed; return nil }); err != nil {
				return err
			}
			if _, _, err := tx.SaveDocument(ctx, "ref", sampleDocument("two"), false); err != nil {
				return err
			}
			if err := tx.SaveBundle(ctx, &store.BundleRecord{ID: "bun-1", Hash: "h", Bundle: sampleBundle(), CreatedAt: at(1)}); err != nil {
				return err
			}
			if err := tx.CreateAPIKey(ctx, &store.APIKey{ID: "key-1", Name: "ci", Hash: "aa", CreatedAt: at(1)}); err != nil {
				return err
			}
			if err := tx.DeleteWebhook(ctx, "wh-1"); err != nil {
				return err
			}
			e := &store.Event{Type: "request", At: at(1)}
			if err := tx.RecordEvent(ctx, e); err != nil {
				return err
			}
			return fmt.Errorf("after writing: %w", boom)
		})
		require.ErrorIs(t, err, boom, "fn's error is returned")

		_, err = s.GetJob(ctx, "job-1")
		require.ErrorIs(t, err, store.ErrNotFound)
		got, err := s.GetJob(ctx, "existing")
		require.NoError(t, err)
		require.Equal(t, store.JobPending, got.Status)
		latest, err := s.LatestDocument(ctx, "ref")
		require.NoError(t, err)
		require.Equal(t, 1, latest.Version)
		_, err = s.GetBundle(ctx, "bun-1")
		require.ErrorIs(t, err, store.ErrNotFound)
		keys, err := s.ListAPIKeys(ctx)
		require.NoError(t, err)
		require.Empty(t, keys)
		_, err = s.GetWebhook(ctx, "wh-1")
		require.NoError(t, err)
		events, err := s.ListEvents(ctx, store.EventFilter{})
		require.NoError(t, err)
		require.Empty(t, events)

		// The store works normally after a rollback.
		require.NoError(t, s.CreateJob(ctx, job("job-1", 1, store.JobPending)))
	})

	t.Run("ErrorFromQueryRollsBack", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		require.NoError(t, s.CreateJob(ctx, job("job-1", 0, store.JobPending)))
		err := s.InTx(ctx, func(tx store.Tx) error {
			if err := tx.CreateJob(ctx, job("job-2", 1, store.JobPending)); err != nil {
				return err
			}
			return tx.CreateJob(ctx, job("job-1", 2, store.JobPending))
		})
		require.ErrorIs(t, err, store.ErrConflict)
		_, err = s.GetJob(ctx, "job-2")
		require.ErrorIs(t, err, store.ErrNotFound)
	})

	t.Run("ConcurrentTransactions", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		require.NoError(t, s.CreateJob(ctx, job("counter", 0, store.JobPending)))
		const n = 12
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				errs <- s.InTx(ctx, func(tx store.Tx) error {
					if err := tx.CreateJob(ctx, job(fmt.Sprintf("job-%02d", i), i+1, store.JobPending)); err != nil {
						return err
					}
					_, err := tx.UpdateJob(ctx, "counter", func(j *store.Job) error {
						n, ok := toInt(j.Metadata["count"])
						if !ok {
							return fmt.Errorf("count is %T", j.Metadata["count"])
						}
						j.Metadata = map[string]any{"count": n + 1}
						return nil
					})
					return err
				})
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		page, err := s.ListJobs(ctx, store.JobFilter{})
		require.NoError(t, err)
		require.Equal(t, n+1, page.Total)
		got, err := s.GetJob(ctx, "counter")
		require.NoError(t, err)
		require.Equal(t, n, number(t, got.Metadata["count"]), "no write is lost")
	})
}
