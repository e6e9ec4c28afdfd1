package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/content"
)

// TestServeWebhooksThroughTheQueue checks, on the real SQLite store and
// River queue as serve wires them, that an outgoing webhook is delivered
// by a queue entry of its own.
func TestServeWebhooksThroughTheQueue(t *testing.T) {
	got := make(chan http.Header, 10)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		got <- r.Header.Clone()
	}))
	t.Cleanup(recv.Close)

	cfg, err := loadServeConfig([]string{
		"--database-url", "sqlite:" + filepath.Join(t.TempDir(), "w.db"), "--api-keys", "bench:" + benchKey + ":admin:0",
		"--log-level", "warn", "--addr", "unused", "--webhook-allow-private", "true",
	}, func(string) string { return "" }, nil)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	a, err := newApp(ctx, cfg, io.Discard)
	require.NoError(t, err)
	require.NoError(t, a.start(ctx))
	ts := httptest.NewServer(a.server)
	t.Cleanup(func() { cancel(); ts.Close(); a.close() })

	body, _ := json.Marshal(map[string]any{"url": recv.URL, "events": []string{"job.completed"}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/api/v2/webhooks", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+benchKey)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var hook struct{ ID string }
	require.NoError(t, json.NewDecoder(res.Body).Decode(&hook))
	res.Body.Close()
	require.Equal(t, http.StatusCreated, res.StatusCode)

	gen, err := a.engine.Generate(ctx, halcytone.Request{Channels: []string{"email"}, Content: &content.Update{Base: content.Base{
		Title: "Offline sessions are here", Body: "Every guided session can now be saved for offline use, so a flight no longer means breathing without a guide.",
	}}})
	require.NoError(t, err)
	require.Equal(t, halcytone.StatusQueued, gen.Status, "%v", gen.Report)

	var h http.Header
	select {
	case h = <-got:
	case <-time.After(60 * time.Second):
		t.Fatal("no webhook within 60 s")
	}
	msg := h.Get("webhook-id")
	require.NotEmpty(t, msg)
	assert.NotEmpty(t, h.Get("webhook-signature"))
	entries, err := a.queue.Entries(ctx, "webhook:"+hook.ID)
	require.NoError(t, err)
	require.NotEmpty(t, entries, "the attempt was a queue entry")
	assert.Equal(t, msg+"#1", entries[0].Job.DeliveryKey)
}
