package halcytone_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/approval"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/store"
)

// TestRetryOfAForcedJobDelivers: a forced job (deliver again although
// unchanged) whose delivery failed is retried with its own keys: the
// retry delivers, instead of skipping the channel as "already sent" by
// the earlier, unforced job and reporting success.
func TestRetryOfAForcedJobDelivers(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	c := update("Pulse pre-orders open soon")
	_, err := h.eng.Generate(ctx, halcytone.Request{Content: c, Channels: []string{"email"}})
	require.NoError(t, err)
	h.wait(t)
	require.Len(t, h.email.Published(), 1)

	h.email.FailNext(&content.Error{Class: content.Permanent, Err: errors.New("mailbox closed")})
	forced := h.generateAndWait(t, halcytone.Request{Content: c, Channels: []string{"email"}, Force: true})
	require.Equal(t, store.JobFailed, forced.Status)

	retry, err := h.eng.Retry(ctx, forced.ID)
	require.NoError(t, err)
	h.wait(t)
	j, err := h.eng.Job(ctx, retry.ID)
	require.NoError(t, err)
	assert.Equal(t, store.JobCompleted, j.Status)
	assert.Equal(t, "success", j.Results["email"].Status, "%+v", j.Results)
	assert.Len(t, h.email.Published(), 2, "the forced delivery goes out, once")

	// A second retry finds nothing left to do.
	_, err = h.eng.Retry(ctx, retry.ID)
	require.ErrorIs(t, err, halcytone.ErrJobFinished)
}

// TestForcedJobUnderReviewDelivers: a forced job that needs an approval
// keeps its own keys until it is approved, and then delivers although the
// same content went out before.
func TestForcedJobUnderReviewDelivers(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	blog := &content.Blog{Base: content.Base{Title: "The science of the long exhale",
		Body: "Making the exhale longer than the inhale is one of the simplest ways to slow down."}}
	for i := range 2 {
		res, err := h.eng.Generate(ctx, halcytone.Request{Content: blog, Channels: []string{"email"}, Author: "ada", Force: i == 1})
		require.NoError(t, err)
		require.Equal(t, halcytone.StatusAwaitingApproval, res.Status)
		for _, r := range []string{"erin", "mark"} {
			_, err := h.eng.Decide(ctx, res.Approval.ID, approval.DecisionInput{Reviewer: r, Decision: approval.Approve})
			require.NoError(t, err)
		}
		h.wait(t)
		j, err := h.eng.Job(ctx, res.Job.ID)
		require.NoError(t, err)
		assert.Equal(t, "success", j.Results["email"].Status, "job %d: %+v", i, j.Results)
	}
	assert.Len(t, h.email.Published(), 2, "the forced job delivered again")
}

// TestJobFinishedAtCreationIsAnnounced: a job with nothing left to
// deliver (the same content went out before) is completed as it is
// created; besides job_created, its job_completed is emitted, as for any
// job that completes (webhooks and /ws/jobs announce it).
func TestJobFinishedAtCreationIsAnnounced(t *testing.T) {
	h := newHarness(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := update("Pulse pre-orders open soon")
	_, err := h.eng.Generate(ctx, halcytone.Request{Content: c, Channels: []string{"email"}})
	require.NoError(t, err)
	h.wait(t)

	events := h.eng.Subscribe(ctx)
	again, err := h.eng.Generate(ctx, halcytone.Request{Content: c, Channels: []string{"email"}})
	require.NoError(t, err)
	require.Equal(t, store.JobCompleted, again.Job.Status)
	var types []string
	for len(types) < 2 {
		select {
		case ev := <-events:
			if ev.Job != nil && ev.Job.ID == again.Job.ID && ev.Approval == nil && ev.Delivery == nil {
				types = append(types, ev.Type)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("events of the job so far: %v", types)
		}
	}
	assert.Equal(t, []string{halcytone.EventJobCreated, halcytone.EventJobCompleted}, types)
}
