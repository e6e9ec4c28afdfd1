package main

import (
	"net/http"
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

	url, _, ctx := startApp(t, []string{"--cache-ttl", "90s", "--cache-max-mb", "8"}, nil)
	require.Equal(t, http.StatusOK, appJSON(t, ctx, http.MethodGet, url+"/api/v1/preview?document_id=sample:", nil, nil)) // cached with the configured TTL
	var st map[string]any
	require.Equal(t, http.StatusOK, appJSON(t, ctx, http.MethodGet, url+"/api/v2/cache/stats", nil, &st))
	assert.EqualValues(t, 1, st["total_keys"])
	assert.InDelta(t, 90, st["avg_ttl_seconds"], 1, "the configured TTL")
}
