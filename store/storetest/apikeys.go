package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/store"
)

func testAPIKeys(t *testing.T, open opener) {
	t.Run("CreateLookupListRevoke", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		keys := []*store.APIKey{
			{ID: "k2", Name: "dashboard", Hash: "bb", Prefix: "hk_bb", Scopes: []string{"read"}, RateLimit: 600, CreatedAt: at(2)},
			{ID: "k1", Name: "ci", Hash: "aa", Prefix: "hk_aa", Scopes: []string{"read", "write", "approve"}, RateLimit: 0, CreatedAt: at(1).Add(9 * time.Microsecond).In(elsewhere)},
			{ID: "k0", Name: "admin", Hash: "cc", Prefix: "hk_cc", Scopes: []string{}, CreatedAt: at(2)},
		}
		for _, k := range keys {
			require.NoError(t, s.CreateAPIKey(ctx, k))
		}
		want := []store.APIKey{*keys[1], *keys[2], *keys[0]}
		want[0].CreatedAt = want[0].CreatedAt.UTC()

		got, err := s.APIKeyByHash(ctx, "aa")
		require.NoError(t, err)
		require.Equal(t, &want[0], got)

		list, err := s.ListAPIKeys(ctx)
		require.NoError(t, err)
		require.Equal(t, want, list, "oldest first, ties by ID")

		require.NoError(t, s.RevokeAPIKey(ctx, "k1"))
		got, err = s.APIKeyByHash(ctx, "aa")
		require.NoError(t, err)
		require.True(t, got.Revoked)
		require.Equal(t, []string{"read", "write", "approve"}, got.Scopes, "revoking changes nothing else")
		other, err := s.APIKeyByHash(ctx, "bb")
		require.NoError(t, err)
		require.False(t, other.Revoked)
		require.NoError(t, s.RevokeAPIKey(ctx, "k1"), "revoking twice is fine")
	})

	t.Run("UniqueIDAndHash", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		require.NoError(t, s.CreateAPIKey(ctx, &store.APIKey{ID: "k1", Name: "ci", Hash: "aa", CreatedAt: at(0)}))
		require.ErrorIs(t, s.CreateAPIKey(ctx, &store.APIKey{ID: "k2", Name: "other", Hash: "aa", CreatedAt: at(1)}), store.ErrConflict)
		require.ErrorIs(t, s.CreateAPIKey(ctx, &store.APIKey{ID: "k1", Name: "other", Hash: "bb", CreatedAt: at(1)}), store.ErrConflict)
		list, err := s.ListAPIKeys(ctx)
		require.NoError(t, err)
		require.Len(t, list, 1)
		_, err = s.APIKeyByHash(ctx, "bb")
		require.ErrorIs(t, err, store.ErrNotFound)
	})

	t.Run("ZeroCreatedAtIsNow", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		k := &store.APIKey{ID: "k1", Name: "ci", Hash: "aa"}
		before := time.Now()
		require.NoError(t, s.CreateAPIKey(ctx, k))
		requireBetween(t, k.CreatedAt, before, time.Now(), "CreatedAt")
		got, err := s.APIKeyByHash(ctx, "aa")
		require.NoError(t, err)
		require.Equal(t, k, got)
		require.Nil(t, got.Scopes)
	})

	t.Run("Empty", func(t *testing.T) {
		s := open(t)
		list, err := s.ListAPIKeys(t.Context())
		require.NoError(t, err)
		require.Empty(t, list)
	})
}
