package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/store"
	"github.com/halcytone/halcytone/store/sqlite"
)

// Many goroutines write through InTx, UpdateJob and plain creates at once,
// while others read: no SQLITE_BUSY, no lost write.
func TestConcurrentWriters(t *testing.T) {
	ctx := t.Context()
	s, _ := openTemp(t)
	require.NoError(t, s.CreateJob(ctx, &store.Job{ID: "counter", DocumentID: "d", Status: store.JobPending,
		Metadata: map[string]any{"n": 0}}))

	const workers, perWorker = 16, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker*3)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				id := fmt.Sprintf("w%02d-%03d", w, i)
				errs <- s.InTx(ctx, func(tx store.Tx) error {
					if err := tx.CreateJob(ctx, &store.Job{ID: id, DocumentID: "d", Status: store.JobPending,
						Channels: []string{"email"}}); err != nil {
						return err
					}
					return tx.RecordEvent(ctx, &store.Event{Type: "job.created", JobID: id})
				})
				_, err := s.UpdateJob(ctx, "counter", func(j *store.Job) error {
					j.Metadata["n"] = j.Metadata["n"].(float64) + 1
					return nil
				})
				errs <- err
				_, err = s.ListJobs(ctx, store.JobFilter{Channel: "email", Limit: 5})
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	j, err := s.GetJob(ctx, "counter")
	require.NoError(t, err)
	require.Equal(t, float64(workers*perWorker), j.Metadata["n"], "no lost update")
	page, err := s.ListJobs(ctx, store.JobFilter{Channel: "email"})
	require.NoError(t, err)
	require.Equal(t, workers*perWorker, page.Total)
	events, err := s.ListEvents(ctx, store.EventFilter{Type: "job.created", Limit: 10_000})
	require.NoError(t, err)
	require.Len(t, events, workers*perWorker)
}

// Two Stores on one file (two processes, in effect) migrate and write
// without errors: the second waits on the busy timeout.
func TestTwoStoresOnOneFile(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "shared.db")
	var wg sync.WaitGroup
	stores := make([]*sqlite.Store, 2)
	openErrs := make([]error, 2)
	for i := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], openErrs[i] = sqlite.Open(ctx, path)
		}()
	}
	wg.Wait()
	for i, err := range openErrs {
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, stores[i].Close()) })
	}
	for i, s := range stores {
		require.NoError(t, s.CreateJob(ctx, &store.Job{ID: fmt.Sprintf("j%d", i), DocumentID: "d", Status: store.JobPending}))
	}
	page, err := stores[0].ListJobs(ctx, store.JobFilter{})
	require.NoError(t, err)
	require.Equal(t, 2, page.Total)
}

// A read outside a transaction does not wait for a transaction in
// progress: it uses the read pool and sees the last commit.
func TestReadsDoNotWaitForWriter(t *testing.T) {
	ctx := t.Context()
	s, _ := openTemp(t)
	require.NoError(t, s.CreateJob(ctx, &store.Job{ID: "j1", DocumentID: "d", Status: store.JobPending}))
	err := s.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.UpdateJob(ctx, "j1", func(j *store.Job) error {
			j.Status = store.JobInProgress
			return nil
		}); err != nil {
			return err
		}
		rctx, cancel := context.WithCancel(ctx)
		defer cancel()
		j, err := s.GetJob(rctx, "j1") // would deadlock on the one writer connection
		if err != nil {
			return err
		}
		require.Equal(t, store.JobPending, j.Status, "the uncommitted update is not visible")
		return nil
	})
	require.NoError(t, err)
	j, err := s.GetJob(ctx, "j1")
	require.NoError(t, err)
	require.Equal(t, store.JobInProgress, j.Status)
}
