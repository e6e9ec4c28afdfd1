package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/halcytone/halcytone/store"
	"github.com/halcytone/halcytone/store/sqlite"
)

// Open a database file, write a job and its event in one transaction, and
// list the jobs of a channel.
func Example() {
	dir, err := os.MkdirTemp("", "halcytone-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(dir, "halcytone.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	err = s.InTx(ctx, func(tx store.Tx) error {
		// River's InsertTx would take tx.Driver().(*sql.Tx) here.
		if err := tx.CreateJob(ctx, &store.Job{ID: "job-1", DocumentID: "sample:", Status: store.JobPending,
			Channels: []string{"email", "social_linkedin"}}); err != nil {
			return err
		}
		return tx.RecordEvent(ctx, &store.Event{Type: "job.created", JobID: "job-1"})
	})
	if err != nil {
		log.Fatal(err)
	}

	page, err := s.ListJobs(ctx, store.JobFilter{Channel: "email"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(page.Total, page.Jobs[0].ID, page.Jobs[0].Status)
	// Output: 1 job-1 pending
}
