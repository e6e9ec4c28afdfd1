package main

import (
	"io"
	"net/http"
	"net/http/httptest"
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

	url, a, ctx := startApp(t, []string{"--webhook-allow-private"}, nil)
	var hook struct{ ID string }
	require.Equal(t, http.StatusCreated, appJSON(t, ctx, http.MethodPost, url+"/api/v2/webhooks",
		map[string]any{"url": recv.URL, "events": []string{"job.completed"}}, &hook))

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
