package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/store"
)

// zoneTestServer is a test server in the zone named zone whose clock
// stands still at now, with one job created at each of created.
func zoneTestServer(t *testing.T, zone string, now time.Time, created ...string) *testServer {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	require.NoError(t, err)
	ts := newTestServer(t, func(c *Config) {
		c.Location = loc
		c.Now = func() time.Time { return now }
	})
	for i, at := range created {
		when := utcTime(t, at)
		require.NoError(t, ts.Store.CreateJob(context.Background(), &store.Job{
			ID: fmt.Sprintf("job-%d", i), Status: store.JobCompleted, Channels: []string{"email"}, CreatedAt: when, UpdatedAt: when,
		}))
	}
	return ts
}

func utcTime(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return at
}

// overTime returns jobs_over_time of path as "timestamp=count" strings,
// checking every timestamp is written in UTC.
func (ts *testServer) overTime(t *testing.T, path string) []string {
	t.Helper()
	res := ts.do(t, http.MethodGet, path, ts.Admin, nil)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	raw := res.JSON(t)
	if ja, ok := raw["job_analytics"].(map[string]any); ok {
		raw = ja
	}
	out := []string{}
	for _, p := range raw["jobs_over_time"].([]any) {
		p := p.(map[string]any)
		out = append(out, fmt.Sprintf("%s=%v", p["timestamp"], p["count"]))
	}
	return out
}

// TestAnalyticsParisDays: a Paris day starts at local midnight, 22:00 or
// 23:00 UTC, and the day clocks go back (2026-10-25) lasts 25 hours.
func TestAnalyticsParisDays(t *testing.T) {
	ts := zoneTestServer(t, "Europe/Paris", utcTime(t, "2026-10-27T12:00:00Z"),
		"2026-10-23T21:59:00Z", // 23:59 on the 23rd: before the window
		"2026-10-23T22:30:00Z", // 00:30 on the 24th
		"2026-10-24T21:59:00Z", // 23:59 on the 24th
		"2026-10-24T22:00:00Z", // midnight starting the 25th
		"2026-10-25T22:30:00Z", // 23:30 on the 25th, after the clocks went back
		"2026-10-25T23:00:00Z", // midnight starting the 26th
	)
	for _, path := range []string{"/api/v2/analytics", "/api/v2/analytics/jobs"} {
		assert.Equal(t, []string{
			"2026-10-23T22:00:00Z=2",
			"2026-10-24T22:00:00Z=2", // 25 hours long
			"2026-10-25T23:00:00Z=1",
		}, ts.overTime(t, path+"?start_date=2026-10-24&end_date=2026-10-26"), path)
	}
	assert.Equal(t, []string{
		"2026-10-23T22:00:00Z=2",
		"2026-10-24T22:00:00Z=2",
		"2026-10-25T23:00:00Z=1",
		"2026-10-26T23:00:00Z=0", // up to now, the 27th at 13:00 in Paris
	}, ts.overTime(t, "/api/v2/analytics?start_date=2026-10-24"), "zeros up to now")
	assert.Equal(t, []string{
		"2026-10-22T22:00:00Z=1",
		"2026-10-23T22:00:00Z=2",
		"2026-10-24T22:00:00Z=2",
		"2026-10-25T23:00:00Z=1",
	}, ts.overTime(t, "/api/v2/analytics"), "no window: from the first job's day to the last one's")
	assert.Equal(t, []string{
		"2026-10-24T22:00:00Z=2",
		"2026-10-25T23:00:00Z=1",
	}, ts.overTime(t, "/api/v2/analytics?start_date=2026-10-25&end_date="+url.QueryEscape("2026-10-25T23:30:00Z")),
		"an end at 00:30 on the 26th reaches into the 26th")

	// Hours of a zone with whole-hour offsets are UTC hours: the hour
	// repeated when the clocks go back is two buckets.
	assert.Equal(t, []string{
		"2026-10-24T22:00:00Z=1",
		"2026-10-24T23:00:00Z=0",
		"2026-10-25T00:00:00Z=0", // 02:00 summer time
		"2026-10-25T01:00:00Z=0", // 02:00 winter time
		"2026-10-25T02:00:00Z=0",
	}, ts.overTime(t, "/api/v2/analytics/jobs?granularity=hour&start_date=2026-10-25&end_date="+url.QueryEscape("2026-10-25T03:00:00Z")))
}

// TestAnalyticsNewYorkDays: the day the clocks go back (2026-11-01) runs
// from 04:00 to 05:00 UTC the next day; the day they go forward
// (2026-03-08) is 23 hours long.
func TestAnalyticsNewYorkDays(t *testing.T) {
	ts := zoneTestServer(t, "America/New_York", utcTime(t, "2026-11-20T12:00:00Z"),
		"2026-03-08T04:59:00Z", // 23:59 on the 7th
		"2026-03-08T05:00:00Z", // midnight starting the 8th
		"2026-03-09T03:59:00Z", // 23:59 on the 8th, summer time
		"2026-03-09T04:00:00Z", // midnight starting the 9th
		"2026-11-01T03:59:00Z", // 23:59 on October 31st
		"2026-11-01T04:00:00Z", // midnight starting November 1st
		"2026-11-02T04:30:00Z", // 23:30 on the 1st, winter time
		"2026-11-02T05:00:00Z", // midnight starting the 2nd
	)
	assert.Equal(t, []string{
		"2026-03-07T05:00:00Z=1",
		"2026-03-08T05:00:00Z=2", // 23 hours long
		"2026-03-09T04:00:00Z=1",
	}, ts.overTime(t, "/api/v2/analytics/jobs?start_date=2026-03-07&end_date=2026-03-09"))
	assert.Equal(t, []string{
		"2026-10-31T04:00:00Z=1",
		"2026-11-01T04:00:00Z=2", // 25 hours long
		"2026-11-02T05:00:00Z=1",
	}, ts.overTime(t, "/api/v2/analytics?start_date=2026-10-31&end_date=2026-11-02"))

	// Over more than analyticsMaxPoints days, only the non-empty ones, still
	// local days.
	assert.Equal(t, []string{
		"2026-03-07T05:00:00Z=1",
		"2026-03-08T05:00:00Z=2",
		"2026-03-09T04:00:00Z=1",
		"2026-10-31T04:00:00Z=1",
		"2026-11-01T04:00:00Z=2",
		"2026-11-02T05:00:00Z=1",
	}, ts.overTime(t, "/api/v2/analytics?start_date=2020-01-01&end_date=2026-11-19"))
}

// TestAnalyticsHalfHourZones: hours and days of zones 5:30 and 5:45 ahead
// of UTC start at :30 and :15 past the UTC hour.
func TestAnalyticsHalfHourZones(t *testing.T) {
	ts := zoneTestServer(t, "Asia/Kolkata", utcTime(t, "2026-11-26T12:00:00Z"),
		"2026-11-19T18:29:00Z", // 23:59 on the 19th
		"2026-11-20T03:30:00Z", // 09:00 on the 20th
		"2026-11-20T04:29:59Z", // 09:59:59
		"2026-11-20T04:30:00Z", // 10:00
		"2026-11-20T05:29:00Z", // 10:59
		"2026-11-20T05:45:00Z", // 11:15
		"2026-11-20T18:29:00Z", // 23:59 on the 20th
		"2026-11-20T18:30:00Z", // midnight starting the 21st
	)
	assert.Equal(t, []string{
		"2026-11-20T03:30:00Z=2",
		"2026-11-20T04:30:00Z=2",
		"2026-11-20T05:30:00Z=1",
		"2026-11-20T06:30:00Z=0",
	}, ts.overTime(t, "/api/v2/analytics?granularity=hour&start_date="+url.QueryEscape("2026-11-20T09:00:00+05:30")+
		"&end_date="+url.QueryEscape("2026-11-20T13:00:00+05:30")))
	assert.Equal(t, []string{
		"2026-11-19T18:30:00Z=6",
		"2026-11-20T18:30:00Z=1",
	}, ts.overTime(t, "/api/v2/analytics/jobs?start_date=2026-11-20&end_date=2026-11-21"))
	hours := ts.overTime(t, "/api/v2/analytics/jobs?granularity=hour&start_date=2026-11-20&end_date=2026-11-20")
	require.Len(t, hours, 24)
	assert.Equal(t, "2026-11-19T18:30:00Z=0", hours[0])
	assert.Equal(t, "2026-11-20T17:30:00Z=1", hours[23])

	// Over more than analyticsMaxPoints hours, only the non-empty ones,
	// still local hours.
	assert.Equal(t, []string{
		"2026-11-19T17:30:00Z=1",
		"2026-11-20T03:30:00Z=2",
		"2026-11-20T04:30:00Z=2",
		"2026-11-20T05:30:00Z=1",
		"2026-11-20T17:30:00Z=1",
		"2026-11-20T18:30:00Z=1",
	}, ts.overTime(t, "/api/v2/analytics?granularity=hour&start_date=2026-06-01"))

	ts = zoneTestServer(t, "Asia/Kathmandu", utcTime(t, "2026-11-26T12:00:00Z"),
		"2026-11-20T04:14:00Z", // 09:59
		"2026-11-20T04:15:00Z", // 10:00
		"2026-11-20T05:14:00Z", // 10:59
	)
	assert.Equal(t, []string{
		"2026-11-20T03:15:00Z=1",
		"2026-11-20T04:15:00Z=2",
	}, ts.overTime(t, "/api/v2/analytics?granularity=hour&start_date="+url.QueryEscape("2026-11-20T09:00:00+05:45")+
		"&end_date="+url.QueryEscape("2026-11-20T11:00:00+05:45")))
	assert.Equal(t, []string{"2026-11-19T18:15:00Z=3"}, ts.overTime(t, "/api/v2/analytics?start_date=2026-11-20&end_date=2026-11-20"))
}

// TestAnalyticsStoreBuckets: one store query, with buckets as wide as
// the zone allows.
func TestAnalyticsStoreBuckets(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		zone, start, granularity string
		want                     time.Duration
	}{
		{"UTC", "", "day", 24 * time.Hour},
		{"UTC", "2026-11-01", "hour", time.Hour},
		{"Etc/UTC", "2026-11-01", "day", 24 * time.Hour},
		{"Europe/London", "2026-11-01", "day", 24 * time.Hour}, // winter time: UTC days
		{"Europe/London", "2026-10-01", "day", time.Hour},
		{"Europe/Paris", "2026-11-01", "day", time.Hour},
		{"Europe/Paris", "2026-11-01", "hour", time.Hour},
		{"America/New_York", "", "day", time.Hour},
		{"Asia/Kolkata", "2026-11-01", "day", 15 * time.Minute},
		{"Asia/Kolkata", "2026-11-01", "hour", 15 * time.Minute},
		{"Asia/Kathmandu", "2026-11-01", "hour", 15 * time.Minute},
		{"Asia/Singapore", "2026-11-01", "day", time.Hour},
		{"Asia/Singapore", "", "day", 15 * time.Minute}, // 7:30 ahead until 1982
		{"Asia/Bishkek", "2006-01-01", "day", time.Hour},
		{"Asia/Bishkek", "2004-01-01", "day", 15 * time.Minute}, // clocks changed at 21:30 UTC until 2005
	} {
		loc, err := time.LoadLocation(tt.zone)
		require.NoError(t, err)
		f, _, err := analyticsWindow{StartDate: tt.start, Granularity: tt.granularity}.filter(loc, now)
		require.NoError(t, err)
		assert.Equal(t, tt.want, f.Bucket, "%s from %q by %s", tt.zone, tt.start, tt.granularity)
	}
}

// TestAnalyticsCutFollowsTheClock compares the buckets with the local
// clock, minute by minute, around every change of offset of a few zones
// from 2024 to 2027: a day starts when the date changes; an hour when
// the clock shows a whole hour or the hour changes. Every start is a
// multiple of the store's buckets.
func TestAnalyticsCutFollowsTheClock(t *testing.T) {
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, zone := range []string{"Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "America/Havana", "America/Santiago", "Asia/Tehran"} {
		loc, err := time.LoadLocation(zone)
		require.NoError(t, err)
		for _, hour := range []bool{false, true} {
			cut := newAnalyticsCut(loc, hour, store.StatsFilter{Start: from, End: to}, to)
			grid := cut.storeBucket
			cut.loc, cut.hour = loc, hour // the local cut even where the store's buckets would do
			changes := []time.Time{from.Add(36 * time.Hour)}
			for at := from.In(loc); ; {
				_, next := at.ZoneBounds()
				if next.IsZero() || !next.Before(to) {
					break
				}
				changes = append(changes, next)
				at = next
			}
			for _, change := range changes {
				var starts []time.Time
				for at := change.UTC().Add(-30 * time.Hour); at.Before(change.Add(30 * time.Hour)); at = at.Add(time.Minute) {
					lt := at.In(loc)
					if cut.key(at.Add(-time.Minute)) != cut.key(at) || (hour && lt.Minute() == 0) {
						starts = append(starts, at.UTC())
					}
				}
				require.NotEmpty(t, starts)
				for i, s := range starts {
					assert.Zero(t, s.Sub(time.Unix(0, 0))%grid, "%s: %s is not a multiple of %s", zone, s, grid)
					if i+1 == len(starts) {
						break
					}
					assert.Equal(t, starts[i+1], cut.next(s), "%s hour=%v: after %s", zone, hour, s.In(loc))
					for at := s; at.Before(starts[i+1]); at = at.Add(13 * time.Minute) {
						assert.Equal(t, s, cut.start(at), "%s hour=%v: %s", zone, hour, at.In(loc))
					}
				}
			}
		}
	}
}
