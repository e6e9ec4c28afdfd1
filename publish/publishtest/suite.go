package publishtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish"
)

// keySeq makes idempotency keys unique within a test binary.
var keySeq atomic.Int64

// Run runs the conformance suite against h, each check in its own subtest
// with a new publisher and fake.
func Run(t *testing.T, h Harness) {
	t.Helper()
	require.NotNil(t, h.New, "publishtest: Harness.New is required")
	require.NotNil(t, h.Bundle, "publishtest: Harness.Bundle is required")
	s := suite{h: h}
	t.Run("PublishReturnsReceipt", s.publishReturnsReceipt)
	t.Run("SameKeyTwiceOnePost", s.sameKeyTwice)
	t.Run("Lookup", s.lookup)
	t.Run("Failures", func(t *testing.T) {
		for _, k := range FailureKinds() {
			t.Run(string(k), func(t *testing.T) { s.failure(t, k) })
		}
	})
	t.Run("PreviewSendsNothing", s.previewSendsNothing)
	t.Run("ValidateFlagsInvalid", s.validateFlagsInvalid)
	t.Run("ValidateAcceptsSample", s.validateAcceptsSample)
	t.Run("CancelledContext", s.cancelledContext)
}

type suite struct{ h Harness }

func (s suite) timeout() time.Duration {
	if s.h.Timeout > 0 {
		return s.h.Timeout
	}
	return 2 * time.Second
}

func (s suite) ctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), s.timeout())
	t.Cleanup(cancel)
	return ctx
}

func (s suite) delivery(p publish.Publisher, t *testing.T) publish.Delivery {
	key := fmt.Sprintf("hc_conformance_%s_%d", p.Name(), keySeq.Add(1))
	b := s.h.Bundle()
	if s.h.Delivery != nil {
		return s.h.Delivery(p, key, b)
	}
	d := publish.Delivery{IdempotencyKey: key, JobID: "job-" + key, Channel: p.Channel(), Bundle: b}
	if pl, ok := p.Channel().Platform(); ok {
		d.Platform = pl
	}
	return d
}

func (s suite) publishReturnsReceipt(t *testing.T) {
	p, f := s.h.New(t)
	d := s.delivery(p, t)
	r, err := p.Publish(s.ctx(t), d)
	require.NoError(t, err)
	assert.NotEmpty(t, r.ExternalID, "receipt has no ExternalID")
	assert.False(t, r.DryRun, "a real publish returned a dry-run receipt")
	assert.Equal(t, 1, f.Posts())
}

func (s suite) sameKeyTwice(t *testing.T) {
	p, f := s.h.New(t)
	d := s.delivery(p, t)
	first, err := p.Publish(s.ctx(t), d)
	require.NoError(t, err)
	second, err := p.Publish(s.ctx(t), d)
	require.NoError(t, err)
	assert.Equal(t, first.ExternalID, second.ExternalID, "same key, different receipts")
	assert.Equal(t, first.URL, second.URL)
	assert.Equal(t, 1, f.Posts(), "same key published twice made more than one post")
}

func (s suite) lookup(t *testing.T) {
	p, _ := s.h.New(t)
	d := s.delivery(p, t)
	r, err := p.Publish(s.ctx(t), d)
	require.NoError(t, err)

	got, ok, err := p.Lookup(s.ctx(t), d.IdempotencyKey)
	require.NoError(t, err)
	require.True(t, ok, "Lookup does not find a published key")
	assert.Equal(t, r.ExternalID, got.ExternalID)

	_, ok, err = p.Lookup(s.ctx(t), "hc_conformance_never_published")
	require.NoError(t, err, "Lookup of an unknown key must answer ok=false, not fail")
	assert.False(t, ok, "Lookup finds a key never published")
}

func (s suite) failure(t *testing.T, k FailureKind) {
	if slices.Contains(s.h.Unsupported, k) {
		t.Skipf("publishtest: the fake cannot produce %s", k)
	}
	p, f := s.h.New(t)
	d := s.delivery(p, t)
	f.FailNext(k, 1)
	_, err := p.Publish(s.ctx(t), d)
	require.Error(t, err, "a %s failure was not reported", k)
	var ce *content.Error
	require.True(t, errors.As(err, &ce), "error is not a *content.Error: %v", err)
	assert.Equal(t, k.Expected(), ce.Class, "wrong class for %s: %v", k, err)
	if k == RateLimit {
		assert.Positive(t, ce.RetryAfter, "a rate limit without RetryAfter: %v", err)
	}

	if k == AcceptThenTimeout {
		r, ok, err := p.Lookup(s.ctx(t), d.IdempotencyKey)
		require.NoError(t, err)
		require.True(t, ok, "Lookup does not find a post accepted before the timeout")
		assert.NotEmpty(t, r.ExternalID)
		assert.Equal(t, 1, f.Posts())
		return
	}
	// Once the failure is spent, the same key publishes exactly once.
	r, err := p.Publish(s.ctx(t), d)
	require.NoError(t, err, "publish after a %s failure", k)
	assert.NotEmpty(t, r.ExternalID)
	assert.Equal(t, 1, f.Posts(), "posts after a %s failure and a resend", k)
}

func (s suite) previewSendsNothing(t *testing.T) {
	p, f := s.h.New(t)
	d := s.delivery(p, t)
	pv, err := p.Preview(s.ctx(t), d)
	require.NoError(t, err)
	assert.NotEmpty(t, pv.Payload, "Preview has no payload")
	assert.Equal(t, 0, f.Posts(), "Preview posted")
	_, ok, err := p.Lookup(s.ctx(t), d.IdempotencyKey)
	require.NoError(t, err)
	assert.False(t, ok, "a previewed delivery is found by Lookup")
}

func (s suite) validateFlagsInvalid(t *testing.T) {
	if s.h.Invalid == nil {
		t.Skip("publishtest: Harness.Invalid is nil")
	}
	p, _ := s.h.New(t)
	issues := p.Validate(s.ctx(t), s.h.Invalid())
	assert.True(t, hasError(issues), "Validate did not flag the invalid bundle: %v", issues)
	for _, i := range issues {
		if i.Severity == content.SeverityError {
			assert.NotEmpty(t, i.Field, "issue without a field: %v", i)
			assert.NotEmpty(t, i.Code, "issue without a code: %v", i)
		}
	}
}

func (s suite) validateAcceptsSample(t *testing.T) {
	p, _ := s.h.New(t)
	issues := p.Validate(s.ctx(t), s.h.Bundle())
	assert.False(t, hasError(issues), "Validate refuses the sample bundle: %v", issues)
}

func (s suite) cancelledContext(t *testing.T) {
	p, f := s.h.New(t)
	d := s.delivery(p, t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := p.Publish(ctx, d)
	require.Error(t, err, "Publish ignored a cancelled context")
	assert.ErrorIs(t, err, context.Canceled)
	assert.NotEqual(t, content.OutcomeUnknown, content.ClassOf(err), "nothing was sent, yet the outcome is unknown")
	assert.Equal(t, 0, f.Posts(), "posted with a cancelled context")
}

func hasError(issues []content.Issue) bool {
	return slices.ContainsFunc(issues, func(i content.Issue) bool { return i.Severity == content.SeverityError })
}
