package social_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish"
)

// deliver publishes d the way the engine does: retryable classes are
// retried, an unknown outcome is looked up before any resend. It returns
// the final error (nil when delivered).
func deliver(t *testing.T, p publish.Publisher, d publish.Delivery) error {
	t.Helper()
	var err error
	for range 20 {
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		_, err = p.Publish(ctx, d)
		cancel()
		switch content.ClassOf(err) {
		case "":
			return nil
		case content.Retryable, content.RateLimited:
			continue
		case content.OutcomeUnknown:
			if _, ok, lerr := p.Lookup(t.Context(), d.IdempotencyKey); lerr == nil && ok {
				return nil
			}
			continue
		default:
			return err
		}
	}
	return err
}

func TestFaultsEndDeliveredWithoutDuplicates(t *testing.T) {
	p, f := newX(t, nil)
	f.SetFailureRate(0.3)
	const n = 150
	for i := range n {
		if i%25 == 0 {
			f.TimeoutNext(1)
		}
		if i%30 == 0 {
			f.FailNext(1, 429, time.Second)
		}
		parts := []string{fmt.Sprintf("1/2 delivery %d", i), fmt.Sprintf("2/2 delivery %d", i)}
		require.NoError(t, deliver(t, p, xDelivery(fmt.Sprintf("k%d", i), xBundle(parts[0], parts...))))
	}
	assert.Equal(t, 2*n, f.Posts(), "every part of every thread posted once")
	assert.Zero(t, f.Duplicates())
	tweets := f.Tweets()
	for i, tw := range tweets {
		if i%2 == 1 {
			assert.Equal(t, tweets[i-1].ID, tw.ReplyTo)
		}
	}
}
