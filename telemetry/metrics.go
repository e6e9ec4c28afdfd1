package telemetry

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/halcytone/halcytone/publish"
)

// Metrics holds the project's Prometheus collectors and the registry they
// are registered with. Create it with NewMetrics; the collector fields are
// safe for concurrent use and meant to be used directly by callers.
type Metrics struct {
	// Registry holds every collector below, plus the Go runtime and
	// process collectors.
	Registry *prometheus.Registry

	// HTTPRequests is http_requests_total{method,route,status}.
	HTTPRequests *prometheus.CounterVec
	// HTTPDuration is http_request_duration_seconds{method,route}.
	HTTPDuration *prometheus.HistogramVec
	// Generations is content_generation_total{type,status}.
	Generations *prometheus.CounterVec
	// GenerationDuration is content_generation_duration_seconds{type}.
	GenerationDuration *prometheus.HistogramVec
	// Fetches is source_fetch_total{source,status}.
	Fetches *prometheus.CounterVec
	// QueueJobs is queue_jobs{state}: jobs in the queue per state.
	QueueJobs *prometheus.GaugeVec
	// ApprovalRequests is approval_requests{level,state}: review requests
	// per approval level and state.
	ApprovalRequests *prometheus.GaugeVec
	// WebSocketConnections is websocket_connections{hub}: open connections
	// per hub.
	WebSocketConnections *prometheus.GaugeVec

	// Publish are the publishing metrics (publish_deliveries_total,
	// publish_duration_seconds, ratelimit_wait_seconds,
	// circuit_breaker_state), registered with Registry; pass them to
	// publish.WithTelemetry.
	Publish *publish.Metrics
}

// NewMetrics creates a registry and registers with it the Go runtime and
// process collectors, the metrics listed in the package doc and the
// publishing metrics of publish.NewMetrics.
func NewMetrics() (*Metrics, error) {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		HTTPRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total", Help: "HTTP requests by method, matched route and status code.",
		}, []string{"method", "route", "status"}),
		HTTPDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "http_request_duration_seconds", Help: "Time to serve an HTTP request, by method and matched route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"}),
		Generations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "content_generation_total", Help: "Content generations by content type and outcome.",
		}, []string{"type", "status"}),
		GenerationDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "content_generation_duration_seconds", Help: "Time to generate content, by content type.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 14),
		}, []string{"type"}),
		Fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "source_fetch_total", Help: "Source fetches by source and outcome.",
		}, []string{"source", "status"}),
		QueueJobs: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "queue_jobs", Help: "Jobs in the queue by state.",
		}, []string{"state"}),
		ApprovalRequests: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "approval_requests", Help: "Approval requests by level and state.",
		}, []string{"level", "state"}),
		WebSocketConnections: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "websocket_connections", Help: "Open WebSocket connections by hub.",
		}, []string{"hub"}),
	}
	for _, c := range []prometheus.Collector{
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.HTTPRequests, m.HTTPDuration,
		m.Generations, m.GenerationDuration,
		m.Fetches,
		m.QueueJobs, m.ApprovalRequests, m.WebSocketConnections,
	} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("telemetry: register metrics: %w", err)
		}
	}
	pm, err := publish.NewMetrics(reg)
	if err != nil {
		return nil, fmt.Errorf("telemetry: register publish metrics: %w", err)
	}
	m.Publish = pm
	return m, nil
}

// Handler serves the registry in the Prometheus text format, or in
// OpenMetrics when the request's Accept header asks for it.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{EnableOpenMetrics: true})
}

// Names returns the name of every metric family the registry exports,
// sorted: those it gathers now and those its collectors describe but have
// no sample for yet (a vector before its first use). Names are family
// names as gathered ("http_requests_total", "http_request_duration_seconds"),
// without the _bucket, _sum and _count series suffixes. A collector that
// fails to gather contributes what it described.
func (m *Metrics) Names() []string {
	names := map[string]struct{}{}
	descs := make(chan *prometheus.Desc)
	go func() {
		m.Registry.Describe(descs)
		close(descs)
	}()
	for d := range descs {
		if n, ok := descName(d); ok {
			names[n] = struct{}{}
		}
	}
	mfs, _ := m.Registry.Gather() // partial results come with the error
	for _, mf := range mfs {
		names[mf.GetName()] = struct{}{}
	}
	return slices.Sorted(maps.Keys(names))
}

// descName returns the fully qualified name of d. Desc has no accessor for
// it, so it is read from the stable String form `Desc{fqName: "name", ...}`.
func descName(d *prometheus.Desc) (string, bool) {
	rest, ok := strings.CutPrefix(d.String(), "Desc{fqName: ")
	if !ok {
		return "", false
	}
	quoted, err := strconv.QuotedPrefix(rest)
	if err != nil {
		return "", false
	}
	name, err := strconv.Unquote(quoted)
	return name, err == nil && name != ""
}

// ObserveGeneration records one content generation of contentType that
// ended with status (e.g. "ok", "invalid", "error") after d. Invalid UTF-8
// in a label is repaired, as in ObserveFetch.
func (m *Metrics) ObserveGeneration(contentType, status string, d time.Duration) {
	contentType, status = strings.ToValidUTF8(contentType, "\uFFFD"), strings.ToValidUTF8(status, "\uFFFD")
	m.Generations.WithLabelValues(contentType, status).Inc()
	m.GenerationDuration.WithLabelValues(contentType).Observe(d.Seconds())
}

// ObserveFetch records one fetch from source that ended with status.
// Label values that are not valid UTF-8 are repaired (U+FFFD), since the
// client library refuses them with a panic.
func (m *Metrics) ObserveFetch(source, status string) {
	m.Fetches.WithLabelValues(strings.ToValidUTF8(source, "\uFFFD"), strings.ToValidUTF8(status, "\uFFFD")).Inc()
}
