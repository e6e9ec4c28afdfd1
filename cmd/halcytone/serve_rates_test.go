package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/store"
)

// TestServeFeedsXRateHeadersToTheLimiter checks that X's answers pause
// the X rate limiter: once X says no post remains in its window, the next
// delivery waits (snoozed as rate_limited) instead of reaching X.
func TestServeFeedsXRateHeadersToTheLimiter(t *testing.T) {
	x := mock.StartX(t, "tok")
	// The first post uses the window up. The fake aligns windows on
	// multiples of their length: take one that ends at least an hour from
	// now, so that its end never falls within the test (it did at 05:59).
	window := 3 * time.Hour
	for time.Until(time.Now().Truncate(window).Add(window)) < time.Hour {
		window *= 2
	}
	x.SetRateWindow(1, window)
	_, a, ctx := startApp(t, []string{"--x-url", x.URL(), "--x-token", "tok"}, nil)
	require.Equal(t, "live", a.modes[content.ChannelTwitter])

	post := func(title string) string {
		t.Helper()
		res, err := a.engine.Generate(ctx, halcytone.Request{Channels: []string{"social_twitter"}, Content: &content.Update{Base: content.Base{
			Title: title, Body: "Every guided session can now be saved for offline use, so a flight no longer means breathing without a guide.",
		}}})
		require.NoError(t, err)
		require.Equal(t, halcytone.StatusQueued, res.Status, "%v", res.Report)
		return res.Job.ID
	}
	deliveries := func(jobID string) []store.Delivery {
		t.Helper()
		ds, err := a.store.ListDeliveries(ctx, jobID)
		require.NoError(t, err)
		require.Len(t, ds, 1)
		return ds
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond() {
			require.True(t, time.Now().Before(deadline), "timed out waiting for %s", what)
			time.Sleep(20 * time.Millisecond)
		}
	}

	first := post("Offline sessions are here")
	waitFor("the first post", func() bool { return deliveries(first)[0].Status == store.DeliverySent })
	require.Equal(t, 1, x.Posts())

	second := post("Sleep stories, now in French")
	waitFor("the second delivery to be tried", func() bool { return deliveries(second)[0].LastError != "" })
	d := deliveries(second)[0]
	assert.NotEqual(t, store.DeliverySent, d.Status)
	assert.Contains(t, d.LastError, "rate", "held by the rate limiter: %+v", d)
	assert.Equal(t, 1, x.Posts(), "X was not asked again within its window")
}
