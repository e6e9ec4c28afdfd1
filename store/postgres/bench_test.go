package postgres_test

import (
	"testing"
	"time"

	"github.com/halcytone/halcytone/store"
	"github.com/halcytone/halcytone/store/storetest"
)

// BenchmarkListJobs lists 20 jobs, newest first, with their Total, out of
// 100,000.
//
//	go test -run '^$' -bench ListJobs -count 3 ./store/postgres/
func BenchmarkListJobs(b *testing.B) {
	storetest.BenchmarkListJobs(b, openTest(b), 100_000)
}

// BenchmarkListJobsFiltered lists 20 jobs with their Total out of 100,000
// through each filter, on the jobs storetest.BenchmarkListJobs seeds.
func BenchmarkListJobsFiltered(b *testing.B) {
	s := openTest(b)
	b.Run("seed", func(b *testing.B) { storetest.BenchmarkListJobs(b, s, 100_000) })
	// The steady state: autovacuum analyzes a table that grew this much
	// within a minute; the plans below depend on those statistics.
	if _, err := s.Pool().Exec(b.Context(), `ANALYZE jobs`); err != nil {
		b.Fatal(err)
	}
	window := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	filters := []struct {
		name string
		f    store.JobFilter
	}{
		{"status", store.JobFilter{Statuses: []store.JobStatus{store.JobFailed}}},
		{"two_statuses", store.JobFilter{Statuses: []store.JobStatus{store.JobFailed, store.JobPending}}},
		{"channel", store.JobFilter{Channel: "social_linkedin"}},
		{"channel_status", store.JobFilter{Channel: "social_x", Statuses: []store.JobStatus{store.JobPending}}},
		{"offset_1000", store.JobFilter{Offset: 1000}},
		{"window_counted", store.JobFilter{CreatedAfter: window.AddDate(-10, 0, 0)}},
	}
	for _, tt := range filters {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				page, err := s.ListJobs(b.Context(), tt.f)
				if err != nil || len(page.Jobs) == 0 {
					b.Fatalf("ListJobs(%+v) = %d jobs, %v", tt.f, len(page.Jobs), err)
				}
			}
		})
	}
}
