package server

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
)

// dashPlainDoc is a standard update: type update, priority 3, not
// featured, no health terms, so the default policy puts it at level 1 and
// approves it at once.
const dashPlainDoc = "# News\n\n## [Updates] Updates\n\n### Firmware 1.5 is out\n\n" +
	"The new firmware pairs faster and adds a gentle vibration cue for the exhale.\n"

// dashPlain adds a level-1 document under ref, its text made unique by
// ref so that every job has its own content.
func dashPlain(ts *testServer, ref string) {
	ts.Source.AddText(ref, strings.Replace(dashPlainDoc, "pairs faster", "pairs faster ("+ref+")", 1), content.FormatMarkdown)
}

// dashSync creates a job through the API and returns it decoded.
func dashSync(t *testing.T, ts *testServer, body map[string]any, headers ...string) map[string]any {
	t.Helper()
	res := ts.do(t, http.MethodPost, "/api/v2/content/sync", ts.Admin, body, headers...)
	require.Equal(t, http.StatusAccepted, res.Status, "%s", res.Body)
	job := res.JSON(t)
	require.NotEmpty(t, job["job_id"])
	return job
}

// dashJob reads a job through the API.
func dashJob(t *testing.T, ts *testServer, id string) map[string]any {
	t.Helper()
	res := ts.do(t, http.MethodGet, "/api/v2/jobs/"+id, ts.Admin, nil)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	return res.JSON(t)
}

// dashRequireProblem checks status, the problem content type and a
// non-empty string detail, and returns the decoded body.
func dashRequireProblem(t *testing.T, res response, status int) map[string]any {
	t.Helper()
	require.Equal(t, status, res.Status, "%s", res.Body)
	require.True(t, strings.HasPrefix(res.Header.Get("Content-Type"), problemType), "content type %q: %s", res.Header.Get("Content-Type"), res.Body)
	b := res.JSON(t)
	d, _ := b["detail"].(string)
	require.NotEmpty(t, strings.TrimSpace(d), "detail: %s", res.Body)
	assert.Equal(t, "about:blank", b["type"], "type: %s", res.Body)
	assert.Equal(t, http.StatusText(status), b["title"], "title: %s", res.Body)
	assert.EqualValues(t, status, b["status"], "status: %s", res.Body)
	return b
}

func TestDashboardKeyForms(t *testing.T) {
	ts := newTestServer(t)
	read := ts.key(t, "dash-read", 0, ScopeRead)

	for name, headers := range map[string][]string{
		"bearer":           {"Authorization", "Bearer " + read},
		"quoted bearer":    {"Authorization", `Bearer "` + read + `"`},
		"lower-case":       {"Authorization", "bearer " + read},
		"X-API-Key":        {"X-API-Key", read},
		"quoted X-API-Key": {"X-API-Key", `"` + read + `"`},
	} {
		res := ts.do(t, http.MethodGet, "/api/v2/jobs", "", nil, headers...)
		assert.Equal(t, http.StatusOK, res.Status, "%s: %s", name, res.Body)
	}
	// Only one pair of quotes goes; a quote on one side is part of the key.
	dashRequireProblem(t, ts.do(t, http.MethodGet, "/api/v2/jobs", "", nil, "Authorization", `Bearer ""`+read+`""`), http.StatusUnauthorized)
	dashRequireProblem(t, ts.do(t, http.MethodGet, "/api/v2/jobs", "", nil, "Authorization", `Bearer "`+read), http.StatusUnauthorized)
}

func TestDashboardHealth(t *testing.T) {
	ts := newTestServer(t)
	read := ts.key(t, "dash-read", 0, ScopeRead)
	ctx := context.Background()
	revoked, ak, err := ts.Keys.Create(ctx, "dash-revoked", []string{ScopeRead}, 0)
	require.NoError(t, err)
	require.NoError(t, ts.Keys.Revoke(ctx, ak.ID))

	// The dashboard validates a key by calling /health with it.
	for name, headers := range map[string][]string{
		"no key":        nil,
		"valid key":     {"Authorization", "Bearer " + read},
		"quoted key":    {"Authorization", `Bearer "` + read + `"`},
		"X-API-Key":     {"X-API-Key", ts.Admin},
		"admin key":     {"Authorization", "Bearer " + ts.Admin},
		"no bearer key": {"Authorization", "Bearer "},
	} {
		res := ts.do(t, http.MethodGet, "/health", "", nil, headers...)
		require.Equal(t, http.StatusOK, res.Status, "%s: %s", name, res.Body)
		dashHealthShape(t, res)
	}
	for name, headers := range map[string][]string{
		"unknown key":           {"Authorization", "Bearer hk_" + strings.Repeat("0", 40)},
		"unknown X-API-Key":     {"X-API-Key", "not-a-key"},
		"revoked key":           {"Authorization", "Bearer " + revoked},
		"quoted unknown bearer": {"Authorization", `Bearer "nope"`},
	} {
		t.Run(name, func(t *testing.T) {
			dashRequireProblem(t, ts.do(t, http.MethodGet, "/health", "", nil, headers...), http.StatusUnauthorized)
		})
	}
}

// dashHealthShape checks the [dashboard] shape of a /health body.
func dashHealthShape(t *testing.T, res response) {
	t.Helper()
	b := res.JSON(t)
	assert.Contains(t, []any{"healthy", "degraded", "unhealthy"}, b["status"])
	dashRequireTime(t, "timestamp", b["timestamp"])
	up, ok := b["uptime"].(float64)
	assert.True(t, ok && up >= 0, "uptime in seconds: %v", b["uptime"])
	assert.Equal(t, "test", b["version"])
	checks, ok := b["checks"].(map[string]any)
	require.True(t, ok, "checks: %s", res.Body)
	db, ok := checks["database"].(map[string]any)
	require.True(t, ok, "checks.database: %s", res.Body)
	assert.Equal(t, "pass", db["status"])
	_, isString := db["message"].(string)
	assert.True(t, isString, "checks.database.message: %s", res.Body)
	lat, ok := db["latency_ms"].(float64)
	assert.True(t, ok && lat >= 0, "checks.database.latency_ms: %s", res.Body)
	for name, c := range checks {
		cm, ok := c.(map[string]any)
		require.True(t, ok, "checks.%s", name)
		assert.Contains(t, []any{"pass", "warn", "fail"}, cm["status"], "checks.%s.status", name)
	}
	dashNoNulls(t, "/health", res.Body)
}

// dashPreflightPaths are paths the preflight must answer, known or not.
func dashPreflightPaths() []string {
	return []string{"/api/v2/jobs", "/api/v2/jobs/job_123", "/api/v2/content/sync", "/api/v2/content/sync/job_123",
		"/api/v2/keys", "/health", "/metrics", "/ws/jobs", "/no/such/path", "/api/v2/nope", "/"}
}

func TestDashboardCORSPreflight(t *testing.T) {
	ts := newTestServer(t)
	for _, path := range dashPreflightPaths() {
		for _, method := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			res := ts.do(t, http.MethodOptions, path, "", nil,
				"Origin", "https://dashboard.example", "Access-Control-Request-Method", method,
				"Access-Control-Request-Headers", "authorization, content-type, idempotency-key")
			require.Less(t, res.Status, 300, "%s %s: %s", method, path, res.Body)
			assert.NotEqual(t, http.StatusNoContent, res.Status, "never 204")
			require.True(t, json.Valid(res.Body) && len(res.Body) > 0, "a JSON body: %q", res.Body)
			h := res.Header
			assert.Equal(t, "*", h.Get("Access-Control-Allow-Origin"), path)
			methods := dashList(h.Get("Access-Control-Allow-Methods"))
			for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
				assert.Contains(t, methods, m, "%s: allowed methods", path)
			}
			allowed := dashList(strings.ToLower(h.Get("Access-Control-Allow-Headers")))
			for _, hd := range []string{"authorization", "content-type", "x-api-key", "idempotency-key", "x-correlation-id"} {
				assert.Contains(t, allowed, hd, "%s: allowed headers", path)
			}
			assert.Equal(t, "600", h.Get("Access-Control-Max-Age"), path)
			assert.NotEmpty(t, h.Get("X-Correlation-ID"), path)
		}
	}
}

// dashList splits a comma-separated header value.
func dashList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func TestDashboardCORSOnErrors(t *testing.T) {
	ts := newTestServer(t)
	origin := []string{"Origin", "https://dashboard.example"}
	for name, res := range map[string]response{
		"200":     ts.do(t, http.MethodGet, "/api/v2/jobs", ts.Admin, nil, origin...),
		"401":     ts.do(t, http.MethodGet, "/api/v2/jobs", "", nil, origin...),
		"403":     ts.do(t, http.MethodPost, "/api/v2/content/sync", ts.key(t, "dash-read", 0, ScopeRead), map[string]any{"document_id": "sample:"}, origin...),
		"404":     ts.do(t, http.MethodGet, "/api/v2/no-such-route", ts.Admin, nil, origin...),
		"404 job": ts.do(t, http.MethodGet, "/api/v2/jobs/job_missing", ts.Admin, nil, origin...),
		"422":     ts.do(t, http.MethodGet, "/api/v2/jobs?limit=501", ts.Admin, nil, origin...),
		"413":     ts.do(t, http.MethodPost, "/api/v2/content/sync", ts.Admin, strings.Repeat(" ", DefaultBodyLimit+1), origin...),
	} {
		assert.Equal(t, "*", res.Header.Get("Access-Control-Allow-Origin"), "%s: %s", name, res.Body)
		assert.Contains(t, res.Header.Get("Access-Control-Expose-Headers"), "X-Correlation-ID", name)
		assert.Contains(t, res.Header.Get("Access-Control-Expose-Headers"), "Retry-After", name)
		assert.Equal(t, name[:3], strconv.Itoa(res.Status), "%s: %s", name, res.Body)
	}

	// With configured origins, only those are allowed, each by name.
	ts = newTestServer(t, func(c *Config) { c.AllowedOrigins = []string{"https://dashboard.example"} })
	res := ts.do(t, http.MethodGet, "/api/v2/jobs", "", nil, origin...)
	assert.Equal(t, "https://dashboard.example", res.Header.Get("Access-Control-Allow-Origin"))
	assert.Contains(t, res.Header.Values("Vary"), "Origin")
	res = ts.do(t, http.MethodGet, "/api/v2/jobs", "", nil, "Origin", "https://evil.example")
	assert.Empty(t, res.Header.Get("Access-Control-Allow-Origin"))
}

func TestDashboardCorrelationID(t *testing.T) {
	ts := newTestServer(t)
	type req struct {
		method, path, key string
		body              any
		headers           []string
	}
	reqs := map[string]req{
		"200":       {http.MethodGet, "/api/v2/jobs", ts.Admin, nil, nil},
		"202":       {http.MethodPost, "/api/v2/content/sync", ts.Admin, map[string]any{"document_id": "sample:"}, nil},
		"401":       {http.MethodGet, "/api/v2/jobs", "", nil, nil},
		"404":       {http.MethodGet, "/nope", "", nil, nil},
		"422":       {http.MethodGet, "/api/v2/jobs?limit=0", ts.Admin, nil, nil},
		"health":    {http.MethodGet, "/health", "", nil, nil},
		"metrics":   {http.MethodGet, "/metrics", "", nil, nil},
		"openapi":   {http.MethodGet, "/openapi.json", "", nil, nil},
		"preflight": {http.MethodOptions, "/api/v2/jobs", "", nil, []string{"Origin", "https://d.example", "Access-Control-Request-Method", "GET"}},
	}
	// An id that is not 1-128 characters of [A-Za-z0-9._:-] is replaced,
	// never echoed (no header injection, no unbounded log fields).
	for _, bad := range []string{strings.Repeat("a", 129), "has space", "semi;colon", "<script>"} {
		res := ts.do(t, http.MethodGet, "/health", "", nil, "X-Correlation-ID", bad)
		got := res.Header.Get("X-Correlation-ID")
		assert.NotEmpty(t, got)
		assert.NotEqual(t, bad, got)
	}
	seen := map[string]bool{}
	for name, r := range reqs {
		res := ts.do(t, r.method, r.path, r.key, r.body, append(slices.Clone(r.headers), "X-Correlation-ID", "dash-"+name)...)
		assert.Equal(t, "dash-"+name, res.Header.Get("X-Correlation-ID"), "%s: echoed", name)
		res = ts.do(t, r.method, r.path, r.key, r.body, r.headers...)
		id := res.Header.Get("X-Correlation-ID")
		assert.NotEmpty(t, id, "%s: generated", name)
		assert.False(t, seen[id], "%s: a new id for every request", name)
		seen[id] = true
	}
	// The id a job was created under is the job's correlation_id.
	job := dashSync(t, ts, map[string]any{"document_id": "sample:"}, "X-Correlation-ID", "dash-job-1")
	assert.Equal(t, "dash-job-1", job["correlation_id"])
}

func TestDashboardRateLimitHeaders(t *testing.T) {
	ts := newTestServer(t)
	key := ts.key(t, "dash-limited", 100, ScopeRead, ScopeWrite)
	big := strings.Repeat(" ", DefaultBodyLimit+1)
	for _, c := range []struct {
		method, path string
		body         any
		status       int
	}{
		{http.MethodGet, "/api/v2/jobs", nil, http.StatusOK},
		{http.MethodGet, "/api/v2/jobs/job_missing", nil, http.StatusNotFound},
		{http.MethodGet, "/api/v2/jobs?limit=501", nil, http.StatusUnprocessableEntity},
		{http.MethodGet, "/api/v2/keys", nil, http.StatusForbidden},
		{http.MethodGet, "/api/v2/no-such-route", nil, http.StatusNotFound},
		{http.MethodPost, "/api/v2/content/sync", map[string]any{"document_id": "sample:"}, http.StatusAccepted},
		{http.MethodPost, "/api/v2/content/sync", `{"document_id":`, http.StatusBadRequest},
		{http.MethodPost, "/api/v2/content/sync", big, http.StatusRequestEntityTooLarge},
	} {
		path := c.method + " " + c.path
		res := ts.do(t, c.method, c.path, key, c.body)
		require.Equal(t, c.status, res.Status, "%s: %s", path, res.Body)
		assert.Equal(t, "100", res.Header.Get("X-RateLimit-Limit"), "%s (%d)", path, res.Status)
		rem, err := strconv.Atoi(res.Header.Get("X-RateLimit-Remaining"))
		assert.NoError(t, err, path)
		assert.True(t, rem >= 0 && rem < 100, "%s: remaining %d", path, rem)
		reset, err := strconv.ParseInt(res.Header.Get("X-RateLimit-Reset"), 10, 64)
		assert.NoError(t, err, path)
		assert.GreaterOrEqual(t, reset, time.Now().Add(-time.Minute).Unix(), "%s: a Unix time", path)
	}
	// Outside /api/ there is no limit to report.
	res := ts.do(t, http.MethodGet, "/health", key, nil)
	assert.Empty(t, res.Header.Get("X-RateLimit-Limit"))
}

func TestDashboardRateLimitExceeded(t *testing.T) {
	ts := newTestServer(t)
	key := ts.key(t, "dash-two", 2, ScopeRead)
	for i, want := range []string{"1", "0"} {
		res := ts.do(t, http.MethodGet, "/api/v2/jobs", key, nil)
		require.Equal(t, http.StatusOK, res.Status, "call %d: %s", i+1, res.Body)
		assert.Equal(t, "2", res.Header.Get("X-RateLimit-Limit"))
		assert.Equal(t, want, res.Header.Get("X-RateLimit-Remaining"), "call %d", i+1)
	}
	res := ts.do(t, http.MethodGet, "/api/v2/jobs", key, nil, "Origin", "https://dashboard.example")
	dashRequireProblem(t, res, http.StatusTooManyRequests)
	retry, err := strconv.Atoi(res.Header.Get("Retry-After"))
	require.NoError(t, err, "Retry-After in seconds: %q", res.Header.Get("Retry-After"))
	assert.GreaterOrEqual(t, retry, 1)
	assert.LessOrEqual(t, retry, 60)
	assert.Equal(t, "2", res.Header.Get("X-RateLimit-Limit"))
	assert.Equal(t, "0", res.Header.Get("X-RateLimit-Remaining"))
	assert.NotEmpty(t, res.Header.Get("X-RateLimit-Reset"))
	assert.NotEmpty(t, res.Header.Get("X-Correlation-ID"))
	assert.Equal(t, "*", res.Header.Get("Access-Control-Allow-Origin"))

	// Other keys are not affected.
	assert.Equal(t, http.StatusOK, ts.do(t, http.MethodGet, "/api/v2/jobs", ts.Admin, nil).Status)
}

func TestDashboardJSONBodyOnEveryStatus(t *testing.T) {
	ts := newTestServer(t)
	dashPlain(ts, "mem:plain")
	read := ts.key(t, "dash-read", 0, ScopeRead)
	limited := ts.key(t, "dash-one", 1, ScopeRead)
	ts.do(t, http.MethodGet, "/api/v2/jobs", limited, nil)

	done := dashSync(t, ts, map[string]any{"document_id": "mem:plain", "channels": []string{"email"}})["job_id"].(string)
	ts.waitIdle(t)
	waiting := dashSync(t, ts, map[string]any{"document_id": "sample:", "channels": []string{"email"}})["job_id"].(string)
	sched := ts.do(t, http.MethodPost, "/api/v2/schedules", ts.Admin, map[string]any{"name": "w", "cron": "0 10 * * TUE", "document_id": "sample:"})
	require.Equal(t, http.StatusCreated, sched.Status, "%s", sched.Body)
	schedID := sched.JSON(t)["id"].(string)
	_, ak, err := ts.Keys.Create(context.Background(), "dash-doomed", []string{ScopeRead}, 0)
	require.NoError(t, err)

	type call struct {
		method, path, key string
		body              any
		status            int
	}
	calls := []call{
		{http.MethodGet, "/no/such/path", "", nil, http.StatusNotFound},
		{http.MethodGet, "/api/v2/no-such-route", ts.Admin, nil, http.StatusNotFound},
		{http.MethodPut, "/api/v2/jobs", ts.Admin, map[string]any{}, 0},           // no such method: 404 or 405
		{http.MethodPatch, "/api/v2/jobs/" + done, ts.Admin, map[string]any{}, 0}, // no such method: 404 or 405
		{http.MethodGet, "/api/v2/jobs/job_missing", ts.Admin, nil, http.StatusNotFound},
		{http.MethodPost, "/api/v2/content/sync", ts.Admin, map[string]any{"document_id": "sample:"}, http.StatusAccepted},
		{http.MethodPost, "/api/v2/keys", ts.Admin, map[string]any{"name": "k", "scopes": []string{"read"}}, http.StatusCreated},
		{http.MethodDelete, "/api/v2/content/sync/" + waiting, ts.Admin, nil, http.StatusOK},
		{http.MethodDelete, "/api/v2/content/sync/" + done, ts.Admin, nil, http.StatusConflict},
		{http.MethodDelete, "/api/v2/content/sync/job_missing", ts.Admin, nil, http.StatusNotFound},
		{http.MethodDelete, "/api/v2/schedules/" + schedID, ts.Admin, nil, http.StatusOK},
		{http.MethodDelete, "/api/v2/schedules/" + schedID, ts.Admin, nil, http.StatusNotFound},
		{http.MethodDelete, "/api/v2/keys/" + ak.ID, ts.Admin, nil, http.StatusOK},
		{http.MethodDelete, "/api/v2/webhooks/wh_missing", ts.Admin, nil, http.StatusNotFound},
		{http.MethodPost, "/api/v2/cache/clear", ts.Admin, nil, http.StatusOK},
		{http.MethodGet, "/api/v2/jobs", "", nil, http.StatusUnauthorized},
		{http.MethodPost, "/api/v2/content/sync", read, map[string]any{"document_id": "sample:"}, http.StatusForbidden},
		{http.MethodGet, "/api/v2/jobs", limited, nil, http.StatusTooManyRequests},
		{http.MethodGet, "/api/v2/jobs?limit=501", ts.Admin, nil, http.StatusUnprocessableEntity},
		{http.MethodPost, "/api/v2/jobs/" + done + "/retry", ts.Admin, nil, http.StatusConflict},
		{http.MethodPost, "/api/v2/content/sync", ts.Admin, strings.Repeat(" ", DefaultBodyLimit+1), http.StatusRequestEntityTooLarge},
		{http.MethodGet, "/health", "", nil, http.StatusOK},
		{http.MethodGet, "/ready", "", nil, http.StatusOK},
		{http.MethodGet, "/live", "", nil, http.StatusOK},
		{http.MethodGet, "/metrics", "", nil, http.StatusOK},
		{http.MethodOptions, "/api/v2/jobs", "", nil, 0}, // not a preflight
	}
	for _, c := range calls {
		res := ts.do(t, c.method, c.path, c.key, c.body)
		name := c.method + " " + c.path
		if c.status != 0 {
			assert.Equal(t, c.status, res.Status, "%s: %s", name, res.Body)
		} else {
			assert.GreaterOrEqual(t, res.Status, 400, "%s: %s", name, res.Body)
		}
		assert.NotEqual(t, http.StatusNoContent, res.Status, name)
		require.NotEmpty(t, res.Body, "%s: never an empty body", name)
		assert.True(t, json.Valid(res.Body), "%s: a JSON body: %q", name, res.Body)
		if res.Status >= 400 {
			dashRequireProblem(t, res, res.Status)
		} else {
			assert.True(t, strings.HasPrefix(res.Header.Get("Content-Type"), "application/json"), "%s: %s", name, res.Header.Get("Content-Type"))
		}
	}
}

// dashNoNulls fails for every JSON null in body, at any depth.
func dashNoNulls(t *testing.T, what string, body []byte) {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(body, &v), "%s: %s", what, body)
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case nil:
			assert.Fail(t, "a JSON null", "%s: null at %s", what, path)
		case map[string]any:
			for k, e := range x {
				walk(path+"."+k, e)
			}
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), e)
			}
		}
	}
	walk("$", v)
}

// dashTimeRE is an RFC 3339 time in UTC written with a Z.
var dashTimeRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$`)

// dashRequireTime checks that v is an RFC 3339 UTC time with a Z.
func dashRequireTime(t *testing.T, what string, v any) {
	t.Helper()
	s, ok := v.(string)
	if assert.True(t, ok, "%s: a string time, not %T %v", what, v, v) {
		assert.Regexp(t, dashTimeRE, s, what)
		_, err := time.Parse(time.RFC3339Nano, s)
		assert.NoError(t, err, what)
	}
}

// dashTimeKey reports whether a JSON key names a time.
func dashTimeKey(k string) bool {
	return k == "timestamp" || k == "at" || k == "next_run" || k == "last_run" ||
		strings.HasSuffix(k, "_at") || strings.HasSuffix(k, "_for") || k == "optimal_publish_time"
}

// dashTimesUTC checks every value whose key names a time, at any depth,
// and returns how many it checked.
func dashTimesUTC(t *testing.T, what string, body []byte) int {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(body, &v))
	n := 0
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if _, isString := e.(string); isString && dashTimeKey(k) {
					dashRequireTime(t, what+" "+path+"."+k, e)
					n++
				}
				walk(path+"."+k, e)
			}
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), e)
			}
		}
	}
	walk("$", v)
	return n
}

// dashMixedJobs creates a completed, a failed, an awaiting, a cancelled
// and a scheduled job, and returns their ids by status. The scheduled one
// stays queued: cancel it before waiting for the queue to be idle.
func dashMixedJobs(t *testing.T, ts *testServer) map[string]string {
	t.Helper()
	ids := map[string]string{}
	dashPlain(ts, "mem:ok")
	ids["completed"] = dashSync(t, ts, map[string]any{"document_id": "mem:ok", "channels": []string{"email", "web"}})["job_id"].(string)
	ts.waitIdle(t)
	ts.Pubs[content.ChannelEmail].FailNext(content.Errorf(content.Permanent, "test", "mailbox on fire"))
	dashPlain(ts, "mem:bad")
	ids["failed"] = dashSync(t, ts, map[string]any{"document_id": "mem:bad", "channels": []string{"email"}})["job_id"].(string)
	ts.waitIdle(t)
	ids["awaiting_approval"] = dashSync(t, ts, map[string]any{"document_id": "sample:", "channels": []string{"email"}})["job_id"].(string)
	ids["cancelled"] = dashSync(t, ts, map[string]any{"document_id": "sample:", "channels": []string{"twitter"}})["job_id"].(string)
	res := ts.do(t, http.MethodDelete, "/api/v2/content/sync/"+ids["cancelled"], ts.Admin, nil)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	dashPlain(ts, "mem:later")
	ids["scheduled"] = dashSync(t, ts, map[string]any{"document_id": "mem:later", "channels": []string{"email"}, "schedule_time": dashLater + "T10:00"})["job_id"].(string)
	for status, id := range ids {
		require.Equal(t, status, dashJob(t, ts, id)["status"], "job %s", id)
	}
	return ids
}

func TestDashboardNoNullsAndUTCTimes(t *testing.T) {
	ts := newTestServer(t)
	ids := dashMixedJobs(t, ts)
	today := time.Now().UTC().Format(time.DateOnly)
	_, err := ts.cachedPreview(context.Background(), "mem:ok", "", "")
	require.NoError(t, err)

	type call struct {
		method, path string
		body         any
		headers      []string
	}
	calls := []call{
		{http.MethodGet, "/api/v2/jobs", nil, nil},
		{http.MethodGet, "/api/v2/jobs?status=failed,completed&limit=5", nil, nil},
		{http.MethodGet, "/api/v2/analytics", nil, nil},
		{http.MethodGet, "/api/v2/analytics?start_date=" + today + "&end_date=" + today + "&granularity=hour", nil, nil},
		{http.MethodGet, "/api/v2/analytics/jobs", nil, nil},
		{http.MethodGet, "/api/v2/cache/stats", nil, nil},
		{http.MethodGet, "/metrics", nil, nil},
		{http.MethodGet, "/metrics", nil, []string{"Accept", "application/json"}},
		{http.MethodGet, "/health", nil, nil},
		{http.MethodGet, "/ready", nil, nil},
		{http.MethodGet, "/api/v2/approvals", nil, nil},
		{http.MethodGet, "/api/v1/preview?document_id=mem:ok", nil, nil},
		{http.MethodPost, "/api/v2/generate-content", map[string]any{"document_id": "mem:ok", "preview_only": true}, nil},
		{http.MethodPost, "/api/v2/generate-content", map[string]any{"document_id": "sample:", "preview_only": true, "channels": []string{"email", "web", "twitter", "linkedin"}}, nil},
		{http.MethodPost, "/api/v2/generate-content", map[string]any{"content": map[string]any{"type": "update", "title": "Hello there", "content": "A short body."}, "preview_only": true}, nil},
		{http.MethodPost, "/api/v2/validate-content", map[string]any{"content": map[string]any{"type": "blog", "title": "x"}}, nil},
		{http.MethodPost, "/api/v2/cache/invalidate", map[string]any{"pattern": "*"}, nil},
	}
	for _, id := range ids {
		calls = append(calls, call{http.MethodGet, "/api/v2/jobs/" + id, nil, nil})
	}
	// Our own endpoints follow the same rules.
	awaiting := dashJob(t, ts, ids["awaiting_approval"])
	approvalID := awaiting["approval"].(map[string]any)["request_id"].(string)
	batch := ts.do(t, http.MethodPost, "/api/v2/batch/generate", ts.Admin, map[string]any{"requests": []map[string]any{{"document_id": "sample:", "channels": []string{"email"}}}})
	require.Less(t, batch.Status, 300, "%s", batch.Body)
	sched := ts.do(t, http.MethodPost, "/api/v2/schedules", ts.Admin, map[string]any{"name": "w", "cron": "0 10 * * TUE", "document_id": "sample:"})
	require.Equal(t, http.StatusCreated, sched.Status, "%s", sched.Body)
	calls = append(calls,
		call{http.MethodGet, "/api/v2/approvals/" + approvalID, nil, nil},
		call{http.MethodGet, "/api/v2/batch/" + batch.JSON(t)["batch_id"].(string), nil, nil},
		call{http.MethodGet, "/api/v2/schedules", nil, nil},
		call{http.MethodGet, "/api/v2/schedules/" + sched.JSON(t)["id"].(string), nil, nil},
		call{http.MethodGet, "/api/v2/keys", nil, nil},
		call{http.MethodGet, "/api/v2/webhooks", nil, nil},
		call{http.MethodGet, "/api/v2/sessions/live", nil, nil},
		call{http.MethodGet, "/api/v2/content-types", nil, nil},
		call{http.MethodGet, "/api/v2/validation-rules", nil, nil},
		call{http.MethodGet, "/api/v2/templates", nil, nil},
		call{http.MethodGet, "/live", nil, nil},
		call{http.MethodPost, "/api/v2/session-summary", map[string]any{"content": map[string]any{"title": "Evening calm", "content": "We practised the long exhale.", "session_id": "s-1", "session_duration": 1800, "participant_count": 12}}, nil},
		call{http.MethodPost, "/api/v2/content/validate", map[string]any{"content": map[string]any{"format": "markdown", "text": dashPlainDoc}, "strict": true}, nil},
	)
	times := 0
	for _, c := range calls {
		name := c.method + " " + c.path
		res := ts.do(t, c.method, c.path, ts.Admin, c.body, c.headers...)
		require.Less(t, res.Status, 300, "%s: %s", name, res.Body)
		dashNoNulls(t, name, res.Body)
		times += dashTimesUTC(t, name, res.Body)
	}
	assert.Greater(t, times, 20, "times were found and checked")

	// Every job has created_at and updated_at; finished ones their
	// start, end and result times; scheduled ones scheduled_for.
	for status, id := range ids {
		job := dashJob(t, ts, id)
		dashRequireTime(t, status+" created_at", job["created_at"])
		dashRequireTime(t, status+" updated_at", job["updated_at"])
		switch status {
		case "completed", "failed":
			dashRequireTime(t, status+" started_at", job["started_at"])
			dashRequireTime(t, status+" completed_at", job["completed_at"])
			results, ok := job["results"].(map[string]any)
			require.True(t, ok, "%s: results", status)
			for ch, r := range results {
				dashRequireTime(t, status+" results."+ch+".timestamp", r.(map[string]any)["timestamp"])
			}
		case "scheduled":
			assert.Equal(t, dashLater+"T10:00:00Z", job["scheduled_for"], "a local time in the server's zone (UTC here)")
		}
	}

	// A local schedule_time is read in the configured zone and answered
	// in UTC.
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	ts = newTestServer(t, func(c *Config) { c.Location = ny })
	day := dashLater
	local, err := time.ParseInLocation(time.DateOnly, day, ny)
	require.NoError(t, err)
	_, offset := local.Add(10 * time.Hour).Zone() // -5 h, or -4 h in summer
	job := dashSync(t, ts, map[string]any{"document_id": "sample:", "schedule_time": day + "T10:00"})
	assert.Equal(t, local.Add(10*time.Hour).UTC().Format(time.RFC3339), job["scheduled_for"])
	assert.Contains(t, []int{-5 * 3600, -4 * 3600}, offset)
	job = dashSync(t, ts, map[string]any{"document_id": "sample:", "schedule_time": day + "T10:00:00+02:00"})
	assert.Equal(t, day+"T08:00:00Z", job["scheduled_for"])

	// Further ahead than content may be scheduled, or past the years RFC
	// 3339 can write once in UTC (a job that once broke every jobs list
	// showing it): refused, naming the field.
	for _, at := range []string{time.Now().AddDate(1, 1, 0).Format(time.RFC3339), "9999-12-31T23:59:59-23:59", "0000-01-01T00:00:00+23:59"} {
		res := ts.do(t, http.MethodPost, "/api/v2/content/sync", ts.Admin, map[string]any{"document_id": "sample:", "schedule_time": at})
		p := secRequireStatusProblem(t, res, http.StatusUnprocessableEntity)
		assert.Contains(t, p.locations(), "schedule_time", "%s: %s", at, res.Body)
		assert.NotContains(t, p.locations(), "neither RFC 3339", "%s: the message says what is wrong", at)
		res = ts.do(t, http.MethodPost, "/api/v2/generate-content", ts.Admin, map[string]any{"document_id": "sample:", "publish_at": at})
		p = secRequireStatusProblem(t, res, http.StatusUnprocessableEntity)
		assert.Contains(t, p.locations(), "publish_at", "%s: %s", at, res.Body)
	}
	res := ts.do(t, http.MethodGet, "/api/v2/jobs", ts.Admin, nil)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
}

// dashLater is a day about three months ahead, as YYYY-MM-DD: a
// schedule_time on it is in the future and within the year ahead that
// jobs may be scheduled. It is fixed once, so that a test running across
// midnight compares the day it scheduled on.
var dashLater = time.Now().AddDate(0, 3, 0).Format(time.DateOnly)

func TestDashboardUnits(t *testing.T) {
	ts := newTestServer(t)
	dashMixedJobs(t, ts)
	// Some errors and cache traffic for the rates to count.
	ts.do(t, http.MethodGet, "/api/v2/jobs/job_missing", ts.Admin, nil)
	ts.do(t, http.MethodGet, "/api/v1/preview?document_id=mem:ok", ts.Admin, nil)
	ts.do(t, http.MethodGet, "/api/v1/preview?document_id=mem:ok", ts.Admin, nil)

	frac := func(what string, v any) {
		t.Helper()
		f, ok := v.(float64)
		if assert.True(t, ok, "%s: a number, not %T", what, v) {
			assert.True(t, f >= 0 && f <= 1, "%s = %v: a fraction 0-1", what, f)
		}
	}
	m := ts.do(t, http.MethodGet, "/metrics", "", nil).JSON(t)
	for _, k := range []string{"requests_total", "requests_per_second", "avg_response_time_ms", "error_rate", "cache_hit_rate", "active_jobs", "queue_size"} {
		_, ok := m[k].(float64)
		assert.True(t, ok, "/metrics %s: a number: %v", k, m[k])
	}
	frac("/metrics error_rate", m["error_rate"])
	frac("/metrics cache_hit_rate", m["cache_hit_rate"])
	assert.Positive(t, m["cache_hit_rate"], "the second preview was a hit")

	cs := ts.do(t, http.MethodGet, "/api/v2/cache/stats", ts.Admin, nil).JSON(t)
	frac("cache hit_rate", cs["hit_rate"])
	frac("cache miss_rate", cs["miss_rate"])
	for name, tg := range cs["cache_targets"].(map[string]any) {
		frac("cache_targets."+name+".hit_rate", tg.(map[string]any)["hit_rate"])
	}

	a := ts.do(t, http.MethodGet, "/api/v2/analytics", ts.Admin, nil).JSON(t)
	ja := a["job_analytics"].(map[string]any)
	sr, ok := ja["success_rate"].(float64)
	require.True(t, ok)
	assert.InDelta(t, 50, sr, 0.01, "job_analytics.success_rate is a percentage: 1 completed, 1 failed")
	pm := a["performance_metrics"].(map[string]any)
	frac("performance_metrics.error_rate", pm["error_rate"])
	frac("performance_metrics.success_rate", pm["success_rate"])
	for ch, cp := range a["channel_performance"].(map[string]any) {
		frac("channel_performance."+ch+".success_rate", cp.(map[string]any)["success_rate"])
	}
	jo := ts.do(t, http.MethodGet, "/api/v2/analytics/jobs", ts.Admin, nil).JSON(t)
	assert.InDelta(t, 50, jo["success_rate"], 0.01, "/analytics/jobs is job_analytics alone")
}

func TestDashboardChannelSpelling(t *testing.T) {
	ts := newTestServer(t)
	dashPlain(ts, "mem:plain")
	job := dashSync(t, ts, map[string]any{"document_id": "mem:plain", "channels": []string{"web", "social_twitter", "email"}})
	id := job["job_id"].(string)
	assert.Equal(t, []any{"web", "social_twitter", "email"}, job["channels"])
	if ap, ok := job["approval"].(map[string]any); ok {
		assert.EqualValues(t, 1, ap["level"], "a standard update is level 1: %v", ap)
	}
	ts.waitIdle(t)

	got := dashJob(t, ts, id)
	require.Equal(t, "completed", got["status"], "%v", got)
	assert.Equal(t, []any{"web", "social_twitter", "email"}, got["channels"])
	results, ok := got["results"].(map[string]any)
	require.True(t, ok, "%v", got)
	assert.ElementsMatch(t, []string{"web", "social_twitter", "email"}, slices.Collect(maps.Keys(results)), "result keys as the request spelled them")
	for ch, r := range results {
		assert.Equal(t, "success", r.(map[string]any)["status"], ch)
	}
	assert.Len(t, ts.Pubs[content.ChannelWebsite].Published(), 1)
	assert.Len(t, ts.Pubs[content.ChannelTwitter].Published(), 1)
	assert.Len(t, ts.Pubs[content.ChannelEmail].Published(), 1)

	// The list reports them the same way.
	list := ts.do(t, http.MethodGet, "/api/v2/jobs", ts.Admin, nil).JSON(t)
	first := list["jobs"].([]any)[0].(map[string]any)
	assert.Equal(t, []any{"web", "social_twitter", "email"}, first["channels"])
}

func TestDashboardCancelAndRetry(t *testing.T) {
	ts := newTestServer(t)
	ids := dashMixedJobs(t, ts)

	// Cancelling a finished job: 409 with cancelled false.
	for _, status := range []string{"completed", "failed", "cancelled"} {
		res := ts.do(t, http.MethodDelete, "/api/v2/content/sync/"+ids[status], ts.Admin, nil)
		b := dashRequireProblem(t, res, http.StatusConflict)
		assert.Equal(t, false, b["cancelled"], status)
		assert.Equal(t, ids[status], b["job_id"], status)
	}
	dashRequireProblem(t, ts.do(t, http.MethodDelete, "/api/v2/content/sync/job_missing", ts.Admin, nil), http.StatusNotFound)
	// Cancelling an unfinished one.
	res := ts.do(t, http.MethodDelete, "/api/v2/content/sync/"+ids["scheduled"], ts.Admin, nil)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	assert.JSONEq(t, `{"cancelled":true,"job_id":"`+ids["scheduled"]+`"}`, string(res.Body))
	assert.Equal(t, "cancelled", dashJob(t, ts, ids["scheduled"])["status"])

	// Retry: 409 unless failed or partial.
	for _, status := range []string{"completed", "cancelled", "awaiting_approval"} {
		dashRequireProblem(t, ts.do(t, http.MethodPost, "/api/v2/jobs/"+ids[status]+"/retry", ts.Admin, nil), http.StatusConflict)
	}
	dashRequireProblem(t, ts.do(t, http.MethodPost, "/api/v2/jobs/job_missing/retry", ts.Admin, nil), http.StatusNotFound)
	res = ts.do(t, http.MethodPost, "/api/v2/jobs/"+ids["failed"]+"/retry", ts.Admin, nil)
	require.Equal(t, http.StatusAccepted, res.Status, "%s", res.Body)
	dashNoNulls(t, "retry", res.Body)
	retried := res.JSON(t)
	newID, _ := retried["job_id"].(string)
	require.NotEmpty(t, newID)
	assert.NotEqual(t, ids["failed"], newID)
	md, _ := retried["metadata"].(map[string]any)
	assert.Equal(t, ids["failed"], md["retry_of"], "metadata.retry_of names the original: %s", res.Body)
	assert.Equal(t, []any{"email"}, retried["channels"])
	ts.waitIdle(t)
	assert.Equal(t, "completed", dashJob(t, ts, newID)["status"], "the failure was a one-off")
	assert.Equal(t, "failed", dashJob(t, ts, ids["failed"])["status"], "the original stays as it was")

	// A partial job may be retried too.
	ts.Pubs[content.ChannelEmail].FailNext(content.Errorf(content.Permanent, "test", "mailbox on fire"))
	dashPlain(ts, "mem:partial")
	partial := dashSync(t, ts, map[string]any{"document_id": "mem:partial", "channels": []string{"email", "web"}})["job_id"].(string)
	ts.waitIdle(t)
	require.Equal(t, "partial", dashJob(t, ts, partial)["status"])
	res = ts.do(t, http.MethodPost, "/api/v2/jobs/"+partial+"/retry", ts.Admin, nil)
	require.Equal(t, http.StatusAccepted, res.Status, "%s", res.Body)
	md, _ = res.JSON(t)["metadata"].(map[string]any)
	assert.Equal(t, partial, md["retry_of"])
}

func TestDashboardJobListPaging(t *testing.T) {
	ts := newTestServer(t)
	var created []string
	for i := range 23 {
		job := dashSync(t, ts, map[string]any{"document_id": "sample:", "channels": []string{"email"}, "metadata": map[string]any{"n": i}})
		created = append(created, job["job_id"].(string))
	}
	newestFirst := slices.Clone(created)
	slices.Reverse(newestFirst)

	type page struct {
		Jobs     []SyncJob `json:"jobs"`
		Total    int       `json:"total"`
		Page     int       `json:"page"`
		PageSize int       `json:"page_size"`
	}
	get := func(query string) page {
		t.Helper()
		res := ts.do(t, http.MethodGet, "/api/v2/jobs"+query, ts.Admin, nil)
		require.Equal(t, http.StatusOK, res.Status, "%s: %s", query, res.Body)
		var p page
		res.JSON(t, &p)
		return p
	}
	ids := func(p page) []string {
		var out []string
		for _, j := range p.Jobs {
			out = append(out, j.JobID)
		}
		return out
	}

	p := get("")
	assert.Equal(t, 23, p.Total)
	assert.Equal(t, 1, p.Page)
	assert.Equal(t, 20, p.PageSize, "limit defaults to 20")
	assert.Equal(t, newestFirst[:20], ids(p), "newest first")
	for i := 1; i < len(p.Jobs); i++ {
		assert.False(t, p.Jobs[i].CreatedAt.After(p.Jobs[i-1].CreatedAt), "created_at never increases down the list")
	}

	p = get("?limit=5&offset=10")
	assert.Equal(t, 23, p.Total)
	assert.Equal(t, 3, p.Page)
	assert.Equal(t, 5, p.PageSize)
	assert.Equal(t, newestFirst[10:15], ids(p))

	p = get("?limit=5&offset=20")
	assert.Equal(t, 5, p.Page)
	assert.Equal(t, newestFirst[20:], ids(p))

	p = get("?limit=500&offset=100")
	assert.Equal(t, 23, p.Total)
	assert.Empty(t, p.Jobs)
	assert.NotNil(t, p.Jobs, "an empty list, not null")

	for _, q := range []string{"?limit=501", "?limit=0", "?limit=-1", "?offset=-1", "?limit=abc", "?status=bogus"} {
		b := dashRequireProblem(t, ts.do(t, http.MethodGet, "/api/v2/jobs"+q, ts.Admin, nil), http.StatusUnprocessableEntity)
		param := strings.TrimPrefix(strings.SplitN(q, "=", 2)[0], "?")
		assert.Contains(t, fmt.Sprint(b["errors"]), param, "%s: the problem names the parameter", q)
	}
}

func TestDashboardIdempotencyKey(t *testing.T) {
	ts := newTestServer(t)
	body := map[string]any{"document_id": "sample:", "channels": []string{"email"}}
	first := dashSync(t, ts, body, "Idempotency-Key", "dash-idem-1")
	again := dashSync(t, ts, body, "Idempotency-Key", "dash-idem-1")
	assert.Equal(t, first["job_id"], again["job_id"], "a retried call returns the same job")
	other := dashSync(t, ts, body, "Idempotency-Key", "dash-idem-2")
	assert.NotEqual(t, first["job_id"], other["job_id"])
	plain := dashSync(t, ts, body)
	assert.NotEqual(t, first["job_id"], plain["job_id"])

	list := ts.do(t, http.MethodGet, "/api/v2/jobs", ts.Admin, nil).JSON(t)
	assert.EqualValues(t, 3, list["total"], "the retried call created nothing")
}
