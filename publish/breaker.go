package publish

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/halcytone/halcytone/content"
)

// ErrCircuitOpen is wrapped by the Retryable error a CircuitBreaker
// returns, without calling its publisher, while the circuit is open (or
// half-open and already probing).
var ErrCircuitOpen = errors.New("circuit open")

// BreakerSettings configures WithCircuitBreaker.
type BreakerSettings struct {
	// Failures is how many consecutive counted failures open the circuit;
	// 0 means 5.
	Failures uint32
	// OpenFor is how long the circuit stays open before one probe is let
	// through (half-open); 0 means 60 seconds.
	OpenFor time.Duration
	// OnStateChange, if set, is told every change, such as to feed
	// Metrics.SetBreakerState.
	OnStateChange func(publisher string, from, to gobreaker.State)
}

// CircuitBreaker is a Publisher that stops calling a failing platform.
// Create it with WithCircuitBreaker.
//
// Counted failures are Retryable, OutcomeUnknown and Permanent errors.
// InvalidContent, RateLimited and NotFound are the caller's or the quota's
// doing and neither count nor reset the count; nor does a cancelled
// context. AuthExpired opens the circuit at once: no call can succeed
// until the account is re-authenticated. Only Publish goes through the
// breaker. It is safe for concurrent use.
type CircuitBreaker struct {
	next     Publisher
	cb       *gobreaker.CircuitBreaker[Receipt]
	lastAuth atomic.Bool // set by isSuccessful, read by readyToTrip under cb's lock
}

var _ Publisher = (*CircuitBreaker)(nil)

// WithCircuitBreaker wraps p in a CircuitBreaker with settings s.
func WithCircuitBreaker(p Publisher, s BreakerSettings) *CircuitBreaker {
	if s.Failures == 0 {
		s.Failures = 5
	}
	if s.OpenFor <= 0 {
		s.OpenFor = 60 * time.Second
	}
	b := &CircuitBreaker{next: p}
	st := gobreaker.Settings{
		Name:    p.Name(),
		Timeout: s.OpenFor,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			return b.lastAuth.Load() || c.ConsecutiveFailures >= s.Failures
		},
		IsSuccessful: func(err error) bool {
			b.lastAuth.Store(content.ClassOf(err) == content.AuthExpired)
			return err == nil
		},
		IsExcluded: func(err error) bool {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return content.ClassOf(err) != content.OutcomeUnknown
			}
			switch content.ClassOf(err) {
			case content.InvalidContent, content.RateLimited, content.NotFound:
				return true
			}
			return false
		},
	}
	st.OnStateChange = s.OnStateChange
	b.cb = gobreaker.NewCircuitBreaker[Receipt](st)
	return b
}

// State returns the circuit's state, for the circuit_breaker_state gauge.
func (b *CircuitBreaker) State() gobreaker.State { return b.cb.State() }

// Name returns the wrapped publisher's name.
func (b *CircuitBreaker) Name() string { return b.next.Name() }

// Channel returns the wrapped publisher's channel.
func (b *CircuitBreaker) Channel() content.Channel { return b.next.Channel() }

// Validate passes through.
func (b *CircuitBreaker) Validate(ctx context.Context, bd *content.Bundle) []content.Issue {
	return b.next.Validate(ctx, bd)
}

// Preview passes through.
func (b *CircuitBreaker) Preview(ctx context.Context, d Delivery) (Preview, error) {
	return b.next.Preview(ctx, d)
}

// Lookup passes through: reconciliation must work while the circuit is
// open.
func (b *CircuitBreaker) Lookup(ctx context.Context, key string) (Receipt, bool, error) {
	return b.next.Lookup(ctx, key)
}

// Publish calls the wrapped publisher unless the circuit is open.
func (b *CircuitBreaker) Publish(ctx context.Context, d Delivery) (Receipt, error) {
	r, err := b.cb.Execute(func() (Receipt, error) { return b.next.Publish(ctx, d) })
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		return Receipt{}, &content.Error{Class: content.Retryable, Op: b.Name() + ": publish",
			Err: errors.Join(ErrCircuitOpen, err)}
	}
	return r, err
}
