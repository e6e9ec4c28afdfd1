package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServeCacheSettings(t *testing.T) {
	for _, bad := range [][]string{{"--cache-ttl", "-1s"}, {"--cache-ttl", "0s"}, {"--cache-ttl", "soon"}, {"--cache-max-mb", "0"}} {
		_, err := loadServeConfig(bad, func(string) string { return "" }, nil)
		require.Error(t, err, "%v", bad)
		assert.Contains(t, err.Error(), bad[0][2:], "the error names the setting")
	}

	cfg, err := loadServeConfig([]string{
		"--database-url", "sqlite:" + filepath.Join(t.TempDir(), "c.db"), "--api-keys", "bench:" + benchKey + ":admin:0",
		"--log-level", "warn", "--addr", "unused", "--cache-ttl", "90s", "--cache-max-mb", "8",
	}, func(string) string { return "" }, nil)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	a, err := newApp(ctx, cfg, io.Discard)
	require.NoError(t, err)
	require.NoError(t, a.start(ctx))
	ts := httptest.NewServer(a.server)
	t.Cleanup(func() { cancel(); ts.Close(); a.close() })

	get := func(path string) map[string]any {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+benchKey)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode)
		var m map[string]any
		require.NoError(t, json.NewDecoder(res.Body).Decode(&m))
		return m
	}
	get("/api/v1/preview?document_id=sample:") // cached with the configured TTL
	st := get("/api/v2/cache/stats")
	assert.EqualValues(t, 1, st["total_keys"])
	assert.InDelta(t, 90, st["avg_ttl_seconds"], 1, "the configured TTL")
}
