package publish_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sony/gobreaker/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/publish"
)

// stub is a scripted in-memory publisher: Publish returns the queued
// errors in order, then succeeds once per key.
type stub struct {
	mu      sync.Mutex
	errs    []error
	calls   int
	byKey   map[string]publish.Receipt
	payload []byte
}

func newStub(errs ...error) *stub {
	return &stub{errs: errs, byKey: map[string]publish.Receipt{}, payload: []byte(`{"text":"hello"}`)}
}

func (s *stub) Name() string                                              { return "stub" }
func (s *stub) Channel() content.Channel                                  { return content.ChannelTwitter }
func (s *stub) Validate(context.Context, *content.Bundle) []content.Issue { return nil }
func (s *stub) Preview(_ context.Context, d publish.Delivery) (publish.Preview, error) {
	return publish.Preview{Channel: d.Channel, Platform: d.Platform, Payload: s.payload}, nil
}

func (s *stub) Publish(ctx context.Context, d publish.Delivery) (publish.Receipt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if len(s.errs) > 0 {
		err := s.errs[0]
		s.errs = s.errs[1:]
		return publish.Receipt{}, err
	}
	if r, ok := s.byKey[d.IdempotencyKey]; ok {
		return r, nil
	}
	r := publish.Receipt{ExternalID: fmt.Sprintf("stub-%d", len(s.byKey)+1), Status: "published", Sent: 1}
	s.byKey[d.IdempotencyKey] = r
	return r, nil
}

func (s *stub) Lookup(_ context.Context, key string) (publish.Receipt, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.byKey[key]
	return r, ok, nil
}

func (s *stub) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func cerr(c content.ErrorClass) error {
	return &content.Error{Class: c, Op: "stub", Err: errors.New(string(c))}
}

func delivery(key string) publish.Delivery {
	return publish.Delivery{IdempotencyKey: key, Channel: content.ChannelTwitter, Platform: content.PlatformTwitter,
		Bundle: &content.Bundle{Title: "t"}}
}

func TestChainOrder(t *testing.T) {
	var order []string
	mw := func(name string) publish.Middleware {
		return func(p publish.Publisher) publish.Publisher {
			order = append(order, name)
			return p
		}
	}
	publish.Chain(newStub(), mw("outer"), mw("middle"), mw("inner"))
	assert.Equal(t, []string{"inner", "middle", "outer"}, order, "the last middleware wraps first")
}

func TestDryRun(t *testing.T) {
	inner := newStub(cerr(content.Retryable)) // would fail if ever called
	dr := publish.DryRun(inner)
	ctx := t.Context()

	r1, err := dr.Publish(ctx, delivery("k1"))
	require.NoError(t, err)
	assert.True(t, r1.DryRun)
	assert.NotEmpty(t, r1.ExternalID)
	r2, err := dr.Publish(ctx, delivery("k1"))
	require.NoError(t, err)
	assert.Equal(t, r1, r2, "same key, same receipt")
	_, err = dr.Publish(ctx, delivery("k2"))
	require.NoError(t, err)

	assert.Equal(t, 0, inner.Calls(), "DryRun called Publish")
	rec := dr.Recorded()
	require.Len(t, rec, 2)
	assert.Equal(t, `{"text":"hello"}`, string(rec[0].Preview.Payload), "the exact payload is recorded")
	assert.Equal(t, "k1", rec[0].Delivery.IdempotencyKey)

	got, ok, err := dr.Lookup(ctx, "k1")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, r1, got)
	_, ok, err = dr.Lookup(ctx, "unknown")
	require.NoError(t, err)
	assert.False(t, ok)

	_, err = dr.Publish(ctx, delivery(""))
	assert.Equal(t, content.InvalidContent, content.ClassOf(err))
}

func instantRetry(attempts int) publish.RetryPolicy {
	return publish.RetryPolicy{MaxAttempts: attempts, Initial: time.Millisecond, Max: 10 * time.Millisecond,
		Jitter: func() float64 { return 0.5 }, Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }}
}

func TestRetry(t *testing.T) {
	tests := []struct {
		name      string
		errs      []error
		attempts  int
		wantCalls int
		wantClass content.ErrorClass
	}{
		{"success first", nil, 4, 1, ""},
		{"retryable then success", []error{cerr(content.Retryable), cerr(content.Retryable)}, 4, 3, ""},
		{"rate limited then success", []error{&content.Error{Class: content.RateLimited, RetryAfter: 30 * time.Second}}, 4, 2, ""},
		{"rate limited for longer than MaxRetryAfter returned at once", []error{&content.Error{Class: content.RateLimited, RetryAfter: time.Hour}}, 4, 1, content.RateLimited},
		{"bounded attempts", []error{cerr(content.Retryable), cerr(content.Retryable), cerr(content.Retryable)}, 3, 3, content.Retryable},
		{"outcome unknown never retried", []error{cerr(content.OutcomeUnknown)}, 4, 1, content.OutcomeUnknown},
		{"invalid content never retried", []error{cerr(content.InvalidContent)}, 4, 1, content.InvalidContent},
		{"auth expired never retried", []error{cerr(content.AuthExpired)}, 4, 1, content.AuthExpired},
		{"permanent never retried", []error{cerr(content.Permanent)}, 4, 1, content.Permanent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStub(tt.errs...)
			_, err := publish.WithRetry(s, instantRetry(tt.attempts)).Publish(t.Context(), delivery("k"))
			assert.Equal(t, tt.wantClass, content.ClassOf(err), "%v", err)
			assert.Equal(t, tt.wantCalls, s.Calls())
		})
	}
}

func TestRetryHonoursRetryAfterWithinCapAndBudget(t *testing.T) {
	var waits []time.Duration
	pol := instantRetry(5)
	pol.MaxRetryAfter = 3 * time.Second
	pol.MaxElapsed = 9 * time.Second
	pol.Sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	s := newStub(&content.Error{Class: content.RateLimited, RetryAfter: time.Second},
		&content.Error{Class: content.RateLimited, RetryAfter: 3 * time.Second},
		&content.Error{Class: content.RateLimited, RetryAfter: 3 * time.Second},
		&content.Error{Class: content.RateLimited, RetryAfter: 3 * time.Second},
		&content.Error{Class: content.RateLimited, RetryAfter: 3 * time.Second})
	_, err := publish.WithRetry(s, pol).Publish(t.Context(), delivery("k"))
	assert.Equal(t, content.RateLimited, content.ClassOf(err))
	assert.Equal(t, []time.Duration{time.Second, 3 * time.Second, 3 * time.Second}, waits,
		"RetryAfter honoured, and no wait past the 9 s budget")

	// Asked to wait longer than MaxRetryAfter: returned at once, for the
	// queue to wait it out, after the waits it could honour.
	waits = nil
	s = newStub(&content.Error{Class: content.RateLimited, RetryAfter: time.Second},
		&content.Error{Class: content.RateLimited, RetryAfter: 3*time.Second + 1})
	_, err = publish.WithRetry(s, pol).Publish(t.Context(), delivery("k"))
	var ce *content.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, content.RateLimited, ce.Class)
	assert.Equal(t, 3*time.Second+1, ce.RetryAfter, "the caller learns how long to wait")
	assert.Equal(t, []time.Duration{time.Second}, waits)
	assert.Equal(t, 2, s.Calls())
}

func TestRetryStopsOnContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	pol := instantRetry(10)
	pol.Sleep = func(ctx context.Context, _ time.Duration) error { cancel(); return ctx.Err() }
	s := newStub(cerr(content.Retryable), cerr(content.Retryable))
	_, err := publish.WithRetry(s, pol).Publish(ctx, delivery("k"))
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, content.Retryable, content.ClassOf(err))
	assert.Equal(t, 1, s.Calls())
}

func TestCircuitBreaker(t *testing.T) {
	tests := []struct {
		name     string
		errs     []error
		wantOpen bool
	}{
		{"five retryable failures open it", repeat(cerr(content.Retryable), 5), true},
		{"four do not", repeat(cerr(content.Retryable), 4), false},
		{"outcome unknown counts", repeat(cerr(content.OutcomeUnknown), 5), true},
		{"permanent counts", repeat(cerr(content.Permanent), 5), true},
		{"invalid content does not count", repeat(cerr(content.InvalidContent), 8), false},
		{"rate limited does not count", repeat(cerr(content.RateLimited), 8), false},
		{"auth expired opens at once", []error{cerr(content.AuthExpired)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStub(tt.errs...)
			var changes []gobreaker.State
			b := publish.WithCircuitBreaker(s, publish.BreakerSettings{OpenFor: time.Hour,
				OnStateChange: func(_ string, _, to gobreaker.State) { changes = append(changes, to) }})
			for i := range tt.errs {
				_, err := b.Publish(t.Context(), delivery(fmt.Sprint("k", i)))
				require.Error(t, err)
				if b.State() == gobreaker.StateOpen {
					break
				}
			}
			calls := s.Calls()
			_, err := b.Publish(t.Context(), delivery("next"))
			if !tt.wantOpen {
				assert.Equal(t, gobreaker.StateClosed, b.State())
				assert.NoError(t, err)
				return
			}
			assert.Equal(t, gobreaker.StateOpen, b.State())
			assert.Equal(t, []gobreaker.State{gobreaker.StateOpen}, changes)
			assert.ErrorIs(t, err, publish.ErrCircuitOpen)
			assert.Equal(t, content.Retryable, content.ClassOf(err))
			assert.Equal(t, calls, s.Calls(), "an open circuit called the publisher")
		})
	}
}

func repeat(err error, n int) []error {
	out := make([]error, n)
	for i := range out {
		out[i] = err
	}
	return out
}

func TestRateLimitPausesOnRetryAfter(t *testing.T) {
	s := newStub(&content.Error{Class: content.RateLimited, RetryAfter: time.Hour})
	var waited []string
	rl := publish.WithRateLimit(s, publish.Limits{OnWait: func(p string, _ time.Duration) { waited = append(waited, p) }})
	_, err := rl.Publish(t.Context(), delivery("k"))
	require.Equal(t, content.RateLimited, content.ClassOf(err))

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = rl.Publish(ctx, delivery("k"))
	assert.Equal(t, content.Retryable, content.ClassOf(err))
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, s.Calls(), "a paused key reached the publisher")
	assert.Equal(t, []string{"twitter", "twitter"}, waited)

	other := delivery("k2")
	other.Account = "someone-else"
	_, err = rl.Publish(t.Context(), other)
	assert.NoError(t, err, "the pause is per platform and account")
}

func TestRateLimitObservesHeaders(t *testing.T) {
	s := newStub()
	rl := publish.WithRateLimit(s, publish.DefaultLimits())
	var obs publish.RateObserver = rl
	d := delivery("k")
	obs.ObserveRateHeaders(publish.RateKey(d), map[string][]string{
		"X-Rate-Limit-Remaining": {"0"}, "X-Rate-Limit-Reset": {fmt.Sprint(time.Now().Add(time.Hour).Unix())}})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := rl.Publish(ctx, d)
	assert.Equal(t, content.Retryable, content.ClassOf(err))
	assert.Equal(t, 0, s.Calls())
	assert.Equal(t, "twitter|", publish.RateKey(d))
}

func TestDefaultLimits(t *testing.T) {
	l := publish.DefaultLimits()
	assert.Equal(t, publish.Limit{Events: 300, Per: 3 * time.Hour}, l.Caps["twitter"])
	assert.Equal(t, publish.Limit{Events: 25, Per: 24 * time.Hour}, l.Caps["linkedin"])
	assert.Equal(t, publish.Limit{Events: 100, Per: 24 * time.Hour}, l.Caps["facebook"])
	assert.Equal(t, publish.Limit{Events: 25, Per: 24 * time.Hour}, l.Caps["instagram"])
	assert.Equal(t, publish.Limit{Events: 10, Per: time.Second}, l.Caps["email"])
}

func TestTelemetry(t *testing.T) {
	reg := prometheus.NewRegistry()
	m1, err := publish.NewMetrics(reg)
	require.NoError(t, err)
	m2, err := publish.NewMetrics(reg)
	require.NoError(t, err, "a second NewMetrics on the same registry")
	rec := tracetest.NewSpanRecorder()
	tracer := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)).Tracer("test")

	ok := publish.WithTelemetry(newStub(), publish.Telemetry{Metrics: m1, Tracer: tracer})
	bad := publish.WithTelemetry(newStub(cerr(content.AuthExpired)), publish.Telemetry{Metrics: m2, Tracer: tracer})
	_, err = ok.Publish(t.Context(), delivery("a"))
	require.NoError(t, err)
	_, err = bad.Publish(t.Context(), delivery("b"))
	require.Error(t, err)
	m1.ObserveRateWait("twitter", time.Second)
	m1.SetBreakerState("stub", gobreaker.StateClosed, gobreaker.StateOpen)

	families, err := reg.Gather()
	require.NoError(t, err)
	got := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			key := f.GetName()
			for _, l := range m.GetLabel() {
				key += "," + l.GetName() + "=" + l.GetValue()
			}
			switch {
			case m.Counter != nil:
				got[key] = m.Counter.GetValue()
			case m.Gauge != nil:
				got[key] = m.Gauge.GetValue()
			case m.Histogram != nil:
				got[key] = float64(m.Histogram.GetSampleCount())
			}
		}
	}
	assert.Equal(t, 1.0, got["publish_deliveries_total,channel=twitter,platform=twitter,status=delivered"])
	assert.Equal(t, 1.0, got["publish_deliveries_total,channel=twitter,platform=twitter,status=auth_expired"])
	assert.Equal(t, 2.0, got["publish_duration_seconds,channel=twitter,platform=twitter"])
	assert.Equal(t, 1.0, got["ratelimit_wait_seconds,platform=twitter"])
	assert.Equal(t, 2.0, got["circuit_breaker_state,publisher=stub"])

	spans := rec.Ended()
	require.Len(t, spans, 2)
	attrs := map[string]string{}
	for _, kv := range spans[1].Attributes() {
		attrs[string(kv.Key)] = kv.Value.String()
	}
	assert.Equal(t, "b", attrs["halcytone.delivery.key"])
	assert.Equal(t, "twitter", attrs["halcytone.channel"])
	assert.Equal(t, "auth_expired", attrs["halcytone.error.class"])
}

// TestRateLimitBeyondDeadlineIsRateLimited: a token that comes only after
// the attempt's deadline is a RateLimited answer with the wait as
// RetryAfter (the queue snoozes it), not a failure that opens the breaker.
func TestRateLimitBeyondDeadlineIsRateLimited(t *testing.T) {
	rec := mock.NewRecordingPublisher("linkedin", content.ChannelLinkedIn)
	limited := publish.WithRateLimit(rec, publish.Limits{Caps: map[string]publish.Limit{
		string(content.PlatformLinkedIn): {Events: 1, Per: time.Hour},
	}})
	p := publish.WithCircuitBreaker(limited, publish.BreakerSettings{Failures: 2})
	b := &content.Bundle{Title: "t", Hash: "h", Social: []content.SocialPost{{Platform: content.PlatformLinkedIn, Text: "hello"}}}
	deliver := func(key string) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, err := p.Publish(ctx, publish.Delivery{IdempotencyKey: key, Channel: content.ChannelLinkedIn, Platform: content.PlatformLinkedIn, Bundle: b})
		return err
	}
	require.NoError(t, deliver("k0"), "the first post takes the only token")
	for i := 1; i <= 5; i++ {
		err := deliver(fmt.Sprintf("k%d", i))
		var ce *content.Error
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, content.RateLimited, ce.Class, "attempt %d: %v", i, err)
		assert.Greater(t, ce.RetryAfter, 50*time.Minute, "the wait for the next token")
	}
	assert.Len(t, rec.Published(), 1)
	assert.Equal(t, "closed", p.State().String(), "quota refusals do not open the breaker")
}

func TestDryRunBounds(t *testing.T) {
	ctx := t.Context()
	dr := publish.DryRunWith(newStub(), publish.DryRunOptions{LogSize: 3, Keys: 5})
	receipts := map[string]publish.Receipt{}
	for i := range 12 {
		k := fmt.Sprintf("k%d", i)
		r, err := dr.Publish(ctx, delivery(k))
		require.NoError(t, err)
		receipts[k] = r
	}
	var keys []string
	for _, rec := range dr.Recorded() {
		keys = append(keys, rec.Delivery.IdempotencyKey)
	}
	assert.Equal(t, []string{"k9", "k10", "k11"}, keys, "the last LogSize records, oldest first")
	for i := range 12 {
		k := fmt.Sprintf("k%d", i)
		r, ok, err := dr.Lookup(ctx, k)
		require.NoError(t, err)
		assert.Equal(t, i >= 7, ok, "%s: the last Keys keys are remembered", k)
		if ok {
			assert.Equal(t, receipts[k], r)
		}
	}

	none := publish.DryRunWith(newStub(), publish.DryRunOptions{LogSize: -1})
	_, err := none.Publish(ctx, delivery("k"))
	require.NoError(t, err)
	assert.Empty(t, none.Recorded(), "no log")
	_, ok, err := none.Lookup(ctx, "k")
	require.NoError(t, err)
	assert.True(t, ok, "keys are still remembered")
}
