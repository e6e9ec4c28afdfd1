package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/store"
)

// statsFixture: six jobs over two days; three processed in 10 s, 20 s and
// 60 s.
func statsFixture() []*store.Job {
	processed := func(j *store.Job, start, d time.Duration) *store.Job {
		j.StartedAt = j.CreatedAt.Add(start)
		j.CompletedAt = j.StartedAt.Add(d)
		return j
	}
	day := 24 * 60
	return []*store.Job{
		processed(job("s0", 10, store.JobCompleted, "email", "website"), time.Minute, 10*time.Second), // day 0, 09:10
		processed(job("s1", 20, store.JobCompleted, "email"), time.Minute, 20*time.Second),            // day 0, 09:20
		processed(job("s2", 70, store.JobFailed, "website"), time.Minute, 60*time.Second),             // day 0, 10:10
		job("s3", 75, store.JobPending, "email"),                                                      // day 0, 10:15
		job("s4", day+5, store.JobCompleted, "social_x"),                                              // day 1, 09:05
		job("s5", day+6, store.JobInProgress, "website"),                                              // day 1, 09:06
	}
}

// wantStats is the expected outcome of one JobStats call; nil maps expect
// an empty one (nil or not).
type wantStats struct {
	total     int
	byStatus  map[store.JobStatus]int
	byChannel map[string]int
	succeeded map[string]int
	avg       time.Duration
	avgByCh   map[string]time.Duration
	overTime  []store.TimeCount
}

func requireStats(t *testing.T, want wantStats, got store.JobStats) {
	t.Helper()
	assert.Equal(t, want.total, got.Total, "Total")
	equalOrEmpty(t, want.byStatus, got.ByStatus, "ByStatus")
	equalOrEmpty(t, want.byChannel, got.ByChannel, "ByChannel")
	equalOrEmpty(t, want.succeeded, got.SucceededByChannel, "SucceededByChannel")
	assert.InDelta(t, want.avg, got.AvgProcessing, float64(time.Millisecond), "AvgProcessing")
	assert.Len(t, got.AvgProcessingByChannel, len(want.avgByCh), "AvgProcessingByChannel")
	for ch, d := range want.avgByCh {
		assert.InDeltaf(t, d, got.AvgProcessingByChannel[ch], float64(time.Millisecond), "AvgProcessingByChannel[%s]", ch)
	}
	if len(want.overTime) == 0 {
		assert.Empty(t, got.OverTime, "OverTime")
	} else {
		assert.Equal(t, want.overTime, got.OverTime, "OverTime")
	}
	for _, b := range got.OverTime {
		assert.Equal(t, time.UTC, b.At.Location(), "OverTime buckets are in UTC")
	}
}

func equalOrEmpty[K comparable, V any](t *testing.T, want, got map[K]V, name string) {
	t.Helper()
	if len(want) == 0 {
		assert.Empty(t, got, name)
		return
	}
	assert.Equal(t, want, got, name)
}

func testJobStats(t *testing.T, open opener) {
	s := open(t)
	createJobs(t, s, statsFixture()...)
	day0, day1 := base.Truncate(24*time.Hour), base.Truncate(24*time.Hour).Add(24*time.Hour)
	tests := []struct {
		name string
		f    store.StatsFilter
		want wantStats
	}{
		{
			name: "everything by day",
			f:    store.StatsFilter{},
			want: wantStats{
				total:     6,
				byStatus:  map[store.JobStatus]int{store.JobCompleted: 3, store.JobFailed: 1, store.JobPending: 1, store.JobInProgress: 1},
				byChannel: map[string]int{"email": 3, "website": 3, "social_x": 1},
				succeeded: map[string]int{"email": 2, "website": 1, "social_x": 1},
				avg:       30 * time.Second,
				avgByCh:   map[string]time.Duration{"email": 15 * time.Second, "website": 35 * time.Second},
				overTime:  []store.TimeCount{{At: day0, Count: 4}, {At: day1, Count: 2}},
			},
		},
		{
			name: "by hour, empty buckets omitted",
			f:    store.StatsFilter{Bucket: time.Hour},
			want: wantStats{
				total:     6,
				byStatus:  map[store.JobStatus]int{store.JobCompleted: 3, store.JobFailed: 1, store.JobPending: 1, store.JobInProgress: 1},
				byChannel: map[string]int{"email": 3, "website": 3, "social_x": 1},
				succeeded: map[string]int{"email": 2, "website": 1, "social_x": 1},
				avg:       30 * time.Second,
				avgByCh:   map[string]time.Duration{"email": 15 * time.Second, "website": 35 * time.Second},
				overTime: []store.TimeCount{
					{At: base, Count: 2}, {At: base.Add(time.Hour), Count: 2}, {At: day1.Add(9 * time.Hour), Count: 2},
				},
			},
		},
		{
			name: "window [Start, End)",
			f:    store.StatsFilter{Start: at(20), End: at(75), Bucket: time.Hour},
			want: wantStats{
				total:     2,
				byStatus:  map[store.JobStatus]int{store.JobCompleted: 1, store.JobFailed: 1},
				byChannel: map[string]int{"email": 1, "website": 1},
				succeeded: map[string]int{"email": 1},
				avg:       40 * time.Second,
				avgByCh:   map[string]time.Duration{"email": 20 * time.Second, "website": 60 * time.Second},
				overTime:  []store.TimeCount{{At: base, Count: 1}, {At: base.Add(time.Hour), Count: 1}},
			},
		},
		{
			name: "status",
			f:    store.StatsFilter{Status: store.JobCompleted},
			want: wantStats{
				total:     3,
				byStatus:  map[store.JobStatus]int{store.JobCompleted: 3},
				byChannel: map[string]int{"email": 2, "website": 1, "social_x": 1},
				succeeded: map[string]int{"email": 2, "website": 1, "social_x": 1},
				avg:       15 * time.Second,
				avgByCh:   map[string]time.Duration{"email": 15 * time.Second, "website": 10 * time.Second},
				overTime:  []store.TimeCount{{At: day0, Count: 2}, {At: day1, Count: 1}},
			},
		},
		{
			name: "channel",
			f:    store.StatsFilter{Channel: "website", Start: at(0).In(elsewhere)},
			want: wantStats{
				total:     3,
				byStatus:  map[store.JobStatus]int{store.JobCompleted: 1, store.JobFailed: 1, store.JobInProgress: 1},
				byChannel: map[string]int{"email": 1, "website": 3},
				succeeded: map[string]int{"email": 1, "website": 1},
				avg:       35 * time.Second,
				avgByCh:   map[string]time.Duration{"email": 10 * time.Second, "website": 35 * time.Second},
				overTime:  []store.TimeCount{{At: day0, Count: 2}, {At: day1, Count: 1}},
			},
		},
		{
			name: "nothing matches",
			f:    store.StatsFilter{Start: at(10 * 24 * 60)},
			want: wantStats{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.JobStats(t.Context(), tt.f)
			require.NoError(t, err)
			requireStats(t, tt.want, got)
		})
	}
}

// testJobStatsSpellings checks that a job counts once per channel in
// ByChannel, SucceededByChannel and AvgProcessingByChannel, under the
// first spelling it lists, however many times and spellings it lists the
// channel; other jobs keep their own spellings.
func testJobStatsSpellings(t *testing.T, open opener) {
	s := open(t)
	j0 := job("p0", 10, store.JobCompleted, "twitter", "X", "twitter", "email", "social_x", "Email")
	j0.StartedAt, j0.CompletedAt = j0.CreatedAt, j0.CreatedAt.Add(10*time.Second)
	j1 := job("p1", 20, store.JobCompleted, "x", "custom", "custom")
	j1.StartedAt, j1.CompletedAt = j1.CreatedAt, j1.CreatedAt.Add(30*time.Second)
	createJobs(t, s, j0, j1, job("p2", 30, store.JobPending, "X", "twitter"))
	want := wantStats{
		total:     3,
		byStatus:  map[store.JobStatus]int{store.JobCompleted: 2, store.JobPending: 1},
		byChannel: map[string]int{"twitter": 1, "email": 1, "x": 1, "custom": 1, "X": 1},
		succeeded: map[string]int{"twitter": 1, "email": 1, "x": 1, "custom": 1},
		avg:       20 * time.Second,
		avgByCh: map[string]time.Duration{"twitter": 10 * time.Second, "email": 10 * time.Second,
			"x": 30 * time.Second, "custom": 30 * time.Second},
		overTime: []store.TimeCount{{At: base.Truncate(24 * time.Hour), Count: 3}},
	}
	for _, f := range []store.StatsFilter{{}, {Channel: "Twitter"}} {
		got, err := s.JobStats(t.Context(), f)
		require.NoError(t, err)
		requireStats(t, want, got)
	}
}
