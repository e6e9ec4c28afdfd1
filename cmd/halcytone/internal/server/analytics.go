package server

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/halcytone/halcytone/store"
)

// analyticsMaxPoints bounds the jobs_over_time series that gaps are
// filled into; a longer window gets only its non-empty buckets.
const analyticsMaxPoints = 2000

// JobAnalytics are the job figures of the analytics. The five counts
// partition the jobs: pending_jobs counts pending, scheduled and
// awaiting_approval jobs, failed_jobs failed and partial ones;
// jobs_by_status has every status on its own.
type JobAnalytics struct {
	TotalJobs                int              `json:"total_jobs"`
	CompletedJobs            int              `json:"completed_jobs"`
	FailedJobs               int              `json:"failed_jobs" doc:"failed and partial jobs"`
	PendingJobs              int              `json:"pending_jobs" doc:"pending, scheduled and awaiting_approval jobs"`
	InProgressJobs           int              `json:"in_progress_jobs"`
	CancelledJobs            int              `json:"cancelled_jobs"`
	SuccessRate              float64          `json:"success_rate" doc:"percentage 0-100: completed jobs among the finished ones (completed, partial, failed)"`
	AvgProcessingTimeSeconds float64          `json:"avg_processing_time_seconds" doc:"completed_at - started_at over finished jobs"`
	JobsByChannel            map[string]int   `json:"jobs_by_channel"`
	JobsByStatus             map[string]int   `json:"jobs_by_status"`
	JobsOverTime             []AnalyticsPoint `json:"jobs_over_time" doc:"jobs created per bucket (hour or day, UTC), oldest first"`
}

// AnalyticsPoint is a count in the time bucket starting at Timestamp.
type AnalyticsPoint struct {
	Timestamp time.Time `json:"timestamp"`
	Count     int       `json:"count"`
}

// RecentActivity counts the jobs created in the last day, week and month.
type RecentActivity struct {
	Last24h int `json:"last_24h"`
	Last7d  int `json:"last_7d"`
	Last30d int `json:"last_30d"`
}

// PerformanceMetrics are the server's request figures since start.
type PerformanceMetrics struct {
	AvgResponseTimeMS float64 `json:"avg_response_time_ms"`
	P95ResponseTimeMS float64 `json:"p95_response_time_ms"`
	P99ResponseTimeMS float64 `json:"p99_response_time_ms"`
	ErrorRate         float64 `json:"error_rate" doc:"0-1: responses with status >= 500"`
	SuccessRate       float64 `json:"success_rate" doc:"0-1"`
}

// ChannelPerformance are the figures of the jobs of one channel.
type ChannelPerformance struct {
	TotalJobs                int     `json:"total_jobs"`
	SuccessRate              float64 `json:"success_rate" doc:"0-1: completed jobs among the finished ones"`
	AvgProcessingTimeSeconds float64 `json:"avg_processing_time_seconds"`
}

// AnalyticsBody is the response of GET /api/v2/analytics.
type AnalyticsBody struct {
	JobAnalytics       JobAnalytics                  `json:"job_analytics"`
	RecentActivity     RecentActivity                `json:"recent_activity"`
	PerformanceMetrics PerformanceMetrics            `json:"performance_metrics"`
	ChannelPerformance map[string]ChannelPerformance `json:"channel_performance"`
}

type analyticsWindow struct {
	StartDate   string `query:"start_date" doc:"RFC 3339, or YYYY-MM-DD: the start of that day in the server's time zone"`
	EndDate     string `query:"end_date" doc:"RFC 3339 (exclusive), or YYYY-MM-DD: to the end of that day in the server's time zone"`
	Granularity string `query:"granularity" enum:"hour,day" default:"day" doc:"width of the jobs_over_time buckets"`
}

// filter checks the window's parameters and returns the stats filter.
func (w analyticsWindow) filter(loc *time.Location) (store.StatsFilter, error) {
	var f store.StatsFilter
	var err error
	if f.Start, err = parseAnalyticsDate(w.StartDate, loc, false); err != nil {
		return f, invalid("query.start_date", "%v", err)
	}
	if f.End, err = parseAnalyticsDate(w.EndDate, loc, true); err != nil {
		return f, invalid("query.end_date", "%v", err)
	}
	if !f.Start.IsZero() && !f.End.IsZero() && f.End.Before(f.Start) {
		return f, invalid("query.end_date", "end_date %s is before start_date %s", w.EndDate, w.StartDate)
	}
	switch w.Granularity {
	case "hour":
		f.Bucket = time.Hour
	case "", "day":
		f.Bucket = 24 * time.Hour
	default:
		return f, invalid("query.granularity", "granularity %q is neither hour nor day", w.Granularity)
	}
	return f, nil
}

// parseAnalyticsDate reads RFC 3339 or YYYY-MM-DD in loc; a day given as
// an end means the end of that day.
func parseAnalyticsDate(s string, loc *time.Location, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		if t, err = time.ParseInLocation(time.DateOnly, s, loc); err != nil {
			return time.Time{}, fmt.Errorf("%q is neither RFC 3339 nor YYYY-MM-DD", s)
		}
		if end {
			t = t.AddDate(0, 0, 1)
		}
	}
	if t, err = rfc3339UTC(t); err != nil {
		return time.Time{}, fmt.Errorf("%q is %w", s, err)
	}
	return t, nil
}

// analyticsFinished counts the jobs that reached an outcome other than cancelled.
func analyticsFinished(byStatus map[store.JobStatus]int) int {
	return byStatus[store.JobCompleted] + byStatus[store.JobPartial] + byStatus[store.JobFailed]
}

// jobAnalytics aggregates the jobs of f (one store query).
func (s *Server) jobAnalytics(ctx context.Context, f store.StatsFilter) (JobAnalytics, store.JobStats, error) {
	st, err := s.store.JobStats(ctx, f)
	if err != nil {
		return JobAnalytics{}, st, apiError(err)
	}
	by := st.ByStatus
	out := JobAnalytics{
		TotalJobs:                st.Total,
		CompletedJobs:            by[store.JobCompleted],
		FailedJobs:               by[store.JobFailed] + by[store.JobPartial],
		PendingJobs:              by[store.JobPending] + by[store.JobScheduled] + by[store.JobAwaitingApproval],
		InProgressJobs:           by[store.JobInProgress],
		CancelledJobs:            by[store.JobCancelled],
		AvgProcessingTimeSeconds: st.AvgProcessing.Seconds(),
		JobsByChannel:            map[string]int{},
		JobsByStatus:             map[string]int{},
	}
	if n := analyticsFinished(by); n > 0 {
		out.SuccessRate = math.Round(float64(out.CompletedJobs)/float64(n)*10000) / 100
	}
	for ch, n := range st.ByChannel {
		out.JobsByChannel[ch] = n
	}
	for _, status := range []store.JobStatus{store.JobPending, store.JobAwaitingApproval, store.JobScheduled, store.JobInProgress,
		store.JobCompleted, store.JobPartial, store.JobFailed, store.JobCancelled} {
		out.JobsByStatus[string(status)] = by[status]
	}
	for status, n := range by { // any status this server does not know yet
		out.JobsByStatus[string(status)] = n
	}
	out.JobsOverTime = analyticsSeries(st.OverTime, f, s.now())
	return out, st, nil
}

// analyticsSeries returns the buckets of points with the empty ones in
// between (and up to the window's ends, the end capped at now) filled
// with zeros, unless that makes more than analyticsMaxPoints of them.
func analyticsSeries(points []store.TimeCount, f store.StatsFilter, now time.Time) []AnalyticsPoint {
	bucket := f.Bucket
	if bucket <= 0 {
		bucket = 24 * time.Hour
	}
	counts := map[time.Time]int{}
	var first, last time.Time
	for _, p := range points {
		at := p.At.UTC().Truncate(bucket)
		counts[at] += p.Count
		if first.IsZero() || at.Before(first) {
			first = at
		}
		if last.IsZero() || at.After(last) {
			last = at
		}
	}
	if !f.Start.IsZero() {
		first = f.Start.UTC().Truncate(bucket)
	}
	end := f.End
	if end.IsZero() || end.After(now) {
		end = now
	}
	if !end.IsZero() && !f.Start.IsZero() {
		if e := end.Add(-time.Nanosecond).UTC().Truncate(bucket); e.After(last) {
			last = e
		}
	}
	out := []AnalyticsPoint{}
	if first.IsZero() || last.Before(first) || int(last.Sub(first)/bucket) >= analyticsMaxPoints {
		for _, p := range points {
			out = append(out, AnalyticsPoint{Timestamp: p.At.UTC(), Count: p.Count})
		}
		return out
	}
	for at := first; !at.After(last); at = at.Add(bucket) {
		out = append(out, AnalyticsPoint{Timestamp: at, Count: counts[at]})
	}
	return out
}

func (s *Server) registerAnalytics() {
	huma.Register(s.api, huma.Operation{
		OperationID: "analytics", Method: http.MethodGet, Path: "/api/v2/analytics", Tags: []string{"analytics"},
		Summary: "Job, activity, performance and channel figures",
		Description: "job_analytics over the jobs created in [start_date, end_date); recent_activity over the last 24 hours, " +
			"7 and 30 days; performance_metrics of this server's requests since it started. Rates are 0-1 except " +
			"job_analytics.success_rate, a percentage.",
	}, func(ctx context.Context, in *analyticsWindow) (*struct{ Body AnalyticsBody }, error) {
		f, err := in.filter(s.cfg.Location)
		if err != nil {
			return nil, err
		}
		ja, st, err := s.jobAnalytics(ctx, f)
		if err != nil {
			return nil, err
		}
		out := AnalyticsBody{JobAnalytics: ja, ChannelPerformance: map[string]ChannelPerformance{}}
		if out.RecentActivity, err = s.recentActivity(ctx); err != nil {
			return nil, err
		}
		snap := s.stats.snapshot(s.now())
		out.PerformanceMetrics = PerformanceMetrics{
			AvgResponseTimeMS: snap.AvgMS, P95ResponseTimeMS: snap.P95MS, P99ResponseTimeMS: snap.P99MS,
			ErrorRate: snap.ErrorRate, SuccessRate: snap.SuccessRateOne,
		}
		// The jobs of each channel that failed outright or partly: two
		// more aggregate queries, for the channels' success rates.
		unsuccessful := map[string]int{}
		for _, status := range []store.JobStatus{store.JobFailed, store.JobPartial} {
			if st.ByStatus[status] == 0 {
				continue
			}
			sf := f
			sf.Status = status
			fst, err := s.store.JobStats(ctx, sf)
			if err != nil {
				return nil, apiError(err)
			}
			for ch, n := range fst.ByChannel {
				unsuccessful[ch] += n
			}
		}
		for ch, n := range st.ByChannel {
			cp := ChannelPerformance{TotalJobs: n, AvgProcessingTimeSeconds: st.AvgProcessingByChannel[ch].Seconds()}
			if done := st.SucceededByChannel[ch] + unsuccessful[ch]; done > 0 {
				cp.SuccessRate = float64(st.SucceededByChannel[ch]) / float64(done)
			}
			out.ChannelPerformance[ch] = cp
		}
		return &struct{ Body AnalyticsBody }{out}, nil
	})

	type jobsInput struct {
		StartDate   string `query:"start_date" doc:"RFC 3339, or YYYY-MM-DD: the start of that day in the server's time zone"`
		EndDate     string `query:"end_date" doc:"RFC 3339 (exclusive), or YYYY-MM-DD: to the end of that day in the server's time zone"`
		Granularity string `query:"granularity" enum:"hour,day" default:"day" doc:"width of the jobs_over_time buckets"`
		Status      string `query:"status" doc:"one job status"`
		Channel     string `query:"channel" doc:"jobs listing this channel in any spelling: web, Website and website select the same jobs"`
	}
	huma.Register(s.api, huma.Operation{
		OperationID: "analytics-jobs", Method: http.MethodGet, Path: "/api/v2/analytics/jobs", Tags: []string{"analytics"},
		Summary: "Job figures alone, optionally of one status or channel",
	}, func(ctx context.Context, in *jobsInput) (*struct{ Body JobAnalytics }, error) {
		f, err := analyticsWindow{StartDate: in.StartDate, EndDate: in.EndDate, Granularity: in.Granularity}.filter(s.cfg.Location)
		if err != nil {
			return nil, err
		}
		if in.Status != "" {
			if !validJobStatus(store.JobStatus(in.Status)) {
				return nil, invalid("query.status", "unknown status %q", in.Status)
			}
			f.Status = store.JobStatus(in.Status)
		}
		f.Channel = in.Channel
		ja, _, err := s.jobAnalytics(ctx, f)
		if err != nil {
			return nil, err
		}
		return &struct{ Body JobAnalytics }{ja}, nil
	})
}

// recentActivity counts the jobs of the last day, week and month: three
// counting queries (a page of one job, its total read).
func (s *Server) recentActivity(ctx context.Context) (RecentActivity, error) {
	now := s.now()
	count := func(d time.Duration) (int, error) {
		p, err := s.store.ListJobs(ctx, store.JobFilter{CreatedAfter: now.Add(-d), Limit: 1})
		if err != nil {
			return 0, apiError(err)
		}
		return p.Total, nil
	}
	var ra RecentActivity
	var err error
	if ra.Last24h, err = count(24 * time.Hour); err != nil {
		return ra, err
	}
	if ra.Last7d, err = count(7 * 24 * time.Hour); err != nil {
		return ra, err
	}
	if ra.Last30d, err = count(30 * 24 * time.Hour); err != nil {
		return ra, err
	}
	return ra, nil
}
