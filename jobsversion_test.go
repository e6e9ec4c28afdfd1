package halcytone_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/store"
)

// TestJobsVersion checks that every job write changes JobsVersion before
// the call that made it returns, and that reads and previews do not.
func TestJobsVersion(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	v := h.eng.JobsVersion()
	changed := func(what string) {
		t.Helper()
		now := h.eng.JobsVersion()
		assert.NotEqual(t, v, now, "%s did not change JobsVersion", what)
		v = now
	}
	unchanged := func(what string) {
		t.Helper()
		assert.Equal(t, v, h.eng.JobsVersion(), "%s changed JobsVersion", what)
	}

	_, err := h.eng.Preview(ctx, halcytone.Request{Content: update("A preview"), Channels: []string{"email"}})
	require.NoError(t, err)
	unchanged("a preview")

	// A job that waits for approval (a blog post is level 2), so that
	// nothing else writes it meanwhile.
	blog := &content.Blog{Base: content.Base{
		Title: "The science of the long exhale",
		Body:  "Making the exhale longer than the inhale is one of the simplest ways to slow down; here is why it works and how to practise it.",
	}}
	res, err := h.eng.Generate(ctx, halcytone.Request{Content: blog, Channels: []string{"email"}, Author: "erin"})
	require.NoError(t, err)
	require.Equal(t, halcytone.StatusAwaitingApproval, res.Status, res.Report)
	changed("creating a job")

	_, err = h.eng.Jobs(ctx, store.JobFilter{Limit: 20})
	require.NoError(t, err)
	_, err = h.eng.Job(ctx, res.Job.ID)
	require.NoError(t, err)
	unchanged("reading jobs")

	_, err = h.eng.Cancel(ctx, res.Job.ID)
	require.NoError(t, err)
	changed("cancelling a job")

	// Through the store the engine exposes, in and out of a transaction.
	_, err = h.eng.Store().UpdateJob(ctx, res.Job.ID, func(j *store.Job) error { j.Metadata = map[string]any{"k": "v"}; return nil })
	require.NoError(t, err)
	changed("UpdateJob through Engine.Store")
	require.NoError(t, h.eng.Store().InTx(ctx, func(tx store.Tx) error {
		_, err := tx.UpdateJob(ctx, res.Job.ID, func(j *store.Job) error { j.Metadata = nil; return nil })
		return err
	}))
	changed("UpdateJob in a transaction")
	require.NoError(t, h.eng.Store().InTx(ctx, func(tx store.Tx) error {
		_, err := tx.GetJob(ctx, res.Job.ID)
		return err
	}))
	unchanged("a transaction that only reads")

	// A job delivered by the queue: created, then settled by the worker,
	// which may already have run when Generate returns: at least two
	// writes in all.
	res, err = h.eng.Generate(ctx, halcytone.Request{Content: update("Straight out"), Channels: []string{"email"}, Author: "erin"})
	require.NoError(t, err)
	h.wait(t)
	j, err := h.eng.Job(ctx, res.Job.ID)
	require.NoError(t, err)
	require.Equal(t, store.JobCompleted, j.Status)
	assert.GreaterOrEqual(t, h.eng.JobsVersion()-v, uint64(2), "creating and delivering a job")
}
