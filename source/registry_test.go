package source_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/source"
)

func TestRegistry(t *testing.T) {
	clock := time.Date(2026, 11, 25, 9, 0, 0, 0, time.FixedZone("CET", 3600))
	r := source.NewRegistry(source.WithClock(func() time.Time { return clock }))
	var got []string
	var mu sync.Mutex
	web := source.SourceFunc(func(_ context.Context, ref string) (*content.Document, error) {
		mu.Lock()
		got = append(got, ref)
		mu.Unlock()
		return &content.Document{Title: "web", Sections: []content.Section{}}, nil
	})
	r.Register("https", web)
	r.Register("HTTP:", web)
	r.Register("file", &source.File{Root: contentDir(t)})
	assert.Equal(t, []string{"file", "http", "https", "sample"}, r.Schemes())

	ctx := context.Background()
	t.Run("url schemes share a source and get defaults", func(t *testing.T) {
		for _, ref := range []string{"https://example.com/doc.md", "http://example.com/doc.md"} {
			doc, err := r.Fetch(ctx, ref)
			require.NoError(t, err)
			assert.Equal(t, ref, doc.Source)
			assert.True(t, doc.FetchedAt.Equal(clock))
			assert.Equal(t, time.UTC, doc.FetchedAt.Location())
			assert.Equal(t, doc.ContentHash(), doc.Hash, "sealed when the source did not")
		}
		assert.Equal(t, []string{"https://example.com/doc.md", "http://example.com/doc.md"}, got)
	})
	t.Run("file", func(t *testing.T) {
		doc, err := r.Fetch(ctx, "file:news.md")
		require.NoError(t, err)
		assert.Equal(t, "Breathscape News", doc.Title)
		assert.False(t, doc.FetchedAt.Equal(clock), "a source's own FetchedAt is kept")
	})
	t.Run("scheme in any case, space around", func(t *testing.T) {
		for _, ref := range []string{"FILE:news.md", "  File:news.md\t"} {
			doc, err := r.Fetch(ctx, ref)
			require.NoError(t, err, ref)
			assert.Equal(t, "Breathscape News", doc.Title)
			assert.Equal(t, "file:news.md", doc.Source, "as the source was asked")
		}
	})
	t.Run("sample", func(t *testing.T) {
		doc, err := r.Fetch(ctx, "sample:")
		require.NoError(t, err)
		assert.Equal(t, "sample:", doc.Source)
		assert.GreaterOrEqual(t, len(doc.Items()), 10)
	})
	for _, ref := range []string{"gdocs:abc", "no-scheme", ":x", "1x:abc", ""} {
		t.Run("unknown "+ref, func(t *testing.T) {
			_, err := r.Fetch(ctx, ref)
			require.Error(t, err)
			assert.ErrorIs(t, err, source.ErrUnknownScheme)
			assert.Equal(t, content.InvalidContent, content.ClassOf(err))
			assert.Contains(t, err.Error(), "file, http, https, sample")
		})
	}
	t.Run("source errors pass through", func(t *testing.T) {
		boom := content.Errorf(content.RateLimited, "test", "slow down")
		r.Register("boom", source.SourceFunc(func(context.Context, string) (*content.Document, error) { return nil, boom }))
		_, err := r.Fetch(ctx, "boom:x")
		assert.True(t, errors.Is(err, boom))
		r.Register("boom", nil)
		assert.NotContains(t, r.Schemes(), "boom")
	})
	t.Run("nil document", func(t *testing.T) {
		r.Register("nil", source.SourceFunc(func(context.Context, string) (*content.Document, error) { return nil, nil }))
		_, err := r.Fetch(ctx, "nil:x")
		assert.Equal(t, content.Permanent, content.ClassOf(err))
	})
}

func TestRegistryConcurrent(t *testing.T) {
	r := source.NewRegistry()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			scheme := fmt.Sprintf("s%d", i)
			r.Register(scheme, source.SampleSource{})
			for range 20 {
				_, err := r.Fetch(context.Background(), scheme+":")
				assert.Equal(t, content.NotFound, content.ClassOf(err))
				_ = r.Schemes()
			}
		})
	}
	wg.Wait()
	assert.Len(t, r.Schemes(), 9)
}
