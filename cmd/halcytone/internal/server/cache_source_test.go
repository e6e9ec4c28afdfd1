package server

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/source"
)

func TestCachedSource(t *testing.T) {
	clk := newCacheClock()
	c := NewCache(CacheConfig{Now: clk.Now, TTL: time.Minute})
	src := mock.NewSource()
	doc := func(title string) *content.Document {
		return content.DocumentOf(&content.Update{Base: content.Base{Title: title, Body: "Breathe in for four, out for six."}})
	}
	src.AddDocument("notion:db1", doc("Version one of the notes"))
	src.AddDocument("file:notes.md", doc("A file on disk"))
	cs := CachedSource(src, c, RemoteSchemes()...)
	ctx := context.Background()
	pctx := forPreview(ctx)
	fetches := func(ref string) int {
		n := 0
		for _, r := range src.Calls() {
			if r == ref {
				n++
			}
		}
		return n
	}

	// Previews fetch a remote document once while its entry lives, under
	// the reference as resolved.
	first, err := cs.Fetch(pctx, "notion:db1")
	require.NoError(t, err)
	again, err := cs.Fetch(pctx, " NOTION:db1")
	require.NoError(t, err)
	assert.Same(t, first, again)
	assert.Equal(t, 1, fetches("notion:db1"))
	_, ok := c.Get(CacheTargetLocal, "notion:db1")
	assert.True(t, ok)

	// A fetch that is not a preview goes to the source and refreshes the
	// entry: a job never publishes a stale copy.
	src.AddDocument("notion:db1", doc("Version two of the notes"))
	fresh, err := cs.Fetch(ctx, "notion:db1")
	require.NoError(t, err)
	assert.Equal(t, "Version two of the notes", fresh.Sections[0].Items[0].Title)
	assert.Equal(t, 2, fetches("notion:db1"))
	viaPreview, err := cs.Fetch(pctx, "notion:db1")
	require.NoError(t, err)
	assert.Equal(t, fresh.Hash, viaPreview.Hash, "the preview sees the refreshed entry")
	assert.Equal(t, 2, fetches("notion:db1"))

	// The entry goes with its document's tag, and at the end of its TTL.
	assert.Equal(t, 1, c.InvalidateTags([]string{CacheTargetLocal}, "doc:notion:db1"))
	_, err = cs.Fetch(pctx, "notion:db1")
	require.NoError(t, err)
	assert.Equal(t, 3, fetches("notion:db1"))
	clk.Advance(2 * time.Minute)
	_, err = cs.Fetch(pctx, "notion:db1")
	require.NoError(t, err)
	assert.Equal(t, 4, fetches("notion:db1"))

	// Local schemes are read every time.
	for range 2 {
		_, err = cs.Fetch(pctx, "file:notes.md")
		require.NoError(t, err)
	}
	assert.Equal(t, 2, fetches("file:notes.md"))

	// Errors are not kept.
	boom := errors.New("notion is down")
	src.Fail("notion:db2", boom)
	_, err = cs.Fetch(pctx, "notion:db2")
	require.ErrorIs(t, err, boom)
	src.Fail("notion:db2", nil)
	src.AddDocument("notion:db2", doc("Back again after the outage"))
	_, err = cs.Fetch(pctx, "notion:db2")
	require.NoError(t, err)
	assert.Equal(t, 2, fetches("notion:db2"))
}

// TestCachedSourceConcurrentPreviews: concurrent previews of one
// reference fetch it once and share the document, which the engine only
// reads (-race checks it).
func TestCachedSourceConcurrentPreviews(t *testing.T) {
	c := NewCache(CacheConfig{})
	src := mock.NewSource()
	src.AddText("notion:db1", "# Notes\n\n## [Tips] Breathing\n\n### 2026-11-20 — Box breathing before a call\nBreathe in for four, hold for four, out for four and hold again.\n", content.FormatMarkdown)
	reg := source.NewRegistry()
	reg.Register("notion", src)
	eng, err := halcytone.New(halcytone.Config{Store: mock.NewStore(), Sources: CachedSource(reg, c, RemoteSchemes()...), Queue: mock.NewQueue(nil)})
	require.NoError(t, err)
	ctx := forPreview(context.Background())
	var wg sync.WaitGroup
	hashes := make([]string, 8)
	for i := range hashes {
		wg.Go(func() {
			res, err := eng.Preview(ctx, halcytone.Request{DocumentID: "notion:db1"})
			if assert.NoError(t, err) {
				hashes[i] = res.Bundle.Hash
			}
		})
	}
	wg.Wait()
	assert.Len(t, src.Calls(), 1, "one fetch for all")
	for _, h := range hashes {
		assert.Equal(t, hashes[0], h)
	}
}
