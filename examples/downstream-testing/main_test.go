package main

// These tests are the example: how a project that uses Halcytone tests its
// own code (here Newsroom) with package mock, without a database, a network
// or credentials.
//
// The pattern:
//
//  1. A harness builds the real halcytone.Engine on fakes: mock.NewStore
//     (the store), mock.NewQueue (the durable queue), mock.NewSource (the
//     documents) and one mock.NewRecordingPublisher per channel.
//  2. The test drives its own code, drains the queue with Queue.Wait, and
//     asserts on what reached the publishers with mock.RequirePublished and
//     mock.RequireNotPublished.
//  3. Failures are injected on cue: RecordingPublisher.FailNext for a
//     publish, Source.Fail for a fetch.

import (
	"bytes"
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
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/source"
	"github.com/halcytone/halcytone/store"
)

// harness is a Newsroom on an Engine whose every dependency is a fake.
type harness struct {
	news  *Newsroom
	eng   *halcytone.Engine
	store *mock.Store
	queue *mock.Queue
	notes *mock.Source

	email, web, linkedin, x *mock.RecordingPublisher
}

// newHarness returns a harness whose queue runs until the test ends.
func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{
		store:    mock.NewStore(),
		queue:    mock.NewQueue(nil),
		notes:    mock.NewSource(),
		email:    mock.NewRecordingPublisher("email", content.ChannelEmail),
		web:      mock.NewRecordingPublisher("web", content.ChannelWebsite),
		linkedin: mock.NewRecordingPublisher("linkedin", content.ChannelLinkedIn),
		x:        mock.NewRecordingPublisher("x", content.ChannelTwitter),
	}
	// Retries wait at most a millisecond instead of the real backoff.
	h.queue.MaxDelay = time.Millisecond
	reg := source.NewRegistry()
	reg.Register("notes", h.notes) // "notes:..." references come from the fake
	var err error
	h.eng, err = halcytone.New(halcytone.Config{
		Store:      h.store,
		Sources:    reg,
		Queue:      h.queue,
		Publishers: []publish.Publisher{h.email, h.web, h.linkedin, h.x},
		Gate:       &approval.Gate{Policy: approval.DefaultPolicy(), Directory: reviewers()},
	})
	require.NoError(t, err)
	h.queue.Worker = h.eng // the Engine works its own deliveries
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, h.queue.Start(ctx))
	t.Cleanup(func() {
		_ = h.queue.Stop(context.Background())
		cancel()
	})
	h.news = &Newsroom{Engine: h.eng, Author: "ada"}
	return h
}

// drain waits until the queue has worked every entry.
func (h *harness) drain(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, h.queue.Wait(ctx))
}

// approve records an approval of each reviewer, in order, on the job's
// request, and returns the request as the last decision left it.
func (h *harness) approve(t *testing.T, job *store.Job, reviewers ...string) *store.ApprovalRequest {
	t.Helper()
	require.NotNil(t, job.Approval, "job %s has no approval", job.ID)
	var a *store.ApprovalRequest
	for _, r := range reviewers {
		var err error
		a, err = h.eng.Decide(context.Background(), job.Approval.RequestID, approval.DecisionInput{
			Reviewer: r, Decision: approval.Approve, ContentHash: job.ContentHash,
		})
		require.NoError(t, err, "%s approves", r)
	}
	return a
}

// job returns the job as the store holds it now.
func (h *harness) job(t *testing.T, id string) *store.Job {
	t.Helper()
	j, err := h.eng.Job(context.Background(), id)
	require.NoError(t, err)
	return j
}

// onChannel is a Match of our own: mock.Match is a plain function of the
// published delivery, so a project can select by anything it carries.
func onChannel(ch content.Channel) mock.Match {
	return func(p mock.Published) bool { return p.Delivery.Channel == ch }
}

func lisbon() Announcement {
	return Announcement{
		Title: "Breathscape opens a studio in Lisbon",
		Body: "Our first studio outside the app opens in Lisbon in March, with guided group " +
			"sessions every weekday evening and an open practice hour on Saturdays.",
	}
}

func TestAnnounceIsPublishedAfterReview(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()

	job, err := h.news.Announce(ctx, lisbon())
	require.NoError(t, err)
	assert.Equal(t, store.JobAwaitingApproval, job.Status)
	assert.Equal(t, 2, job.Approval.Level, "an announcement is reviewed by editorial and marketing")

	// Nothing goes out before the review: the queue has nothing to work.
	h.drain(t)
	mock.RequireNotPublished(t, h.email)
	mock.RequireNotPublished(t, h.web)

	a := h.approve(t, job, "erin", "mark")
	assert.Equal(t, store.ApprovalApproved, a.State)
	h.drain(t)

	assert.Equal(t, store.JobCompleted, h.job(t, job.ID).Status)
	got := mock.RequirePublished(t, h.email, mock.ForJob(job.ID), mock.WithSubject("Breathscape opens a studio in Lisbon"))
	require.Len(t, got, 1, "one email, however the queue ran")
	assert.Contains(t, got[0].Delivery.Bundle.Newsletter.Text, "Lisbon")
	mock.RequirePublished(t, h.web, mock.ForJob(job.ID), onChannel(content.ChannelWebsite))
	mock.RequirePublished(t, h.linkedin, mock.ForJob(job.ID))
	mock.RequireNotPublished(t, h.x, mock.ForJob(job.ID)) // not urgent: no X post
}

func TestUrgentAnnouncementAlsoGoesToX(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a := lisbon()
	a.Urgent = true

	job, err := h.news.Announce(context.Background(), a)
	require.NoError(t, err)
	assert.Equal(t, []string{"email", "web", "linkedin", "twitter"}, job.Channels)
	assert.Equal(t, 3, job.Approval.Level, "urgent news: editorial, then management")

	h.approve(t, job, "erin", "maya")
	h.drain(t)
	posts := mock.RequirePublished(t, h.x, mock.ForJob(job.ID))
	require.NotEmpty(t, posts[0].Delivery.Bundle.Social)
	mock.RequirePublished(t, h.email, mock.ForJob(job.ID))
}

func TestRejectedAnnouncementIsNeverPublished(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	job, err := h.news.Announce(ctx, lisbon())
	require.NoError(t, err)

	_, err = h.eng.Decide(ctx, job.Approval.RequestID, approval.DecisionInput{
		Reviewer: "mark", Decision: approval.Reject, Comment: "not before the lease is signed", ContentHash: job.ContentHash,
	})
	require.NoError(t, err)
	h.drain(t)

	assert.Equal(t, store.JobCancelled, h.job(t, job.ID).Status)
	for _, p := range []*mock.RecordingPublisher{h.email, h.web, h.linkedin, h.x} {
		mock.RequireNotPublished(t, p, mock.ForJob(job.ID))
	}
}

func TestAuthorCannotApproveTheirOwnAnnouncement(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	job, err := h.news.Announce(ctx, lisbon())
	require.NoError(t, err)

	_, err = h.eng.Decide(ctx, job.Approval.RequestID, approval.DecisionInput{
		Reviewer: h.news.Author, Decision: approval.Approve, ContentHash: job.ContentHash,
	})
	require.Error(t, err)
	assert.True(t, errors.Is(err, approval.ErrSelfApproval) || errors.Is(err, approval.ErrNotAllowed), err)
	h.drain(t)
	mock.RequireNotPublished(t, h.email)
}

func TestTransientFailureIsRetriedOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// The next email publish fails as a CRM answering 503 would; the queue
	// retries it with the same idempotency key.
	h.email.FailNext(content.Errorf(content.Retryable, "crm: batch", "503 service unavailable"))

	job, err := h.news.Announce(context.Background(), lisbon())
	require.NoError(t, err)
	h.approve(t, job, "erin", "mark")
	h.drain(t)

	got := mock.RequirePublished(t, h.email, mock.ForJob(job.ID))
	require.Len(t, got, 1, "published once, although tried twice")
	assert.Equal(t, 2, h.email.Attempts(got[0].Delivery.IdempotencyKey))
	assert.Equal(t, store.JobCompleted, h.job(t, job.ID).Status)
	failed, err := h.news.Failed(context.Background(), job.ID)
	require.NoError(t, err)
	assert.Empty(t, failed)
}

func TestPermanentFailureIsReported(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// The website refuses the post for good: no retry can help.
	h.web.FailNext(content.Errorf(content.Permanent, "web: create post", "403 forbidden"))

	job, err := h.news.Announce(context.Background(), lisbon())
	require.NoError(t, err)
	h.approve(t, job, "erin", "mark")
	h.drain(t)

	j := h.job(t, job.ID)
	assert.Equal(t, store.JobPartial, j.Status, "some channels were delivered, one failed")
	assert.Contains(t, j.Results["web"].Error, "403")
	failed, err := h.news.Failed(context.Background(), job.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"web"}, failed)
	mock.RequireNotPublished(t, h.web, mock.ForJob(job.ID))
	mock.RequirePublished(t, h.email, mock.ForJob(job.ID))
	mock.RequirePublished(t, h.linkedin, mock.ForJob(job.ID))
}

func TestInvalidAnnouncementCreatesNoJob(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()

	_, err := h.news.Announce(ctx, Announcement{Title: "Lisbon", Body: ""})
	require.ErrorIs(t, err, ErrInvalid)
	assert.Contains(t, err.Error(), "content", "the error names the empty body")

	page, err := h.store.ListJobs(ctx, store.JobFilter{})
	require.NoError(t, err)
	assert.Zero(t, page.Total)
	mock.RequireNotPublished(t, h.email)
}

// notes is the team's living document, served by the fake source.
const notes = `# Team notes

## [Breathscape] App updates

### Offline sessions
- **Date:** 2026-11-20
- **Content:** Every guided session can now be saved for offline use, so a flight or a
  basement gym no longer means breathing without a guide.

### Quieter reminders
- **Date:** 2026-11-18
- **Content:** Reminders now learn when you usually breathe and nudge you once, gently,
  near that time.
`

func TestPublishNotesFromTheSource(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.notes.AddText("notes:team", notes, content.FormatMarkdown)

	job, err := h.news.PublishNotes(context.Background(), "notes:team")
	require.NoError(t, err)
	assert.Equal(t, []string{"notes:team"}, h.notes.Calls(), "fetched once, by its reference")
	// Routine updates are approved by the policy itself (level 1): the job
	// is queued at once, with no reviewer.
	assert.Equal(t, store.JobPending, job.Status)
	h.drain(t)
	assert.Equal(t, store.JobCompleted, h.job(t, job.ID).Status)

	got := mock.RequirePublished(t, h.email, mock.ForJob(job.ID))
	assert.Contains(t, got[0].Delivery.Bundle.Newsletter.Text, "Offline sessions")
	assert.Contains(t, got[0].Delivery.Bundle.Newsletter.Text, "Quieter reminders")
	mock.RequirePublished(t, h.web, mock.ForJob(job.ID))
	mock.RequireNotPublished(t, h.linkedin) // notes go to email and the web only
}

func TestPublishNotesWhenTheSourceIsDown(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.notes.Fail("notes:team", content.Errorf(content.Retryable, "notes: fetch", "503 service unavailable"))

	_, err := h.news.PublishNotes(context.Background(), "notes:team")
	require.Error(t, err)
	assert.Equal(t, content.Retryable, content.ClassOf(err), "the class survives the newsroom's wrapping: callers can retry")

	page, err := h.store.ListJobs(context.Background(), store.JobFilter{})
	require.NoError(t, err)
	assert.Zero(t, page.Total)
	mock.RequireNotPublished(t, h.email)
}

// TestRun runs the example's main path end to end.
func TestRun(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	require.NoError(t, run(ctx, &out))
	text := out.String()
	assert.Regexp(t, `Announced: job job_\w+ awaiting_approval, approval level 2\n`, text)
	assert.Contains(t, text, "Published before review: 0\n")
	assert.Contains(t, text, "  mark approved: request approved\n")
	assert.Regexp(t, `Job job_\w+: completed\n`, text)
	for _, want := range []string{"email    received 1", "web      received 1", "linkedin received 1", "x        received 0"} {
		assert.Contains(t, strings.Split(text, "\n"), "  "+want)
	}
}
