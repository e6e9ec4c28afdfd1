// Package publishtest is the conformance suite every publish.Publisher runs
// against its fake service.
//
// A publisher package calls Run from a test with a Harness that builds a
// fresh publisher wired to a fresh fake (one pair per subtest). The suite
// checks, through the public API only:
//
//   - Publish returns a receipt with an ExternalID;
//   - the same idempotency key published twice makes one post and returns
//     the same receipt;
//   - Lookup finds a published key and does not find an unknown one;
//   - every FailureKind the fake can produce ends in the right error class
//     (see FailureKind), never a panic, and a later Publish of the same key
//     succeeds with exactly one post;
//   - Preview returns a payload and posts nothing;
//   - Validate flags the harness's invalid bundle;
//   - a cancelled context is honoured: an error wrapping context.Canceled,
//     and nothing posted.
//
// The suite never sleeps and makes no timing assertion.
package publishtest

import (
	"testing"
	"time"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish"
)

// FailureKind is a failure a fake can be told to produce on its next
// publishing requests. Each kind names the class the publisher must return.
type FailureKind string

// The failure kinds a Fake must support (or list in Harness.Unsupported).
const (
	// ServerError: the fake answers 500 (or 503) with a JSON error body and
	// records nothing. Expected class: content.Retryable.
	ServerError FailureKind = "server_error"
	// RateLimit: the fake answers 429 with a positive Retry-After (seconds)
	// and records nothing. Expected class: content.RateLimited with
	// RetryAfter > 0.
	RateLimit FailureKind = "rate_limit"
	// ExpiredToken: the fake answers 401 (the platform's "token expired"
	// body) and records nothing. Expected class: content.AuthExpired.
	ExpiredToken FailureKind = "expired_token"
	// AcceptThenTimeout: the fake records the post, then stalls without
	// answering until the client gives up (the request's context is done)
	// or the fake is closed. Expected class: content.OutcomeUnknown, and
	// Lookup of the key then finds the post. The suite bounds the call
	// with Harness.Timeout.
	AcceptThenTimeout FailureKind = "accept_then_timeout"
	// MalformedJSON: the fake answers 200 with a truncated JSON body and
	// records nothing. The platform may have acted, and the publisher
	// cannot read what it did. Expected class: content.OutcomeUnknown.
	MalformedJSON FailureKind = "malformed_json"
	// HTMLErrorPage: the fake answers 502 with a text/html error page (as a
	// proxy or load balancer would) and records nothing. Expected class:
	// content.Retryable.
	HTMLErrorPage FailureKind = "html_error_page"
)

// FailureKinds lists every kind in a stable order.
func FailureKinds() []FailureKind {
	return []FailureKind{ServerError, RateLimit, ExpiredToken, AcceptThenTimeout, MalformedJSON, HTMLErrorPage}
}

// Expected returns the class a publisher must return for a failure of
// kind k.
func (k FailureKind) Expected() content.ErrorClass {
	switch k {
	case ServerError, HTMLErrorPage:
		return content.Retryable
	case RateLimit:
		return content.RateLimited
	case ExpiredToken:
		return content.AuthExpired
	case AcceptThenTimeout, MalformedJSON:
		return content.OutcomeUnknown
	default:
		return content.Permanent
	}
}

// Fake is the view of a fake service the suite needs. Implementations
// must be safe for concurrent use.
type Fake interface {
	// Posts returns how many distinct deliveries (posts, pages, campaigns)
	// the fake created: one per accepted idempotency key.
	Posts() int
	// Duplicates returns how many publishing requests carried a key the
	// fake had already accepted (each answered with the first result).
	Duplicates() int
	// FailNext makes the next n publishing requests fail as kind k.
	// Lookups are not affected.
	FailNext(k FailureKind, n int)
}

// Harness builds what the suite tests. New and Bundle are required.
type Harness struct {
	// New returns a new publisher wired to a new, started fake. It
	// registers the fake's Close with t.Cleanup. The publisher must be
	// the bare publisher, without retry or other middleware.
	New func(t *testing.T) (publish.Publisher, Fake)
	// Bundle returns a bundle the publisher accepts (Validate reports no
	// error-severity issue). A fresh value on each call.
	Bundle func() *content.Bundle
	// Invalid returns a bundle Validate must flag with at least one
	// error-severity issue (an oversize post, say). Nil skips that check.
	Invalid func() *content.Bundle
	// Delivery builds the delivery of b under key. Nil uses the
	// publisher's channel, the platform of a social channel, the default
	// account and DryRun false.
	Delivery func(p publish.Publisher, key string, b *content.Bundle) publish.Delivery
	// Unsupported lists the failure kinds the fake cannot produce; the
	// suite skips them, saying so.
	Unsupported []FailureKind
	// Timeout bounds each call the suite makes (AcceptThenTimeout ends
	// when it passes, unless the publisher's own client timeout is
	// shorter). Zero means 2 seconds.
	Timeout time.Duration
}
