package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSampleWorksOnEveryChannel: a new user's first request names only
// the sample document, so it goes to every channel, through the
// publishers serve builds (dry run here). Each must accept it: Instagram,
// which needs an image, takes the one in the sample's body.
func TestSampleWorksOnEveryChannel(t *testing.T) {
	url, _, ctx := startApp(t, nil, nil)

	var preview struct {
		Status string           `json:"status"`
		Issues []map[string]any `json:"issues"`
		Social []struct {
			Platform  string   `json:"platform"`
			MediaURLs []string `json:"media_urls"`
		} `json:"social_posts"`
	}
	require.Equal(t, http.StatusOK, appJSON(t, ctx, http.MethodPost, url+"/api/v2/generate-content",
		map[string]any{"document_id": "sample:", "preview_only": true}, &preview))
	assert.Equal(t, "preview", preview.Status)
	for _, i := range preview.Issues {
		assert.NotEqual(t, "error", i["severity"], "issue %v", i)
	}
	require.Len(t, preview.Social, 4)
	for _, s := range preview.Social {
		if s.Platform == "instagram" {
			assert.NotEmpty(t, s.MediaURLs)
		}
	}

	var job struct {
		JobID    string   `json:"job_id"`
		Channels []string `json:"channels"`
	}
	require.Equal(t, http.StatusAccepted, appJSON(t, ctx, http.MethodPost, url+"/api/v2/content/sync",
		map[string]any{"document_id": "sample:"}, &job))
	assert.NotEmpty(t, job.JobID)
	assert.ElementsMatch(t, []string{"email", "website", "twitter", "linkedin", "facebook", "instagram"}, job.Channels)
}
