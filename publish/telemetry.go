package publish

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sony/gobreaker/v2"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/halcytone/halcytone/content"
)

// Metrics are the publishing metrics. Create them once per registry with
// NewMetrics and share the value between every wrapped publisher.
type Metrics struct {
	deliveries *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	rateWait   *prometheus.HistogramVec
	breaker    *prometheus.GaugeVec
}

// NewMetrics creates the metrics and registers them with reg:
//
//	publish_deliveries_total{channel,platform,status}  counter; status is
//	    "delivered", "dry_run" or the error class
//	publish_duration_seconds{channel,platform}         histogram
//	ratelimit_wait_seconds{platform}                   histogram
//	circuit_breaker_state{publisher}                   gauge: 0 closed,
//	    1 half-open, 2 open
//
// A metric reg already holds (from an earlier NewMetrics) is reused, so
// calling it twice on one registry does not fail. A nil reg registers
// nothing.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "publish_deliveries_total", Help: "Deliveries by channel, platform and outcome.",
		}, []string{"channel", "platform", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "publish_duration_seconds", Help: "Time to publish one delivery, retries and waits included.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 14),
		}, []string{"channel", "platform"}),
		rateWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ratelimit_wait_seconds", Help: "Time a publish waited for its rate limit.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 12),
		}, []string{"platform"}),
		breaker: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "circuit_breaker_state", Help: "Circuit state per publisher: 0 closed, 1 half-open, 2 open.",
		}, []string{"publisher"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	m.deliveries, err = register(reg, m.deliveries)
	if err != nil {
		return nil, err
	}
	if m.duration, err = register(reg, m.duration); err != nil {
		return nil, err
	}
	if m.rateWait, err = register(reg, m.rateWait); err != nil {
		return nil, err
	}
	if m.breaker, err = register(reg, m.breaker); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c, or returns the collector of the same description
// reg already holds.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}

// ObserveRateWait records a rate-limit wait; use it as Limits.OnWait.
func (m *Metrics) ObserveRateWait(platform string, waited time.Duration) {
	m.rateWait.WithLabelValues(platform).Observe(waited.Seconds())
}

// SetBreakerState records a circuit's state; use it as
// BreakerSettings.OnStateChange.
func (m *Metrics) SetBreakerState(publisher string, _, to gobreaker.State) {
	m.breaker.WithLabelValues(publisher).Set(float64(to))
}

// Telemetry configures WithTelemetry. Nil fields turn their part off.
type Telemetry struct {
	Metrics *Metrics
	Tracer  trace.Tracer
}

// telemetry is the Publisher WithTelemetry returns.
type telemetry struct {
	next Publisher
	t    Telemetry
}

// WithTelemetry wraps p so that each Publish is counted, timed and traced:
// one span "publish <name>" with the delivery's key, job, channel,
// platform, account and dry-run flag, and on failure the error class.
func WithTelemetry(p Publisher, t Telemetry) Publisher {
	if t.Tracer == nil {
		t.Tracer = noop.NewTracerProvider().Tracer("")
	}
	return &telemetry{next: p, t: t}
}

func (w *telemetry) Name() string             { return w.next.Name() }
func (w *telemetry) Channel() content.Channel { return w.next.Channel() }
func (w *telemetry) Validate(ctx context.Context, b *content.Bundle) []content.Issue {
	return w.next.Validate(ctx, b)
}
func (w *telemetry) Preview(ctx context.Context, d Delivery) (Preview, error) {
	return w.next.Preview(ctx, d)
}
func (w *telemetry) Lookup(ctx context.Context, key string) (Receipt, bool, error) {
	return w.next.Lookup(ctx, key)
}

func (w *telemetry) Publish(ctx context.Context, d Delivery) (Receipt, error) {
	ctx, span := w.t.Tracer.Start(ctx, "publish "+w.next.Name(), trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(
			attribute.String("halcytone.delivery.key", d.IdempotencyKey),
			attribute.String("halcytone.job.id", d.JobID),
			attribute.String("halcytone.channel", string(d.Channel)),
			attribute.String("halcytone.platform", string(d.Platform)),
			attribute.String("halcytone.account", d.Account),
			attribute.Bool("halcytone.dry_run", d.DryRun),
		))
	defer span.End()
	start := time.Now()
	r, err := w.next.Publish(ctx, d)
	status := "delivered"
	switch {
	case err != nil:
		status = string(content.ClassOf(err))
		span.SetAttributes(attribute.String("halcytone.error.class", status))
		span.RecordError(err)
		span.SetStatus(codes.Error, status)
	case r.DryRun:
		status = "dry_run"
	}
	if r.ExternalID != "" {
		span.SetAttributes(attribute.String("halcytone.external_id", r.ExternalID))
	}
	if m := w.t.Metrics; m != nil {
		m.deliveries.WithLabelValues(string(d.Channel), string(d.Platform), status).Inc()
		m.duration.WithLabelValues(string(d.Channel), string(d.Platform)).Observe(time.Since(start).Seconds())
	}
	return r, err
}
