package mock

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish"
)

// RecordingPublisher is an in-memory publish.Publisher that records every
// delivery it accepts, honours idempotency keys (a second Publish of a key
// returns the first receipt and is counted as a duplicate attempt), and
// fails on cue. The zero value is not usable: call NewRecordingPublisher.
// It is safe for concurrent use.
type RecordingPublisher struct {
	name    string
	channel content.Channel

	mu        sync.Mutex
	published []Published
	byKey     map[string]publish.Receipt
	attempts  map[string]int
	failures  []error
	failKeys  map[string]error
	now       func() time.Time
	next      int
}

// Published is one delivery a RecordingPublisher accepted.
type Published struct {
	Delivery publish.Delivery
	Receipt  publish.Receipt
}

var _ publish.Publisher = (*RecordingPublisher)(nil)

// NewRecordingPublisher returns a publisher named name for channel ch.
func NewRecordingPublisher(name string, ch content.Channel) *RecordingPublisher {
	return &RecordingPublisher{name: name, channel: ch, byKey: map[string]publish.Receipt{},
		attempts: map[string]int{}, failKeys: map[string]error{}, now: time.Now}
}

// Name returns the publisher's name.
func (p *RecordingPublisher) Name() string { return p.name }

// Channel returns the publisher's channel.
func (p *RecordingPublisher) Channel() content.Channel { return p.channel }

// Validate reports nothing: the recording publisher accepts any bundle.
func (p *RecordingPublisher) Validate(context.Context, *content.Bundle) []content.Issue { return nil }

// Preview returns the delivery's channel with no payload.
func (p *RecordingPublisher) Preview(_ context.Context, d publish.Delivery) (publish.Preview, error) {
	return publish.Preview{Channel: d.Channel, Platform: d.Platform}, nil
}

// FailNext makes the next len(errs) Publish calls fail with errs in order
// (use *content.Error values to pick the class).
func (p *RecordingPublisher) FailNext(errs ...error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failures = append(p.failures, errs...)
}

// FailKey makes every Publish of the idempotency key fail with err; a nil
// err clears it.
func (p *RecordingPublisher) FailKey(key string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err == nil {
		delete(p.failKeys, key)
		return
	}
	p.failKeys[key] = err
}

// Publish records d, or returns the first receipt for a key seen before.
func (p *RecordingPublisher) Publish(ctx context.Context, d publish.Delivery) (publish.Receipt, error) {
	if err := ctx.Err(); err != nil {
		return publish.Receipt{}, &content.Error{Class: content.Retryable, Op: p.name + ": publish", Err: err}
	}
	if d.IdempotencyKey == "" {
		return publish.Receipt{}, &content.Error{Class: content.InvalidContent, Op: p.name + ": publish", Field: "idempotency_key", Err: fmt.Errorf("delivery has no idempotency key")}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.attempts[d.IdempotencyKey]++
	if len(p.failures) > 0 {
		err := p.failures[0]
		p.failures = p.failures[1:]
		return publish.Receipt{}, err
	}
	if err := p.failKeys[d.IdempotencyKey]; err != nil {
		return publish.Receipt{}, err
	}
	if r, ok := p.byKey[d.IdempotencyKey]; ok {
		return r, nil
	}
	p.next++
	r := publish.Receipt{ExternalID: fmt.Sprintf("%s-%d", p.name, p.next), Status: "published", Sent: 1, At: p.now().UTC(), DryRun: d.DryRun}
	p.byKey[d.IdempotencyKey] = r
	p.published = append(p.published, Published{Delivery: d, Receipt: r})
	return r, nil
}

// Lookup returns the receipt of a key this publisher accepted.
func (p *RecordingPublisher) Lookup(_ context.Context, key string) (publish.Receipt, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.byKey[key]
	return r, ok, nil
}

// Published returns the accepted deliveries in order.
func (p *RecordingPublisher) Published() []Published {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.published)
}

// Attempts returns how many times Publish was called with key, duplicates
// and failures included.
func (p *RecordingPublisher) Attempts(key string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.attempts[key]
}

// Reset forgets every delivery, attempt and failure.
func (p *RecordingPublisher) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.published, p.failures = nil, nil
	p.byKey, p.attempts, p.failKeys = map[string]publish.Receipt{}, map[string]int{}, map[string]error{}
}

// Match selects published deliveries in RequirePublished and
// RequireNotPublished; a nil Match matches all.
type Match func(Published) bool

// ForJob matches deliveries of one job.
func ForJob(jobID string) Match {
	return func(p Published) bool { return p.Delivery.JobID == jobID }
}

// WithSubject matches email deliveries whose newsletter subject is s.
func WithSubject(s string) Match {
	return func(p Published) bool {
		b := p.Delivery.Bundle
		return b != nil && b.Newsletter != nil && b.Newsletter.Subject == s
	}
}

// RequirePublished fails tb unless pub accepted at least one delivery
// matching every m, and returns the matching deliveries.
func RequirePublished(tb testing.TB, pub *RecordingPublisher, m ...Match) []Published {
	tb.Helper()
	got := matching(pub, m)
	if len(got) == 0 {
		tb.Fatalf("mock: %s published nothing matching (%d deliveries in all)", pub.name, len(pub.Published()))
	}
	return got
}

// RequireNotPublished fails tb if pub accepted any delivery matching every
// m.
func RequireNotPublished(tb testing.TB, pub *RecordingPublisher, m ...Match) {
	tb.Helper()
	if got := matching(pub, m); len(got) > 0 {
		tb.Fatalf("mock: %s published %d matching deliveries, want none (first: job %s, key %s)",
			pub.name, len(got), got[0].Delivery.JobID, got[0].Delivery.IdempotencyKey)
	}
}

func matching(pub *RecordingPublisher, m []Match) []Published {
	var out []Published
	for _, p := range pub.Published() {
		ok := true
		for _, f := range m {
			if f != nil && !f(p) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, p)
		}
	}
	return out
}
