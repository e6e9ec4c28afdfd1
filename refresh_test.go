package halcytone_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/approval"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/source"
	"github.com/halcytone/halcytone/store"
)

// TestRefreshRacingDecide: reviewers who approve the content under review
// while a Refresh is fetching the edited document win: the approved
// content is what is published, and the refresh leaves the job alone.
func TestRefreshRacingDecide(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	var block bool
	h := newHarnessConfig(t, func(c *halcytone.Config) {
		reg := source.NewRegistry()
		inner := c.Sources
		reg.Register("mem", source.SourceFunc(func(ctx context.Context, ref string) (*content.Document, error) {
			if block {
				block = false
				entered <- struct{}{}
				<-release
			}
			return inner.Fetch(ctx, ref)
		}))
		c.Sources = reg
	})
	ctx := context.Background()
	res := h.blogAwaitingReview(t)
	approved := res.Job.ContentHash

	h.src.AddText("mem:blog", blogDoc("An unreviewed edit: breathe in for four counts and out for eight, for twelve rounds."), content.FormatMarkdown)
	block = true
	done := make(chan error, 1)
	go func() { _, err := h.eng.Refresh(ctx, res.Job.ID, "sync"); done <- err }()
	<-entered
	for _, r := range []string{"mark", "erin"} {
		_, err := h.eng.Decide(ctx, res.Approval.ID, approval.DecisionInput{Reviewer: r, Decision: approval.Approve, ContentHash: approved})
		require.NoError(t, err)
	}
	close(release)
	require.NoError(t, <-done)
	h.wait(t)
	j, err := h.eng.Job(ctx, res.Job.ID)
	require.NoError(t, err)
	assert.Equal(t, store.JobCompleted, j.Status)
	assert.Equal(t, approved, j.ContentHash)
	require.Len(t, h.email.Published(), 1)
	assert.Equal(t, approved, h.email.Published()[0].Delivery.Bundle.Hash, "the approved content is what went out")
}

// TestRefreshRefusesInvalidContent: an edit that fails validation does
// not replace the content under review.
func TestRefreshRefusesInvalidContent(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	res := h.blogAwaitingReview(t)
	h.src.AddText("mem:blog", blogDoc("Short."), content.FormatMarkdown)
	_, err := h.eng.Refresh(ctx, res.Job.ID, "sync")
	require.Error(t, err)
	assert.Equal(t, content.InvalidContent, content.ClassOf(err))
	assert.Contains(t, err.Error(), "fails validation")
	j, err := h.eng.Job(ctx, res.Job.ID)
	require.NoError(t, err)
	assert.Equal(t, res.Job.ContentHash, j.ContentHash, "the review goes on over the valid content")
}

// TestRefreshRaisesTheLevel: an edit that the policy puts at a higher
// level (a medical claim) takes that level's stages; the approvals of
// the lower level no longer publish it.
func TestRefreshRaisesTheLevel(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	res := h.blogAwaitingReview(t)
	edited := blogDoc("Our medical advisor, a doctor, recommends this breathing therapy before bed each night.")
	fresh, err := h.eng.Preview(ctx, halcytone.Request{Text: edited, Format: content.FormatMarkdown, Channels: []string{"email"}})
	require.NoError(t, err)
	want := approval.DefaultPolicy().Plan(approval.SubjectOf(fresh.Document, fresh.Bundle)).Level
	require.Greater(t, want, res.Approval.Level, "the edit needs a higher level")

	h.src.AddText("mem:blog", edited, content.FormatMarkdown)
	j, err := h.eng.Refresh(ctx, res.Job.ID, "sync")
	require.NoError(t, err)
	assert.Equal(t, want, j.Approval.Level)
	a, err := h.store.GetApproval(ctx, res.Approval.ID)
	require.NoError(t, err)
	assert.Equal(t, want, a.Level)
	assert.Contains(t, a.Audit[len(a.Audit)-1].Comment, "level raised")
	for _, r := range []string{"mark", "erin"} {
		_, _ = h.eng.Decide(ctx, res.Approval.ID, approval.DecisionInput{Reviewer: r, Decision: approval.Approve})
	}
	h.wait(t)
	assert.Empty(t, h.email.Published(), "the lower level's reviewers do not publish it")
}

// TestRefreshKeepsTheRequestsOptions: the refreshed bundle is assembled
// with the platforms and the per-channel tones of the job's request, the
// newsletter's and the web post's included.
func TestRefreshKeepsTheRequestsOptions(t *testing.T) {
	// The refresh and the preview compared with it are assembled apart,
	// and the web post's schema markup carries the time of assembly to
	// the second: a still clock keeps a second boundary out of it.
	now := time.Now()
	h := newHarnessConfig(t, func(c *halcytone.Config) { c.Now = func() time.Time { return now } })
	ctx := context.Background()
	h.src.AddText("mem:blog", blogDoc("Breathe in for four counts and out for six, for ten rounds."), content.FormatMarkdown)
	req := halcytone.Request{DocumentID: "mem:blog", Channels: []string{"email", "website", "x"}, Author: "ada",
		ChannelTones: map[content.Channel]content.Tone{content.ChannelTwitter: content.ToneEncouraging,
			content.ChannelEmail: content.ToneMedicalScientific, content.ChannelWebsite: content.ToneEncouraging},
		PublishAt: time.Now().Add(time.Hour)}
	res, err := h.eng.Generate(ctx, req)
	require.NoError(t, err)
	require.Equal(t, halcytone.StatusAwaitingApproval, res.Status)
	edited := blogDoc("Breathe in for four counts and out for seven, for twelve calm rounds.")
	h.src.AddText("mem:blog", edited, content.FormatMarkdown)
	j, err := h.eng.Refresh(ctx, res.Job.ID, "sync")
	require.NoError(t, err)
	rec, err := h.store.GetBundle(ctx, j.BundleID)
	require.NoError(t, err)
	req.DocumentID = ""
	req.Text, req.Format = edited, content.FormatMarkdown
	want, err := h.eng.Preview(ctx, req)
	require.NoError(t, err)
	require.Len(t, rec.Bundle.Social, len(want.Bundle.Social))
	for i := range want.Bundle.Social {
		assert.Equal(t, want.Bundle.Social[i].Tone, rec.Bundle.Social[i].Tone)
		assert.Equal(t, want.Bundle.Social[i].Text, rec.Bundle.Social[i].Text)
	}
	assert.True(t, strings.Contains(rec.Bundle.Social[0].Text, "seven"), "the edit is in")
	require.NotNil(t, rec.Bundle.Newsletter)
	require.NotNil(t, rec.Bundle.WebPost)
	assert.Equal(t, want.Bundle.Newsletter, rec.Bundle.Newsletter, "the newsletter keeps its tone")
	assert.Equal(t, want.Bundle.WebPost, rec.Bundle.WebPost, "the web post keeps its tone")
	assert.Equal(t, want.Bundle.ChannelTones, rec.Bundle.ChannelTones)
}

// TestCancelWithdrawsTheApproval: cancelling a job awaiting approval
// closes its review; a decision on it afterwards is refused.
func TestCancelWithdrawsTheApproval(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	res := h.blogAwaitingReview(t)

	j, err := h.eng.Cancel(ctx, res.Job.ID)
	require.NoError(t, err)
	assert.Equal(t, store.JobCancelled, j.Status)
	assert.Equal(t, string(store.ApprovalRejected), j.Approval.State)
	a, err := h.store.GetApproval(ctx, res.Approval.ID)
	require.NoError(t, err)
	assert.Equal(t, store.ApprovalRejected, a.State)
	assert.Equal(t, approval.ActionWithdrawn, a.Audit[len(a.Audit)-1].Action)

	_, err = h.eng.Decide(ctx, res.Approval.ID, approval.DecisionInput{Reviewer: "mark", Decision: approval.Approve})
	require.ErrorIs(t, err, approval.ErrFinished)
	h.wait(t)
	assert.Empty(t, h.email.Published())
}

// TestRetryWhileARetryRuns: a second retry of a job whose first retry is
// still sending answers that retry (API.md: 202 with the SyncJob), not a
// new job that skips every channel and reports success.
func TestRetryWhileARetryRuns(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.email.FailNext(&content.Error{Class: content.Permanent, Err: errors.New("mailbox closed")})
	res, err := h.eng.Generate(ctx, halcytone.Request{Content: update("Pulse pre-orders open soon"), Channels: []string{"email", "twitter"}})
	require.NoError(t, err)
	h.wait(t)
	require.NoError(t, h.queue.Stop(ctx)) // the first retry stays pending
	first, err := h.eng.Retry(ctx, res.Job.ID)
	require.NoError(t, err)
	again, err := h.eng.Retry(ctx, res.Job.ID)
	require.NoError(t, err)
	assert.Equal(t, first.ID, again.ID, "the retry under way, not a new job")
	page, err := h.eng.Jobs(ctx, store.JobFilter{})
	require.NoError(t, err)
	assert.Equal(t, 2, page.Total)

	require.NoError(t, h.queue.Start(ctx))
	h.wait(t)
	j, err := h.eng.Job(ctx, first.ID)
	require.NoError(t, err)
	assert.Equal(t, store.JobCompleted, j.Status)
	assert.Len(t, h.email.Published(), 1)
}
