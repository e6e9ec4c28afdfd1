package publish

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/halcytone/halcytone/content"
)

// RetryPolicy configures WithRetry. Zero fields take the values of
// DefaultRetryPolicy.
type RetryPolicy struct {
	// MaxAttempts bounds the calls to Publish, the first included.
	MaxAttempts int
	// Initial is the first backoff; each next one is Multiplier times
	// longer, up to Max.
	Initial    time.Duration
	Max        time.Duration
	Multiplier float64
	// MaxElapsed bounds the total time spent, waits included: no wait
	// that would pass it is started.
	MaxElapsed time.Duration
	// MaxRetryAfter is the longest RateLimited RetryAfter waited for here;
	// an error asking for longer is returned at once, for the caller (the
	// queue) to wait it out: retrying sooner would be refused again.
	MaxRetryAfter time.Duration
	// Sleep waits d or until ctx ends (then it returns ctx's error). Nil
	// sleeps on a timer; tests inject an instant one.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter returns a number in [0, 1) that spreads each backoff over
	// [d/2, d). Nil uses math/rand/v2.
	Jitter func() float64
}

// DefaultRetryPolicy returns 4 attempts, backoff from 500 ms doubling up
// to 30 s, at most 2 minutes in all, and a RetryAfter of up to 1 minute
// waited for.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 4, Initial: 500 * time.Millisecond, Max: 30 * time.Second,
		Multiplier: 2, MaxElapsed: 2 * time.Minute, MaxRetryAfter: time.Minute}
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	d := DefaultRetryPolicy()
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = d.MaxAttempts
	}
	if p.Initial <= 0 {
		p.Initial = d.Initial
	}
	if p.Max <= 0 {
		p.Max = d.Max
	}
	if p.Multiplier < 1 {
		p.Multiplier = d.Multiplier
	}
	if p.MaxElapsed <= 0 {
		p.MaxElapsed = d.MaxElapsed
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = d.MaxRetryAfter
	}
	if p.Sleep == nil {
		p.Sleep = sleepCtx
	}
	if p.Jitter == nil {
		p.Jitter = rand.Float64
	}
	return p
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retrier is the Publisher WithRetry returns.
type retrier struct {
	next   Publisher
	policy RetryPolicy
}

// WithRetry wraps p so that Publish is tried again, with the same
// delivery and so the same idempotency key, after a Retryable or
// RateLimited error, with exponential backoff and jitter, within
// MaxAttempts and MaxElapsed. A RateLimited RetryAfter is the least it
// waits; one over MaxRetryAfter is returned at once. Every other class is returned at
// once: OutcomeUnknown in particular is never retried, since the first
// call may have taken effect; reconcile it with Lookup. When ctx ends
// during a wait, the last error is returned, joined with ctx's error.
func WithRetry(p Publisher, policy RetryPolicy) Publisher {
	return &retrier{next: p, policy: policy.withDefaults()}
}

func (r *retrier) Name() string             { return r.next.Name() }
func (r *retrier) Channel() content.Channel { return r.next.Channel() }
func (r *retrier) Validate(ctx context.Context, b *content.Bundle) []content.Issue {
	return r.next.Validate(ctx, b)
}
func (r *retrier) Preview(ctx context.Context, d Delivery) (Preview, error) {
	return r.next.Preview(ctx, d)
}
func (r *retrier) Lookup(ctx context.Context, key string) (Receipt, bool, error) {
	return r.next.Lookup(ctx, key)
}

func (r *retrier) Publish(ctx context.Context, d Delivery) (Receipt, error) {
	p := r.policy
	start := time.Now()
	var waited time.Duration
	backoff := p.Initial
	for attempt := 1; ; attempt++ {
		rc, err := r.next.Publish(ctx, d)
		if err == nil || !content.IsRetryable(err) || attempt >= p.MaxAttempts || ctx.Err() != nil {
			return rc, err
		}
		wait := time.Duration(float64(backoff) * (0.5 + p.Jitter()/2))
		var ce *content.Error
		if errors.As(err, &ce) && ce.Class == content.RateLimited && ce.RetryAfter > 0 {
			if ce.RetryAfter > p.MaxRetryAfter {
				return rc, err // not worth a retry before then
			}
			wait = max(wait, ce.RetryAfter)
		}
		if max(time.Since(start), waited)+wait > p.MaxElapsed {
			return rc, err
		}
		if serr := p.Sleep(ctx, wait); serr != nil {
			return rc, errors.Join(err, serr)
		}
		waited += wait
		backoff = min(time.Duration(float64(backoff)*p.Multiplier), p.Max)
	}
}
