package publish

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/internal/fifo"
)

// Defaults of DryRunOptions.
const (
	// DefaultDryRunLogSize is how many records a DryRunPublisher keeps.
	DefaultDryRunLogSize = 10_000
	// DefaultDryRunKeys is how many idempotency keys it remembers.
	DefaultDryRunKeys = 100_000
)

// DryRunOptions bound what a DryRunPublisher remembers, so that one that
// runs for months (the server's default) holds bounded memory.
type DryRunOptions struct {
	// LogSize is how many records Recorded returns, the most recent;
	// 0 means DefaultDryRunLogSize, a negative value none. Each record
	// holds a whole payload (an email's HTML, say).
	LogSize int
	// Keys is how many idempotency keys are remembered, the most recent,
	// for repeated Publish calls and Lookup; 0 means DefaultDryRunKeys.
	// A key forgotten and published again gets a new receipt: callers
	// that need more (the engine) record deliveries themselves.
	Keys int
}

// DryRunRecord is one delivery a DryRunPublisher would have sent.
type DryRunRecord struct {
	Delivery Delivery
	Preview  Preview // exactly what the wrapped publisher would send
	Receipt  Receipt // the dry-run receipt returned
}

// DryRunPublisher records what its publisher would send and sends nothing.
// Create it with DryRun.
//
// Guarantees: the wrapped publisher's Publish is never called; Preview and
// Validate are passed through; the same idempotency key always returns the
// same receipt; Lookup answers from the publisher's own record. It is safe
// for concurrent use.
type DryRunPublisher struct {
	next Publisher
	now  func() time.Time

	mu      sync.Mutex
	log     []DryRunRecord // ring of the records, oldest at logNext once full
	logNext int
	max     int
	byKey   *fifo.Map[string, Receipt] // the most recent keys
}

var _ Publisher = (*DryRunPublisher)(nil)

// DryRun wraps p so that Publish records p's Preview of the delivery (its
// exact payload) and returns a Receipt with DryRun set. The engine and
// server pick it when no credentials are configured or when a request says
// dry_run; see Chain for where it goes.
func DryRun(p Publisher) *DryRunPublisher { return DryRunWith(p, DryRunOptions{}) }

// DryRunWith is DryRun with bounds other than the defaults.
func DryRunWith(p Publisher, o DryRunOptions) *DryRunPublisher {
	d := &DryRunPublisher{next: p, now: time.Now, max: o.LogSize}
	if d.max == 0 {
		d.max = DefaultDryRunLogSize
	}
	d.max = max(d.max, 0)
	keys := o.Keys
	if keys <= 0 {
		keys = DefaultDryRunKeys
	}
	d.byKey = fifo.New[string, Receipt](keys)
	return d
}

// Name returns the wrapped publisher's name.
func (d *DryRunPublisher) Name() string { return d.next.Name() }

// Channel returns the wrapped publisher's channel.
func (d *DryRunPublisher) Channel() content.Channel { return d.next.Channel() }

// Validate passes through to the wrapped publisher.
func (d *DryRunPublisher) Validate(ctx context.Context, b *content.Bundle) []content.Issue {
	return d.next.Validate(ctx, b)
}

// Preview passes through to the wrapped publisher.
func (d *DryRunPublisher) Preview(ctx context.Context, dl Delivery) (Preview, error) {
	return d.next.Preview(ctx, dl)
}

// Publish records the preview of dl and returns a dry-run receipt; a key
// recorded before returns its first receipt. An error of Preview (such as
// InvalidContent) is returned as is, and nothing is recorded.
func (d *DryRunPublisher) Publish(ctx context.Context, dl Delivery) (Receipt, error) {
	if err := ctx.Err(); err != nil {
		return Receipt{}, &content.Error{Class: content.Retryable, Op: d.Name() + ": dry run", Err: err}
	}
	if dl.IdempotencyKey == "" {
		return Receipt{}, content.Errorf(content.InvalidContent, d.Name()+": dry run", "delivery has no idempotency key")
	}
	d.mu.Lock()
	r, ok := d.byKey.Get(dl.IdempotencyKey)
	d.mu.Unlock()
	if ok {
		return r, nil
	}
	pv, err := d.next.Preview(ctx, dl)
	if err != nil {
		return Receipt{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if r, ok := d.byKey.Get(dl.IdempotencyKey); ok { // a concurrent twin won
		return r, nil
	}
	r = Receipt{ExternalID: "dryrun:" + dl.IdempotencyKey, Status: "dry_run", Sent: 1, At: d.now().UTC(), DryRun: true}
	d.byKey.Put(dl.IdempotencyKey, r)
	rec := DryRunRecord{Delivery: dl, Preview: pv, Receipt: r}
	switch {
	case d.max == 0:
	case len(d.log) < d.max:
		d.log = append(d.log, rec)
	default:
		d.log[d.logNext] = rec
		d.logNext = (d.logNext + 1) % d.max
	}
	return r, nil
}

// Lookup finds a key this publisher recorded.
func (d *DryRunPublisher) Lookup(_ context.Context, key string) (Receipt, bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	r, ok := d.byKey.Get(key)
	return r, ok, nil
}

// Recorded returns the most recent records (up to the log size), oldest
// first.
func (d *DryRunPublisher) Recorded() []DryRunRecord {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append(slices.Clone(d.log[d.logNext:]), d.log[:d.logNext]...)
}
