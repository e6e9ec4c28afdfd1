// Command downstream-testing shows how a project that uses Halcytone tests
// its own code with package mock. The code under test is Newsroom
// (newsroom.go); main_test.go holds the tests, which are the point of this
// example. Running it wires the same in-memory Engine the tests use and
// walks one announcement through review and delivery.
//
//	go run ./examples/downstream-testing
//	go test ./examples/downstream-testing
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/approval"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/source"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "downstream-testing:", err)
		os.Exit(1)
	}
}

// reviewers is the approval directory of the example: who holds which
// role.
func reviewers() approval.StaticDirectory {
	return approval.StaticDirectory{"erin": {"editor"}, "mark": {"marketing"}, "maya": {"manager"}}
}

// run announces one piece of news through a Newsroom on an in-memory
// Engine, approves it, and writes what each publisher received to w.
func run(ctx context.Context, w io.Writer) error {
	pubs := []*mock.RecordingPublisher{
		mock.NewRecordingPublisher("email", content.ChannelEmail),
		mock.NewRecordingPublisher("web", content.ChannelWebsite),
		mock.NewRecordingPublisher("linkedin", content.ChannelLinkedIn),
		mock.NewRecordingPublisher("x", content.ChannelTwitter),
	}
	q := mock.NewQueue(nil)
	eng, err := halcytone.New(halcytone.Config{
		Store:      mock.NewStore(),
		Sources:    source.NewRegistry(),
		Queue:      q,
		Publishers: []publish.Publisher{pubs[0], pubs[1], pubs[2], pubs[3]},
		Gate:       &approval.Gate{Policy: approval.DefaultPolicy(), Directory: reviewers()},
	})
	if err != nil {
		return err
	}
	q.Worker = eng
	qctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := q.Start(qctx); err != nil {
		return err
	}
	defer func() { _ = q.Stop(context.Background()) }()

	news := &Newsroom{Engine: eng, Author: "ada"}
	job, err := news.Announce(ctx, Announcement{
		Title: "Breathscape opens a studio in Lisbon",
		Body: "Our first studio outside the app opens in Lisbon in March, with guided group " +
			"sessions every weekday evening and an open practice hour on Saturdays.",
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Announced: job %s %s, approval level %d\n", job.ID, job.Status, job.Approval.Level)
	fmt.Fprintf(w, "Published before review: %d\n", published(pubs))

	for _, reviewer := range []string{"erin", "mark"} {
		a, err := eng.Decide(ctx, job.Approval.RequestID, approval.DecisionInput{
			Reviewer: reviewer, Decision: approval.Approve, ContentHash: job.ContentHash,
		})
		if err != nil {
			return fmt.Errorf("%s approves: %w", reviewer, err)
		}
		fmt.Fprintf(w, "  %s approved: request %s\n", reviewer, a.State)
	}
	wctx, done := context.WithTimeout(ctx, time.Minute)
	defer done()
	if err := q.Wait(wctx); err != nil {
		return err
	}
	job, err = eng.Job(ctx, job.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Job %s: %s\n", job.ID, job.Status)
	for _, p := range pubs {
		fmt.Fprintf(w, "  %-8s received %d\n", p.Name(), len(p.Published()))
	}
	return nil
}

// published counts the deliveries the publishers accepted.
func published(pubs []*mock.RecordingPublisher) int {
	n := 0
	for _, p := range pubs {
		n += len(p.Published())
	}
	return n
}
