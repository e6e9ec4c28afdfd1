// Package telemetry is the observability Halcytone's server and library
// users wire in: Prometheus metrics, HTTP middleware, correlation IDs in
// structured logs, and OpenTelemetry tracing.
//
// Nothing here is global. NewMetrics makes its own registry, which also
// holds the Go runtime and process collectors and the publishing metrics of
// package publish, so one Metrics.Handler exports everything.
// NewTracerProvider never sets the otel global provider; NewLogHandler
// never sets the slog default. The caller decides what to share.
//
// The metrics, with their labels:
//
//	http_requests_total{method,route,status}           counter
//	http_request_duration_seconds{method,route}        histogram
//	content_generation_total{type,status}              counter
//	content_generation_duration_seconds{type}          histogram
//	source_fetch_total{source,status}                  counter
//	queue_jobs{state}                                  gauge
//	approval_requests{level,state}                     gauge
//	websocket_connections{hub}                         gauge
//	publish_deliveries_total, publish_duration_seconds,
//	ratelimit_wait_seconds, circuit_breaker_state      see publish.NewMetrics
//
// The HTTP route label is the path part of the ServeMux pattern that
// matched ("/api/v2/jobs/{job_id}"), or "unmatched"; it is never the raw
// request path, so its cardinality is bounded by the routes registered.
//
// A typical server stack, outermost first:
//
//	h = telemetry.CorrelationMiddleware(metrics.Middleware(mux))
//
// Metrics.Middleware reads the pattern from the *http.Request it passed on,
// so any handler between it and the ServeMux must pass that same request
// (a middleware that calls r.WithContext hides the pattern, and the route
// becomes "unmatched"). CorrelationMiddleware may sit anywhere outside.
package telemetry
