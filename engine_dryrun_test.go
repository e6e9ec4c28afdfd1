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
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/publish/social"
	"github.com/halcytone/halcytone/schedule"
	"github.com/halcytone/halcytone/store"
)

// TestDryRunDoesNotUseUpTheKey: content first run dry (a request's
// dry_run, or a channel with no credentials yet) is still delivered by a
// later real job, once; a second real job is skipped.
func TestDryRunDoesNotUseUpTheKey(t *testing.T) {
	web := mock.NewRecordingPublisher("web", content.ChannelWebsite)
	dry := publish.DryRun(web)
	h := newHarness(t, publish.ByDryRun(web, dry))
	h.src.AddText("mem:news", "# News\n\n## [Tips] Tips\n\n### The long exhale\n\nBreathe in for four counts and out for six, for ten rounds.\n", content.FormatMarkdown)

	run := func(dryRun bool) *store.Job {
		return h.generateAndWait(t, halcytone.Request{DocumentID: "mem:news", Channels: []string{"web"}, DryRun: dryRun})
	}

	first := run(true)
	assert.Equal(t, store.JobCompleted, first.Status)
	assert.Empty(t, web.Published(), "a dry run sends nothing")
	require.Len(t, dry.Recorded(), 1)

	again := run(true)
	assert.Equal(t, "skipped", again.Results["web"].Status, "a second dry run of the same content is skipped")

	real := run(false)
	assert.Equal(t, store.JobCompleted, real.Status)
	assert.Equal(t, "success", real.Results["web"].Status, "%+v", real.Results)
	require.Len(t, web.Published(), 1, "the real job sends what the dry run only recorded")

	last := run(false)
	assert.Equal(t, "skipped", last.Results["web"].Status, "sent once: a second real job is skipped")
	assert.Len(t, web.Published(), 1)
}

// TestDryRunLookupIsNotARealSend: a real job that takes over a key a dry
// run recorded, and whose first attempt fails, asks the platform before
// trying again; the dry run's record (ByDryRun answers from either side)
// is no proof of delivery, so the content is really sent.
func TestDryRunLookupIsNotARealSend(t *testing.T) {
	web := mock.NewRecordingPublisher("web", content.ChannelWebsite)
	h := newHarness(t, publish.ByDryRun(web, publish.DryRun(web)))
	run := func(dryRun bool) *store.Job {
		return h.generateAndWait(t, halcytone.Request{Content: update("Breathing tips for travel"), Channels: []string{"web"}, DryRun: dryRun})
	}
	run(true)
	web.FailNext(&content.Error{Class: content.Retryable, Op: "web", Err: context.DeadlineExceeded})
	j := run(false)
	assert.Equal(t, store.JobCompleted, j.Status)
	assert.Len(t, web.Published(), 1, "sent for real, once")
	assert.NotContains(t, j.Results["web"].ContentID, "dryrun:", "the receipt is the platform's")
}

// TestDryRunLeavesAFailedRealDeliveryAlone: a dry run of content whose
// real delivery failed halfway (an X thread's first part posted) records
// under a key of its own, so the real retry resumes from the thread's
// checkpoint and posts nothing twice.
func TestDryRunLeavesAFailedRealDeliveryAlone(t *testing.T) {
	fake := mock.StartX(t, "tok")
	h := newHarnessConfig(t, func(c *halcytone.Config) {
		xp, err := social.NewX(social.XConfig{Endpoint: fake.URL(), Token: "tok", Keys: halcytone.DeliveryCheckpoints{Store: c.Store}})
		require.NoError(t, err)
		c.Publishers = []publish.Publisher{publish.ByDryRun(xp, publish.DryRun(xp))}
	})
	u := update("Breathing tips for travel")
	u.Body = strings.Repeat("Breathe in for four counts and out for six, for ten rounds on every flight you take. ", 8)
	run := func(dryRun bool) *store.Job {
		return h.generateAndWait(t, halcytone.Request{Content: u, Channels: []string{"x"}, DryRun: dryRun})
	}
	fake.PassNext(1)
	fake.FailNext(1, 403, 0)
	assert.Equal(t, store.JobFailed, run(false).Status, "part 1 posted, part 2 refused")
	assert.Equal(t, store.JobCompleted, run(true).Status)
	j := run(false)
	assert.Equal(t, store.JobCompleted, j.Status)
	assert.Zero(t, fake.Duplicates(), "no part posted twice")
	assert.Positive(t, fake.Posts())
}

// hookStore calls onGetBundle before each GetBundle: a test's way into
// the moment Work has checked a delivery and not yet sent it.
type hookStore struct {
	*mock.Store
	onGetBundle func()
}

func (s *hookStore) GetBundle(ctx context.Context, id string) (*store.BundleRecord, error) {
	if s.onGetBundle != nil {
		s.onGetBundle()
	}
	return s.Store.GetBundle(ctx, id)
}

// TestCancelWhileWorking: a Cancel that lands after Work read the
// delivery as pending, before it sends, wins: nothing is sent.
func TestCancelWhileWorking(t *testing.T) {
	hs := &hookStore{Store: mock.NewStore()}
	h := newHarnessConfig(t, func(c *halcytone.Config) { c.Store = hs })
	ctx := context.Background()
	require.NoError(t, h.queue.Stop(ctx)) // hold the entry until the job's id is known
	res, err := h.eng.Generate(ctx, halcytone.Request{Content: update("Breathing tips for travel"), Channels: []string{"email"}})
	require.NoError(t, err)
	require.NotNil(t, res.Job)
	var cancelErr error
	fired := false
	hs.onGetBundle = func() {
		if !fired {
			fired = true
			_, cancelErr = h.eng.Cancel(context.Background(), res.Job.ID)
		}
	}
	require.NoError(t, h.queue.Start(ctx))
	h.wait(t)
	require.True(t, fired)
	require.NoError(t, cancelErr)
	j, err := h.eng.Job(ctx, res.Job.ID)
	require.NoError(t, err)
	assert.Equal(t, store.JobCancelled, j.Status)
	assert.Empty(t, h.email.Published(), "a cancelled delivery is not sent")
}

// TestWorkFollowsTheQueuesRetryPolicy: the engine records a delivery as
// failed when the queue that runs it gives up (its own MaxAttempts, here
// 2), not after a fixed count; and a rate-limited last attempt, which the
// queue snoozes, is not a failure.
func TestWorkFollowsTheQueuesRetryPolicy(t *testing.T) {
	ctx := context.Background()
	unavailable := func() error { return &content.Error{Class: content.Retryable, Op: "crm", Err: errors.New("503")} }

	h := newHarness(t)
	h.queue.Retry = schedule.RetryPolicy{MaxAttempts: 2}
	h.email.FailNext(unavailable(), unavailable(), unavailable())
	res, err := h.eng.Generate(ctx, halcytone.Request{Content: update("Breathing tips for travel"), Channels: []string{"email"}})
	require.NoError(t, err)
	h.wait(t)
	j, err := h.eng.Job(ctx, res.Job.ID)
	require.NoError(t, err)
	assert.Equal(t, store.JobFailed, j.Status, "the queue gave up after 2 attempts, and so did the job")

	h = newHarness(t)
	h.queue.Retry = schedule.RetryPolicy{MaxAttempts: 2}
	h.email.FailNext(unavailable(), &content.Error{Class: content.RateLimited, Op: "crm", RetryAfter: time.Second, Err: errors.New("429")})
	res, err = h.eng.Generate(ctx, halcytone.Request{Content: update("Breathing tips for travel"), Channels: []string{"email"}})
	require.NoError(t, err)
	h.wait(t)
	j, err = h.eng.Job(ctx, res.Job.ID)
	require.NoError(t, err)
	assert.Equal(t, store.JobCompleted, j.Status, "the rate-limited last attempt waited and went through")
	assert.Len(t, h.email.Published(), 1)
}

// TestCancelledContentIsSentByALaterJob: a scheduled job is cancelled and
// the same content generated again to go out now: the new job takes over
// the deliveries the cancelled one left unsent, once.
func TestCancelledContentIsSentByALaterJob(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	req := halcytone.Request{Content: update("Firmware 1.4 is coming"), Channels: []string{"email", "twitter"}, PublishAt: time.Now().Add(time.Hour)}
	res, err := h.eng.Generate(ctx, req)
	require.NoError(t, err)
	_, err = h.eng.Cancel(ctx, res.Job.ID)
	require.NoError(t, err)

	req.PublishAt = time.Time{}
	again, err := h.eng.Generate(ctx, req)
	require.NoError(t, err)
	require.NotNil(t, again.Job)
	h.wait(t)
	j, err := h.eng.Job(ctx, again.Job.ID)
	require.NoError(t, err)
	assert.Equal(t, store.JobCompleted, j.Status)
	assert.Equal(t, "success", j.Results["email"].Status, "%+v", j.Results)
	assert.Len(t, h.email.Published(), 1)
	assert.Len(t, h.x.Published(), 1)

	third, err := h.eng.Generate(ctx, req)
	require.NoError(t, err)
	h.wait(t)
	j, err = h.eng.Job(ctx, third.Job.ID)
	require.NoError(t, err)
	assert.Equal(t, "skipped", j.Results["email"].Status, "sent once")
	assert.Len(t, h.email.Published(), 1)
}

// generateAndWait generates req, waits until the queue is idle and
// returns the job as it is then.
func (h *harness) generateAndWait(t *testing.T, req halcytone.Request) *store.Job {
	t.Helper()
	ctx := context.Background()
	res, err := h.eng.Generate(ctx, req)
	require.NoError(t, err)
	require.NotNil(t, res.Job, "status %s", res.Status)
	h.wait(t)
	j, err := h.eng.Job(ctx, res.Job.ID)
	require.NoError(t, err)
	return j
}
