package source_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/source"
)

// sleeps records the waits of a Retry instead of sleeping.
type sleeps struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func TestRetryDo(t *testing.T) {
	transient := &content.Error{Class: content.Retryable, Op: "test"}
	limited := &content.Error{Class: content.RateLimited, Op: "test", RetryAfter: 3 * time.Second}
	tests := []struct {
		name      string
		failures  []error // returned by the calls in order, then nil
		attempts  int
		wantCalls int
		wantClass content.ErrorClass
	}{
		{"success", nil, 4, 1, ""},
		{"transient then success", []error{transient, transient}, 4, 3, ""},
		{"rate limited then success", []error{limited}, 4, 2, ""},
		{"wrapped transient is retried", []error{errorsJoin(transient)}, 4, 2, ""},
		{"always transient", []error{transient, transient, transient, transient, transient}, 4, 4, content.Retryable},
		{"not found is not retried", []error{&content.Error{Class: content.NotFound}}, 4, 1, content.NotFound},
		{"auth is not retried", []error{&content.Error{Class: content.AuthExpired}}, 4, 1, content.AuthExpired},
		{"plain errors are permanent", []error{errors.New("boom")}, 4, 1, content.Permanent},
		{"one attempt", []error{transient}, 1, 1, content.Retryable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &sleeps{}
			r := source.Retry{Attempts: tt.attempts, Base: time.Millisecond, Max: 4 * time.Millisecond, Sleep: s.sleep}
			calls := 0
			err := r.Do(context.Background(), func(context.Context) error {
				calls++
				if calls <= len(tt.failures) {
					return tt.failures[calls-1]
				}
				return nil
			})
			assert.Equal(t, tt.wantCalls, calls)
			assert.Equal(t, tt.wantClass, content.ClassOf(err))
			assert.Len(t, s.waits, calls-1)
			if tt.wantClass != "" && calls > 1 {
				assert.Contains(t, err.Error(), "attempts")
			}
		})
	}
}

func errorsJoin(err error) error { return errors.Join(errors.New("context"), err) }

func TestRetryBackoffBounds(t *testing.T) {
	s := &sleeps{}
	r := source.Retry{Attempts: 10, Base: time.Millisecond, Max: 5 * time.Millisecond, Sleep: s.sleep}
	_ = r.Do(context.Background(), func(context.Context) error {
		return &content.Error{Class: content.Retryable}
	})
	require.Len(t, s.waits, 9)
	for i, w := range s.waits {
		ceiling := min(time.Millisecond<<i, 5*time.Millisecond)
		assert.GreaterOrEqual(t, w, time.Duration(0))
		assert.LessOrEqual(t, w, ceiling, "wait %d", i)
	}
}

func TestRetryHonoursRetryAfter(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter time.Duration
		cap        time.Duration
		want       time.Duration
	}{
		{"waits retry-after", 3 * time.Second, time.Minute, 3 * time.Second},
		{"capped", time.Hour, 10 * time.Second, 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &sleeps{}
			r := source.Retry{Attempts: 2, Base: time.Microsecond, Max: time.Microsecond, MaxRetryAfter: tt.cap, Sleep: s.sleep}
			calls := 0
			err := r.Do(context.Background(), func(context.Context) error {
				calls++
				if calls == 1 {
					return &content.Error{Class: content.RateLimited, RetryAfter: tt.retryAfter}
				}
				return nil
			})
			require.NoError(t, err)
			assert.Equal(t, []time.Duration{tt.want}, s.waits)
		})
	}
}

func TestRetryStopsOnContext(t *testing.T) {
	t.Run("cancelled during the wait", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		calls := 0
		r := source.Retry{Attempts: 5, Sleep: func(ctx context.Context, d time.Duration) error {
			cancel()
			return ctx.Err()
		}}
		err := r.Do(ctx, func(context.Context) error {
			calls++
			return &content.Error{Class: content.Retryable, Op: "call"}
		})
		assert.Equal(t, 1, calls)
		assert.Equal(t, content.Retryable, content.ClassOf(err))
	})
	t.Run("deadline before the retry-after", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		s := &sleeps{}
		r := source.Retry{Attempts: 5, MaxRetryAfter: time.Hour, Sleep: s.sleep}
		calls := 0
		err := r.Do(ctx, func(context.Context) error {
			calls++
			return &content.Error{Class: content.RateLimited, RetryAfter: 10 * time.Minute}
		})
		assert.Equal(t, 1, calls)
		assert.Empty(t, s.waits, "no wait that outlives the deadline")
		assert.Equal(t, content.RateLimited, content.ClassOf(err))
	})
	t.Run("already cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		calls := 0
		err := source.Retry{}.Do(ctx, func(context.Context) error { calls++; return nil })
		assert.Zero(t, calls)
		assert.ErrorIs(t, err, context.Canceled)
	})
	t.Run("real timer stops on ctx", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		calls := 0
		err := source.Retry{Attempts: 3, Base: time.Hour, Max: time.Hour}.Do(ctx, func(context.Context) error {
			calls++
			cancel()
			return &content.Error{Class: content.Retryable}
		})
		assert.Equal(t, 1, calls)
		assert.Error(t, err)
	})
}
