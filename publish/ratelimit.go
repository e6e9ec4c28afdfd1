package publish

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/internal/httpreply"
)

// Limit is a cap of Events per Per, released evenly (one event every
// Per/Events) with at most Burst at once. A Burst of 0 means 1, which
// never exceeds Events in any window of length Per.
type Limit struct {
	Events int
	Per    time.Duration
	Burst  int
}

// Limits configures WithRateLimit.
type Limits struct {
	// Caps maps a platform (content.Platform, or the channel name for
	// email and website) to its cap. A platform without one is not
	// limited, except by the pauses a platform asks for.
	Caps map[string]Limit
	// MaxPause caps how long a RateLimited answer or an exhausted
	// x-rate-limit-remaining pauses a key. 0 means 15 minutes.
	MaxPause time.Duration
	// OnWait, if set, is told how long each Publish waited for its key,
	// per platform (feed it to Metrics.ObserveRateWait).
	OnWait func(platform string, waited time.Duration)
}

// DefaultLimits returns the configured caps of the platforms: X 300 posts
// per 3 hours, LinkedIn 25 a day, Facebook 100 a day, Instagram 25 a day,
// and email batches 10 a second.
func DefaultLimits() Limits {
	day := 24 * time.Hour
	return Limits{Caps: map[string]Limit{
		string(content.PlatformTwitter):   {Events: 300, Per: 3 * time.Hour},
		string(content.PlatformLinkedIn):  {Events: 25, Per: day},
		string(content.PlatformFacebook):  {Events: 100, Per: day},
		string(content.PlatformInstagram): {Events: 25, Per: day},
		string(content.ChannelEmail):      {Events: 10, Per: time.Second},
	}}
}

// RateObserver takes the rate-limit headers of a platform's answer.
// Publishers accept one (the *RateLimiter wrapping them) and call it after
// every response, with RateKey of the delivery.
type RateObserver interface {
	ObserveRateHeaders(key string, h http.Header)
}

// RateKey is the key a delivery is limited under: "platform|account",
// where platform is the delivery's platform, or its channel when it has
// none.
func RateKey(d Delivery) string { return ratePlatform(d) + "|" + d.Account }

func ratePlatform(d Delivery) string {
	if d.Platform != "" {
		return string(d.Platform)
	}
	return string(d.Channel)
}

// RateLimiter is a Publisher that paces Publish per platform and account.
// Create it with WithRateLimit.
//
// Guarantees: Publish waits for its key's token before calling the wrapped
// publisher and gives up, sending nothing, when ctx ends (a Retryable
// error wrapping ctx's error) or when the token or the key's pause comes
// after ctx's deadline (a RateLimited error whose RetryAfter is the wait:
// a quota, which the breaker ignores and the queue snoozes for); a
// RateLimited error with RetryAfter pauses
// its key until then (capped by MaxPause); so does an answer reporting
// x-rate-limit-remaining 0, until x-rate-limit-reset. Lookup, Preview and
// Validate are not limited. It is safe for concurrent use.
type RateLimiter struct {
	next   Publisher
	limits Limits

	mu   sync.Mutex
	keys map[string]*rateKey
}

type rateKey struct {
	lim         *rate.Limiter // nil: no cap
	pausedUntil time.Time
}

var (
	_ Publisher    = (*RateLimiter)(nil)
	_ RateObserver = (*RateLimiter)(nil)
)

// WithRateLimit wraps p in a RateLimiter with limits l.
func WithRateLimit(p Publisher, l Limits) *RateLimiter {
	if l.MaxPause <= 0 {
		l.MaxPause = 15 * time.Minute
	}
	return &RateLimiter{next: p, limits: l, keys: map[string]*rateKey{}}
}

// Name returns the wrapped publisher's name.
func (r *RateLimiter) Name() string { return r.next.Name() }

// Channel returns the wrapped publisher's channel.
func (r *RateLimiter) Channel() content.Channel { return r.next.Channel() }

// Validate passes through.
func (r *RateLimiter) Validate(ctx context.Context, b *content.Bundle) []content.Issue {
	return r.next.Validate(ctx, b)
}

// Preview passes through.
func (r *RateLimiter) Preview(ctx context.Context, d Delivery) (Preview, error) {
	return r.next.Preview(ctx, d)
}

// Lookup passes through: lookups are not posts.
func (r *RateLimiter) Lookup(ctx context.Context, key string) (Receipt, bool, error) {
	return r.next.Lookup(ctx, key)
}

// Publish waits for d's key, then publishes.
func (r *RateLimiter) Publish(ctx context.Context, d Delivery) (Receipt, error) {
	key, platform := RateKey(d), ratePlatform(d)
	start := time.Now()
	err := r.wait(ctx, key, platform)
	if r.limits.OnWait != nil {
		r.limits.OnWait(platform, time.Since(start))
	}
	var tooLong *waitTooLong
	if errors.As(err, &tooLong) {
		// The platform's cap leaves no token within this attempt: a quota,
		// not a failure (the breaker ignores RateLimited); the queue runs
		// the delivery again after RetryAfter.
		return Receipt{}, &content.Error{Class: content.RateLimited, Op: r.Name() + ": rate limit " + key, RetryAfter: tooLong.d, Err: err}
	}
	if err != nil {
		return Receipt{}, &content.Error{Class: content.Retryable, Op: r.Name() + ": rate limit " + key, Err: err}
	}
	rc, err := r.next.Publish(ctx, d)
	var ce *content.Error
	if errors.As(err, &ce) && ce.Class == content.RateLimited && ce.RetryAfter > 0 {
		r.Pause(key, time.Now().Add(ce.RetryAfter))
	}
	return rc, err
}

// wait blocks until key is neither paused nor out of tokens.
func (r *RateLimiter) wait(ctx context.Context, key, platform string) error {
	for {
		k := r.key(key, platform)
		r.mu.Lock()
		until := k.pausedUntil
		r.mu.Unlock()
		if d := time.Until(until); d > 0 {
			if dl, ok := ctx.Deadline(); ok && time.Now().Add(d).After(dl) {
				return &waitTooLong{d: d} // paused past this attempt: a quota, not a failure
			}
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
			continue // the pause may have been extended meanwhile
		}
		if k.lim == nil {
			return ctx.Err()
		}
		now := time.Now()
		res := k.lim.ReserveN(now, 1)
		if !res.OK() {
			return &waitTooLong{d: time.Hour}
		}
		d := res.DelayFrom(now)
		if dl, ok := ctx.Deadline(); ok && now.Add(d).After(dl) {
			res.CancelAt(now)
			return &waitTooLong{d: d}
		}
		if d == 0 {
			return nil
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			res.CancelAt(time.Now())
			return ctx.Err()
		case <-t.C:
			return nil
		}
	}
}

// waitTooLong says the next token comes after the context's deadline.
type waitTooLong struct{ d time.Duration }

func (e *waitTooLong) Error() string {
	return fmt.Sprintf("no rate token before the deadline: next in %s", e.d.Round(time.Second))
}

func (r *RateLimiter) key(key, platform string) *rateKey {
	r.mu.Lock()
	defer r.mu.Unlock()
	k, ok := r.keys[key]
	if !ok {
		k = &rateKey{}
		if c, ok := r.limits.Caps[platform]; ok && c.Events > 0 && c.Per > 0 {
			k.lim = rate.NewLimiter(rate.Limit(float64(c.Events)/c.Per.Seconds()), max(c.Burst, 1))
		}
		r.keys[key] = k
	}
	return k
}

// Pause holds key until until (capped by MaxPause from now); a pause
// already longer is kept.
func (r *RateLimiter) Pause(key string, until time.Time) {
	if limit := time.Now().Add(r.limits.MaxPause); until.After(limit) {
		until = limit
	}
	platform, _, _ := strings.Cut(key, "|")
	k := r.key(key, platform)
	r.mu.Lock()
	defer r.mu.Unlock()
	if until.After(k.pausedUntil) {
		k.pausedUntil = until
	}
}

// ObserveRateHeaders reads x-rate-limit-remaining and x-rate-limit-reset
// (a Unix time in seconds) from a platform's answer: when nothing remains,
// key pauses until the reset.
func (r *RateLimiter) ObserveRateHeaders(key string, h http.Header) {
	rem, err := strconv.Atoi(strings.TrimSpace(h.Get("X-Rate-Limit-Remaining")))
	if err != nil || rem > 0 {
		return
	}
	reset, err := strconv.ParseInt(strings.TrimSpace(h.Get("X-Rate-Limit-Reset")), 10, 64)
	if err != nil {
		return
	}
	r.Pause(key, httpreply.Unix(reset))
}

// String describes the limiter, for logs.
func (r *RateLimiter) String() string {
	return fmt.Sprintf("ratelimit(%s)", r.Name())
}
