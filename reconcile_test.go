package halcytone_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/schedule"
	"github.com/halcytone/halcytone/store"
)

// flakyStore fails the next GetDelivery or InTx after it is armed, as a
// database that goes away for a moment does.
type flakyStore struct {
	store.Store
	mu   sync.Mutex
	fail map[string]bool
}

func (s *flakyStore) arm(method string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail == nil {
		s.fail = map[string]bool{}
	}
	s.fail[method] = true
}

func (s *flakyStore) failing(method string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.fail[method]
	delete(s.fail, method)
	return f
}

var errGone = errors.New("database went away")

func (s *flakyStore) GetDelivery(ctx context.Context, key string) (*store.Delivery, error) {
	if s.failing("GetDelivery") {
		return nil, errGone
	}
	return s.Store.GetDelivery(ctx, key)
}

func (s *flakyStore) InTx(ctx context.Context, fn func(store.Tx) error) error {
	if s.failing("InTx") {
		return errGone
	}
	return s.Store.InTx(ctx, fn)
}

// armingPublisher arms its store's failure of the next transaction once it
// has published: the worker then cannot record the outcome.
type armingPublisher struct {
	*mock.RecordingPublisher
	st *flakyStore
}

func (p armingPublisher) Publish(ctx context.Context, d publish.Delivery) (publish.Receipt, error) {
	r, err := p.RecordingPublisher.Publish(ctx, d)
	if err == nil {
		p.st.arm("InTx")
	}
	return r, err
}

// waitEntriesEnded waits until every queue entry of job has ended.
func waitEntriesEnded(t *testing.T, q *schedule.RiverQueue, jobID string) {
	t.Helper()
	var last schedule.Entry
	require.Eventually(t, func() bool {
		es, err := q.Entries(context.Background(), jobID)
		if err != nil || len(es) == 0 {
			return false
		}
		for _, e := range es {
			if e.State != "discarded" && e.State != "completed" && e.State != "cancelled" {
				last = e
				return false
			}
		}
		return true
	}, 30*time.Second, 20*time.Millisecond, "entry %+v", &last)
}

// TestReconcileSettlesADeliveryTheQueueGaveUpOn: the queue gave up on a
// delivery's last attempt because the worker could not record what it
// sent (or never started it). Reconcile records it as sent after a lookup
// at the platform, or fails the one never tried so that a retry delivers
// it; the job finishes instead of staying in progress for ever.
func TestReconcileSettlesADeliveryTheQueueGaveUpOn(t *testing.T) {
	ctx := context.Background()
	b := dbBackends(ctx)["sqlite"](t)
	st := &flakyStore{Store: b.store}
	email := mock.NewRecordingPublisher("email", content.ChannelEmail)
	x := mock.NewRecordingPublisher("x", content.ChannelTwitter)
	var ahead atomic.Int64 // how far the engine's clock is ahead
	// One attempt per delivery, and a clock that can move ahead.
	eng, q := b.engineAndQueue(t, 1, halcytone.Config{Store: st, Publishers: []publish.Publisher{armingPublisher{email, st}, x},
		Now: func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }}, func(c *schedule.Config) { c.Retry = schedule.RetryPolicy{MaxAttempts: 1} })

	// Sent, but not recorded: the queue discards the entry.
	sent, err := eng.Generate(ctx, halcytone.Request{Content: update("Pulse pre-orders open soon"), Channels: []string{"email"}})
	require.NoError(t, err)
	waitEntriesEnded(t, q, sent.Job.ID)
	require.Len(t, email.Published(), 1)
	// Never tried: the worker fails before its first attempt.
	st.arm("GetDelivery")
	untried, err := eng.Generate(ctx, halcytone.Request{Content: update("Firmware 1.5 for the band"), Channels: []string{"x"}})
	require.NoError(t, err)
	waitEntriesEnded(t, q, untried.Job.ID)
	for _, id := range []string{sent.Job.ID, untried.Job.ID} {
		j, err := eng.Job(ctx, id)
		require.NoError(t, err)
		require.False(t, j.Status.Terminal(), "left %s", j.Status)
	}

	n, err := eng.Reconcile(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "nothing settled within the grace period")

	ahead.Store(int64(2 * halcytone.ReconcileGrace))
	n, err = eng.Reconcile(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, n)

	j, err := eng.Job(ctx, sent.Job.ID)
	require.NoError(t, err)
	assert.Equal(t, store.JobCompleted, j.Status)
	assert.Equal(t, "success", j.Results["email"].Status)
	assert.Len(t, email.Published(), 1, "found at the platform, not sent again")

	j, err = eng.Job(ctx, untried.Job.ID)
	require.NoError(t, err)
	assert.Equal(t, store.JobFailed, j.Status)
	ahead.Store(0) // the retry's entry runs now
	retry, err := eng.Retry(ctx, untried.Job.ID)
	require.NoError(t, err)
	waitEntriesEnded(t, q, retry.ID)
	j, err = eng.Job(ctx, retry.ID)
	require.NoError(t, err)
	assert.Equal(t, store.JobCompleted, j.Status)
	assert.Len(t, x.Published(), 1, "the retry delivers it")

	ahead.Store(int64(2 * halcytone.ReconcileGrace))
	n, err = eng.Reconcile(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "nothing left to settle")
}
