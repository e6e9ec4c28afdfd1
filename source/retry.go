package source

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/halcytone/halcytone/content"
)

// Defaults of Retry.
const (
	DefaultRetryAttempts      = 4
	DefaultRetryBase          = 250 * time.Millisecond
	DefaultRetryMax           = 8 * time.Second
	DefaultRetryMaxRetryAfter = 30 * time.Second
)

// Retry is a bounded retry policy for remote calls. Only failures of class
// Retryable or RateLimited are retried, with exponential backoff and full
// jitter (a random wait between 0 and min(Max, Base·2ⁿ)); a RateLimited
// failure's RetryAfter is waited instead when longer, up to
// MaxRetryAfter. Retrying stops early when ctx ends or when its deadline
// would pass during the wait. The zero value uses the defaults.
type Retry struct {
	// Attempts is the total number of calls, first included; 0 means
	// DefaultRetryAttempts, 1 disables retries.
	Attempts int
	// Base is the backoff before the first retry; 0 means DefaultRetryBase.
	Base time.Duration
	// Max caps one backoff; 0 means DefaultRetryMax.
	Max time.Duration
	// MaxRetryAfter caps how long a server's Retry-After is honoured;
	// 0 means DefaultRetryMaxRetryAfter.
	MaxRetryAfter time.Duration
	// Sleep waits d or until ctx ends, returning ctx.Err() then. Nil means
	// a timer. Tests replace it to observe the waits.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Do calls fn until it succeeds, fails with an error that is not
// retryable, or the attempts are used up, and returns fn's last error
// (annotated with the number of attempts when there was more than one).
func (r Retry) Do(ctx context.Context, fn func(ctx context.Context) error) error {
	r = r.withDefaults()
	var err error
	for attempt := 1; ; attempt++ {
		if cerr := ctx.Err(); cerr != nil {
			if err == nil {
				return transportError("retry", cerr)
			}
			return fmt.Errorf("after %d attempts: %w", attempt-1, err)
		}
		err = fn(ctx)
		if err == nil || !content.IsRetryable(err) {
			return annotate(err, attempt)
		}
		if attempt >= r.Attempts {
			return annotate(err, attempt)
		}
		wait := r.backoff(attempt, err)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return annotate(err, attempt)
		}
		if serr := r.Sleep(ctx, wait); serr != nil {
			return annotate(err, attempt)
		}
	}
}

// annotate adds the attempt count to err when there were retries.
func annotate(err error, attempts int) error {
	if err == nil || attempts <= 1 {
		return err
	}
	return fmt.Errorf("after %d attempts: %w", attempts, err)
}

// backoff returns the wait before attempt+1, after attempt failed with err.
func (r Retry) backoff(attempt int, err error) time.Duration {
	ceiling := r.Max
	if shift := attempt - 1; shift < 32 {
		if d := r.Base << shift; d > 0 && d < ceiling {
			ceiling = d
		}
	}
	wait := time.Duration(rand.Int64N(int64(ceiling) + 1))
	if content.ClassOf(err) == content.RateLimited {
		if after := retryAfterOf(err); after > wait {
			wait = min(after, r.MaxRetryAfter)
		}
	}
	return wait
}

// retryAfterOf returns the RetryAfter of the first *content.Error in err's
// chain.
func retryAfterOf(err error) time.Duration {
	var ce *content.Error
	if errors.As(err, &ce) {
		return ce.RetryAfter
	}
	return 0
}

func (r Retry) withDefaults() Retry {
	if r.Attempts <= 0 {
		r.Attempts = DefaultRetryAttempts
	}
	if r.Base <= 0 {
		r.Base = DefaultRetryBase
	}
	if r.Max <= 0 {
		r.Max = DefaultRetryMax
	}
	if r.MaxRetryAfter <= 0 {
		r.MaxRetryAfter = DefaultRetryMaxRetryAfter
	}
	if r.Sleep == nil {
		r.Sleep = sleep
	}
	return r
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
