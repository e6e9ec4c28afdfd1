package telemetry_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/telemetry"
)

// collector is a fake OTLP/HTTP endpoint that records what it receives.
type collector struct {
	mu       sync.Mutex
	requests []received
}

type received struct {
	method, path, contentType string
	body                      []byte
}

func newCollector(t *testing.T) (*collector, *httptest.Server) {
	t.Helper()
	c := &collector{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		assert.NoError(t, err)
		c.mu.Lock()
		c.requests = append(c.requests, received{r.Method, r.URL.Path, r.Header.Get("Content-Type"), body})
		c.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return c, srv
}

func (c *collector) received() []received {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]received(nil), c.requests...)
}

// env is a getenv over a map.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestTracerProviderExportsOverOTLPHTTP(t *testing.T) {
	tests := []struct {
		name string
		vars func(url string) map[string]string
		path string
	}{
		{name: "base endpoint", path: "/v1/traces", vars: func(u string) map[string]string {
			return map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": u}
		}},
		{name: "base endpoint with path", path: "/otel/v1/traces", vars: func(u string) map[string]string {
			return map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": u + "/otel/"}
		}},
		{name: "traces endpoint as is", path: "/custom/traces", vars: func(u string) map[string]string {
			return map[string]string{
				"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": u + "/custom/traces",
				"OTEL_EXPORTER_OTLP_ENDPOINT":        "http://127.0.0.1:1", // overridden
				"OTEL_EXPORTER_OTLP_PROTOCOL":        "http/protobuf",
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv := newCollector(t)
			tp, shutdown, err := telemetry.NewTracerProvider(t.Context(), "halcytone", "1.2.3", env(tt.vars(srv.URL)))
			require.NoError(t, err)

			_, span := tp.Tracer("test").Start(t.Context(), "generate")
			assert.True(t, span.SpanContext().IsValid())
			assert.True(t, span.IsRecording())
			span.End()
			require.NoError(t, shutdown(t.Context()))

			got := c.received()
			require.NotEmpty(t, got)
			assert.Equal(t, http.MethodPost, got[0].method)
			assert.Equal(t, tt.path, got[0].path)
			assert.Equal(t, "application/x-protobuf", got[0].contentType)
			assert.NotEmpty(t, got[0].body)
			assert.Contains(t, string(got[0].body), "halcytone", "the resource names the service")
			assert.Contains(t, string(got[0].body), "1.2.3")
		})
	}
}

func TestTracerProviderNoop(t *testing.T) {
	for name, getenv := range map[string]func(string) string{
		"no endpoint": env(nil),
		"nil getenv":  nil,
		"sdk disabled": env(map[string]string{
			"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_SDK_DISABLED": "true",
		}),
		"exporter none": env(map[string]string{
			"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_TRACES_EXPORTER": "none",
		}),
	} {
		t.Run(name, func(t *testing.T) {
			tp, shutdown, err := telemetry.NewTracerProvider(t.Context(), "halcytone", "dev", getenv)
			require.NoError(t, err)
			_, span := tp.Tracer("test").Start(t.Context(), "op")
			assert.False(t, span.IsRecording())
			assert.False(t, span.SpanContext().IsValid())
			span.End()
			assert.NoError(t, shutdown(t.Context()))
		})
	}
}

func TestTracerProviderBadConfig(t *testing.T) {
	tests := map[string]struct {
		vars map[string]string
		want string
	}{
		"no scheme":     {vars: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"}, want: "collector:4318"},
		"grpc scheme":   {vars: map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "grpc://c:4317"}, want: "grpc://c:4317"},
		"unparseable":   {vars: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://[::1"}, want: "OTEL_EXPORTER_OTLP_ENDPOINT"},
		"grpc protocol": {vars: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, want: `"grpc"`},
		"bad timeout":   {vars: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_EXPORTER_OTLP_TIMEOUT": "5s"}, want: "OTEL_EXPORTER_OTLP_TIMEOUT"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			tp, shutdown, err := telemetry.NewTracerProvider(t.Context(), "halcytone", "dev", env(tt.vars))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Nil(t, tp)
			assert.Nil(t, shutdown)
		})
	}
}
