package schedule_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/schedule"
)

func TestWillRetry(t *testing.T) {
	retryable := &content.Error{Class: content.Retryable, Err: errors.New("503")}
	limited := &content.Error{Class: content.RateLimited, RetryAfter: time.Minute, Err: errors.New("429")}
	permanent := &content.Error{Class: content.Permanent, Err: errors.New("403")}
	p := schedule.RetryPolicy{MaxAttempts: 2, MaxSnoozes: 3}
	at := func(attempt, snoozes int) context.Context {
		return schedule.WithAttempt(context.Background(), attempt, snoozes, p)
	}
	assert.True(t, schedule.WillRetry(at(1, 0), retryable, 1))
	assert.False(t, schedule.WillRetry(at(2, 0), retryable, 2), "the queue's own last attempt")
	assert.True(t, schedule.WillRetry(at(2, 0), limited, 2), "a rate limit on the last attempt is snoozed")
	assert.False(t, schedule.WillRetry(at(2, 3), limited, 2), "unless it has been snoozed enough")
	assert.False(t, schedule.WillRetry(at(1, 0), permanent, 1))
	assert.False(t, schedule.WillRetry(at(1, 0), nil, 1))
	// Without a queue's word: the default policy at the given attempt.
	assert.True(t, schedule.WillRetry(context.Background(), retryable, 1))
	assert.False(t, schedule.WillRetry(context.Background(), retryable, schedule.DefaultRetryPolicy().MaxAttempts))
}
