// Package publish sends assembled content to its channels.
//
// A Publisher delivers one channel variant of a bundle to one platform and
// account. Every Delivery carries an idempotency key derived from (bundle
// hash, channel, platform, account): a publisher sends it to platforms that
// honour one, and Lookup finds a delivery by it, so that a publish whose
// outcome is unknown is reconciled rather than sent twice.
//
// Failures are *content.Error values of the closed taxonomy (Retryable,
// RateLimited, AuthExpired, InvalidContent, OutcomeUnknown, NotFound,
// Permanent); content.ClassOf reads the class.
package publish

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/halcytone/halcytone/content"
)

// Delivery is one send of one bundle to one channel, platform and account.
type Delivery struct {
	IdempotencyKey string
	JobID          string
	Channel        content.Channel
	Platform       content.Platform // social channels only
	Account        string           // the account or list sent to; "" for the default
	Bundle         *content.Bundle
	DryRun         bool
}

// Receipt is a platform's answer to a successful publish.
type Receipt struct {
	ExternalID string    // the platform's id of the post, message or page
	URL        string    // where the result can be seen, if anywhere
	Status     string    // the platform's status, such as "published" or "queued"
	Sent       int       // messages sent (email), else 1
	At         time.Time // when the platform accepted it
	DryRun     bool      // nothing was sent: the receipt of a dry run
}

// Preview is exactly what a publish would send, with estimates.
type Preview struct {
	Channel   content.Channel
	Platform  content.Platform
	Payload   []byte             // the request body the platform would receive
	Estimates map[string]float64 // labelled estimates, such as "reach"
}

// Publisher delivers content to one channel. Implementations must be safe
// for concurrent use.
type Publisher interface {
	// Name identifies the publisher, such as "x" or "email-crm".
	Name() string
	// Channel is the channel it publishes to.
	Channel() content.Channel
	// Validate reports what the platform would refuse in b.
	Validate(ctx context.Context, b *content.Bundle) []content.Issue
	// Preview returns what Publish would send, sending nothing.
	Preview(ctx context.Context, d Delivery) (Preview, error)
	// Publish sends d once. A delivery whose key was already published
	// returns the first receipt and sends nothing.
	Publish(ctx context.Context, d Delivery) (Receipt, error)
	// Lookup finds the receipt of a delivery by its idempotency key; ok is
	// false when the platform holds no such delivery.
	Lookup(ctx context.Context, key string) (r Receipt, ok bool, err error)
}

// IdempotencyKey derives the key of a delivery from the bundle's content
// hash, the channel, the platform and the account: the same content sent
// to the same place always has the same key.
func IdempotencyKey(bundleHash string, ch content.Channel, p content.Platform, account string) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{bundleHash, string(ch), string(p), account}, "\x00")))
	return "hc_" + hex.EncodeToString(sum[:16])
}
