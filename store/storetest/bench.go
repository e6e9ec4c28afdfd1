package storetest

import (
	"fmt"
	"testing"

	"github.com/halcytone/halcytone/store"
)

// benchBatch is how many jobs BenchmarkListJobs inserts per transaction.
const benchBatch = 1000

// BenchmarkListJobs measures ListJobs with Limit 20, newest first, with
// its Total, over a store holding total jobs. It seeds s with jobs
// "bench-0000000", ... (mixed statuses and channels, one a second) in InTx
// batches that are not measured; seeding is skipped for the jobs s already
// holds, so a driver may call it several times on one store. s must hold
// no other jobs.
func BenchmarkListJobs(b *testing.B, s store.Store, total int) {
	b.Helper()
	ctx := b.Context()
	page, err := s.ListJobs(ctx, store.JobFilter{Limit: 1})
	if err != nil {
		b.Fatalf("count jobs: %v", err)
	}
	statuses := []store.JobStatus{store.JobCompleted, store.JobCompleted, store.JobFailed, store.JobPending, store.JobPartial}
	channels := [][]string{{"email"}, {"website", "email"}, {"social_linkedin"}, {"email", "social_x", "website"}}
	for start := page.Total; start < total; start += benchBatch {
		err := s.InTx(ctx, func(tx store.Tx) error {
			for i := start; i < min(start+benchBatch, total); i++ {
				j := job(fmt.Sprintf("bench-%07d", i), 0, statuses[i%len(statuses)], channels[i%len(channels)]...)
				j.CreatedAt = base.Add(-timeSeconds(total - i))
				j.UpdatedAt = j.CreatedAt
				if err := tx.CreateJob(ctx, j); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatalf("seed jobs from %d: %v", start, err)
		}
	}

	b.ReportAllocs()
	for b.Loop() {
		page, err = s.ListJobs(ctx, store.JobFilter{Limit: 20})
		if err != nil {
			b.Fatalf("list jobs: %v", err)
		}
	}
	if page.Total != total || len(page.Jobs) != min(20, total) {
		b.Fatalf("ListJobs returned %d jobs of %d, want %d of %d", len(page.Jobs), page.Total, min(20, total), total)
	}
}
