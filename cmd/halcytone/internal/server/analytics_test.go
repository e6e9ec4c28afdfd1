package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
)

// analyticsSync creates a job for a fresh document on channels, waits
// until it is worked and returns its status.
func analyticsSync(t *testing.T, ts *testServer, n int, channels ...string) string {
	t.Helper()
	ref := fmt.Sprintf("mem:analytics-%d", n)
	ts.Source.AddText(ref, strings.Replace(cacheTestDoc, "ten rounds", fmt.Sprintf("%d rounds", n+3), 1), content.FormatMarkdown)
	res := ts.do(t, "POST", "/api/v2/content/sync", ts.Admin, map[string]any{"document_id": ref, "channels": channels})
	require.Equal(t, http.StatusAccepted, res.Status, "%s", res.Body)
	id := res.JSON(t)["job_id"].(string)
	ts.waitIdle(t)
	job := ts.do(t, "GET", "/api/v2/jobs/"+id, ts.Admin, nil).JSON(t)
	return job["status"].(string)
}

// clearOfMidnight waits until the UTC day has at least a minute left, so
// that a test which counts today's jobs and then asks for "today" reads
// the same day both times. It waits only when started in the last
// minute of a day.
func clearOfMidnight(t *testing.T) {
	t.Helper()
	now := time.Now().UTC()
	next := now.Truncate(24 * time.Hour).Add(24 * time.Hour)
	if left := next.Sub(now); left < time.Minute {
		t.Logf("waiting %v for the UTC day to turn", left)
		time.Sleep(left + 10*time.Millisecond)
	}
}

func TestAnalytics(t *testing.T) {
	clearOfMidnight(t)
	ts := newTestServer(t)
	require.Equal(t, "completed", analyticsSync(t, ts, 1, "email", "web"))
	require.Equal(t, "completed", analyticsSync(t, ts, 2, "email"))
	ts.Pubs[content.ChannelEmail].FailNext(content.Errorf(content.Permanent, "test", "mailbox on fire"))
	require.Equal(t, "failed", analyticsSync(t, ts, 3, "email"))

	today := time.Now().UTC().Format(time.DateOnly)
	res := ts.do(t, "GET", "/api/v2/analytics?start_date="+today+"&end_date="+today+"&granularity=hour", ts.Admin, nil)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	assert.NotContains(t, string(res.Body), "null")
	var body AnalyticsBody
	res.JSON(t, &body)

	ja := body.JobAnalytics
	assert.Equal(t, 3, ja.TotalJobs)
	assert.Equal(t, 2, ja.CompletedJobs)
	assert.Equal(t, 1, ja.FailedJobs)
	assert.Zero(t, ja.PendingJobs)
	assert.Zero(t, ja.InProgressJobs)
	assert.Zero(t, ja.CancelledJobs)
	assert.InDelta(t, 66.67, ja.SuccessRate, 0.01, "a percentage")
	assert.GreaterOrEqual(t, ja.AvgProcessingTimeSeconds, 0.0)
	assert.Equal(t, map[string]int{"email": 3, "web": 1}, ja.JobsByChannel)
	assert.Equal(t, 2, ja.JobsByStatus["completed"])
	assert.Equal(t, 1, ja.JobsByStatus["failed"])
	assert.Contains(t, ja.JobsByStatus, "pending", "every status is listed")
	total := 0
	for i, p := range ja.JobsOverTime {
		total += p.Count
		assert.Equal(t, p.Timestamp, p.Timestamp.Truncate(time.Hour))
		if i > 0 {
			assert.Equal(t, time.Hour, p.Timestamp.Sub(ja.JobsOverTime[i-1].Timestamp), "hourly buckets without gaps")
		}
	}
	assert.Equal(t, 3, total)
	require.NotEmpty(t, ja.JobsOverTime)
	assert.Equal(t, time.Now().UTC().Truncate(24*time.Hour), ja.JobsOverTime[0].Timestamp, "from the start of the day")

	assert.Equal(t, RecentActivity{Last24h: 3, Last7d: 3, Last30d: 3}, body.RecentActivity)

	pm := body.PerformanceMetrics
	assert.Greater(t, pm.AvgResponseTimeMS, 0.0)
	assert.GreaterOrEqual(t, pm.P99ResponseTimeMS, pm.P95ResponseTimeMS)
	assert.InDelta(t, 1, pm.ErrorRate+pm.SuccessRate, 1e-9)
	assert.LessOrEqual(t, pm.SuccessRate, 1.0)

	require.Contains(t, body.ChannelPerformance, "email")
	assert.Equal(t, 3, body.ChannelPerformance["email"].TotalJobs)
	assert.InDelta(t, 2.0/3, body.ChannelPerformance["email"].SuccessRate, 1e-9, "a fraction")
	assert.Equal(t, ChannelPerformance{TotalJobs: 1, SuccessRate: 1, AvgProcessingTimeSeconds: body.ChannelPerformance["web"].AvgProcessingTimeSeconds}, body.ChannelPerformance["web"])

	// Field names as the dashboard reads them.
	raw := res.JSON(t)
	for _, k := range []string{"job_analytics", "recent_activity", "performance_metrics", "channel_performance"} {
		assert.Contains(t, raw, k)
	}
	for _, k := range []string{"total_jobs", "completed_jobs", "failed_jobs", "pending_jobs", "in_progress_jobs", "cancelled_jobs",
		"success_rate", "avg_processing_time_seconds", "jobs_by_channel", "jobs_by_status", "jobs_over_time"} {
		assert.Contains(t, raw["job_analytics"], k)
	}
	for _, k := range []string{"avg_response_time_ms", "p95_response_time_ms", "p99_response_time_ms", "error_rate", "success_rate"} {
		assert.Contains(t, raw["performance_metrics"], k)
	}
	for _, k := range []string{"last_24h", "last_7d", "last_30d"} {
		assert.Contains(t, raw["recent_activity"], k)
	}

	// A window after the jobs: nothing, and still no nulls.
	tomorrow := time.Now().UTC().Add(48 * time.Hour).Format(time.DateOnly)
	res = ts.do(t, "GET", "/api/v2/analytics?start_date="+tomorrow, ts.Admin, nil)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	assert.NotContains(t, string(res.Body), "null")
	res.JSON(t, &body)
	assert.Zero(t, body.JobAnalytics.TotalJobs)
	assert.Zero(t, body.JobAnalytics.SuccessRate)
	assert.Empty(t, body.JobAnalytics.JobsOverTime)
	assert.Equal(t, 3, body.RecentActivity.Last24h, "recent activity ignores the window")

	// RFC 3339 and no window at all, by day.
	start := url.QueryEscape(time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))
	res = ts.do(t, "GET", "/api/v2/analytics?start_date="+start, ts.Admin, nil)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	res.JSON(t, &body)
	assert.Equal(t, 3, body.JobAnalytics.TotalJobs)
	res = ts.do(t, "GET", "/api/v2/analytics", ts.Admin, nil)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	res.JSON(t, &body)
	assert.Equal(t, 3, body.JobAnalytics.TotalJobs)
	require.Len(t, body.JobAnalytics.JobsOverTime, 1)
	assert.Equal(t, AnalyticsPoint{Timestamp: time.Now().UTC().Truncate(24 * time.Hour), Count: 3}, body.JobAnalytics.JobsOverTime[0])
}

func TestAnalyticsJobs(t *testing.T) {
	clearOfMidnight(t)
	ts := newTestServer(t)
	require.Equal(t, "completed", analyticsSync(t, ts, 1, "email", "web"))
	ts.Pubs[content.ChannelEmail].FailNext(content.Errorf(content.Permanent, "test", "mailbox on fire"))
	require.Equal(t, "failed", analyticsSync(t, ts, 2, "email"))

	get := func(q string) JobAnalytics {
		t.Helper()
		res := ts.do(t, "GET", "/api/v2/analytics/jobs"+q, ts.Admin, nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		assert.NotContains(t, string(res.Body), "null")
		assert.NotContains(t, string(res.Body), "job_analytics", "job_analytics alone")
		var ja JobAnalytics
		res.JSON(t, &ja)
		return ja
	}
	all := get("")
	assert.Equal(t, 2, all.TotalJobs)
	assert.InDelta(t, 50, all.SuccessRate, 1e-9)

	failed := get("?status=failed")
	assert.Equal(t, 1, failed.TotalJobs)
	assert.Equal(t, 1, failed.FailedJobs)
	assert.Zero(t, failed.SuccessRate)

	web := get("?channel=web&granularity=hour&start_date=" + time.Now().UTC().Format(time.DateOnly))
	assert.Equal(t, 1, web.TotalJobs)
	assert.InDelta(t, 100, web.SuccessRate, 1e-9)
	assert.Equal(t, map[string]int{"email": 1, "web": 1}, web.JobsByChannel)

	res := ts.do(t, "GET", "/api/v2/analytics/jobs?status=exploded", ts.Admin, nil)
	require.Equal(t, http.StatusUnprocessableEntity, res.Status, "%s", res.Body)
	assert.Equal(t, []string{"query.status"}, cacheProblemLocations(t, res))
}

func TestAnalyticsInvalidParameters(t *testing.T) {
	ts := newTestServer(t)
	for _, tt := range []struct {
		query string
		want  string
	}{
		{"?start_date=yesterday", "query.start_date"},
		{"?end_date=2025-13-01", "query.end_date"},
		{"?start_date=2025-03-10&end_date=2025-03-01", "query.end_date"},
		{"?start_date=2025-03-10T10:00:00Z&end_date=2025-03-10T09:00:00Z", "query.end_date"},
		{"?granularity=week", "query.granularity"},
	} {
		for _, path := range []string{"/api/v2/analytics", "/api/v2/analytics/jobs"} {
			res := ts.do(t, "GET", path+tt.query, ts.Admin, nil)
			require.Equal(t, http.StatusUnprocessableEntity, res.Status, "%s%s: %s", path, tt.query, res.Body)
			assert.Contains(t, cacheProblemLocations(t, res), tt.want, "%s%s", path, tt.query)
		}
	}
	res := ts.do(t, "GET", "/api/v2/analytics?start_date=2025-03-10&end_date=2025-03-10", ts.Admin, nil)
	assert.Equal(t, http.StatusOK, res.Status, "one day, end inclusive: %s", res.Body)
}

func TestAnalyticsDates(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	start, err := parseAnalyticsDate("2025-03-10", ny, false)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2025, 3, 10, 4, 0, 0, 0, time.UTC), start, "midnight in the server's zone")
	end, err := parseAnalyticsDate("2025-03-10", ny, true)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2025, 3, 11, 4, 0, 0, 0, time.UTC), end, "an end day is included")
	at, err := parseAnalyticsDate("2025-03-10T12:30:00+02:00", ny, true)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2025, 3, 10, 10, 30, 0, 0, time.UTC), at)
	_, err = parseAnalyticsDate("03/10/2025", ny, false)
	assert.Error(t, err)
}
