package halcytone_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/approval"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/schedule"
	"github.com/halcytone/halcytone/source"
	"github.com/halcytone/halcytone/store"
)

// pauseStore runs a hook, once, inside the next transaction's GetJob or
// ListDeliveries, after the read: a fixed point at which a test lets a
// concurrent call run while the transaction is open.
type pauseStore struct {
	store.Store
	mu    sync.Mutex
	hooks map[string]func()
}

// at arms hook for the next transaction read named method.
func (s *pauseStore) at(method string, hook func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hooks == nil {
		s.hooks = map[string]func(){}
	}
	s.hooks[method] = hook
}

func (s *pauseStore) fire(method string) {
	s.mu.Lock()
	hook := s.hooks[method]
	delete(s.hooks, method)
	s.mu.Unlock()
	if hook != nil {
		hook()
	}
}

func (s *pauseStore) InTx(ctx context.Context, fn func(store.Tx) error) error {
	return s.Store.InTx(ctx, func(tx store.Tx) error { return fn(pauseTx{Tx: tx, s: s}) })
}

type pauseTx struct {
	store.Tx
	s *pauseStore
}

func (t pauseTx) GetJob(ctx context.Context, id string) (*store.Job, error) {
	j, err := t.Tx.GetJob(ctx, id)
	t.s.fire("GetJob")
	return j, err
}

func (t pauseTx) ListDeliveries(ctx context.Context, jobID string) ([]store.Delivery, error) {
	out, err := t.Tx.ListDeliveries(ctx, jobID)
	t.s.fire("ListDeliveries")
	return out, err
}

// pausedEngine is an engine on PostgreSQL (whose transactions run side by
// side, unlike SQLite's) behind a pauseStore, with a queue that is not
// started: the test calls Work itself.
func pausedEngine(t *testing.T, pubs ...publish.Publisher) (*halcytone.Engine, *pauseStore) {
	t.Helper()
	b := dbBackends(context.Background())["postgres"](t)
	ps := &pauseStore{Store: b.store}
	var eng *halcytone.Engine
	q, err := b.queue(schedule.Config{Worker: schedule.WorkerFunc(func(ctx context.Context, j schedule.Job, a int) error { return eng.Work(ctx, j, a) })})
	require.NoError(t, err)
	eng, err = halcytone.New(halcytone.Config{Store: ps, Queue: q, Sources: source.NewRegistry(), Publishers: pubs,
		Gate: &approval.Gate{Policy: approval.DefaultPolicy(), Directory: approval.StaticDirectory{"erin": {"editor"}, "mark": {"marketing"}}}})
	require.NoError(t, err)
	return eng, ps
}

// inParallel runs call while the paused transaction waits at its hook,
// and then lets it go on; it returns call's error.
func inParallel(ps *pauseStore, method string, run func() error, call func() error) (runErr, callErr error) {
	paused, resume := make(chan struct{}), make(chan struct{})
	ps.at(method, func() { close(paused); <-resume })
	done := make(chan error, 1)
	go func() { done <- run() }()
	<-paused
	callErr = call()
	close(resume)
	return <-done, callErr
}

// pendingOf returns the job's deliveries still pending.
func pendingOf(t *testing.T, eng *halcytone.Engine, jobID string) []string {
	t.Helper()
	dels, err := eng.Store().ListDeliveries(context.Background(), jobID)
	require.NoError(t, err)
	var out []string
	for _, d := range dels {
		if d.JobID == jobID && d.Status == store.DeliveryPending {
			out = append(out, d.IdempotencyKey)
		}
	}
	return out
}

var reviewedBlog = &content.Blog{Base: content.Base{Title: "The science of the long exhale",
	Body: "Making the exhale longer than the inhale is one of the simplest ways to slow down."}}

// TestCancelAfterAConcurrentApproval: the final approval commits while a
// Cancel of its job is under way. The Cancel skips the deliveries the
// approval released instead of leaving them pending under a cancelled
// job, where they would block the same content for good.
func TestCancelAfterAConcurrentApproval(t *testing.T) {
	ctx := context.Background()
	eng, ps := pausedEngine(t, mock.NewRecordingPublisher("email", content.ChannelEmail))
	res, err := eng.Generate(ctx, halcytone.Request{Content: reviewedBlog, Channels: []string{"email"}, Author: "ada"})
	require.NoError(t, err)
	require.Equal(t, halcytone.StatusAwaitingApproval, res.Status)
	_, err = eng.Decide(ctx, res.Approval.ID, approval.DecisionInput{Reviewer: "erin", Decision: approval.Approve})
	require.NoError(t, err)

	cancelErr, decideErr := inParallel(ps, "GetJob",
		func() error { _, err := eng.Cancel(ctx, res.Job.ID); return err },
		func() error {
			_, err := eng.Decide(ctx, res.Approval.ID, approval.DecisionInput{Reviewer: "mark", Decision: approval.Approve})
			return err
		})
	require.NoError(t, decideErr, "the approval commits first")
	require.NoError(t, cancelErr)
	j, err := eng.Job(ctx, res.Job.ID)
	require.NoError(t, err)
	assert.Equal(t, store.JobCancelled, j.Status)
	assert.Empty(t, pendingOf(t, eng, res.Job.ID), "no delivery left pending under the cancelled job")
}

// TestApprovalAfterAConcurrentCancel: the final decision comes while a
// Cancel of its job has read the job's deliveries. It waits for the
// Cancel, which holds the job's review, and finds the review closed;
// nothing is released. (Before, the decision committed at once and
// released deliveries the Cancel never saw: they stayed pending under
// the cancelled job, and every later job of the same content skipped
// them as "already pending".)
func TestApprovalAfterAConcurrentCancel(t *testing.T) {
	ctx := context.Background()
	eng, ps := pausedEngine(t, mock.NewRecordingPublisher("email", content.ChannelEmail))
	res, err := eng.Generate(ctx, halcytone.Request{Content: reviewedBlog, Channels: []string{"email"}, Author: "ada"})
	require.NoError(t, err)
	_, err = eng.Decide(ctx, res.Approval.ID, approval.DecisionInput{Reviewer: "erin", Decision: approval.Approve})
	require.NoError(t, err)

	decided := make(chan error, 1)
	var decideErr error
	cancelErr, _ := inParallel(ps, "ListDeliveries",
		func() error { _, err := eng.Cancel(ctx, res.Job.ID); return err },
		func() error {
			go func() {
				_, err := eng.Decide(ctx, res.Approval.ID, approval.DecisionInput{Reviewer: "mark", Decision: approval.Approve})
				decided <- err
			}()
			// Let the Cancel go on once the decision has returned or
			// waits for a lock the Cancel holds.
			for {
				select {
				case decideErr = <-decided:
					decided <- decideErr
					return nil
				default:
				}
				if waitingForALock(t) {
					return nil
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	require.NoError(t, cancelErr)
	decideErr = <-decided
	j, err := eng.Job(ctx, res.Job.ID)
	require.NoError(t, err)
	assert.Equal(t, store.JobCancelled, j.Status)
	assert.Empty(t, pendingOf(t, eng, res.Job.ID), "no delivery left pending under the cancelled job")
	require.ErrorIs(t, decideErr, approval.ErrFinished, "the review was closed by the cancel")
}

// waitingForALock reports whether a session of the test database waits
// for a lock.
func waitingForALock(t *testing.T) bool {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), postgresURL())
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var n int
	require.NoError(t, conn.QueryRow(context.Background(),
		`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n))
	return n > 0
}

// TestCancelAfterAConcurrentDelivery: the job's only delivery is sent and
// settles the job while a Cancel is under way. The Cancel answers that
// the job finished, and the delivery stays sent and the job completed.
func TestCancelAfterAConcurrentDelivery(t *testing.T) {
	ctx := context.Background()
	email := mock.NewRecordingPublisher("email", content.ChannelEmail)
	eng, ps := pausedEngine(t, email)
	res, err := eng.Generate(ctx, halcytone.Request{Content: update("Pulse pre-orders open soon"), Channels: []string{"email"}})
	require.NoError(t, err)
	keys := pendingOf(t, eng, res.Job.ID)
	require.Len(t, keys, 1)

	var cancelled *store.Job
	cancelErr, workErr := inParallel(ps, "ListDeliveries",
		func() error { var err error; cancelled, err = eng.Cancel(ctx, res.Job.ID); return err },
		func() error { return eng.Work(ctx, schedule.Job{JobID: res.Job.ID, DeliveryKey: keys[0]}, 1) })
	require.NoError(t, workErr)
	require.ErrorIs(t, cancelErr, halcytone.ErrJobFinished)
	require.NotNil(t, cancelled)
	assert.Equal(t, store.JobCompleted, cancelled.Status, "Cancel returns the job as it is")

	require.Len(t, email.Published(), 1)
	d, err := eng.Store().GetDelivery(ctx, keys[0])
	require.NoError(t, err)
	assert.Equal(t, store.DeliverySent, d.Status, "a sent delivery stays sent")
	assert.NotNil(t, d.Receipt)
	j, err := eng.Job(ctx, res.Job.ID)
	require.NoError(t, err)
	assert.Equal(t, store.JobCompleted, j.Status, "a completed job stays completed")
}

// jobUpdateHook runs a hook, once, before the next UpdateJob made outside
// a transaction: Work marking its job in progress.
type jobUpdateHook struct {
	store.Store
	mu   sync.Mutex
	hook func()
}

func (s *jobUpdateHook) arm(hook func()) { s.mu.Lock(); s.hook = hook; s.mu.Unlock() }

func (s *jobUpdateHook) UpdateJob(ctx context.Context, id string, fn func(*store.Job) error) (*store.Job, error) {
	s.mu.Lock()
	hook := s.hook
	s.hook = nil
	s.mu.Unlock()
	if hook != nil {
		hook()
	}
	return s.Store.UpdateJob(ctx, id, fn)
}

// TestRetryAfterACancelledRun: a job cancelled while its delivery's queue
// entry ran leaves that entry completed, holding the delivery's key. A
// later job of the same content takes the delivery over, fails, and its
// retry takes it over again: under a queue key of its own, so the
// completed entry (kept unique for days) does not refuse it.
func TestRetryAfterACancelledRun(t *testing.T) {
	hk := &jobUpdateHook{}
	h := newHarnessConfig(t, func(c *halcytone.Config) { hk.Store = c.Store; c.Store = hk })
	ctx := context.Background()
	c := update("Pulse pre-orders open soon")

	paused, resume := make(chan struct{}), make(chan struct{})
	hk.arm(func() { close(paused); <-resume })
	first, err := h.eng.Generate(ctx, halcytone.Request{Content: c, Channels: []string{"email"}})
	require.NoError(t, err)
	<-paused // the delivery's entry runs
	_, err = h.eng.Cancel(ctx, first.Job.ID)
	require.NoError(t, err)
	close(resume)
	h.wait(t)
	require.Empty(t, h.email.Published())

	h.email.FailNext(&content.Error{Class: content.Permanent, Err: errors.New("mailbox closed")})
	second := h.generateAndWait(t, halcytone.Request{Content: c, Channels: []string{"email"}})
	require.Equal(t, store.JobFailed, second.Status)

	retry, err := h.eng.Retry(ctx, second.ID)
	require.NoError(t, err, "a failed job can be retried")
	h.wait(t)
	j, err := h.eng.Job(ctx, retry.ID)
	require.NoError(t, err)
	assert.Equal(t, store.JobCompleted, j.Status)
	assert.Len(t, h.email.Published(), 1, "delivered once, by the retry")
}
