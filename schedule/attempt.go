package schedule

import "context"

// attemptKey is the context key of an attemptInfo.
type attemptKey struct{}

// attemptInfo is what a queue knows about the attempt it runs.
type attemptInfo struct {
	attempt, snoozes int
	policy           RetryPolicy
}

// WithAttempt returns ctx carrying what the queue running an entry knows
// of this attempt: its number (from 1), the rate-limit waits so far and
// the queue's retry policy. A Queue calls it before Worker.Work, so that
// the worker can ask WillRetry; RiverQueue and mock.Queue do.
func WithAttempt(ctx context.Context, attempt, snoozes int, p RetryPolicy) context.Context {
	return context.WithValue(ctx, attemptKey{}, attemptInfo{attempt: attempt, snoozes: snoozes, policy: p})
}

// WillRetry reports whether the queue running the attempt in ctx will run
// its entry again when the worker returns err (Decide retries or snoozes
// it), so that a worker records a failure as final only when it is. When
// ctx carries no attempt (see WithAttempt), it assumes attempt, no
// snoozes and DefaultRetryPolicy.
func WillRetry(ctx context.Context, err error, attempt int) bool {
	info, ok := ctx.Value(attemptKey{}).(attemptInfo)
	if !ok {
		info = attemptInfo{attempt: attempt, policy: DefaultRetryPolicy()}
	}
	switch Decide(err, info.attempt, info.snoozes, info.policy).Action {
	case ActionRetry, ActionSnooze:
		return true
	}
	return false
}
