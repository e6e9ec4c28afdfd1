package publish_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/publish"
)

func TestByDryRunRoutesByDelivery(t *testing.T) {
	ctx := context.Background()
	live := mock.NewRecordingPublisher("web", content.ChannelWebsite)
	dry := publish.DryRun(live)
	p := publish.ByDryRun(live, dry)
	b := &content.Bundle{Title: "Hello", Hash: "h1", WebPost: &content.WebPost{Title: "Hello", Slug: "hello"}}

	r, err := p.Publish(ctx, publish.Delivery{IdempotencyKey: "k-dry", Channel: content.ChannelWebsite, Bundle: b, DryRun: true})
	require.NoError(t, err)
	assert.True(t, r.DryRun, "a dry-run delivery is recorded, not sent")
	assert.Empty(t, live.Published(), "the live publisher got nothing")
	assert.Len(t, dry.Recorded(), 1)

	_, err = p.Publish(ctx, publish.Delivery{IdempotencyKey: "k-live", Channel: content.ChannelWebsite, Bundle: b})
	require.NoError(t, err)
	assert.Len(t, live.Published(), 1)

	got, ok, err := p.Lookup(ctx, "k-dry")
	require.NoError(t, err)
	require.True(t, ok)
	assert.True(t, got.DryRun)
	_, ok, err = p.Lookup(ctx, "k-live")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, live.Name(), p.Name())
	assert.Equal(t, content.ChannelWebsite, p.Channel())
}
