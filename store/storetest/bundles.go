package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/store"
)

func testBundles(t *testing.T, open opener) {
	t.Run("RoundTrip", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		rec := &store.BundleRecord{
			ID: "bun-1", JobID: "job-1", Hash: "9f2c", Bundle: sampleBundle(),
			CreatedAt: at(5).Add(7 * time.Microsecond).In(elsewhere),
		}
		want := *rec
		want.Bundle = roundTrip(t, rec.Bundle)
		want.CreatedAt = rec.CreatedAt.UTC()
		require.NoError(t, s.SaveBundle(ctx, rec))

		got, err := s.GetBundle(ctx, "bun-1")
		require.NoError(t, err)
		require.Equal(t, &want, got)
		require.NotNil(t, got.Bundle.Newsletter)
		require.NotNil(t, got.Bundle.WebPost)
		require.Len(t, got.Bundle.Social, 2)

		// Copies in and out.
		rec.Bundle.Title = "changed by the caller"
		got.Bundle.Social[0].Text = "changed by the reader"
		again, err := s.GetBundle(ctx, "bun-1")
		require.NoError(t, err)
		require.Equal(t, &want, again)
	})

	t.Run("ZeroCreatedAtIsNow", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		rec := &store.BundleRecord{ID: "bun-1", Hash: "h", Bundle: sampleBundle()}
		before := time.Now()
		require.NoError(t, s.SaveBundle(ctx, rec))
		requireBetween(t, rec.CreatedAt, before, time.Now(), "CreatedAt")
		got, err := s.GetBundle(ctx, "bun-1")
		require.NoError(t, err)
		require.Equal(t, rec.CreatedAt, got.CreatedAt)
		require.Empty(t, got.JobID)
	})

	t.Run("SaveReplaces", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		require.NoError(t, s.SaveBundle(ctx, &store.BundleRecord{ID: "bun-1", Hash: "h1", Bundle: sampleBundle(), CreatedAt: at(1)}))
		b := sampleBundle()
		b.Title = "second"
		require.NoError(t, s.SaveBundle(ctx, &store.BundleRecord{ID: "bun-1", JobID: "job-2", Hash: "h2", Bundle: b, CreatedAt: at(2)}))
		got, err := s.GetBundle(ctx, "bun-1")
		require.NoError(t, err)
		require.Equal(t, "h2", got.Hash)
		require.Equal(t, "job-2", got.JobID)
		require.Equal(t, "second", got.Bundle.Title)
		require.Equal(t, at(2), got.CreatedAt)
	})

	t.Run("NotFoundAndInvalid", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		_, err := s.GetBundle(ctx, "unknown")
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.GetBundle(ctx, "")
		require.ErrorIs(t, err, store.ErrInvalid)
		require.ErrorIs(t, s.SaveBundle(ctx, nil), store.ErrInvalid)
		require.ErrorIs(t, s.SaveBundle(ctx, &store.BundleRecord{Hash: "h", Bundle: sampleBundle()}), store.ErrInvalid)
		require.ErrorIs(t, s.SaveBundle(ctx, &store.BundleRecord{ID: "b", Hash: "h"}), store.ErrInvalid, "a nil bundle")
	})
}
