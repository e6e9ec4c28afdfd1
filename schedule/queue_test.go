package schedule_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/schedule"
	"github.com/halcytone/halcytone/store"
)

// recorder is a Worker that records its calls and answers with the
// behaviour programmed for each delivery key.
type recorder struct {
	mu     sync.Mutex
	calls  map[string][]int // attempts seen per delivery key
	ranAt  map[string]time.Time
	answer func(j schedule.Job, call, attempt int) error
}

func newRecorder(answer func(j schedule.Job, call, attempt int) error) *recorder {
	return &recorder{calls: map[string][]int{}, ranAt: map[string]time.Time{}, answer: answer}
}

func (r *recorder) Work(_ context.Context, j schedule.Job, attempt int) error {
	r.mu.Lock()
	r.calls[j.DeliveryKey] = append(r.calls[j.DeliveryKey], attempt)
	call := len(r.calls[j.DeliveryKey])
	if call == 1 {
		r.ranAt[j.DeliveryKey] = time.Now()
	}
	r.mu.Unlock()
	if r.answer == nil {
		return nil
	}
	return r.answer(j, call, attempt)
}

func (r *recorder) attempts(key string) []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int(nil), r.calls[key]...)
}

func (r *recorder) firstRun(key string) (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.ranAt[key]
	return t, ok
}

func enqueue(t *testing.T, q *schedule.RiverQueue, inTx txRunner, j schedule.Job) bool {
	t.Helper()
	var inserted bool
	require.NoError(t, inTx(context.Background(), func(tx store.Tx) error {
		var err error
		inserted, err = q.Enqueue(context.Background(), tx, j)
		return err
	}))
	return inserted
}

// eventuallyState waits until the single entry of jobID reaches state.
func eventuallyState(t *testing.T, q *schedule.RiverQueue, jobID, state string) schedule.Entry {
	t.Helper()
	var last schedule.Entry
	require.Eventually(t, func() bool {
		es, err := q.Entries(context.Background(), jobID)
		if err != nil || len(es) != 1 {
			return false
		}
		last = es[0]
		return last.State == state
	}, 60*time.Second, 20*time.Millisecond, "job %s never reached %s (last %+v)", jobID, state, last)
	return last
}

func fastRetry() schedule.RetryPolicy {
	return schedule.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, Jitter: -1, MaxSnoozes: 2}
}

func TestQueueTransactionalEnqueue(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			q, inTx := b.open(t, schedule.Config{})
			errAbort := errors.New("abort")
			err := inTx(ctx, func(tx store.Tx) error {
				ins, err := q.Enqueue(ctx, tx, schedule.Job{JobID: "job-rb", DeliveryKey: "k-rb"})
				require.NoError(t, err)
				require.True(t, ins)
				return errAbort
			})
			require.ErrorIs(t, err, errAbort)
			es, err := q.Entries(ctx, "job-rb")
			require.NoError(t, err)
			assert.Empty(t, es, "a rolled back enqueue leaves no entry")

			// After the rollback the key is free.
			assert.True(t, enqueue(t, q, inTx, schedule.Job{JobID: "job-rb", DeliveryKey: "k-rb"}))
		})
	}
}

func TestQueueUniqueDeliveryKey(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			q, inTx := b.open(t, schedule.Config{})
			j := schedule.Job{JobID: "job-u", DeliveryKey: "hc_dup", RunAt: time.Now().Add(time.Hour), Attrs: map[string]string{"channel": "email"}}
			assert.True(t, enqueue(t, q, inTx, j))
			// Same key, other attributes and time: still a duplicate.
			j2 := j
			j2.RunAt = time.Now().Add(2 * time.Hour)
			j2.Attrs = map[string]string{"channel": "x"}
			assert.False(t, enqueue(t, q, inTx, j2))
			// Also in a transaction of its own (nil tx).
			ins, err := q.Enqueue(ctx, nil, j)
			require.NoError(t, err)
			assert.False(t, ins)
			// A batch with a fresh key and a taken one.
			var got []bool
			require.NoError(t, inTx(ctx, func(tx store.Tx) error {
				got, err = q.EnqueueMany(ctx, tx, []schedule.Job{{JobID: "job-u", DeliveryKey: "hc_new"}, j})
				return err
			}))
			assert.Equal(t, []bool{true, false}, got)

			es, err := q.Entries(ctx, "job-u")
			require.NoError(t, err)
			require.Len(t, es, 2)
			assert.Equal(t, "hc_dup", es[0].Job.DeliveryKey)
			assert.Equal(t, map[string]string{"channel": "email"}, es[0].Job.Attrs)
			assert.WithinDuration(t, j.RunAt, es[0].Job.RunAt, time.Millisecond)
		})
	}
}

func TestQueueScheduledRunsAfterRunAt(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			rec := newRecorder(nil)
			q, inTx := b.open(t, schedule.Config{Worker: rec})
			startQueue(t, q)
			runAt := time.Now().Add(1500 * time.Millisecond)
			require.True(t, enqueue(t, q, inTx, schedule.Job{JobID: "job-s", DeliveryKey: "k-s", RunAt: runAt}))
			e := eventuallyState(t, q, "job-s", "completed")
			ran, ok := rec.firstRun("k-s")
			require.True(t, ok)
			assert.False(t, ran.Before(runAt), "ran at %s, before its time %s", ran, runAt)
			assert.Equal(t, 1, e.Attempt)
			assert.Equal(t, []int{1}, rec.attempts("k-s"))
		})
	}
}

func TestQueueErrorTaxonomy(t *testing.T) {
	type tc struct {
		name     string
		answer   func(call int) error
		state    string
		attempts []int // attempts the worker saw
		snoozes  int
	}
	classed := func(c content.ErrorClass) func(int) error {
		return func(int) error { return content.Errorf(c, "test", "always") }
	}
	cases := []tc{
		{name: "success", answer: func(int) error { return nil }, state: "completed", attempts: []int{1}},
		{name: "invalid content", answer: classed(content.InvalidContent), state: "cancelled", attempts: []int{1}},
		{name: "permanent", answer: classed(content.Permanent), state: "cancelled", attempts: []int{1}},
		{name: "auth expired", answer: classed(content.AuthExpired), state: "cancelled", attempts: []int{1}},
		{name: "not found", answer: classed(content.NotFound), state: "cancelled", attempts: []int{1}},
		{name: "outcome unknown", answer: classed(content.OutcomeUnknown), state: "cancelled", attempts: []int{1}},
		{name: "retryable until max attempts", answer: classed(content.Retryable), state: "discarded", attempts: []int{1, 2, 3}},
		{name: "unclassified retried then ok", answer: func(call int) error {
			if call == 1 {
				return errors.New("database is locked")
			}
			return nil
		}, state: "completed", attempts: []int{1, 2}},
		{name: "rate limited snoozes then ok", answer: func(call int) error {
			if call == 1 {
				return &content.Error{Class: content.RateLimited, RetryAfter: 10 * time.Millisecond}
			}
			return nil
		}, state: "completed", attempts: []int{1, 1}, snoozes: 1},
		{name: "rate limited beyond snooze budget", answer: func(int) error {
			return &content.Error{Class: content.RateLimited, RetryAfter: 10 * time.Millisecond}
		}, state: "discarded", attempts: []int{1, 1, 1, 2, 3}, snoozes: 2},
		{name: "rate limited without retry-after", answer: func(int) error {
			return &content.Error{Class: content.RateLimited}
		}, state: "discarded", attempts: []int{1, 2, 3}},
	}
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			byKey := map[string]tc{}
			for _, c := range cases {
				byKey[c.name] = c
			}
			rec := newRecorder(func(j schedule.Job, call, _ int) error { return byKey[j.DeliveryKey].answer(call) })
			q, inTx := b.open(t, schedule.Config{Worker: rec, Retry: fastRetry()})
			startQueue(t, q)
			for _, c := range cases {
				require.True(t, enqueue(t, q, inTx, schedule.Job{JobID: "job-" + c.name, DeliveryKey: c.name}))
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					e := eventuallyState(t, q, "job-"+c.name, c.state)
					assert.Equal(t, c.attempts, rec.attempts(c.name))
					assert.Equal(t, c.snoozes, e.Snoozes)
					if c.state == "discarded" {
						assert.Len(t, e.Errors, 3, "one error per counted attempt")
					}
				})
			}
		})
	}
}

func TestQueueCancel(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			q, inTx := b.open(t, schedule.Config{})
			later := time.Now().Add(time.Hour)
			for _, k := range []string{"a1", "a2", "a3"} {
				require.True(t, enqueue(t, q, inTx, schedule.Job{JobID: "job/a", DeliveryKey: k, RunAt: later}))
			}
			require.True(t, enqueue(t, q, inTx, schedule.Job{JobID: "job-b", DeliveryKey: "b1", RunAt: later}))

			n, err := q.Cancel(ctx, "job/a")
			require.NoError(t, err)
			assert.Equal(t, 3, n)
			es, err := q.Entries(ctx, "job/a")
			require.NoError(t, err)
			require.Len(t, es, 3)
			for _, e := range es {
				assert.Equal(t, "cancelled", e.State)
			}
			es, err = q.Entries(ctx, "job-b")
			require.NoError(t, err)
			require.Len(t, es, 1)
			assert.Equal(t, "scheduled", es[0].State)

			n, err = q.Cancel(ctx, "job/a")
			require.NoError(t, err)
			assert.Zero(t, n, "nothing left to cancel")
			n, err = q.Cancel(ctx, "no-such-job")
			require.NoError(t, err)
			assert.Zero(t, n)

			// A cancelled delivery may be enqueued again (a retried job).
			assert.True(t, enqueue(t, q, inTx, schedule.Job{JobID: "job/a", DeliveryKey: "a1", RunAt: later}))
		})
	}
}

func TestQueueBadInput(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			q, _ := b.open(t, schedule.Config{})
			cases := []struct {
				name string
				tx   store.Tx
				job  schedule.Job
			}{
				{"no job id", nil, schedule.Job{DeliveryKey: "k"}},
				{"no delivery key", nil, schedule.Job{JobID: "j"}},
				{"in-memory tx", driverTx{}, schedule.Job{JobID: "j", DeliveryKey: "k"}},
				{"foreign tx", driverTx{d: "not a tx"}, schedule.Job{JobID: "j", DeliveryKey: "k"}},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					_, err := q.Enqueue(ctx, c.tx, c.job)
					require.ErrorIs(t, err, store.ErrInvalid)
				})
			}
			_, err := q.Cancel(ctx, "")
			require.ErrorIs(t, err, store.ErrInvalid)
			require.ErrorIs(t, q.Start(ctx), schedule.ErrNoWorker)
			require.NoError(t, q.Stop(ctx), "stopping a queue never started is a no-op")
		})
	}
}

func TestNewQueueBadConfig(t *testing.T) {
	ctx := context.Background()
	_, err := schedule.NewSQLite(ctx, nil, schedule.Config{})
	require.ErrorIs(t, err, store.ErrInvalid)
	_, err = schedule.NewPostgres(ctx, nil, schedule.Config{})
	require.ErrorIs(t, err, store.ErrInvalid)
	_, err = schedule.NewSQLite(ctx, openSQLite(t), schedule.Config{Workers: -1})
	require.ErrorIs(t, err, store.ErrInvalid)
}

// TestPostgresReplicasMigrateTogether: replicas starting at once on a
// fresh schema all get a queue; River's migrations run one at a time.
func TestPostgresReplicasMigrateTogether(t *testing.T) {
	pool, schema := openPostgres(t)
	const replicas = 4
	for round := range 3 {
		if round > 0 { // a fresh schema each round
			_, err := pool.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE; CREATE SCHEMA "+schema)
			require.NoError(t, err)
		}
		var wg sync.WaitGroup
		errs := make([]error, replicas)
		start := make(chan struct{})
		for i := range replicas {
			wg.Go(func() {
				<-start
				_, errs[i] = schedule.NewPostgres(context.Background(), pool, schedule.Config{Schema: schema})
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			assert.NoError(t, err, "round %d, replica %d", round, i)
		}
	}
}
