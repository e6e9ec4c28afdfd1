package server

import (
	"context"
	"fmt"
	"maps"
	"math"
	"net/http"
	"slices"
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
	JobsOverTime             []AnalyticsPoint `json:"jobs_over_time" doc:"jobs created per bucket, oldest first: hours or days of the server's time zone (a day is 23 or 25 hours long when clocks change), each starting at timestamp (in UTC)"`
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
	Granularity string `query:"granularity" enum:"hour,day" default:"day" doc:"jobs_over_time buckets: the hours or the days of the server's time zone"`
}

// filter checks the window's parameters and returns the stats filter,
// with the store buckets the jobs_over_time buckets of loc are cut from.
func (w analyticsWindow) filter(loc *time.Location, now time.Time) (store.StatsFilter, analyticsCut, error) {
	var f store.StatsFilter
	var err error
	if f.Start, err = parseAnalyticsDate(w.StartDate, loc, false); err != nil {
		return f, analyticsCut{}, invalid("query.start_date", "%v", err)
	}
	if f.End, err = parseAnalyticsDate(w.EndDate, loc, true); err != nil {
		return f, analyticsCut{}, invalid("query.end_date", "%v", err)
	}
	if !f.Start.IsZero() && !f.End.IsZero() && f.End.Before(f.Start) {
		return f, analyticsCut{}, invalid("query.end_date", "end_date %s is before start_date %s", w.EndDate, w.StartDate)
	}
	var hour bool
	switch w.Granularity {
	case "hour":
		hour = true
	case "", "day":
	default:
		return f, analyticsCut{}, invalid("query.granularity", "granularity %q is neither hour nor day", w.Granularity)
	}
	cut := newAnalyticsCut(loc, hour, f, now)
	f.Bucket = cut.storeBucket
	return f, cut, nil
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

// jobAnalytics aggregates the jobs of f (one store query), with
// jobs_over_time cut by cut.
func (s *Server) jobAnalytics(ctx context.Context, f store.StatsFilter, cut analyticsCut) (JobAnalytics, store.JobStats, error) {
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
	out.JobsOverTime = analyticsSeries(st.OverTime, f, cut, s.now())
	return out, st, nil
}

// analyticsSeries adds the store's buckets up into the buckets of cut
// and returns them with the empty ones in between (and up to the
// window's ends, the end capped at now) filled with zeros, unless that
// makes more than analyticsMaxPoints of them: then only the non-empty
// ones.
func analyticsSeries(points []store.TimeCount, f store.StatsFilter, cut analyticsCut, now time.Time) []AnalyticsPoint {
	counts := map[time.Time]int{}
	var first, last time.Time
	for _, p := range points {
		at := cut.start(p.At)
		counts[at] += p.Count
		if first.IsZero() || at.Before(first) {
			first = at
		}
		if last.IsZero() || at.After(last) {
			last = at
		}
	}
	if !f.Start.IsZero() {
		first = cut.start(f.Start)
	}
	end := f.End
	if end.IsZero() || end.After(now) {
		end = now
	}
	if !end.IsZero() && !f.Start.IsZero() {
		if e := cut.start(end.Add(-time.Nanosecond)); e.After(last) {
			last = e
		}
	}
	out := []AnalyticsPoint{}
	if !first.IsZero() && !last.Before(first) {
		seen := 0
		for at := first; !at.After(last) && len(out) <= analyticsMaxPoints; at = cut.next(at) {
			n, ok := counts[at]
			if ok {
				seen++
			}
			out = append(out, AnalyticsPoint{Timestamp: at, Count: n})
		}
		if len(out) <= analyticsMaxPoints && seen == len(counts) {
			return out
		}
		// Too many points, or (in a zone whose clock once went back
		// across midnight) a bucket the calendar steps over.
		out = out[:0]
	}
	for _, at := range slices.SortedFunc(maps.Keys(counts), time.Time.Compare) {
		out = append(out, AnalyticsPoint{Timestamp: at, Count: counts[at]})
	}
	return out
}

// analyticsCut is how jobs_over_time is cut: into the days or hours of
// the server's time zone, added up from the store's buckets
// (storeBucket wide, at multiples of it since the Unix epoch), whose
// boundaries fall on every boundary of those days or hours.
type analyticsCut struct {
	storeBucket time.Duration
	// loc is the zone of the days or hours; nil when they are the store's
	// buckets themselves (UTC days, or the hours of a zone whose offsets
	// are whole hours).
	loc  *time.Location
	hour bool // hours, else days
}

// newAnalyticsCut returns the cut into the days (or hours) of loc of the
// jobs of f. The store's buckets are the answer's when the zone's
// offsets in the window are all zero (UTC days) or, for hours, all whole
// hours (UTC hours). Otherwise they are an hour wide when every offset
// is a whole number of hours and changes at a whole hour, else 15
// minutes. A window without a start is taken from the Unix epoch, one
// without an end (or ending later) to now.
func newAnalyticsCut(loc *time.Location, hour bool, f store.StatsFilter, now time.Time) analyticsCut {
	if loc == nil {
		loc = time.UTC
	}
	from, to := f.Start, now
	if from.IsZero() {
		from = time.Unix(0, 0)
	}
	if !f.End.IsZero() && f.End.Before(to) {
		to = f.End
	}
	zero, wholeHours := zoneOffsets(loc, from, to)
	switch {
	case hour && wholeHours:
		return analyticsCut{storeBucket: time.Hour}
	case !hour && zero:
		return analyticsCut{storeBucket: 24 * time.Hour}
	case wholeHours:
		return analyticsCut{storeBucket: time.Hour, loc: loc, hour: hour}
	default:
		// Every offset in use since 1980 is a multiple of 15 minutes, and
		// nearly every change of offset happens at a multiple of them.
		return analyticsCut{storeBucket: 15 * time.Minute, loc: loc, hour: hour}
	}
}

// zoneOffsets reports whether every UTC offset of loc from from to to is
// zero, and whether every one is a whole number of hours and changes at
// a whole hour. It steps through the zone's transitions (a few per year)
// and stops as soon as both answers are no.
func zoneOffsets(loc *time.Location, from, to time.Time) (zero, wholeHours bool) {
	zero, wholeHours = true, true
	for t := from.In(loc); zero || wholeHours; {
		_, offset := t.Zone()
		zero = zero && offset == 0
		wholeHours = wholeHours && offset%3600 == 0
		_, next := t.ZoneBounds()
		if next.IsZero() || !next.Before(to) {
			break
		}
		if _, o := next.Zone(); o != offset { // not a mere change of name
			wholeHours = wholeHours && next.Unix()%3600 == 0
		}
		t = next
	}
	return zero, wholeHours
}

// start returns the start, in UTC, of the bucket that holds t. A local
// day starts when the date changes; a local hour when the clock shows a
// whole hour or the hour changes (so the hour repeated when clocks go
// back is a bucket of its own, as in UTC).
func (c analyticsCut) start(t time.Time) time.Time {
	if c.loc == nil {
		return t.UTC().Truncate(c.storeBucket)
	}
	for {
		lt := t.In(c.loc)
		h, m, sec := lt.Clock()
		into := time.Duration(m)*time.Minute + time.Duration(sec)*time.Second + time.Duration(lt.Nanosecond())
		if !c.hour {
			into += time.Duration(h) * time.Hour
		}
		s := t.Add(-into) // the last whole day (hour) on this zone period's clock
		zoneStart, _ := lt.ZoneBounds()
		if zoneStart.IsZero() || s.After(zoneStart) || (c.hour && s.Equal(zoneStart)) {
			return s.UTC()
		}
		// The day (hour) did not start on this period's clock: it started
		// when the period did, unless the previous period shows it too.
		prev := zoneStart.Add(-time.Nanosecond)
		if c.key(prev) != c.key(lt) {
			return zoneStart.UTC()
		}
		t = prev
	}
}

// key is the local date (and hour) of t.
func (c analyticsCut) key(t time.Time) time.Time {
	lt := t.In(c.loc)
	y, m, d := lt.Date()
	h := 0
	if c.hour {
		h = lt.Hour()
	}
	return time.Date(y, m, d, h, 0, 0, 0, time.UTC)
}

// next returns the start of the bucket after the one starting at s.
func (c analyticsCut) next(s time.Time) time.Time {
	if c.loc == nil {
		return s.Add(c.storeBucket)
	}
	if c.hour {
		for t := s; ; {
			lt := t.In(c.loc)
			_, m, sec := lt.Clock()
			n := t.Add(time.Hour - time.Duration(m)*time.Minute - time.Duration(sec)*time.Second - time.Duration(lt.Nanosecond()))
			_, zoneEnd := lt.ZoneBounds()
			if zoneEnd.IsZero() || n.Before(zoneEnd) {
				return n.UTC()
			}
			if c.start(zoneEnd).Equal(zoneEnd) {
				return zoneEnd.UTC()
			}
			t = zoneEnd
		}
	}
	// Days by the calendar (23 or 25 hours long across DST changes): the
	// day holding noon of the following date, or of the one after when a
	// date is skipped.
	y, m, d := s.In(c.loc).Date()
	for i := 1; ; i++ {
		if n := c.start(time.Date(y, m, d+i, 12, 0, 0, 0, c.loc)); n.After(s) {
			return n
		}
	}
}

func (s *Server) registerAnalytics() {
	huma.Register(s.api, huma.Operation{
		OperationID: "analytics", Method: http.MethodGet, Path: "/api/v2/analytics", Tags: []string{"analytics"},
		Summary: "Job, activity, performance and channel figures",
		Description: "job_analytics over the jobs created in [start_date, end_date); recent_activity over the last 24 hours, " +
			"7 and 30 days; performance_metrics of this server's requests since it started. Rates are 0-1 except " +
			"job_analytics.success_rate, a percentage.",
	}, func(ctx context.Context, in *analyticsWindow) (*struct{ Body AnalyticsBody }, error) {
		f, cut, err := in.filter(s.cfg.Location, s.now())
		if err != nil {
			return nil, err
		}
		ja, st, err := s.jobAnalytics(ctx, f, cut)
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
			sf.Status, sf.Bucket = status, 24*time.Hour // its buckets are not used: the fewest
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
		Granularity string `query:"granularity" enum:"hour,day" default:"day" doc:"jobs_over_time buckets: the hours or the days of the server's time zone"`
		Status      string `query:"status" doc:"one job status"`
		Channel     string `query:"channel" doc:"jobs listing this channel in any spelling: web, Website and website select the same jobs"`
	}
	huma.Register(s.api, huma.Operation{
		OperationID: "analytics-jobs", Method: http.MethodGet, Path: "/api/v2/analytics/jobs", Tags: []string{"analytics"},
		Summary: "Job figures alone, optionally of one status or channel",
	}, func(ctx context.Context, in *jobsInput) (*struct{ Body JobAnalytics }, error) {
		f, cut, err := analyticsWindow{StartDate: in.StartDate, EndDate: in.EndDate, Granularity: in.Granularity}.filter(s.cfg.Location, s.now())
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
		ja, _, err := s.jobAnalytics(ctx, f, cut)
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
