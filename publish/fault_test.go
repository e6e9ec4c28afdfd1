package publish_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sony/gobreaker/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/publish/publishtest"
)

// fullChain wraps p in the documented order with test-sized settings:
// millisecond backoffs, short pauses and a short open circuit.
func fullChain(p publish.Publisher, limits publish.Limits, openFor time.Duration) (publish.Publisher, *publish.CircuitBreaker) {
	var br *publish.CircuitBreaker
	retry := publish.RetryPolicy{MaxAttempts: 8, Initial: 2 * time.Millisecond, Max: 20 * time.Millisecond,
		MaxRetryAfter: 5 * time.Millisecond, MaxElapsed: 5 * time.Second}
	out := publish.Chain(p,
		func(p publish.Publisher) publish.Publisher { return publish.WithTelemetry(p, publish.Telemetry{}) },
		func(p publish.Publisher) publish.Publisher { return publish.WithRetry(p, retry) },
		func(p publish.Publisher) publish.Publisher {
			br = publish.WithCircuitBreaker(p, publish.BreakerSettings{OpenFor: openFor})
			return br
		},
		func(p publish.Publisher) publish.Publisher { return publish.WithRateLimit(p, limits) },
	)
	return out, br
}

// TestFaultsEndDeliveredOrClassified sends 1,000 deliveries through the
// full chain to a fake failing 30% of publishing requests (server errors,
// HTML error pages, 429s, truncated answers and accepted-then-timed-out
// calls). Each delivery is reconciled as the engine does: an
// OutcomeUnknown is looked up, and resent only when the platform holds
// nothing. Every delivery must end delivered or with a classified error;
// a key on the platform is delivered or OutcomeUnknown (never, say,
// Retryable); and no key is ever sent again once the platform has it.
func TestFaultsEndDeliveredOrClassified(t *testing.T) {
	const n, workers = 1000, 32
	fake := publishtest.StartReferenceFake(t)
	fake.SetFailureRate(0.3, 42, publishtest.ServerError, publishtest.HTMLErrorPage, publishtest.RateLimit,
		publishtest.MalformedJSON, publishtest.AcceptThenTimeout)
	ref := &publishtest.ReferencePublisher{BaseURL: fake.URL(), Client: &http.Client{Timeout: time.Second}}
	chain, _ := fullChain(ref, publish.Limits{MaxPause: 2 * time.Millisecond}, 5*time.Millisecond)

	outcomes := make([]outcome, n)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				d := delivery(fmt.Sprintf("fault-%04d", i))
				d.Account = fmt.Sprint("acct-", i%10)
				d.Bundle = &content.Bundle{Title: fmt.Sprintf("post %d", i)}
				outcomes[i] = reconcile(t.Context(), chain, d)
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()

	delivered, held, classes := 0, 0, map[content.ErrorClass]int{}
	for _, o := range outcomes {
		require.NotEmpty(t, o.key)
		_, found, err := ref.Lookup(t.Context(), o.key)
		require.NoError(t, err)
		if found {
			held++
		}
		if o.delivered {
			delivered++
			assert.True(t, found, "delivered key %s is not on the platform", o.key)
			continue
		}
		classes[o.class]++
		if found {
			assert.Equal(t, content.OutcomeUnknown, o.class, "key %s is on the platform but ended %s", o.key, o.class)
		}
		assert.Contains(t, []content.ErrorClass{content.Retryable, content.RateLimited, content.OutcomeUnknown},
			o.class, "delivery %s ended unclassified", o.key)
	}
	t.Logf("%d of %d delivered, the rest classified (%v); %d requests", delivered, n, classes, len(fake.Requests()))
	assert.Greater(t, delivered, n*9/10, "retried as the queue retries, nearly every delivery gets through")
	assert.Equal(t, held, fake.Posts(), "one post per key at most")
	assert.Equal(t, 0, fake.Duplicates(), "a key was sent again after the platform had it")
}

// outcome is how one delivery of the fault test ended.
type outcome struct {
	key       string
	delivered bool
	class     content.ErrorClass // the last error's class
}

// reconcile publishes d as the engine and its queue do: a Retryable or
// RateLimited failure (an open circuit included) is tried again a little
// later, an OutcomeUnknown is looked up and resent only when the platform
// holds nothing.
func reconcile(ctx context.Context, p publish.Publisher, d publish.Delivery) (o outcome) {
	o.key = d.IdempotencyKey
	for range 20 {
		_, err := p.Publish(ctx, d)
		if err == nil {
			o.delivered = true
			return o
		}
		o.class = content.ClassOf(err)
		if o.class == content.Retryable || o.class == content.RateLimited {
			time.Sleep(10 * time.Millisecond) // the queue's backoff, shortened
			continue
		}
		if o.class != content.OutcomeUnknown {
			return o
		}
		_, found, lerr := p.Lookup(ctx, d.IdempotencyKey)
		if lerr == nil && found {
			o.delivered = true
			return o
		}
		if lerr != nil {
			return o // unknown stays unknown: a person decides
		}
	}
	return o
}

// TestBreakerStopsCallsAndRecovers: a platform failing persistently opens
// the circuit, after which calls stop reaching it; once it heals, the
// half-open probe closes the circuit again.
func TestBreakerStopsCallsAndRecovers(t *testing.T) {
	fake := publishtest.StartReferenceFake(t)
	fake.FailAlways(publishtest.ServerError)
	ref := &publishtest.ReferencePublisher{BaseURL: fake.URL(), Client: &http.Client{}}
	br := publish.WithCircuitBreaker(publish.WithRateLimit(ref, publish.Limits{}), publish.BreakerSettings{OpenFor: time.Second})

	posts := func() int {
		return len(slices.DeleteFunc(fake.Requests(), func(r publishtest.LoggedRequest) bool { return r.Method != http.MethodPost }))
	}
	for i := range 20 {
		_, err := br.Publish(t.Context(), delivery(fmt.Sprint("down-", i)))
		require.Error(t, err)
		assert.Equal(t, content.Retryable, content.ClassOf(err))
	}
	assert.Equal(t, gobreaker.StateOpen, br.State())
	assert.Equal(t, 5, posts(), "only the 5 failures that opened the circuit reach the platform")

	fake.Heal()
	require.Eventually(t, func() bool {
		_, err := br.Publish(t.Context(), delivery("healed"))
		return err == nil
	}, 10*time.Second, 20*time.Millisecond, "the circuit never closed after the platform healed")
	assert.Equal(t, gobreaker.StateClosed, br.State())
	assert.Equal(t, 1, fake.Posts())
}

// TestFullChainRecoversFromOutage: the same through the whole chain, whose
// retries back off against the open circuit within their budget.
func TestFullChainRecoversFromOutage(t *testing.T) {
	fake := publishtest.StartReferenceFake(t)
	fake.FailAlways(publishtest.HTMLErrorPage)
	ref := &publishtest.ReferencePublisher{BaseURL: fake.URL(), Client: &http.Client{}}
	chain, br := fullChain(ref, publish.Limits{}, 20*time.Millisecond)
	_, err := chain.Publish(t.Context(), delivery("outage"))
	require.Error(t, err)
	assert.Equal(t, content.Retryable, content.ClassOf(err))
	assert.Less(t, len(fake.Requests()), 8, "the open circuit kept some attempts from the platform")

	fake.Heal()
	require.Eventually(t, func() bool {
		_, err := chain.Publish(t.Context(), delivery("outage"))
		return err == nil
	}, 10*time.Second, 20*time.Millisecond)
	assert.Equal(t, gobreaker.StateClosed, br.State())
	assert.Equal(t, 1, fake.Posts())
	assert.Equal(t, 0, fake.Duplicates())
}

// TestRateIsRespectedAndReached drives 200 posts a second for 2 s through
// the rate limiter, and checks from the fake's own request log that no
// one-second window held more than the rate allows and that throughput
// reached at least 95% of it. The bounds are generous: the limiter
// grants at the rate, and the fake's timestamps add only loopback jitter.
func TestRateIsRespectedAndReached(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for 2 s")
	}
	const perSecond = 50 // low enough to be reached on a loaded, race-instrumented CI machine
	fake := publishtest.StartReferenceFake(t)
	ref := &publishtest.ReferencePublisher{BaseURL: fake.URL(), Client: &http.Client{}}
	rl := publish.WithRateLimit(ref, publish.Limits{Caps: map[string]publish.Limit{
		"twitter": {Events: perSecond, Per: time.Second}}})

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	seq := 0
	for range 8 {
		wg.Go(func() {
			for ctx.Err() == nil {
				mu.Lock()
				seq++
				key := fmt.Sprint("rate-", seq)
				mu.Unlock()
				_, _ = rl.Publish(ctx, delivery(key))
			}
		})
	}
	wg.Wait()

	var at []time.Time
	for _, r := range fake.Requests() {
		if r.Method == http.MethodPost {
			at = append(at, r.At)
		}
	}
	require.Greater(t, len(at), perSecond, "too few requests to measure")
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	maxInWindow, j := 0, 0
	for i := range at {
		for at[i].Sub(at[j]) >= time.Second {
			j++
		}
		maxInWindow = max(maxInWindow, i-j+1)
	}
	span := at[len(at)-1].Sub(at[0]).Seconds()
	throughput := float64(len(at)-1) / span
	t.Logf("%d posts in %.2f s: %.1f/s (cap %d/s); busiest 1 s window %d", len(at), span, throughput, perSecond, maxInWindow)
	assert.LessOrEqual(t, maxInWindow, perSecond*105/100+1, "the rate was exceeded")
	assert.GreaterOrEqual(t, throughput, 0.95*perSecond, "throughput below 95% of the rate")
}
