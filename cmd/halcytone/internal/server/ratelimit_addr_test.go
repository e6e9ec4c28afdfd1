package server

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAddressLimits: API.md puts X-RateLimit-* on every /api/* response.
// Requests without a valid key, and cache webhook calls, draw on a budget
// per client address, which their answers report; past it they get 429
// with Retry-After. A valid key keeps its own budget.
func TestAddressLimits(t *testing.T) {
	ts := newTestServer(t)
	ts.Keys.SetAddressLimits(3, 2)
	requireHeaders := func(res response, limit, remaining string) {
		t.Helper()
		assert.Equal(t, limit, res.Header.Get("X-RateLimit-Limit"), "%d %s", res.Status, res.Body)
		assert.Equal(t, remaining, res.Header.Get("X-RateLimit-Remaining"), "%d %s", res.Status, res.Body)
		assert.NotEmpty(t, res.Header.Get("X-RateLimit-Reset"))
	}

	// A preflight reads the budget without taking from it.
	pre := ts.do(t, http.MethodOptions, "/api/v2/jobs", "", nil, "Origin", "https://dash.example", "Access-Control-Request-Method", "GET")
	require.Equal(t, http.StatusOK, pre.Status)
	requireHeaders(pre, "3", "3")

	// A missing key reports the budget without taking from it.
	res := ts.do(t, http.MethodGet, "/api/v2/jobs", "", nil)
	secRequireStatusProblem(t, res, http.StatusUnauthorized)
	requireHeaders(res, "3", "3")

	unknown := "hc_unknown0123456789abcdef0123456789ab"
	for i := range 3 {
		res := ts.do(t, http.MethodGet, "/api/v2/jobs", unknown, nil)
		secRequireStatusProblem(t, res, http.StatusUnauthorized)
		requireHeaders(res, "3", []string{"2", "1", "0"}[i])
	}
	res = ts.do(t, http.MethodGet, "/api/v2/jobs", unknown, nil)
	p := secRequireStatusProblem(t, res, http.StatusTooManyRequests)
	assert.Contains(t, p.Detail, "without a valid API key")
	assert.NotEmpty(t, res.Header.Get("Retry-After"))
	requireHeaders(res, "3", "0")

	// A missing key still gets its 401 (a dashboard asks for a key then).
	res = ts.do(t, http.MethodGet, "/api/v2/jobs", "", nil)
	secRequireStatusProblem(t, res, http.StatusUnauthorized)
	requireHeaders(res, "3", "0")

	ok := ts.do(t, http.MethodGet, "/api/v2/jobs", ts.Admin, nil)
	assert.Equal(t, http.StatusOK, ok.Status, "a valid key has its own budget")
	assert.NotEmpty(t, ok.Header.Get("X-RateLimit-Limit"))

	for i := range 2 {
		res := ts.do(t, http.MethodPost, cacheWebhookPath, "", map[string]any{"event": "content.updated", "pattern": "*"})
		secRequireStatusProblem(t, res, http.StatusUnauthorized)
		requireHeaders(res, "2", []string{"1", "0"}[i])
	}
	res = ts.do(t, http.MethodPost, cacheWebhookPath, "", map[string]any{"event": "content.updated", "pattern": "*"})
	secRequireStatusProblem(t, res, http.StatusTooManyRequests)
}
