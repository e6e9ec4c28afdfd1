package postgres_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/halcytone/halcytone/store"
	"github.com/halcytone/halcytone/store/postgres"
)

// Open a store in a schema of its own, write a job and its River queue
// entry in one transaction, and list the newest jobs.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := postgres.Open(ctx, "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
		postgres.WithSchema("halcytone"), postgres.WithMaxConns(10))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	// River shares the pool: river.NewClient(riverpgxv5.New(s.Pool()), ...).

	err = s.InTx(ctx, func(tx store.Tx) error {
		j := &store.Job{ID: "job-1", DocumentID: "gdocs:abc", Channels: []string{"email"}, Status: store.JobScheduled}
		if err := tx.CreateJob(ctx, j); err != nil {
			return err
		}
		// riverClient.InsertTx(ctx, tx.Driver().(pgx.Tx), args, opts)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	page, err := s.ListJobs(ctx, store.JobFilter{Channel: "email", Limit: 20})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(page.Total, "jobs")
}
