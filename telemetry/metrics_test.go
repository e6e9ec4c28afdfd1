package telemetry_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/telemetry"
)

var ownMetrics = []string{
	"http_requests_total", "http_request_duration_seconds",
	"content_generation_total", "content_generation_duration_seconds",
	"source_fetch_total",
	"queue_jobs", "approval_requests", "websocket_connections",
}

var publishMetrics = []string{
	"publish_deliveries_total", "publish_duration_seconds", "ratelimit_wait_seconds", "circuit_breaker_state",
}

func TestNewMetricsEachHasItsOwnRegistry(t *testing.T) {
	a, b := newMetrics(t), newMetrics(t)
	assert.NotSame(t, a.Registry, b.Registry)
	a.ObserveFetch("file", "ok")
	fetch := map[string]string{"source": "file", "status": "ok"}
	assert.Equal(t, 1.0, value(t, a, "source_fetch_total", fetch))
	assert.Empty(t, gathered(t, b, "source_fetch_total"))
}

func TestNamesBeforeAnyUse(t *testing.T) {
	m := newMetrics(t)
	names := m.Names()
	assert.True(t, slices.IsSorted(names), "names are sorted")
	assert.Len(t, slices.Compact(slices.Clone(names)), len(names), "names are unique")
	for _, want := range append(slices.Clone(ownMetrics), publishMetrics...) {
		assert.Contains(t, names, want)
	}
	assert.Contains(t, names, "go_goroutines")
	assert.Contains(t, names, "process_cpu_seconds_total")
}

func TestNamesOnlyWhatIsExported(t *testing.T) {
	m := newMetrics(t)
	m.ObserveGeneration("blog", "ok", time.Second)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	for _, name := range m.Names() {
		if slices.Contains(gatheredNames(t, m), name) {
			assert.Contains(t, body, "# TYPE "+name+" ", "exported: %s", name)
		}
	}
}

// gatheredNames returns the family names the registry gathers now.
func gatheredNames(t *testing.T, m *telemetry.Metrics) []string {
	t.Helper()
	mfs, err := m.Registry.Gather()
	require.NoError(t, err)
	var names []string
	for _, mf := range mfs {
		names = append(names, mf.GetName())
	}
	return names
}

func TestMetricLabelsAfterUse(t *testing.T) {
	m := newMetrics(t)
	m.ObserveGeneration("newsletter", "ok", 1500*time.Millisecond)
	m.ObserveGeneration("newsletter", "invalid", time.Second)
	m.ObserveFetch("notion", "error")
	m.QueueJobs.WithLabelValues("available").Set(3)
	m.ApprovalRequests.WithLabelValues("2", "pending").Set(1)
	m.WebSocketConnections.WithLabelValues("jobs").Inc()
	m.Publish.ObserveRateWait("twitter", time.Millisecond)
	m.HTTPRequests.WithLabelValues("GET", "/health", "200").Inc()
	m.HTTPDuration.WithLabelValues("GET", "/health").Observe(0.01)

	assert.Equal(t, 1.0, value(t, m, "content_generation_total", map[string]string{"type": "newsletter", "status": "ok"}))
	assert.Equal(t, 1.0, value(t, m, "content_generation_total", map[string]string{"type": "newsletter", "status": "invalid"}))
	assert.Equal(t, 2.0, value(t, m, "content_generation_duration_seconds", map[string]string{"type": "newsletter"}))
	assert.Equal(t, 1.0, value(t, m, "source_fetch_total", map[string]string{"source": "notion", "status": "error"}))
	assert.Equal(t, 3.0, value(t, m, "queue_jobs", map[string]string{"state": "available"}))

	cases := map[string][]string{
		"http_requests_total":                 {"method", "route", "status"},
		"http_request_duration_seconds":       {"method", "route"},
		"content_generation_total":            {"type", "status"},
		"content_generation_duration_seconds": {"type"},
		"source_fetch_total":                  {"source", "status"},
		"queue_jobs":                          {"state"},
		"approval_requests":                   {"level", "state"},
		"websocket_connections":               {"hub"},
		"ratelimit_wait_seconds":              {"platform"},
	}
	for name, labels := range cases {
		sets := gathered(t, m, name)
		require.NotEmpty(t, sets, name)
		for _, set := range sets {
			var got []string
			for l := range set {
				got = append(got, l)
			}
			assert.ElementsMatch(t, labels, got, name)
		}
	}
	assert.Equal(t, []map[string]string{{"type": "newsletter"}}, gathered(t, m, "content_generation_duration_seconds"))
}

func TestHandlerFormats(t *testing.T) {
	m := newMetrics(t)
	m.ObserveFetch("file", "ok")
	tests := []struct {
		name, accept, contentType string
		eof                       bool
	}{
		{name: "text", accept: "text/plain", contentType: "text/plain"},
		{name: "openmetrics", accept: "application/openmetrics-text; version=1.0.0", contentType: "application/openmetrics-text", eof: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(m.Handler())
			t.Cleanup(srv.Close)
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
			require.NoError(t, err)
			req.Header.Set("Accept", tt.accept)
			resp, err := srv.Client().Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)

			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), tt.contentType), resp.Header.Get("Content-Type"))
			assert.Contains(t, string(body), `source_fetch_total{source="file",status="ok"} 1`)
			assert.Equal(t, tt.eof, strings.HasSuffix(string(body), "# EOF\n"))
		})
	}
}
