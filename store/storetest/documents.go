package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/store"
)

func testDocuments(t *testing.T, open opener) {
	t.Run("FirstSaveCreatesVersion1", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		doc := sampleDocument("Weekly")
		before := time.Now()
		v, created, err := s.SaveDocument(ctx, "gdocs:abc", doc, false)
		require.NoError(t, err)
		require.True(t, created)
		require.Equal(t, "gdocs:abc", v.Ref)
		require.Equal(t, 1, v.Version)
		require.Equal(t, doc.ContentHash(), v.Hash)
		requireBetween(t, v.CreatedAt, before, time.Now(), "CreatedAt")
		require.Equal(t, roundTrip(t, doc), v.Document)

		latest, err := s.LatestDocument(ctx, "gdocs:abc")
		require.NoError(t, err)
		require.Equal(t, v, latest)
	})

	t.Run("UnchangedHashCreatesNoVersion", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		v1, created, err := s.SaveDocument(ctx, "ref", sampleDocument("Weekly"), false)
		require.NoError(t, err)
		require.True(t, created)

		// Same title and sections; source, format and fetch time differ,
		// which the content hash ignores.
		again := sampleDocument("Weekly")
		again.Source, again.FetchedAt = "file:weekly.md", again.FetchedAt.Add(time.Hour)
		v, created, err := s.SaveDocument(ctx, "ref", again, false)
		require.NoError(t, err)
		require.False(t, created)
		require.Equal(t, v1, v, "an unchanged save returns the latest version")

		versions, err := s.DocumentVersions(ctx, "ref", 10)
		require.NoError(t, err)
		require.Len(t, versions, 1)
	})

	t.Run("ForceCreatesVersion", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		doc := sampleDocument("Weekly")
		_, _, err := s.SaveDocument(ctx, "ref", doc, false)
		require.NoError(t, err)
		v, created, err := s.SaveDocument(ctx, "ref", doc, true)
		require.NoError(t, err)
		require.True(t, created)
		require.Equal(t, 2, v.Version)
		require.Equal(t, doc.ContentHash(), v.Hash)
	})

	t.Run("ChangedHashCreatesVersion", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		_, _, err := s.SaveDocument(ctx, "ref", sampleDocument("Weekly"), false)
		require.NoError(t, err)
		changed := sampleDocument("Weekly")
		changed.Sections[0].Items[1].Body = "Fixed two typos."
		v, created, err := s.SaveDocument(ctx, "ref", changed, false)
		require.NoError(t, err)
		require.True(t, created)
		require.Equal(t, 2, v.Version)
		require.Equal(t, changed.ContentHash(), v.Hash)

		latest, err := s.LatestDocument(ctx, "ref")
		require.NoError(t, err)
		require.Equal(t, v, latest)
		require.Equal(t, "Fixed two typos.", latest.Document.Sections[0].Items[1].Body)
	})

	t.Run("VersionsNewestFirstWithLimit", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		for _, title := range []string{"one", "two", "three"} {
			_, created, err := s.SaveDocument(ctx, "ref", sampleDocument(title), false)
			require.NoError(t, err)
			require.True(t, created)
		}
		_, _, err := s.SaveDocument(ctx, "other", sampleDocument("other"), false)
		require.NoError(t, err)

		all, err := s.DocumentVersions(ctx, "ref", 10)
		require.NoError(t, err)
		require.Len(t, all, 3)
		for i, want := range []struct {
			version int
			title   string
		}{{3, "three"}, {2, "two"}, {1, "one"}} {
			require.Equal(t, "ref", all[i].Ref)
			require.Equal(t, want.version, all[i].Version)
			require.Equal(t, want.title, all[i].Document.Title)
			require.Equal(t, sampleDocument(want.title).ContentHash(), all[i].Hash)
		}

		two, err := s.DocumentVersions(ctx, "ref", 2)
		require.NoError(t, err)
		require.Equal(t, all[:2], two)

		other, err := s.DocumentVersions(ctx, "other", 10)
		require.NoError(t, err)
		require.Len(t, other, 1)
		require.Equal(t, 1, other[0].Version, "versions count per ref")

		none, err := s.DocumentVersions(ctx, "unknown", 10)
		require.NoError(t, err)
		require.Empty(t, none)
	})

	t.Run("RoundTrip", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		doc := sampleDocument("Weekly")
		want := roundTrip(t, doc)
		v, _, err := s.SaveDocument(ctx, "ref", doc, false)
		require.NoError(t, err)
		got, err := s.LatestDocument(ctx, "ref")
		require.NoError(t, err)
		require.Equal(t, want, got.Document)
		require.Equal(t, v.CreatedAt, got.CreatedAt)
		require.Equal(t, doc.Sections[0].Items[0].Flags, got.Document.Sections[0].Items[0].Flags)
		require.Equal(t, doc.Sections[0].Items[0].Date, got.Document.Sections[0].Items[0].Date)

		// The stored document is the store's own copy.
		doc.Title = "changed by the caller"
		got.Document.Sections[0].Heading = "changed by the reader"
		again, err := s.LatestDocument(ctx, "ref")
		require.NoError(t, err)
		require.Equal(t, want, again.Document)
	})

	t.Run("NotFoundAndInvalid", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		_, err := s.LatestDocument(ctx, "unknown")
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.LatestDocument(ctx, "")
		require.ErrorIs(t, err, store.ErrInvalid)
		_, _, err = s.SaveDocument(ctx, "", sampleDocument("x"), false)
		require.ErrorIs(t, err, store.ErrInvalid)
		_, _, err = s.SaveDocument(ctx, "ref", nil, false)
		require.ErrorIs(t, err, store.ErrInvalid)
		_, err = s.DocumentVersions(ctx, "", 10)
		require.ErrorIs(t, err, store.ErrInvalid)
		_, err = s.DocumentVersions(ctx, "ref", -1)
		require.ErrorIs(t, err, store.ErrInvalid)
		_, err = s.LatestDocument(ctx, "ref")
		require.ErrorIs(t, err, store.ErrNotFound, "refused saves write nothing")
	})
}
