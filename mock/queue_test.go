package mock_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/schedule"
	"github.com/halcytone/halcytone/store"
)

type calls struct {
	mu sync.Mutex
	n  map[string][]int
}

func (c *calls) add(key string, attempt int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string][]int{}
	}
	c.n[key] = append(c.n[key], attempt)
	return len(c.n[key])
}

func (c *calls) get(key string) []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int(nil), c.n[key]...)
}

func startMock(t *testing.T, q *mock.Queue) {
	t.Helper()
	require.NoError(t, q.Start(context.Background()))
	t.Cleanup(func() { require.NoError(t, q.Stop(context.Background())) })
}

func waitIdle(t *testing.T, q *mock.Queue) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, q.Wait(ctx))
}

func TestQueueTaxonomy(t *testing.T) {
	rl := &content.Error{Class: content.RateLimited, RetryAfter: time.Hour}
	cases := []struct {
		name     string
		answer   func(call int) error
		state    string
		attempts []int
		snoozes  int
	}{
		{"success", func(int) error { return nil }, "completed", []int{1}, 0},
		{"invalid content", func(int) error { return content.Errorf(content.InvalidContent, "t", "x") }, "cancelled", []int{1}, 0},
		{"auth expired", func(int) error { return content.Errorf(content.AuthExpired, "t", "x") }, "cancelled", []int{1}, 0},
		{"not found", func(int) error { return content.Errorf(content.NotFound, "t", "x") }, "cancelled", []int{1}, 0},
		{"permanent", func(int) error { return content.Errorf(content.Permanent, "t", "x") }, "cancelled", []int{1}, 0},
		{"outcome unknown", func(int) error { return content.Errorf(content.OutcomeUnknown, "t", "x") }, "cancelled", []int{1}, 0},
		{"retryable", func(int) error { return content.Errorf(content.Retryable, "t", "x") }, "discarded", []int{1, 2, 3}, 0},
		{"unclassified then ok", func(c int) error {
			if c == 1 {
				return errors.New("boom")
			}
			return nil
		}, "completed", []int{1, 2}, 0},
		{"rate limited then ok", func(c int) error {
			if c == 1 {
				return rl
			}
			return nil
		}, "completed", []int{1, 1}, 1},
		{"rate limited beyond budget", func(int) error { return rl }, "discarded", []int{1, 1, 1, 2, 3}, 2},
	}
	var seen calls
	answers := map[string]func(int) error{}
	for _, c := range cases {
		answers[c.name] = c.answer
	}
	q := mock.NewQueue(schedule.WorkerFunc(func(_ context.Context, j schedule.Job, attempt int) error {
		return answers[j.DeliveryKey](seen.add(j.DeliveryKey, attempt))
	}))
	q.Retry = schedule.RetryPolicy{MaxAttempts: 3, MaxSnoozes: 2}
	q.MaxDelay = time.Millisecond
	for _, c := range cases {
		ins, err := q.Enqueue(context.Background(), nil, schedule.Job{JobID: "j-" + c.name, DeliveryKey: c.name})
		require.NoError(t, err)
		require.True(t, ins)
	}
	startMock(t, q)
	waitIdle(t, q)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, ok := q.Entry(c.name)
			require.True(t, ok)
			assert.Equal(t, c.state, e.State)
			assert.Equal(t, c.attempts, seen.get(c.name))
			assert.Equal(t, c.snoozes, e.Snoozes)
		})
	}
}

func TestQueueUniqueAndCancel(t *testing.T) {
	ctx := context.Background()
	q := mock.NewQueue(schedule.WorkerFunc(func(context.Context, schedule.Job, int) error { return nil }))
	later := time.Now().Add(time.Hour)
	for _, k := range []string{"a", "b"} {
		ins, err := q.Enqueue(ctx, nil, schedule.Job{JobID: "j1", DeliveryKey: k, RunAt: later})
		require.NoError(t, err)
		require.True(t, ins)
	}
	ins, err := q.Enqueue(ctx, nil, schedule.Job{JobID: "j2", DeliveryKey: "a"})
	require.NoError(t, err)
	assert.False(t, ins, "a delivery key is enqueued once")

	n, err := q.Cancel(ctx, "j1")
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	for _, e := range q.Entries("j1") {
		assert.Equal(t, "cancelled", e.State)
	}
	ins, err = q.Enqueue(ctx, nil, schedule.Job{JobID: "j1", DeliveryKey: "a"})
	require.NoError(t, err)
	assert.True(t, ins, "a cancelled delivery may be enqueued again")

	_, err = q.Enqueue(ctx, nil, schedule.Job{JobID: "j1"})
	require.ErrorIs(t, err, store.ErrInvalid)
	_, err = q.Cancel(ctx, "")
	require.ErrorIs(t, err, store.ErrInvalid)
	require.ErrorIs(t, mock.NewQueue(nil).Start(ctx), schedule.ErrNoWorker)
}

func TestQueueRunAt(t *testing.T) {
	var mu sync.Mutex
	var ranAt time.Time
	q := mock.NewQueue(schedule.WorkerFunc(func(context.Context, schedule.Job, int) error {
		mu.Lock()
		ranAt = time.Now()
		mu.Unlock()
		return nil
	}))
	startMock(t, q)
	runAt := time.Now().Add(50 * time.Millisecond)
	_, err := q.Enqueue(context.Background(), nil, schedule.Job{JobID: "j", DeliveryKey: "k", RunAt: runAt})
	require.NoError(t, err)
	waitIdle(t, q)
	mu.Lock()
	defer mu.Unlock()
	assert.False(t, ranAt.Before(runAt))
}

func TestQueueStopWaitsForRunning(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{})
	q := mock.NewQueue(schedule.WorkerFunc(func(ctx context.Context, _ schedule.Job, _ int) error {
		close(started)
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}))
	require.NoError(t, q.Start(context.Background()))
	_, err := q.Enqueue(context.Background(), nil, schedule.Job{JobID: "j", DeliveryKey: "k"})
	require.NoError(t, err)
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, q.Stop(ctx), context.Canceled, "an expired stop context cancels running work")
	e, _ := q.Entry("k")
	assert.Equal(t, "retryable", e.State)
}
