package sqlite_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/store"
	"github.com/halcytone/halcytone/store/sqlite"
	"github.com/halcytone/halcytone/store/storetest"
)

// BenchmarkListJobs: 20 newest jobs with Total, out of 100,000.
func BenchmarkListJobs(b *testing.B) {
	s, _ := openTemp(b)
	storetest.BenchmarkListJobs(b, s, 100_000)
}

var benchStatuses = []store.JobStatus{store.JobCompleted, store.JobFailed, store.JobPending, store.JobScheduled}
var benchChannels = []string{"email", "website", "social_twitter", "social_linkedin"}

// seedJobs inserts n jobs in batches of 1,000.
func seedJobs(b *testing.B, s store.Store, n int) {
	b.Helper()
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for start := 0; start < n; start += 1000 {
		err := s.InTx(ctx, func(tx store.Tx) error {
			for i := start; i < min(start+1000, n); i++ {
				j := &store.Job{
					ID: fmt.Sprintf("job-%07d", i), DocumentID: "gdocs:doc", Status: benchStatuses[i%len(benchStatuses)],
					Channels:  []string{benchChannels[i%len(benchChannels)], benchChannels[(i+1)%len(benchChannels)]},
					CreatedAt: t0.Add(time.Duration(i) * time.Second),
					Metadata:  map[string]any{"i": i},
				}
				if err := tx.CreateJob(ctx, j); err != nil {
					return err
				}
			}
			return nil
		})
		require.NoError(b, err)
	}
}

// BenchmarkListJobsFilters lists 20 of 100,000 jobs with each kind of
// filter, the Total included.
func BenchmarkListJobsFilters(b *testing.B) {
	s, _ := openTemp(b)
	seedJobs(b, s, 100_000)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	filters := []struct {
		name string
		f    store.JobFilter
	}{
		{"none", store.JobFilter{}},
		{"status", store.JobFilter{Statuses: []store.JobStatus{store.JobFailed}}},
		{"two statuses", store.JobFilter{Statuses: []store.JobStatus{store.JobFailed, store.JobPending}}},
		{"channel", store.JobFilter{Channel: "email"}},
		{"channel and status", store.JobFilter{Channel: "email", Statuses: []store.JobStatus{store.JobCompleted}}},
		{"window of 10000", store.JobFilter{CreatedAfter: t0.Add(50_000 * time.Second), CreatedBefore: t0.Add(60_000 * time.Second)}},
		{"offset 1000", store.JobFilter{Offset: 1000}},
	}
	for _, f := range filters {
		b.Run(f.name, func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				page, err := s.ListJobs(ctx, f.f)
				if err != nil || len(page.Jobs) != 20 {
					b.Fatalf("list: %v, %d jobs", err, len(page.Jobs))
				}
			}
		})
	}
}

// BenchmarkListJobsUnderWrites lists 20 of 100,000 jobs while another
// goroutine keeps the writer busy with transactions, with the read pool
// and without it (reads then queue behind the writer).
func BenchmarkListJobsUnderWrites(b *testing.B) {
	for _, tc := range []struct {
		name  string
		conns int
	}{{"read pool", 4}, {"writer only", 0}} {
		b.Run(tc.name, func(b *testing.B) {
			s, _ := openTemp(b, sqlite.WithReadConns(tc.conns))
			seedJobs(b, s, 100_000)
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ctx.Err() == nil; i++ {
					_ = s.InTx(ctx, func(tx store.Tx) error {
						for k := range 10 {
							if err := tx.CreateJob(ctx, &store.Job{ID: fmt.Sprintf("w-%d-%d", i, k), DocumentID: "d",
								Status: store.JobPending, Channels: []string{"email"}}); err != nil {
								return err
							}
						}
						return nil
					})
				}
			}()
			b.ResetTimer()
			for b.Loop() {
				if _, err := s.ListJobs(context.Background(), store.JobFilter{}); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			cancel()
			wg.Wait()
		})
	}
}

// BenchmarkListJobsAnalyzed is BenchmarkListJobs after ANALYZE, to check
// that planner statistics (which PRAGMA optimize gathers on Close) keep
// the index plans.
func BenchmarkListJobsAnalyzed(b *testing.B) {
	s, _ := openTemp(b)
	seedJobs(b, s, 100_000)
	_, err := s.DB().ExecContext(context.Background(), "ANALYZE")
	require.NoError(b, err)
	for _, f := range []store.JobFilter{{}, {Statuses: []store.JobStatus{store.JobFailed}}, {Channel: "email"}} {
		b.Run(fmt.Sprintf("%v/%s", f.Statuses, f.Channel), func(b *testing.B) {
			for b.Loop() {
				if _, err := s.ListJobs(context.Background(), f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkListJobsSpellings lists 20 of 100,000 jobs, the Total included,
// filtered by a channel the jobs spell in several ways ("web" and
// "website", "x" and "social_twitter"), against a channel they spell in
// one ("email") and one no job lists ("instagram"), before and after
// ANALYZE.
//
//	go test -run '^$' -bench ListJobsSpellings -benchtime 200x ./store/sqlite/
func BenchmarkListJobsSpellings(b *testing.B) {
	s, _ := openTemp(b)
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	spelled := [][]string{{"web", "email"}, {"website", "x"}, {"social_twitter", "web"}, {"email"}}
	for start := 0; start < 100_000; start += 1000 {
		require.NoError(b, s.InTx(ctx, func(tx store.Tx) error {
			for i := start; i < start+1000; i++ {
				if err := tx.CreateJob(ctx, &store.Job{
					ID: fmt.Sprintf("job-%07d", i), DocumentID: "gdocs:doc", Status: benchStatuses[i%len(benchStatuses)],
					Channels: spelled[i%len(spelled)], CreatedAt: t0.Add(time.Duration(i) * time.Second),
				}); err != nil {
					return err
				}
			}
			return nil
		}))
	}
	window := store.JobFilter{CreatedAfter: t0.Add(50_000 * time.Second), CreatedBefore: t0.Add(60_000 * time.Second)}
	filters := []struct {
		name string
		f    store.JobFilter
	}{
		{"one spelling", store.JobFilter{Channel: "email"}},
		{"two spellings", store.JobFilter{Channel: "website"}},
		{"two spellings and status", store.JobFilter{Channel: "twitter", Statuses: []store.JobStatus{store.JobFailed}}},
		{"two spellings, offset 1000", store.JobFilter{Channel: "web", Offset: 1000}},
		{"one spelling, window of 10000", store.JobFilter{Channel: "email", CreatedAfter: window.CreatedAfter, CreatedBefore: window.CreatedBefore}},
		{"two spellings, window of 10000", store.JobFilter{Channel: "website", CreatedAfter: window.CreatedAfter, CreatedBefore: window.CreatedBefore}},
		{"no job", store.JobFilter{Channel: "instagram"}},
	}
	for _, analyzed := range []bool{false, true} {
		if analyzed {
			_, err := s.DB().ExecContext(ctx, "ANALYZE")
			require.NoError(b, err)
		}
		for _, f := range filters {
			b.Run(fmt.Sprintf("analyzed=%v/%s", analyzed, f.name), func(b *testing.B) {
				for b.Loop() {
					page, err := s.ListJobs(ctx, f.f)
					if err != nil || (f.f.Channel != "instagram" && len(page.Jobs) != 20) {
						b.Fatalf("list: %v, %d jobs", err, len(page.Jobs))
					}
				}
			})
		}
	}
}
