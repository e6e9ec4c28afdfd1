package web_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish"
)

// BenchmarkStack publishes web posts to the platform fake over loopback,
// bare and through the full middleware stack (telemetry, retry, circuit
// breaker, rate limiter with a cap far above the load), side by side, so
// that the ratio of the two is the stack's cost:
//
//	go test -run '^$' -bench Stack -benchtime 3000x -count 3 ./publish/web/
func BenchmarkStack(b *testing.B) {
	for _, tc := range []struct {
		name  string
		stack bool
	}{{"bare", false}, {"stack", true}} {
		b.Run(tc.name, func(b *testing.B) {
			e := newEnv(b, nil)
			var p publish.Publisher = e.pub
			if tc.stack {
				m, err := publish.NewMetrics(prometheus.NewRegistry())
				if err != nil {
					b.Fatal(err)
				}
				limits := publish.Limits{Caps: map[string]publish.Limit{string(content.ChannelWebsite): {Events: 1_000_000, Per: time.Second, Burst: 1000}}}
				p = publish.Chain(p,
					func(p publish.Publisher) publish.Publisher {
						return publish.WithTelemetry(p, publish.Telemetry{Metrics: m, Tracer: noop.NewTracerProvider().Tracer("bench")})
					},
					func(p publish.Publisher) publish.Publisher { return publish.WithRetry(p, publish.RetryPolicy{}) },
					func(p publish.Publisher) publish.Publisher {
						return publish.WithCircuitBreaker(p, publish.BreakerSettings{})
					},
					func(p publish.Publisher) publish.Publisher { return publish.WithRateLimit(p, limits) },
				)
			}
			bundle := sampleBundle()
			var n atomic.Int64
			b.SetParallelism(4)
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					b2 := *bundle
					wp := *bundle.WebPost
					wp.Slug = "post-" + strconv.FormatInt(i, 10)
					b2.WebPost = &wp
					if _, err := p.Publish(context.Background(), delivery("bench-"+tc.name+strconv.FormatInt(i, 10), &b2)); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "deliveries/s")
		})
	}
}
