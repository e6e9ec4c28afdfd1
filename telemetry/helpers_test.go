package telemetry_test

import (
	"maps"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/telemetry"
)

// newMetrics returns fresh metrics on their own registry.
func newMetrics(tb testing.TB) *telemetry.Metrics {
	tb.Helper()
	m, err := telemetry.NewMetrics()
	require.NoError(tb, err)
	return m
}

// family returns the gathered family name, or nil.
func family(t *testing.T, m *telemetry.Metrics, name string) *dto.MetricFamily {
	t.Helper()
	mfs, err := m.Registry.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf
		}
	}
	return nil
}

// labelsOf returns the labels of one sample.
func labelsOf(metric *dto.Metric) map[string]string {
	set := map[string]string{}
	for _, lp := range metric.GetLabel() {
		set[lp.GetName()] = lp.GetValue()
	}
	return set
}

// gathered returns the label sets of every sample of family name.
func gathered(t *testing.T, m *telemetry.Metrics, name string) []map[string]string {
	t.Helper()
	var sets []map[string]string
	for _, metric := range family(t, m, name).GetMetric() {
		sets = append(sets, labelsOf(metric))
	}
	return sets
}

// value returns the value of the counter or gauge sample of family name
// with exactly labels, or the sample count of such a histogram; 0 when
// there is no such sample.
func value(t *testing.T, m *telemetry.Metrics, name string, labels map[string]string) float64 {
	t.Helper()
	for _, metric := range family(t, m, name).GetMetric() {
		if !maps.Equal(labelsOf(metric), labels) {
			continue
		}
		switch {
		case metric.Counter != nil:
			return metric.GetCounter().GetValue()
		case metric.Gauge != nil:
			return metric.GetGauge().GetValue()
		case metric.Histogram != nil:
			return float64(metric.GetHistogram().GetSampleCount())
		}
	}
	return 0
}

// requests returns http_requests_total{method,route,status}.
func requests(t *testing.T, m *telemetry.Metrics, method, route, status string) float64 {
	t.Helper()
	return value(t, m, "http_requests_total", map[string]string{"method": method, "route": route, "status": status})
}
