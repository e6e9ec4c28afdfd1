package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSyncListGetJob(t *testing.T) {
	ts := newTestServer(t)
	res := ts.do(t, "POST", "/api/v2/content/sync", ts.Admin, map[string]any{
		"document_id": "sample:", "channels": []string{"email", "web"}, "unknown_field": 1,
	})
	require.Equal(t, http.StatusAccepted, res.Status, "%s", res.Body)
	job := res.JSON(t)
	id, _ := job["job_id"].(string)
	require.NotEmpty(t, id)
	assert.Equal(t, []any{"email", "web"}, job["channels"])
	assert.NotContains(t, string(res.Body), "null")

	ts.waitIdle(t)
	got := ts.do(t, "GET", "/api/v2/jobs/"+id, ts.Admin, nil)
	require.Equal(t, http.StatusOK, got.Status, "%s", got.Body)
	list := ts.do(t, "GET", "/api/v2/jobs?limit=5", ts.Admin, nil)
	require.Equal(t, http.StatusOK, list.Status, "%s", list.Body)
	lb := list.JSON(t)
	assert.EqualValues(t, 1, lb["total"])
	assert.EqualValues(t, 1, lb["page"])
	assert.EqualValues(t, 5, lb["page_size"])
	assert.NotEmpty(t, list.Header.Get("X-RateLimit-Limit"))
	assert.NotEmpty(t, list.Header.Get("X-Correlation-ID"))
}

// TestHealthChecksAreReusedBriefly: /health and /ready run the checks at
// most once per checkTTL, however often they are polled.
func TestHealthChecksAreReusedBriefly(t *testing.T) {
	var runs atomic.Int64
	ts := newTestServer(t, func(c *Config) {
		c.Checks = []Check{{Name: "counted", Run: func(context.Context) error { runs.Add(1); return nil }}}
	})
	for range 20 {
		require.Equal(t, http.StatusOK, ts.do(t, "GET", "/health", "", nil).Status)
		require.Equal(t, http.StatusOK, ts.do(t, "GET", "/ready", "", nil).Status)
	}
	assert.Less(t, runs.Load(), int64(20), "40 polls must not run the checks 40 times")
	assert.Positive(t, runs.Load())
}

// TestBodyLimitConfigurable: a configured limit above huma's own 1 MiB
// default is the one that applies.
func TestBodyLimitConfigurable(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.BodyLimit = 2 << 20 })
	body := `{"content":{"type":"update","title":"A long one","content":"` + strings.Repeat("breathe ", (3<<20)/16) + `"}}`
	require.Greater(t, len(body), 1<<20)
	res := ts.do(t, "POST", "/api/v2/content/validate", ts.Admin, body)
	assert.NotEqual(t, http.StatusRequestEntityTooLarge, res.Status, "%s", res.Body[:min(len(res.Body), 300)])
	res = ts.do(t, "POST", "/api/v2/content/validate", ts.Admin, `{"content":"`+strings.Repeat("x", 2<<20)+`"}`)
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.Status)
}

func TestWrongMethodIs405(t *testing.T) {
	ts := newTestServer(t)
	res := ts.do(t, http.MethodPut, "/api/v2/jobs", ts.Admin, map[string]any{})
	assert.Equal(t, http.StatusMethodNotAllowed, res.Status, "%s", res.Body)
	assert.Contains(t, res.Header.Get("Allow"), "GET")
	assert.Equal(t, "application/problem+json", res.Header.Get("Content-Type"))
	res = ts.do(t, http.MethodGet, "/api/v2/no-such-thing", ts.Admin, nil)
	assert.Equal(t, http.StatusNotFound, res.Status)
}

// TestInternalErrorsAreLoggedNotSent: an error outside the taxonomy is a
// 500 whose body says "internal error" and whose cause goes to the log.
func TestInternalErrorsAreLoggedNotSent(t *testing.T) {
	var logs safeBuffer
	ts := newTestServer(t, func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	huma.Register(ts.API(), huma.Operation{OperationID: "boom", Method: http.MethodGet, Path: "/api/v2/test-boom"},
		func(context.Context, *struct{}) (*struct{}, error) {
			return nil, apiError(errors.New("disk on fire: secret detail"))
		})
	res := ts.do(t, http.MethodGet, "/api/v2/test-boom", ts.Admin, nil)
	assert.Equal(t, http.StatusInternalServerError, res.Status)
	assert.Equal(t, "application/problem+json", res.Header.Get("Content-Type"))
	body := res.JSON(t)
	assert.Equal(t, "internal error", body["detail"])
	assert.NotContains(t, string(res.Body), "disk on fire", "the cause is not sent")
	assert.Contains(t, logs.String(), "disk on fire", "the cause is logged")
}

// safeBuffer is a bytes.Buffer safe for concurrent writes.
type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestBatchItemInternalErrorsAreLoggedNotSent: a batch item that fails
// with an internal error reads "internal error", as a request's own 500
// does; the cause goes to the log. Client errors keep their detail.
func TestBatchItemInternalErrorsAreLoggedNotSent(t *testing.T) {
	var logs safeBuffer
	ts := newTestServer(t, func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	ctx := context.Background()
	for _, err := range []error{apiError(errors.New("disk on fire: secret detail")), errors.New("disk on fire: secret detail")} {
		e := ts.itemError(ctx, 2, err, "body.requests[2]")
		assert.Equal(t, http.StatusInternalServerError, e.Status)
		assert.Equal(t, "internal error", e.Detail)
		assert.Empty(t, e.Errors)
	}
	assert.Contains(t, logs.String(), "disk on fire", "the cause is logged")

	e := ts.itemError(ctx, 1, invalid("channels", "no channel named %q", "fax"), "body.requests[1]")
	assert.Equal(t, http.StatusUnprocessableEntity, e.Status)
	assert.Contains(t, e.Detail+fmt.Sprint(e.Errors), `no channel named "fax"`)
	require.NotEmpty(t, e.Errors)
	assert.Equal(t, "body.requests[1].channels", e.Errors[0].Location)
}
