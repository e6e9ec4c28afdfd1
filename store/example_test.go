package store_test

import (
	"context"
	"fmt"
	"time"

	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/store"
)

// Jobs are written in transactions and listed newest first, with the
// total of the filter: what a dashboard page needs in one call.
func Example() {
	ctx := context.Background()
	var st store.Store = mock.NewStore() // or sqlite.Open, postgres.Open
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	err := st.InTx(ctx, func(tx store.Tx) error {
		for i, status := range []store.JobStatus{store.JobCompleted, store.JobFailed, store.JobCompleted} {
			j := &store.Job{ID: fmt.Sprintf("job-%d", i+1), DocumentID: "sample:", Channels: []string{"email"},
				Status: status, CreatedAt: t0.Add(time.Duration(i) * time.Hour)}
			if err := tx.CreateJob(ctx, j); err != nil {
				return err // the whole transaction rolls back
			}
		}
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	page, err := st.ListJobs(ctx, store.JobFilter{Statuses: []store.JobStatus{store.JobCompleted}, Limit: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(page.Total, page.Jobs[0].ID)
	// Output: 2 job-3
}
