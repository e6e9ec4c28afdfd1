package server

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/store"
)

// jobList is GET /api/v2/jobs with query q and the admin key.
func (ts *testServer) jobList(t *testing.T, q string) (response, jobListAnswer) {
	t.Helper()
	res := ts.do(t, "GET", "/api/v2/jobs"+q, ts.Admin, nil)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	var page jobListAnswer
	res.JSON(t, &page)
	return res, page
}

type jobListAnswer struct {
	Jobs  []SyncJob `json:"jobs"`
	Total int       `json:"total"`
}

func TestJobListCacheServesAnswerAgain(t *testing.T) {
	ts := newTestServer(t)
	ts.syncSample(t, false)
	requests := func() float64 {
		var m dto.Metric
		require.NoError(t, ts.cfg.Metrics.HTTPRequests.WithLabelValues("GET", "/api/v2/jobs", "200").Write(&m))
		return m.GetCounter().GetValue()
	}

	first, page := ts.jobList(t, "?limit=5")
	require.Len(t, page.Jobs, 1)
	for range 5 {
		again, _ := ts.jobList(t, "?limit=5")
		assert.Equal(t, first.Body, again.Body)
		assert.Equal(t, first.Header.Get("Content-Type"), again.Header.Get("Content-Type"))
		assert.NotEmpty(t, again.Header.Get("X-RateLimit-Limit"), "rate-limit headers on every answer")
		assert.NotEqual(t, first.Header.Get("X-Correlation-ID"), again.Header.Get("X-Correlation-ID"), "a correlation id per request")
	}
	assert.Equal(t, 6.0, requests(), "answers from the cache are counted under the route")

	// Authentication still comes first.
	assert.Equal(t, http.StatusUnauthorized, ts.do(t, "GET", "/api/v2/jobs?limit=5", "", nil).Status)
	assert.Equal(t, http.StatusUnauthorized, ts.do(t, "GET", "/api/v2/jobs?limit=5", "wrong-key", nil).Status)
	// Another query is another answer, and errors are not kept.
	_, one := ts.jobList(t, "?limit=1&status=completed")
	assert.Empty(t, one.Jobs)
	for range 2 {
		assert.Equal(t, http.StatusUnprocessableEntity, ts.do(t, "GET", "/api/v2/jobs?status=bogus", ts.Admin, nil).Status)
	}
}

// TestJobListCacheReadsItsWrites checks that an answer never misses a job
// write that returned before the request: creating, cancelling and
// delivering jobs, each followed at once by a list.
func TestJobListCacheReadsItsWrites(t *testing.T) {
	ts := newTestServer(t)
	_, page := ts.jobList(t, "")
	require.Zero(t, page.Total)
	for i := range 10 {
		id := ts.syncSample(t, false)
		_, page = ts.jobList(t, "")
		require.Equal(t, i*2+1, page.Total, "the created job is listed")
		assert.Equal(t, id, page.Jobs[0].JobID)
		assert.Equal(t, store.JobAwaitingApproval, page.Jobs[0].Status)

		res := ts.do(t, "DELETE", "/api/v2/content/sync/"+id, ts.Admin, nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		_, page = ts.jobList(t, "")
		assert.Equal(t, store.JobCancelled, page.Jobs[0].Status, "the cancel is listed")

		// Approved and delivered by the queue's worker: the job is listed
		// as completed as soon as the queue is idle.
		id = ts.syncSample(t, true)
		ts.waitIdle(t)
		_, page = ts.jobList(t, "?limit=1")
		require.Equal(t, id, page.Jobs[0].JobID)
		assert.Equal(t, store.JobCompleted, page.Jobs[0].Status, "the delivery is listed")
	}
}

// TestJobListCacheExpires checks that a write the engine did not make
// (another process, here the store itself) is listed once the answer
// expires.
func TestJobListCacheExpires(t *testing.T) {
	ts := newTestServer(t)
	_, page := ts.jobList(t, "")
	require.Zero(t, page.Total)
	now := time.Now()
	require.NoError(t, ts.Store.CreateJob(context.Background(), &store.Job{
		ID: "job-from-elsewhere", Status: store.JobPending, Channels: []string{"email"}, CreatedAt: now, UpdatedAt: now,
	}))
	waitFor(t, "the job written elsewhere to be listed", func() bool {
		_, page = ts.jobList(t, "")
		return page.Total == 1
	})
	assert.Equal(t, "job-from-elsewhere", page.Jobs[0].JobID)
}

func TestJobListCacheBounds(t *testing.T) {
	var version uint64
	c := newJobListCache(func() uint64 { return version })
	body := make([]byte, jobListMaxEntryBytes)
	for i := range 3 * jobListMaxEntries {
		c.put(strconv.Itoa(i), &jobListEntry{version: version, expires: time.Now().Add(time.Hour), status: 200, body: body[:i*1000%jobListMaxEntryBytes]})
		require.LessOrEqual(t, len(c.entries), jobListMaxEntries, "after %d", i)
		require.LessOrEqual(t, c.bytes, jobListMaxBytes, "after %d", i)
		sum := 0
		for _, e := range c.entries {
			sum += len(e.body)
		}
		require.Equal(t, sum, c.bytes, "the byte count after %d", i)
	}
	last := strconv.Itoa(3*jobListMaxEntries - 1)
	assert.NotNil(t, c.get(last, version), "the newest entry is kept")
	version++
	assert.Nil(t, c.get(last, version), "an entry of another version is never served")

	// A full cache drops the entries of older versions first.
	c = newJobListCache(func() uint64 { return version })
	for i := range jobListMaxEntries {
		c.put(strconv.Itoa(i), &jobListEntry{version: version, expires: time.Now().Add(time.Hour), status: 200, body: body[:10]})
	}
	require.Len(t, c.entries, jobListMaxEntries)
	version++
	c.put("fresh", &jobListEntry{version: version, expires: time.Now().Add(time.Hour), status: 200, body: body[:10]})
	assert.Len(t, c.entries, 1)
	assert.NotNil(t, c.get("fresh", version))
}

// TestJobListChannelSpellings checks that ?channel= finds jobs however
// their request spelled the channel (API.md's aliases, in any case), and
// that jobs report the spelling of their request.
func TestJobListChannelSpellings(t *testing.T) {
	ts := newTestServer(t)
	for _, ch := range []string{"web", "website", "social_twitter", "Web"} {
		res := ts.do(t, "POST", "/api/v2/content/sync", ts.Admin, map[string]any{"document_id": "sample:", "channels": []string{ch}, "dry_run": true})
		require.Equal(t, http.StatusAccepted, res.Status, "%s", res.Body)
		assert.Contains(t, string(res.Body), `"channels":["`+ch+`"]`)
	}
	for q, want := range map[string]int{"website": 3, "web": 3, "WebSite": 3, "twitter": 1, "x": 1, "email": 0} {
		_, page := ts.jobList(t, "?channel="+q)
		assert.Equal(t, want, page.Total, q)
		assert.Len(t, page.Jobs, want, q)
	}
}
