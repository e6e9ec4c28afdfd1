package publish_test

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/publish/publishtest"
)

// A publisher with credentials goes through the full stack, in the
// documented order.
func ExampleChain() {
	fake := &publishtest.ReferenceFake{}
	defer fake.Close()
	p := &publishtest.ReferencePublisher{BaseURL: fake.Start(), Client: &http.Client{Timeout: 10 * time.Second}}

	metrics, _ := publish.NewMetrics(nil) // the server passes its registry
	limits := publish.DefaultLimits()
	limits.OnWait = metrics.ObserveRateWait
	stack := publish.Chain(p,
		func(p publish.Publisher) publish.Publisher {
			return publish.WithTelemetry(p, publish.Telemetry{Metrics: metrics})
		},
		func(p publish.Publisher) publish.Publisher { return publish.WithRetry(p, publish.DefaultRetryPolicy()) },
		func(p publish.Publisher) publish.Publisher {
			return publish.WithCircuitBreaker(p, publish.BreakerSettings{OnStateChange: metrics.SetBreakerState})
		},
		func(p publish.Publisher) publish.Publisher { return publish.WithRateLimit(p, limits) },
	)

	d := publish.Delivery{
		IdempotencyKey: publish.IdempotencyKey("hash", content.ChannelTwitter, content.PlatformTwitter, ""),
		Channel:        content.ChannelTwitter, Platform: content.PlatformTwitter,
		Bundle: &content.Bundle{Title: "Five minutes of box breathing"},
	}
	r, err := stack.Publish(context.Background(), d)
	fmt.Println(r.ExternalID, err, fake.Posts())
	// Output: ref-1 <nil> 1
}

// With no credentials, DryRun records exactly what would be sent.
func ExampleDryRun() {
	dr := publish.DryRun(&publishtest.ReferencePublisher{BaseURL: "http://unused.invalid"})
	d := publish.Delivery{IdempotencyKey: "hc_example", Channel: content.ChannelTwitter,
		Bundle: &content.Bundle{Title: "Hello"}}
	r, _ := dr.Publish(context.Background(), d)
	fmt.Println(r.DryRun, string(dr.Recorded()[0].Preview.Payload))
	// Output: true {"text":"Hello"}
}
