package telemetry_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"time"

	"github.com/halcytone/halcytone/telemetry"
)

// A server stack: correlation IDs outermost, the HTTP metrics directly
// around the ServeMux, /metrics served from the same registry.
func ExampleMetrics_Middleware() {
	metrics, err := telemetry.NewMetrics()
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v2/jobs/{job_id}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "job", r.PathValue("job_id"))
	})
	mux.Handle("GET /metrics", metrics.Handler())
	h := telemetry.CorrelationMiddleware(metrics.Middleware(mux))

	req := httptest.NewRequest(http.MethodGet, "/api/v2/jobs/abc", nil)
	req.Header.Set("X-Correlation-ID", "req-42")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Print(rec.Code, " ", rec.Header().Get("X-Correlation-ID"), " ", rec.Body.String())

	mfs, _ := metrics.Registry.Gather()
	for _, mf := range mfs {
		if mf.GetName() == "http_requests_total" {
			for _, l := range mf.GetMetric()[0].GetLabel() {
				fmt.Printf("%s=%s\n", l.GetName(), l.GetValue())
			}
		}
	}
	// Output:
	// 200 req-42 job abc
	// method=GET
	// route=/api/v2/jobs/{job_id}
	// status=200
}

// The metric names a dashboard or alert rule may use.
func ExampleMetrics_Names() {
	metrics, err := telemetry.NewMetrics()
	if err != nil {
		panic(err)
	}
	metrics.ObserveGeneration("newsletter", "ok", 2*time.Second)
	metrics.ObserveFetch("notion", "ok")
	names := metrics.Names()
	fmt.Println(slices.Contains(names, "content_generation_total"), slices.Contains(names, "publish_deliveries_total"))
	// Output: true true
}

// Log lines carry the correlation ID of their context.
func ExampleNewLogHandler() {
	h, err := telemetry.NewLogHandler(os.Stdout, "json", slog.LevelInfo)
	if err != nil {
		panic(err)
	}
	ctx := telemetry.WithCorrelationID(context.Background(), "req-42")
	// slog.New(h).InfoContext(ctx, "job created", "job", "abc") logs the
	// same line with the time; a zero-time record omits it.
	r := slog.NewRecord(time.Time{}, slog.LevelInfo, "job created", 0)
	r.AddAttrs(slog.String("job", "abc"))
	_ = h.Handle(ctx, r)
	// Output: {"level":"INFO","msg":"job created","job":"abc","correlation_id":"req-42"}
}

// Tracing is off unless an OTLP endpoint is configured.
func ExampleNewTracerProvider() {
	ctx := context.Background()
	tp, shutdown, err := telemetry.NewTracerProvider(ctx, "halcytone", "1.0.0", os.Getenv)
	if err != nil {
		panic(err)
	}
	defer func() { _ = shutdown(ctx) }()
	_, span := tp.Tracer("github.com/halcytone/halcytone").Start(ctx, "generate")
	defer span.End()
}
