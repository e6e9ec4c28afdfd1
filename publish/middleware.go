package publish

// Middleware decorates a Publisher with one cross-cutting concern. Each
// middleware returns a Publisher that is safe for concurrent use when the
// one it wraps is.
type Middleware func(Publisher) Publisher

// Chain wraps p in mws so that mws[0] is the outermost layer: Chain(p, a,
// b) is a(b(p)).
//
// The documented order for a publisher with credentials is
//
//	Chain(p,
//		telemetryMW, // WithTelemetry: outermost
//		retryMW,     // WithRetry
//		breakerMW,   // WithCircuitBreaker
//		rateLimitMW, // WithRateLimit: next to the platform
//	)
//
// that is WithTelemetry(WithRetry(WithCircuitBreaker(WithRateLimit(p)))),
// because:
//
//   - Telemetry is outermost so that it counts one outcome and one
//     duration per delivery, retries and waits included, and its span is
//     the parent of everything below.
//   - Retry wraps the breaker so that every attempt asks the breaker; an
//     open breaker answers a Retryable ErrCircuitOpen at once, which the
//     retry layer backs off from within its bounded budget instead of
//     hammering a failing platform.
//   - The breaker wraps the rate limiter so that an open circuit consumes
//     no rate tokens and no wait, and time spent waiting for a token is
//     never mistaken for a platform failure.
//   - The rate limiter is innermost so that every request that reaches the
//     platform, retries included, is paced and counted, and a 429's
//     RetryAfter pauses the platform-and-account key before any other
//     call goes out.
//
// Dry run replaces the whole stack rather than sitting inside it: with no
// credentials configured, or when a request asks for dry_run, the engine
// and server use WithTelemetry(DryRun(p)), so that dry runs are neither
// rate-limited, retried nor counted against the breaker, and p.Publish is
// never called.
func Chain(p Publisher, mws ...Middleware) Publisher {
	for i := len(mws) - 1; i >= 0; i-- {
		p = mws[i](p)
	}
	return p
}
