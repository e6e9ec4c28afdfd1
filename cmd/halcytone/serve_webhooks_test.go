package main

import (
	"context"
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
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/store"
	"github.com/halcytone/halcytone/store/sqlite"
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

// TestServeStopRecordsWebhooksOfTheGracePeriod stops the app as serve
// does on a signal (the context ends, then close) while a delivery is at
// the CRM: the queue lets it finish, and its job's job.completed must
// still be recorded as a webhook delivery.
func TestServeStopRecordsWebhooksOfTheGracePeriod(t *testing.T) {
	crm := mock.StartCRM(t, "crm-key")
	crm.SetLatency(time.Second)
	db := filepath.Join(t.TempDir(), "app.db")
	cfg, err := loadServeConfig([]string{"--database-url", "sqlite:" + db, "--log-level", "warn", "--addr", "unused",
		"--crm-url", crm.URL(), "--crm-api-key", "crm-key"}, func(string) string { return "" }, nil)
	require.NoError(t, err)
	ctx, signal := context.WithCancel(context.Background())
	defer signal()
	a, err := newApp(ctx, cfg, io.Discard)
	require.NoError(t, err)
	require.NoError(t, a.start(ctx))
	require.NoError(t, a.store.CreateWebhook(ctx, &store.Webhook{ID: "wh_grace", URL: "https://hooks.example/grace",
		Events: []string{"job.completed"}, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", CreatedAt: time.Now().UTC()}))

	gen, err := a.engine.Generate(ctx, halcytone.Request{Channels: []string{"email"}, Content: &content.Update{Base: content.Base{
		Title: "Offline sessions are here", Body: "Every guided session can now be saved for offline use, so a flight no longer means breathing without a guide.",
	}}})
	require.NoError(t, err)
	require.Equal(t, halcytone.StatusQueued, gen.Status, "%v", gen.Report)
	deadline := time.Now().Add(30 * time.Second)
	for len(crm.Requests()) == 0 {
		require.True(t, time.Now().Before(deadline), "the delivery never reached the CRM")
		time.Sleep(10 * time.Millisecond)
	}
	signal() // the delivery is at the CRM now
	a.close()

	st, err := sqlite.Open(context.Background(), db)
	require.NoError(t, err)
	defer st.Close()
	j, err := st.GetJob(context.Background(), gen.Job.ID)
	require.NoError(t, err)
	require.Equal(t, store.JobCompleted, j.Status, "the queue finished the delivery in its grace period")
	ds, err := st.ListWebhookDeliveries(context.Background(), "wh_grace", 10)
	require.NoError(t, err)
	require.Len(t, ds, 1, "the job's job.completed became a webhook delivery")
	assert.Equal(t, "job.completed", ds[0].Event)
}
