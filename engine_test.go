package halcytone_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
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

// harness is an Engine on the in-memory store and queue with recording
// publishers for email and X.
type harness struct {
	eng   *halcytone.Engine
	store *mock.Store
	queue *mock.Queue
	email *mock.RecordingPublisher
	x     *mock.RecordingPublisher
	src   *mock.Source
}

func newHarness(t *testing.T, extra ...publish.Publisher) *harness {
	t.Helper()
	return newHarnessConfig(t, func(*halcytone.Config) {}, extra...)
}

func newHarnessConfig(t *testing.T, configure func(*halcytone.Config), extra ...publish.Publisher) *harness {
	t.Helper()
	h := &harness{
		store: mock.NewStore(),
		queue: mock.NewQueue(nil),
		email: mock.NewRecordingPublisher("email", content.ChannelEmail),
		x:     mock.NewRecordingPublisher("x", content.ChannelTwitter),
		src:   mock.NewSource(),
	}
	h.queue.MaxDelay = time.Millisecond
	reg := source.NewRegistry()
	reg.Register("mem", h.src)
	pubs := append([]publish.Publisher{h.email, h.x}, extra...)
	var err error
	cfg := halcytone.Config{
		Store:      h.store,
		Sources:    reg,
		Queue:      h.queue,
		Publishers: pubs,
		Gate: &approval.Gate{Policy: approval.DefaultPolicy(), Directory: approval.StaticDirectory{
			"erin": {"editor"}, "mark": {"marketing"}, "ada": {"editor", "marketing"},
		}},
	}
	configure(&cfg)
	h.eng, err = halcytone.New(cfg)
	require.NoError(t, err)
	h.queue.Worker = h.eng
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, h.queue.Start(ctx))
	t.Cleanup(func() {
		_ = h.queue.Stop(context.Background())
		cancel()
	})
	return h
}

func (h *harness) wait(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, h.queue.Wait(ctx))
}

func update(title string) *content.Update {
	return &content.Update{Base: content.Base{
		Title: title,
		Body:  "Every guided session can now be saved for offline use, so a flight no longer means breathing without a guide.",
	}}
}

func TestGenerateLevelOneIsDeliveredOnce(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	events := h.eng.Subscribe(ctx)

	res, err := h.eng.Generate(ctx, halcytone.Request{Content: update("Offline sessions are here"), Channels: []string{"email", "social_twitter"}, Author: "erin"})
	require.NoError(t, err)
	require.Equal(t, halcytone.StatusQueued, res.Status, res.Report)
	require.NotNil(t, res.Job)
	assert.Equal(t, 1, res.Approval.Level)
	assert.Equal(t, store.ApprovalApproved, res.Approval.State, "level 1 is auto-approved when valid")
	h.wait(t)

	job, err := h.eng.Job(ctx, res.Job.ID)
	require.NoError(t, err)
	assert.Equal(t, store.JobCompleted, job.Status)
	assert.Equal(t, []string{"email", "social_twitter"}, job.Channels, "channels as spelled")
	require.Contains(t, job.Results, "social_twitter", "results keyed as spelled")
	assert.Equal(t, "success", job.Results["social_twitter"].Status)
	assert.NotEmpty(t, job.Results["email"].ContentID)
	assert.False(t, job.StartedAt.IsZero())
	assert.False(t, job.CompletedAt.IsZero())
	mock.RequirePublished(t, h.email, mock.ForJob(job.ID))
	mock.RequirePublished(t, h.x, mock.ForJob(job.ID))

	// The queue's worker may deliver (and report it) before Generate has
	// published job_created: the job and its deliveries commit together,
	// and events come from both goroutines. So wait for both kinds in
	// whatever order.
	var types []string
	deadline := time.After(10 * time.Second)
	for !slices.Contains(types, halcytone.EventJobCreated) || !slices.Contains(types, halcytone.EventDeliverySucceeded) {
		select {
		case ev := <-events:
			types = append(types, ev.Type)
		case <-deadline:
			t.Fatalf("no job_created and delivery.succeeded; events so far: %v", types)
		}
	}

	// The same content again: no new deliveries, unless forced.
	again, err := h.eng.Generate(ctx, halcytone.Request{Content: update("Offline sessions are here"), Channels: []string{"email", "social_twitter"}})
	require.NoError(t, err)
	h.wait(t)
	j2, err := h.eng.Job(ctx, again.Job.ID)
	require.NoError(t, err)
	assert.Equal(t, store.JobCompleted, j2.Status)
	assert.Equal(t, "skipped", j2.Results["email"].Status)
	assert.Len(t, h.email.Published(), 1, "unchanged content is not delivered twice")

	forced, err := h.eng.Generate(ctx, halcytone.Request{Content: update("Offline sessions are here"), Channels: []string{"email"}, Force: true})
	require.NoError(t, err)
	h.wait(t)
	mock.RequirePublished(t, h.email, mock.ForJob(forced.Job.ID))
	assert.Len(t, h.email.Published(), 2)
}

func TestGenerateIdempotencyKey(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	req := halcytone.Request{Content: update("Quieter reminders arrive"), Channels: []string{"email"}, IdempotencyKey: "req-1"}
	a, err := h.eng.Generate(ctx, req)
	require.NoError(t, err)
	b, err := h.eng.Generate(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, a.Job.ID, b.Job.ID)
	page, err := h.eng.Jobs(ctx, store.JobFilter{})
	require.NoError(t, err)
	assert.Equal(t, 1, page.Total)

	// The same key with a different request is refused, not answered with
	// the first request's job.
	for name, other := range map[string]halcytone.Request{
		"channels": {Content: update("Quieter reminders arrive"), Channels: []string{"email", "twitter"}},
		"dry run":  {Content: update("Quieter reminders arrive"), Channels: []string{"email"}, DryRun: true},
		"document": {DocumentID: "mem:other", Channels: []string{"email"}},
	} {
		other.IdempotencyKey = "req-1"
		_, err := h.eng.Generate(ctx, other)
		var ce *content.Error
		require.ErrorAs(t, err, &ce, name)
		assert.Equal(t, "idempotency_key", ce.Field, name)
	}
	// The same channels spelled another way are the same request.
	same := req
	same.Channels = []string{"Email"}
	c, err := h.eng.Generate(ctx, same)
	require.NoError(t, err)
	assert.Equal(t, a.Job.ID, c.Job.ID)
}

func TestGenerateInvalidContentCreatesNoJob(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	res, err := h.eng.Generate(ctx, halcytone.Request{Content: &content.Update{Base: content.Base{Title: "x", Body: "cures all"}}})
	require.NoError(t, err)
	assert.Equal(t, halcytone.StatusValidationFailed, res.Status)
	assert.Nil(t, res.Job)
	assert.False(t, res.Report.Valid)
	page, err := h.eng.Jobs(ctx, store.JobFilter{})
	require.NoError(t, err)
	assert.Zero(t, page.Total)

	_, err = h.eng.Generate(ctx, halcytone.Request{Content: update("A fine title"), Channels: []string{"fax"}})
	var ce *content.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "channels[0]", ce.Field)
	_, err = h.eng.Generate(ctx, halcytone.Request{})
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, content.InvalidContent, ce.Class)
}

func TestApprovalLevelTwo(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	blog := &content.Blog{Base: content.Base{
		Title: "The science of the long exhale",
		Body:  "Making the exhale longer than the inhale is one of the simplest ways to slow down; here is why it works and how to practise it.",
	}}
	res, err := h.eng.Generate(ctx, halcytone.Request{Content: blog, Channels: []string{"email"}, Author: "erin"})
	require.NoError(t, err)
	require.Equal(t, halcytone.StatusAwaitingApproval, res.Status, res.Report)
	assert.Equal(t, 2, res.Approval.Level)
	job, err := h.eng.Job(ctx, res.Job.ID)
	require.NoError(t, err)
	assert.Equal(t, store.JobAwaitingApproval, job.Status)
	require.NotNil(t, job.Approval)
	assert.Equal(t, res.Approval.ID, job.Approval.RequestID)

	_, err = h.eng.Decide(ctx, res.Approval.ID, approval.DecisionInput{Reviewer: "erin", Decision: approval.Approve})
	assert.ErrorIs(t, err, approval.ErrSelfApproval)
	_, err = h.eng.Decide(ctx, res.Approval.ID, approval.DecisionInput{Reviewer: "mark", Decision: approval.Approve, ContentHash: "stale"})
	assert.ErrorIs(t, err, approval.ErrStaleContent)

	a, err := h.eng.Decide(ctx, res.Approval.ID, approval.DecisionInput{Reviewer: "mark", Decision: approval.Approve})
	require.NoError(t, err)
	assert.Equal(t, store.ApprovalPending, a.State, "editorial has not approved yet")
	h.wait(t)
	mock.RequireNotPublished(t, h.email, mock.ForJob(job.ID))

	a, err = h.eng.Decide(ctx, res.Approval.ID, approval.DecisionInput{Reviewer: "ada", Decision: approval.Approve, Comment: "lovely"})
	require.NoError(t, err)
	assert.Equal(t, store.ApprovalApproved, a.State)
	h.wait(t)
	mock.RequirePublished(t, h.email, mock.ForJob(job.ID))
	job, err = h.eng.Job(ctx, job.ID)
	require.NoError(t, err)
	assert.Equal(t, store.JobCompleted, job.Status)
	assert.Equal(t, string(store.ApprovalApproved), job.Approval.State)
}

func TestApprovalRejectCancelsJob(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	blog := &content.Blog{Base: content.Base{Title: "A guide to coherent breathing", Body: "Coherent breathing settles at about five and a half breaths a minute, in and out."}}
	res, err := h.eng.Generate(ctx, halcytone.Request{Content: blog, Channels: []string{"email"}, Author: "erin"})
	require.NoError(t, err)
	_, err = h.eng.Decide(ctx, res.Approval.ID, approval.DecisionInput{Reviewer: "mark", Decision: approval.Reject, Comment: "off brand"})
	require.NoError(t, err)
	job, err := h.eng.Job(ctx, res.Job.ID)
	require.NoError(t, err)
	assert.Equal(t, store.JobCancelled, job.Status)
	h.wait(t)
	mock.RequireNotPublished(t, h.email)
}

func TestCancelAndRetry(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()

	// A scheduled job is cancelled before it runs.
	res, err := h.eng.Generate(ctx, halcytone.Request{Content: update("Firmware 1.4 is coming"), Channels: []string{"email"}, PublishAt: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	assert.Equal(t, store.JobScheduled, res.Job.Status)
	j, err := h.eng.Cancel(ctx, res.Job.ID)
	require.NoError(t, err)
	assert.Equal(t, store.JobCancelled, j.Status)
	_, err = h.eng.Cancel(ctx, res.Job.ID)
	assert.ErrorIs(t, err, halcytone.ErrJobFinished)
	_, err = h.eng.Cancel(ctx, "job_missing")
	assert.ErrorIs(t, err, store.ErrNotFound)

	// Further ahead than content may be scheduled: refused, storing nothing.
	before, err := h.store.ListJobs(ctx, store.JobFilter{})
	require.NoError(t, err)
	for _, at := range []time.Time{time.Now().AddDate(1, 0, 1), time.Date(9999, 12, 31, 23, 59, 0, 0, time.FixedZone("", -(23*3600+59*60)))} {
		_, err = h.eng.Generate(ctx, halcytone.Request{Content: update("Firmware 1.4 is coming"), Channels: []string{"email"}, PublishAt: at})
		var ce *content.Error
		require.ErrorAs(t, err, &ce, "%v", at)
		assert.Equal(t, "publish_at", ce.Field)
		assert.Equal(t, content.InvalidContent, ce.Class)
	}
	after, err := h.store.ListJobs(ctx, store.JobFilter{})
	require.NoError(t, err)
	assert.Equal(t, before.Total, after.Total)

	// A permanent failure fails the job; Retry delivers it.
	h.email.FailNext(&content.Error{Class: content.Permanent, Err: errors.New("mailbox closed")})
	res, err = h.eng.Generate(ctx, halcytone.Request{Content: update("Pulse pre-orders open soon"), Channels: []string{"email", "twitter"}})
	require.NoError(t, err)
	h.wait(t)
	j, err = h.eng.Job(ctx, res.Job.ID)
	require.NoError(t, err)
	assert.Equal(t, store.JobPartial, j.Status)
	assert.Equal(t, "failed", j.Results["email"].Status)
	assert.Contains(t, j.Errors[0], "mailbox closed")
	_, err = h.eng.Retry(ctx, "job_missing")
	assert.ErrorIs(t, err, store.ErrNotFound)

	r, err := h.eng.Retry(ctx, res.Job.ID)
	require.NoError(t, err)
	assert.Equal(t, res.Job.ID, r.Metadata["retry_of"])
	h.wait(t)
	r, err = h.eng.Job(ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, store.JobCompleted, r.Status)
	assert.Equal(t, "success", r.Results["email"].Status)
	assert.Equal(t, "skipped", r.Results["twitter"].Status, "already delivered by the first job")
	assert.Len(t, h.x.Published(), 1)

	_, err = h.eng.Retry(ctx, r.ID)
	assert.ErrorIs(t, err, halcytone.ErrJobFinished, "a completed job is not retried")
}

func TestTransientFailuresAreRetried(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.email.FailNext(&content.Error{Class: content.Retryable}, &content.Error{Class: content.RateLimited, RetryAfter: time.Millisecond})
	res, err := h.eng.Generate(ctx, halcytone.Request{Content: update("Breathing tips for travel"), Channels: []string{"email"}})
	require.NoError(t, err)
	h.wait(t)
	j, err := h.eng.Job(ctx, res.Job.ID)
	require.NoError(t, err)
	assert.Equal(t, store.JobCompleted, j.Status)
	assert.Len(t, h.email.Published(), 1)
}

// unknownPublisher accepts a delivery (or not) and then reports that the
// outcome is unknown, like a request that timed out after it was sent.
type unknownPublisher struct {
	*mock.RecordingPublisher
	accept bool
	calls  atomic.Int32
}

func (p *unknownPublisher) Publish(ctx context.Context, d publish.Delivery) (publish.Receipt, error) {
	p.calls.Add(1)
	if p.accept {
		if _, err := p.RecordingPublisher.Publish(ctx, d); err != nil {
			return publish.Receipt{}, err
		}
	}
	return publish.Receipt{}, &content.Error{Class: content.OutcomeUnknown, Err: errors.New("timeout after send")}
}

func TestOutcomeUnknownIsReconciledNotResent(t *testing.T) {
	for _, accepted := range []bool{true, false} {
		up := &unknownPublisher{RecordingPublisher: mock.NewRecordingPublisher("web", content.ChannelWebsite), accept: accepted}
		h := newHarness(t, up)
		ctx := context.Background()
		res, err := h.eng.Generate(ctx, halcytone.Request{Content: update("A calmer progress view"), Channels: []string{"website"}})
		require.NoError(t, err)
		require.Equal(t, halcytone.StatusQueued, res.Status, "%+v", res.Report)
		h.wait(t)
		j, err := h.eng.Job(ctx, res.Job.ID)
		require.NoError(t, err)
		dels, err := h.store.ListDeliveries(ctx, j.ID)
		require.NoError(t, err)
		require.Len(t, dels, 1)
		if accepted {
			assert.Equal(t, store.DeliverySent, dels[0].Status, "found by Lookup")
			assert.Equal(t, store.JobCompleted, j.Status)
		} else {
			assert.Equal(t, store.DeliveryUnknown, dels[0].Status, "left for a person to reconcile")
			assert.Equal(t, store.JobFailed, j.Status)
		}
		assert.Equal(t, int32(1), up.calls.Load(), "never resent blindly")
	}
}

func TestDocumentReferenceAndSlowSubscriber(t *testing.T) {
	h := newHarnessConfig(t, func(c *halcytone.Config) { c.EventBuffer = 2 })
	h.src.AddText("mem:news", "# News\n\n## [Tips] Tips\n\n### The long exhale\n\nBreathe in for four counts and out for six, for ten rounds.\n", content.FormatMarkdown)
	ctx := context.Background()
	slow := h.eng.Subscribe(ctx) // never read: dropped, never blocking
	res, err := h.eng.Generate(ctx, halcytone.Request{DocumentID: "mem:news", Channels: []string{"email"}})
	require.NoError(t, err)
	h.wait(t)
	j, err := h.eng.Job(ctx, res.Job.ID)
	require.NoError(t, err)
	assert.Equal(t, "mem:news", j.DocumentID)
	assert.Equal(t, store.JobCompleted, j.Status)
	v, err := h.store.LatestDocument(ctx, "mem:news")
	require.NoError(t, err)
	assert.Equal(t, 1, v.Version)

	n := 0
	for range slow {
		n++
	}
	assert.Positive(t, n, "the slow subscriber got events until its buffer filled, then its channel was closed")
}

// blogDoc is a living document holding one blog post (level 2) with body.
func blogDoc(body string) string {
	return "# News\n\n## [Tips] Tips\n\n### The science of the long exhale\n<!-- type: blog -->\n\n" + body + "\n"
}

// blogAwaitingReview generates a job from "mem:blog", a blog post the
// policy sends to review, and returns its result.
func (h *harness) blogAwaitingReview(t *testing.T) *halcytone.Result {
	t.Helper()
	h.src.AddText("mem:blog", blogDoc("Breathe in for four counts and out for six, for ten rounds."), content.FormatMarkdown)
	res, err := h.eng.Generate(context.Background(), halcytone.Request{DocumentID: "mem:blog", Channels: []string{"email"}, Author: "ada"})
	require.NoError(t, err)
	require.Equal(t, halcytone.StatusAwaitingApproval, res.Status)
	return res
}

func TestRefreshResetsApprovalWhenContentChanges(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	res := h.blogAwaitingReview(t)
	oldHash := res.Job.ContentHash
	_, err := h.eng.Decide(ctx, res.Approval.ID, approval.DecisionInput{Reviewer: "mark", Decision: approval.Approve})
	require.NoError(t, err)

	same, err := h.eng.Refresh(ctx, res.Job.ID, "sync")
	require.NoError(t, err)
	assert.Equal(t, oldHash, same.ContentHash, "unchanged content keeps its approvals")

	h.src.AddText("mem:blog", blogDoc("Breathe in for four counts and out for eight, for twelve rounds."), content.FormatMarkdown)
	j, err := h.eng.Refresh(ctx, res.Job.ID, "sync")
	require.NoError(t, err)
	assert.NotEqual(t, oldHash, j.ContentHash)
	a, err := h.store.GetApproval(ctx, res.Approval.ID)
	require.NoError(t, err)
	assert.Equal(t, j.ContentHash, a.ContentHash, "the approval follows the new content")
	for _, st := range a.Stages {
		assert.Empty(t, st.Approvals, "approvals of the old content are cleared")
	}
	_, err = h.eng.Decide(ctx, res.Approval.ID, approval.DecisionInput{Reviewer: "erin", Decision: approval.Approve, ContentHash: oldHash})
	assert.ErrorIs(t, err, approval.ErrStaleContent, "a decision on the old content is refused")
	v, err := h.store.LatestDocument(ctx, "mem:blog")
	require.NoError(t, err)
	assert.Equal(t, 2, v.Version)
}

func TestRecurringSchedules(t *testing.T) {
	now := time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC) // a Tuesday, 09:00 in New York
	clock := now
	h := newHarnessConfig(t, func(c *halcytone.Config) { c.Now = func() time.Time { return clock } })
	h.src.AddText("mem:weekly", "# Tips\n\n## [Tips] Tips\n\n### The long exhale\n\nBreathe in for four counts and out for six, for ten rounds.\n", content.FormatMarkdown)
	ctx := context.Background()

	_, err := h.eng.CreateSchedule(ctx, store.Schedule{Name: "bad", Cron: "0 10 * * TUE", Timezone: "Mars/Olympus", DocumentID: "mem:weekly"})
	var ce *content.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "timezone", ce.Field)
	_, err = h.eng.CreateSchedule(ctx, store.Schedule{Name: "bad", Cron: "every tuesday", Timezone: "UTC", DocumentID: "mem:weekly"})
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "cron", ce.Field)

	s, err := h.eng.CreateSchedule(ctx, store.Schedule{Name: "tips", Cron: "0 10 * * TUE", Timezone: "America/New_York", DocumentID: "mem:weekly", Channels: []string{"email"}})
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC), s.NextRun, "10:00 New York (EST) today")

	jobs, err := h.eng.RunSchedules(ctx)
	require.NoError(t, err)
	assert.Empty(t, jobs, "not due yet")

	clock = now.Add(90 * time.Minute)
	jobs, err = h.eng.RunSchedules(ctx)
	require.NoError(t, err)
	require.Len(t, jobs, 1)
	assert.Equal(t, s.ID, jobs[0].Metadata["schedule_id"])
	assert.Equal(t, store.JobPending, jobs[0].Status)
	again, err := h.eng.RunSchedules(ctx)
	require.NoError(t, err)
	assert.Empty(t, again, "a run starts once")
	got, err := h.store.GetSchedule(ctx, s.ID)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC), got.NextRun, "next Tuesday")
	h.wait(t)
	mock.RequirePublished(t, h.email, mock.ForJob(jobs[0].ID))
}

func TestDecideLatestRefusesADecisionOnChangedContent(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	res := h.blogAwaitingReview(t)
	oldHash := res.Job.ContentHash

	// Unchanged: the decision is recorded.
	_, err := h.eng.DecideLatest(ctx, res.Approval.ID, approval.DecisionInput{Reviewer: "mark", Decision: approval.Approve})
	require.NoError(t, err)

	// Edited at the source: refused, and the approval starts again.
	h.src.AddText("mem:blog", blogDoc("Breathe in for four counts and out for eight, for twelve rounds."), content.FormatMarkdown)
	_, err = h.eng.DecideLatest(ctx, res.Approval.ID, approval.DecisionInput{Reviewer: "erin", Decision: approval.Approve})
	require.ErrorIs(t, err, approval.ErrStaleContent)
	a, err := h.store.GetApproval(ctx, res.Approval.ID)
	require.NoError(t, err)
	assert.NotEqual(t, oldHash, a.ContentHash, "the approval follows the new content")
	for _, st := range a.Stages {
		assert.Empty(t, st.Approvals, "nothing recorded, and the old approvals are cleared")
	}
	// The next decision is on the new content.
	a, err = h.eng.DecideLatest(ctx, res.Approval.ID, approval.DecisionInput{Reviewer: "mark", Decision: approval.Approve})
	require.NoError(t, err)
	n := 0
	for _, st := range a.Stages {
		n += len(st.Approvals)
	}
	assert.Equal(t, 1, n, "the decision on the new content is recorded")

	// A source that cannot be read does not block a decision.
	h.src.Fail("mem:blog", errors.New("source down"))
	a, err = h.eng.DecideLatest(ctx, res.Approval.ID, approval.DecisionInput{Reviewer: "erin", Decision: approval.Approve})
	require.NoError(t, err)
	assert.Equal(t, store.ApprovalApproved, a.State)

	// Inline content has no source to check.
	res, err = h.eng.Generate(ctx, halcytone.Request{Text: blogDoc("Hold the breath for four counts, then let it go."), Format: content.FormatMarkdown, Channels: []string{"email"}, Author: "ada"})
	require.NoError(t, err)
	require.Equal(t, halcytone.StatusAwaitingApproval, res.Status)
	_, err = h.eng.DecideLatest(ctx, res.Approval.ID, approval.DecisionInput{Reviewer: "mark", Decision: approval.Approve})
	require.NoError(t, err)
}

// TestScheduleApprovalLevel checks that a schedule's approval_level is the
// least level its runs need: a level-1 update waits for level 3.
func TestScheduleApprovalLevel(t *testing.T) {
	now := time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC)
	clock := now
	h := newHarnessConfig(t, func(c *halcytone.Config) { c.Now = func() time.Time { return clock } })
	h.src.AddText("mem:weekly", "# Tips\n\n## [Tips] Tips\n\n### The long exhale\n\nBreathe in for four counts and out for six, for ten rounds.\n", content.FormatMarkdown)
	ctx := context.Background()
	for _, level := range []int{0, 3} {
		_, err := h.eng.CreateSchedule(ctx, store.Schedule{Name: fmt.Sprintf("level %d", level), Cron: "0 15 * * TUE", Timezone: "UTC",
			DocumentID: "mem:weekly", Channels: []string{"email"}, ApprovalLevel: level})
		require.NoError(t, err)
	}
	clock = now.Add(90 * time.Minute) // past 15:00
	jobs, err := h.eng.RunSchedules(ctx)
	require.NoError(t, err)
	require.Len(t, jobs, 2)
	levels := map[int]store.JobStatus{}
	for _, j := range jobs {
		as, _, err := h.store.ListApprovals(ctx, store.ApprovalFilter{JobID: j.ID})
		require.NoError(t, err)
		require.Len(t, as, 1)
		levels[as[0].Level] = j.Status
	}
	assert.Equal(t, map[int]store.JobStatus{1: store.JobPending, 3: store.JobAwaitingApproval}, levels,
		"the policy's level 1 without approval_level; level 3, awaiting review, with it")

	_, err = h.eng.Generate(ctx, halcytone.Request{DocumentID: "mem:weekly", ApprovalLevel: 5})
	var ce *content.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "approval_level", ce.Field)
}

// TestRunSchedulesRetriesATransientFailure: a run whose document cannot be
// fetched for a passing reason stays due and starts at the next call,
// once; a run that fails for good is passed.
func TestRunSchedulesRetriesATransientFailure(t *testing.T) {
	start := time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC)
	clock := start
	h := newHarnessConfig(t, func(c *halcytone.Config) { c.Now = func() time.Time { return clock } })
	h.src.AddText("mem:weekly", "# Tips\n\n## [Tips] Tips\n\n### The long exhale\n\nBreathe in for four counts and out for six, for ten rounds.\n", content.FormatMarkdown)
	ctx := context.Background()
	s, err := h.eng.CreateSchedule(ctx, store.Schedule{Name: "tips", Cron: "0 15 * * TUE", Timezone: "UTC", DocumentID: "mem:weekly", Channels: []string{"email"}})
	require.NoError(t, err)
	due := time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC)
	require.Equal(t, due, s.NextRun)

	clock = start.Add(90 * time.Minute)
	h.src.Fail("mem:weekly", &content.Error{Class: content.Retryable, Op: "gdocs", Err: context.DeadlineExceeded})
	jobs, err := h.eng.RunSchedules(ctx)
	require.Error(t, err)
	assert.Empty(t, jobs)
	got, err := h.store.GetSchedule(ctx, s.ID)
	require.NoError(t, err)
	assert.Equal(t, due, got.NextRun.UTC(), "the run stays due")

	h.src.Fail("mem:weekly", nil)
	clock = clock.Add(time.Minute)
	jobs, err = h.eng.RunSchedules(ctx)
	require.NoError(t, err)
	require.Len(t, jobs, 1, "started at the next call")
	assert.Equal(t, due.Format("2006-01-02T15:04:05Z07:00"), jobs[0].Metadata["scheduled_run"])
	jobs, err = h.eng.RunSchedules(ctx)
	require.NoError(t, err)
	assert.Empty(t, jobs, "once")

	// A failure for good is passed: the next run is next week's.
	clock = time.Date(2026, 12, 1, 15, 30, 0, 0, time.UTC)
	h.src.Fail("mem:weekly", &content.Error{Class: content.NotFound, Op: "gdocs", Err: errors.New("gone")})
	_, err = h.eng.RunSchedules(ctx)
	require.Error(t, err)
	got, err = h.store.GetSchedule(ctx, s.ID)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 12, 8, 15, 0, 0, 0, time.UTC), got.NextRun.UTC())
}
