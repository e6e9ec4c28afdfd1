package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/mock"
)

func TestServeCacheSettings(t *testing.T) {
	for _, bad := range [][]string{{"--cache-ttl", "-1s"}, {"--cache-ttl", "0s"}, {"--cache-ttl", "soon"}, {"--cache-max-mb", "0"}} {
		_, err := loadServeConfig(bad, func(string) string { return "" }, nil)
		require.Error(t, err, "%v", bad)
		assert.Contains(t, err.Error(), bad[0][2:], "the error names the setting")
	}

	url, _, ctx := startApp(t, []string{"--cache-ttl", "90s", "--cache-max-mb", "8"}, nil)
	require.Equal(t, http.StatusOK, appJSON(t, ctx, http.MethodGet, url+"/api/v1/preview?document_id=sample:", nil, nil)) // cached with the configured TTL
	var st map[string]any
	require.Equal(t, http.StatusOK, appJSON(t, ctx, http.MethodGet, url+"/api/v2/cache/stats", nil, &st))
	assert.EqualValues(t, 1, st["total_keys"])
	assert.InDelta(t, 90, st["avg_ttl_seconds"], 1, "the configured TTL")
}

// TestServeCacheMaxMB checks --cache-max-mb end to end: previews that
// together take well over the bound are cached, and the cache evicts to
// stay within it.
func TestServeCacheMaxMB(t *testing.T) {
	url, _, ctx := startApp(t, []string{"--cache-max-mb", "1"}, nil)
	stats := func() map[string]any {
		var st map[string]any
		require.Equal(t, http.StatusOK, appJSON(t, ctx, http.MethodGet, url+"/api/v2/cache/stats", nil, &st))
		return st
	}
	// An inline preview is cached from its second request; each of these
	// takes tens of KB in the cache, so 80 of them need several MiB.
	body := strings.Repeat("Slow breathing calms the body before sleep, and a short guided session helps. ", 40)
	for i := range 80 {
		req := map[string]any{
			"preview_only": true,
			"document":     map[string]string{"format": "markdown", "text": fmt.Sprintf("# Notes %d\n\n## [Breathscape] Updates\n\n### Evening session %d\n\n%s\n", i, i, body)},
		}
		for range 2 {
			require.Equal(t, http.StatusOK, appJSON(t, ctx, http.MethodPost, url+"/api/v2/generate-content", req, nil))
		}
	}
	st := stats()
	assert.Positive(t, st["evictions"], "more previews than fit: some were evicted")
	assert.Positive(t, st["total_keys"])
	assert.Less(t, st["total_keys"], float64(80), "not every preview is kept")
	assert.LessOrEqual(t, st["memory_usage_mb"], 1.0, "within --cache-max-mb")
	assert.Greater(t, st["memory_usage_mb"], 0.25, "the cache is used up to its bound, not emptied")
}

// TestServeCachesRemoteDocuments: previews of a remote document (Notion
// here) fetch it once while its cache entry lives; a sync fetches it
// afresh, so a job never publishes a stale copy; an invalidation by the
// document's tag drops it.
func TestServeCachesRemoteDocuments(t *testing.T) {
	n := mock.StartNotion(t, "secret-token")
	db := n.AddDatabase("", "Team news")
	n.AddPage(db, mock.NotionPage{Title: "Offline sessions", Content: "Every guided session can now be saved for offline use on a flight.", Category: "App"})
	url, _, ctx := startApp(t, []string{"--notion-token", "secret-token", "--notion-url", n.URL()}, nil)
	ref := "notion:" + db
	preview := func() {
		t.Helper()
		require.Equal(t, http.StatusOK, appJSON(t, ctx, http.MethodPost, url+"/api/v2/generate-content",
			map[string]any{"document_id": ref, "preview_only": true, "channels": []string{"email"}}, nil))
	}
	preview()
	fetched := len(n.Requests())
	require.Positive(t, fetched)
	preview()
	assert.Len(t, n.Requests(), fetched, "the second preview reads the cached document")
	var st map[string]any
	require.Equal(t, http.StatusOK, appJSON(t, ctx, http.MethodGet, url+"/api/v2/cache/stats", nil, &st))
	assert.EqualValues(t, 1, st["total_keys"])

	require.Equal(t, http.StatusAccepted, appJSON(t, ctx, http.MethodPost, url+"/api/v2/content/sync",
		map[string]any{"document_id": ref, "channels": []string{"email"}}, nil))
	assert.Len(t, n.Requests(), 2*fetched, "a sync fetches afresh")
	preview()
	assert.Len(t, n.Requests(), 2*fetched, "and refreshes the entry")

	var inv map[string]any
	require.Equal(t, http.StatusOK, appJSON(t, ctx, http.MethodPost, url+"/api/v2/cache/invalidate",
		map[string]any{"tags": []string{"doc:" + ref}}, &inv))
	assert.EqualValues(t, 1, inv["invalidated"])
	preview()
	assert.Len(t, n.Requests(), 3*fetched, "fetched again after the invalidation")
}
