package server

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/halcytone/halcytone/store"
)

// Check is one health and readiness check, such as the queue or the
// publishers. Run returns nil when healthy; a Required check that fails
// makes the server unhealthy and not ready, another one degraded.
type Check struct {
	Name     string
	Required bool
	Run      func(ctx context.Context) error
}

// checkTimeout bounds each check.
const checkTimeout = 2 * time.Second

// CheckResult is one check in /health.
type CheckResult struct {
	Status    string  `json:"status" enum:"pass,warn,fail"`
	Message   string  `json:"message"`
	LatencyMS float64 `json:"latency_ms"`
}

// HealthBody is the /health response.
type HealthBody struct {
	Status    string                 `json:"status" enum:"healthy,degraded,unhealthy"`
	Timestamp time.Time              `json:"timestamp"`
	Uptime    float64                `json:"uptime" doc:"seconds since start"`
	Version   string                 `json:"version"`
	Checks    map[string]CheckResult `json:"checks"`
}

// ReadyCheck is one check in /ready.
type ReadyCheck struct {
	Name     string `json:"name"`
	Ready    bool   `json:"ready"`
	Message  string `json:"message"`
	Required bool   `json:"required"`
}

// ReadyBody is the /ready response.
type ReadyBody struct {
	Ready  bool         `json:"ready"`
	Checks []ReadyCheck `json:"checks"`
}

type statusOutput[T any] struct {
	Status int
	Body   T
}

// checks returns every check: the database first, then Config.Checks.
func (s *Server) checks() []Check {
	db := Check{Name: "database", Required: true, Run: func(ctx context.Context) error {
		_, err := s.store.ListJobs(ctx, store.JobFilter{Limit: 1})
		return err
	}}
	return append([]Check{db}, s.cfg.Checks...)
}

type checkOutcome struct {
	check Check
	err   error
	took  time.Duration
}

// checkTTL is how long check outcomes are reused: /health is polled
// often, and each run of the checks queries the database.
const checkTTL = time.Second

// healthCache keeps the last outcomes of the checks.
type healthCache struct {
	mu       sync.Mutex
	at       time.Time
	outcomes []checkOutcome
}

// cachedChecks returns outcomes at most checkTTL old; one caller at a time
// runs the checks, the others wait for its result.
func (s *Server) cachedChecks(ctx context.Context) []checkOutcome {
	h := &s.health
	h.mu.Lock()
	defer h.mu.Unlock()
	if now := time.Now(); h.outcomes != nil && now.Sub(h.at) < checkTTL {
		return h.outcomes
	}
	h.outcomes, h.at = s.runChecks(ctx), time.Now()
	return h.outcomes
}

func (s *Server) runChecks(ctx context.Context) []checkOutcome {
	cs := s.checks()
	out := make([]checkOutcome, len(cs))
	done := make(chan struct{}, len(cs))
	for i, c := range cs {
		go func() {
			cctx, cancel := context.WithTimeout(ctx, checkTimeout)
			defer cancel()
			t0 := time.Now()
			err := c.Run(cctx)
			out[i] = checkOutcome{check: c, err: err, took: time.Since(t0)}
			done <- struct{}{}
		}()
	}
	for range cs {
		<-done
	}
	return out
}

func (s *Server) registerHealth() {
	huma.Register(s.api, huma.Operation{
		OperationID: "health", Method: http.MethodGet, Path: "/health", Tags: []string{"health"},
		Summary:     "Health of the server and its dependencies",
		Description: "200 when healthy or degraded, 503 when unhealthy. 401 when an invalid API key is presented.",
	}, func(ctx context.Context, _ *struct{}) (*statusOutput[HealthBody], error) {
		body := HealthBody{Status: "healthy", Timestamp: s.now().UTC(), Uptime: s.now().Sub(s.started).Seconds(), Version: versionOr(s.cfg.Version), Checks: map[string]CheckResult{}}
		for _, o := range s.cachedChecks(ctx) {
			r := CheckResult{Status: "pass", Message: "ok", LatencyMS: float64(o.took.Microseconds()) / 1000}
			if o.err != nil {
				r.Status, r.Message = "warn", o.err.Error()
				if o.check.Required {
					r.Status, body.Status = "fail", "unhealthy"
				} else if body.Status == "healthy" {
					body.Status = "degraded"
				}
			}
			body.Checks[o.check.Name] = r
		}
		status := http.StatusOK
		if body.Status == "unhealthy" {
			status = http.StatusServiceUnavailable
		}
		return &statusOutput[HealthBody]{Status: status, Body: body}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "ready", Method: http.MethodGet, Path: "/ready", Tags: []string{"health"},
		Summary: "Readiness: 503 until every required check passes",
	}, func(ctx context.Context, _ *struct{}) (*statusOutput[ReadyBody], error) {
		body := ReadyBody{Ready: true, Checks: []ReadyCheck{}}
		for _, o := range s.cachedChecks(ctx) {
			rc := ReadyCheck{Name: o.check.Name, Ready: o.err == nil, Message: "ok", Required: o.check.Required}
			if o.err != nil {
				rc.Message = o.err.Error()
				if o.check.Required {
					body.Ready = false
				}
			}
			body.Checks = append(body.Checks, rc)
		}
		status := http.StatusOK
		if !body.Ready {
			status = http.StatusServiceUnavailable
		}
		return &statusOutput[ReadyBody]{Status: status, Body: body}, nil
	})

	type liveStatus struct {
		Alive  bool    `json:"alive"`
		Uptime float64 `json:"uptime" doc:"seconds since start"`
	}
	huma.Register(s.api, huma.Operation{
		OperationID: "live", Method: http.MethodGet, Path: "/live", Tags: []string{"health"},
		Summary: "Liveness",
	}, func(ctx context.Context, _ *struct{}) (*struct{ Body liveStatus }, error) {
		return &struct{ Body liveStatus }{liveStatus{Alive: true, Uptime: s.now().Sub(s.started).Seconds()}}, nil
	})

	prom := s.cfg.Metrics.Handler()
	s.mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		accept := r.Header.Get("Accept")
		if strings.Contains(accept, "text/plain") || strings.Contains(accept, "application/openmetrics-text") {
			prom.ServeHTTP(w, r)
			return
		}
		writeJSON(w, http.StatusOK, s.metricsJSON(r.Context()))
	})
}

// MetricsJSON is the JSON form of /metrics, for the dashboard.
type MetricsJSON struct {
	RequestsTotal     int64   `json:"requests_total"`
	RequestsPerSecond float64 `json:"requests_per_second"`
	AvgResponseTimeMS float64 `json:"avg_response_time_ms"`
	ErrorRate         float64 `json:"error_rate"`
	CacheHitRate      float64 `json:"cache_hit_rate"`
	ActiveJobs        int     `json:"active_jobs"`
	QueueSize         int     `json:"queue_size"`
}

func (s *Server) metricsJSON(ctx context.Context) MetricsJSON {
	snap := s.stats.snapshot(s.now())
	m := MetricsJSON{
		RequestsTotal: snap.Total, RequestsPerSecond: snap.PerSecond, AvgResponseTimeMS: snap.AvgMS,
		ErrorRate: snap.ErrorRate, CacheHitRate: s.cacheHitRate(),
	}
	count := func(st ...store.JobStatus) int {
		p, err := s.store.ListJobs(ctx, store.JobFilter{Statuses: st, Limit: 1})
		if err != nil {
			return 0
		}
		return p.Total
	}
	m.ActiveJobs = count(store.JobInProgress)
	m.QueueSize = count(store.JobPending, store.JobScheduled)
	return m
}
