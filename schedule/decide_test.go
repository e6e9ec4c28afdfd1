package schedule_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/schedule"
)

func TestDecide(t *testing.T) {
	p := schedule.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Second, MaxDelay: time.Minute, Jitter: -1, MaxSnoozes: 2, MaxRetryAfter: time.Hour}
	rl := func(d time.Duration) error { return &content.Error{Class: content.RateLimited, RetryAfter: d} }
	cases := []struct {
		name             string
		err              error
		attempt, snoozes int
		want             schedule.Decision
	}{
		{"nil", nil, 1, 0, schedule.Decision{Action: schedule.ActionComplete}},
		{"invalid content", content.Errorf(content.InvalidContent, "op", "x"), 1, 0, schedule.Decision{Action: schedule.ActionCancel, Class: content.InvalidContent}},
		{"wrapped permanent", fmt.Errorf("ctx: %w", content.Errorf(content.Permanent, "op", "x")), 1, 0, schedule.Decision{Action: schedule.ActionCancel, Class: content.Permanent}},
		{"auth expired", content.Errorf(content.AuthExpired, "op", "x"), 2, 0, schedule.Decision{Action: schedule.ActionCancel, Class: content.AuthExpired}},
		{"not found", content.Errorf(content.NotFound, "op", "x"), 1, 0, schedule.Decision{Action: schedule.ActionCancel, Class: content.NotFound}},
		{"outcome unknown", content.Errorf(content.OutcomeUnknown, "op", "x"), 1, 0, schedule.Decision{Action: schedule.ActionCancel, Class: content.OutcomeUnknown}},
		{"rate limited snoozes", rl(30 * time.Second), 1, 0, schedule.Decision{Action: schedule.ActionSnooze, Delay: 30 * time.Second, Class: content.RateLimited}},
		{"rate limit capped", rl(48 * time.Hour), 1, 1, schedule.Decision{Action: schedule.ActionSnooze, Delay: time.Hour, Class: content.RateLimited}},
		{"snooze budget spent", rl(time.Second), 1, 2, schedule.Decision{Action: schedule.ActionRetry, Delay: time.Second, Class: content.RateLimited}},
		{"rate limited no retry-after", rl(0), 2, 0, schedule.Decision{Action: schedule.ActionRetry, Delay: 2 * time.Second, Class: content.RateLimited}},
		{"retryable backs off", content.Errorf(content.Retryable, "op", "x"), 2, 0, schedule.Decision{Action: schedule.ActionRetry, Delay: 2 * time.Second, Class: content.Retryable}},
		{"unclassified retries", errors.New("db locked"), 1, 0, schedule.Decision{Action: schedule.ActionRetry, Delay: time.Second, Class: content.Retryable}},
		{"last attempt discards", content.Errorf(content.Retryable, "op", "x"), 3, 0, schedule.Decision{Action: schedule.ActionDiscard, Class: content.Retryable}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, schedule.Decide(c.err, c.attempt, c.snoozes, p))
		})
	}
}

func TestBackoff(t *testing.T) {
	p := schedule.RetryPolicy{BaseDelay: time.Second, MaxDelay: 10 * time.Second, Jitter: 0.5}
	for failures, base := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 100: 10 * time.Second} {
		for range 50 {
			d := p.Backoff(failures)
			assert.GreaterOrEqual(t, d, base/2, "failure %d", failures)
			assert.LessOrEqual(t, d, base, "failure %d", failures)
		}
	}
	def := schedule.DefaultRetryPolicy()
	assert.Equal(t, 5, def.MaxAttempts)
	assert.Equal(t, 10, def.MaxSnoozes)
}
