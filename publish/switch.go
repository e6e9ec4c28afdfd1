package publish

import (
	"context"

	"github.com/halcytone/halcytone/content"
)

// ByDryRun returns a Publisher that sends deliveries marked DryRun to dry
// and every other delivery to live: a server with credentials still honours
// a request's dry_run. Name, Channel, Validate and Preview are live's; Lookup
// asks live first, so that a key once dry-run and later sent for real is
// never taken for sent by its dry-run record, then dry.
//
// The usual pair is
//
//	ByDryRun(
//		Chain(p, telemetry, retry, breaker, rateLimit), // see Chain
//		WithTelemetry(DryRun(p), t),
//	)
func ByDryRun(live, dry Publisher) Publisher { return byDryRun{live: live, dry: dry} }

type byDryRun struct{ live, dry Publisher }

func (b byDryRun) Name() string             { return b.live.Name() }
func (b byDryRun) Channel() content.Channel { return b.live.Channel() }

func (b byDryRun) Validate(ctx context.Context, bu *content.Bundle) []content.Issue {
	return b.live.Validate(ctx, bu)
}

func (b byDryRun) Preview(ctx context.Context, d Delivery) (Preview, error) {
	return b.live.Preview(ctx, d)
}

func (b byDryRun) Publish(ctx context.Context, d Delivery) (Receipt, error) {
	if d.DryRun {
		return b.dry.Publish(ctx, d)
	}
	return b.live.Publish(ctx, d)
}

func (b byDryRun) Lookup(ctx context.Context, key string) (Receipt, bool, error) {
	r, ok, err := b.live.Lookup(ctx, key)
	if err == nil && ok {
		return r, true, nil
	}
	if dr, dok, derr := b.dry.Lookup(ctx, key); derr == nil && dok {
		return dr, true, nil
	}
	return r, ok, err
}
