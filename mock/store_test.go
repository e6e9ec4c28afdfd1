package mock_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/store"
	"github.com/halcytone/halcytone/store/storetest"
)

func openStore(t *testing.T) store.Store {
	s := mock.NewStore()
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

func TestStoreConformance(t *testing.T) {
	storetest.Run(t, openStore)
}

func TestStoreInTxPanicRollsBack(t *testing.T) {
	s, ctx := openStore(t), t.Context()
	require.PanicsWithValue(t, "boom", func() {
		_ = s.InTx(ctx, func(tx store.Tx) error {
			require.NoError(t, tx.CreateJob(ctx, &store.Job{ID: "job-1", Status: store.JobPending}))
			panic("boom")
		})
	})
	_, err := s.GetJob(ctx, "job-1")
	require.ErrorIs(t, err, store.ErrNotFound)
	require.NoError(t, s.CreateJob(ctx, &store.Job{ID: "job-1", Status: store.JobPending}), "the lock was released")
}

func TestStoreTxAfterInTxIsRefused(t *testing.T) {
	s, ctx := openStore(t), t.Context()
	var kept store.Tx
	require.NoError(t, s.InTx(ctx, func(tx store.Tx) error {
		require.Nil(t, tx.Driver())
		kept = tx
		return nil
	}))
	require.ErrorIs(t, kept.CreateJob(ctx, &store.Job{ID: "job-1"}), store.ErrInvalid)
	_, err := kept.GetJob(ctx, "job-1")
	require.ErrorIs(t, err, store.ErrInvalid)
}

func TestStoreClosedAndCancelled(t *testing.T) {
	s := mock.NewStore()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.GetJob(ctx, "job-1")
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, s.CreateJob(ctx, &store.Job{ID: "job-1"}), context.Canceled)
	require.ErrorIs(t, s.InTx(ctx, func(store.Tx) error { return nil }), context.Canceled)

	require.NoError(t, s.Close())
	require.NoError(t, s.Close())
	_, err = s.GetJob(t.Context(), "job-1")
	require.Error(t, err)
	require.Error(t, s.CreateJob(t.Context(), &store.Job{ID: "job-1"}))
	require.Error(t, s.InTx(t.Context(), func(store.Tx) error { return nil }))
}

func TestStoreInTxNilFunction(t *testing.T) {
	require.ErrorIs(t, openStore(t).InTx(t.Context(), nil), store.ErrInvalid)
}

func BenchmarkStoreListJobs(b *testing.B) {
	s := mock.NewStore()
	b.Cleanup(func() { _ = s.Close() })
	storetest.BenchmarkListJobs(b, s, 100_000)
}
