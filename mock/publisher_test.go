package mock_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/publish"
)

// fakeTB records Fatalf instead of stopping the test.
type fakeTB struct {
	testing.TB
	failed string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed = fmt.Sprintf(format, args...)
}

func TestRecordingPublisher(t *testing.T) {
	ctx := context.Background()
	p := mock.NewRecordingPublisher("x", content.ChannelTwitter)
	d := publish.Delivery{IdempotencyKey: "k1", JobID: "job-1", Channel: content.ChannelTwitter,
		Bundle: &content.Bundle{Newsletter: &content.Newsletter{Subject: "Weekly news"}}}

	r1, err := p.Publish(ctx, d)
	require.NoError(t, err)
	r2, err := p.Publish(ctx, d)
	require.NoError(t, err)
	assert.Equal(t, r1, r2, "a key is published once")
	assert.Len(t, p.Published(), 1)
	assert.Equal(t, 2, p.Attempts("k1"))
	got, ok, err := p.Lookup(ctx, "k1")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, r1, got)
	_, ok, _ = p.Lookup(ctx, "nope")
	assert.False(t, ok)

	p.FailNext(&content.Error{Class: content.RateLimited})
	_, err = p.Publish(ctx, publish.Delivery{IdempotencyKey: "k2", JobID: "job-2"})
	assert.Equal(t, content.RateLimited, content.ClassOf(err))
	p.FailKey("k3", &content.Error{Class: content.AuthExpired})
	_, err = p.Publish(ctx, publish.Delivery{IdempotencyKey: "k3"})
	assert.Equal(t, content.AuthExpired, content.ClassOf(err))
	_, err = p.Publish(ctx, publish.Delivery{})
	assert.Equal(t, content.InvalidContent, content.ClassOf(err))

	mock.RequirePublished(t, p, mock.ForJob("job-1"), mock.WithSubject("Weekly news"))
	mock.RequireNotPublished(t, p, mock.ForJob("job-2"))

	ftb := &fakeTB{TB: t}
	mock.RequirePublished(ftb, p, mock.ForJob("job-2"))
	assert.Contains(t, ftb.failed, "published nothing matching")
	ftb = &fakeTB{TB: t}
	mock.RequireNotPublished(ftb, p, mock.ForJob("job-1"))
	assert.Contains(t, ftb.failed, "want none")

	p.Reset()
	assert.Empty(t, p.Published())
}
