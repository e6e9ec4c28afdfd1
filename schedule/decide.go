package schedule

import (
	"errors"
	"math/rand/v2"
	"time"

	"github.com/halcytone/halcytone/content"
)

// Action is what the queue does with an entry after an attempt.
type Action string

// The actions Decide chooses from.
const (
	// ActionComplete: the attempt succeeded; the entry is done.
	ActionComplete Action = "complete"
	// ActionRetry: try again after Decision.Delay; counts an attempt.
	ActionRetry Action = "retry"
	// ActionSnooze: try again after Decision.Delay without counting an
	// attempt (a rate limit with a retry-after).
	ActionSnooze Action = "snooze"
	// ActionCancel: never try again (the error cannot be fixed by
	// retrying, or the outcome is unknown and must be reconciled).
	ActionCancel Action = "cancel"
	// ActionDiscard: a retryable failure on the last allowed attempt;
	// the entry gives up.
	ActionDiscard Action = "discard"
)

// Decision is the outcome Decide chooses for one attempt.
type Decision struct {
	Action Action
	// Delay is how long to wait before the next attempt (retry, snooze).
	Delay time.Duration
	// Class is the error's class; "" when the attempt succeeded.
	Class content.ErrorClass
}

// RetryPolicy bounds retries. Zero fields take the defaults named on each.
type RetryPolicy struct {
	// MaxAttempts is the number of attempts, the first included, before a
	// retryable failure gives up (default 5).
	MaxAttempts int
	// BaseDelay is the wait after the first failure; each further failure
	// doubles it (default 1 s).
	BaseDelay time.Duration
	// MaxDelay caps the exponential wait (default 1 h).
	MaxDelay time.Duration
	// Jitter is the fraction of the wait drawn at random, so that entries
	// failing together do not retry together: the wait is
	// d*(1-Jitter) + rand*d*Jitter (default 0.25; negative means none).
	Jitter float64
	// MaxSnoozes is how many times one entry may wait out a rate limit
	// without counting an attempt; later rate limits count as retryable
	// failures (default 10).
	MaxSnoozes int
	// MaxRetryAfter caps a rate limit's retry-after (default 24 h).
	MaxRetryAfter time.Duration
}

// DefaultRetryPolicy returns the policy zero fields default to.
func DefaultRetryPolicy() RetryPolicy { return RetryPolicy{}.withDefaults() }

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 5
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = time.Second
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = time.Hour
	}
	if p.MaxDelay < p.BaseDelay {
		p.MaxDelay = p.BaseDelay
	}
	switch {
	case p.Jitter == 0:
		p.Jitter = 0.25
	case p.Jitter > 1:
		p.Jitter = 1
	}
	if p.MaxSnoozes <= 0 {
		p.MaxSnoozes = 10
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = 24 * time.Hour
	}
	return p
}

// Backoff returns the wait before the attempt after failed attempt
// number failures (1 for the first failure): BaseDelay*2^(failures-1),
// capped at MaxDelay, with Jitter applied.
func (p RetryPolicy) Backoff(failures int) time.Duration {
	p = p.withDefaults()
	d := p.BaseDelay
	for i := 1; i < failures && d < p.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, p.MaxDelay)
	if p.Jitter < 0 {
		return d
	}
	fixed := time.Duration(float64(d) * (1 - p.Jitter))
	random := time.Duration(rand.Float64() * float64(d) * p.Jitter)
	return fixed + random
}

// Decide maps the error of attempt number attempt (from 1) of an entry
// that has already been snoozed snoozes times onto what the queue does
// next. It is the one mapping of the error taxonomy onto the queue, used
// by RiverQueue and by mock.Queue:
//
//   - nil: ActionComplete.
//   - InvalidContent, Permanent, AuthExpired, NotFound: ActionCancel;
//     retrying cannot help.
//   - OutcomeUnknown: ActionCancel; the publish may have happened, so it is
//     never resent blindly (the worker has marked the delivery for
//     reconciliation).
//   - RateLimited with a RetryAfter, fewer than MaxSnoozes times:
//     ActionSnooze for RetryAfter (at most MaxRetryAfter).
//   - Retryable, RateLimited otherwise, and errors outside the taxonomy (a
//     database or context error inside the worker): ActionRetry after
//     Backoff(attempt), or ActionDiscard on the last attempt.
func Decide(err error, attempt, snoozes int, p RetryPolicy) Decision {
	if err == nil {
		return Decision{Action: ActionComplete}
	}
	p = p.withDefaults()
	var ce *content.Error
	class := content.Retryable
	if errors.As(err, &ce) {
		class = ce.Class
	}
	switch class {
	case content.InvalidContent, content.Permanent, content.AuthExpired, content.NotFound, content.OutcomeUnknown:
		return Decision{Action: ActionCancel, Class: class}
	case content.RateLimited:
		if ce.RetryAfter > 0 && snoozes < p.MaxSnoozes {
			return Decision{Action: ActionSnooze, Delay: min(ce.RetryAfter, p.MaxRetryAfter), Class: class}
		}
	}
	if attempt >= p.MaxAttempts {
		return Decision{Action: ActionDiscard, Class: class}
	}
	return Decision{Action: ActionRetry, Delay: p.Backoff(max(attempt, 1)), Class: class}
}
