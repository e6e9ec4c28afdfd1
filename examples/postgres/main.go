// Command postgres runs the Engine on PostgreSQL: the store
// (store/postgres) and the River queue (schedule.NewPostgres) share one
// database and one schema. It generates a job for the built-in "sample:"
// document, which speaks of health and so needs level-4 approval, has it
// approved by legal and by an executive, lets the queue deliver it to
// recording publishers, and prints the job.
//
//	go run ./examples/postgres [-database-url postgres://...] [-schema name] [-keep]
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	neturl "net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/approval"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/schedule"
	"github.com/halcytone/halcytone/source"
	"github.com/halcytone/halcytone/store"
	"github.com/halcytone/halcytone/store/postgres"
)

// DefaultURL is the database used when neither -database-url nor
// HALCYTONE_DATABASE_URL names one: the local server of the test suite.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// The reviewers of the example's approval directory, and the author, who
// may not approve their own content.
const (
	author    = "ada"
	legal     = "lee"
	executive = "eve"
)

func main() {
	url := flag.String("database-url", orDefault(os.Getenv("HALCYTONE_DATABASE_URL"), DefaultURL),
		"the PostgreSQL URL (env HALCYTONE_DATABASE_URL)")
	schema := flag.String("schema", "", "the schema to work in (default: a new one, dropped at the end)")
	keep := flag.Bool("keep", false, "keep the schema the example created, to look at it with psql")
	flag.Parse()
	if err := start(*url, *schema, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "postgres:", err)
		os.Exit(1)
	}
}

// start runs the example in schema, or in a new schema that it drops at
// the end unless keep is set.
func start(url, schema string, keep bool) (err error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if schema == "" {
		schema = NewSchemaName("halcytone_example_")
		if !keep {
			defer func() { err = errors.Join(err, DropSchema(context.Background(), url, schema)) }()
		}
	}
	return run(ctx, os.Stdout, url, schema)
}

// run works in schema of the database at url and writes what happened to
// w.
func run(ctx context.Context, w io.Writer, url, schema string) error {
	octx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	st, err := postgres.Open(octx, url, postgres.WithSchema(schema))
	if err != nil {
		return fmt.Errorf("open PostgreSQL at %s (is it running? pass -database-url or set HALCYTONE_DATABASE_URL): %w", redact(url), err)
	}
	defer st.Close()
	fmt.Fprintf(w, "PostgreSQL store and River queue in schema %q\n", schema)

	// The queue lives in the same database and schema, so a job's rows and
	// its queue entries commit in one transaction. Its worker is the Engine,
	// made below.
	var eng *halcytone.Engine
	q, err := schedule.NewPostgres(ctx, st.Pool(), schedule.Config{
		Schema:            schema,
		Workers:           8,
		FetchPollInterval: 200 * time.Millisecond,
		Worker: schedule.WorkerFunc(func(ctx context.Context, j schedule.Job, attempt int) error {
			return eng.Work(ctx, j, attempt)
		}),
	})
	if err != nil {
		return err
	}

	// Recording publishers stand in for the real ones: they keep what they
	// are given and honour idempotency keys.
	pubs := []*mock.RecordingPublisher{
		mock.NewRecordingPublisher("email", content.ChannelEmail),
		mock.NewRecordingPublisher("web", content.ChannelWebsite),
		mock.NewRecordingPublisher("linkedin", content.ChannelLinkedIn),
	}
	eng, err = halcytone.New(halcytone.Config{
		Store:      st,
		Sources:    source.NewRegistry(), // knows sample:
		Queue:      q,
		Publishers: []publish.Publisher{pubs[0], pubs[1], pubs[2]},
		Gate: &approval.Gate{Policy: approval.DefaultPolicy(), Directory: approval.StaticDirectory{
			legal: {"legal"}, executive: {"executive"},
		}},
	})
	if err != nil {
		return err
	}
	qctx, stopQueue := context.WithCancel(ctx)
	defer stopQueue()
	if err := q.Start(qctx); err != nil {
		return err
	}
	defer func() {
		sctx, done := context.WithTimeout(context.Background(), 30*time.Second)
		defer done()
		_ = q.Stop(sctx)
	}()

	// 1. Generate: fetch, assemble, validate, store, open the approval.
	res, err := eng.Generate(ctx, halcytone.Request{
		DocumentID: "sample:",
		Channels:   []string{"email", "web", "linkedin"},
		Author:     author,
	})
	if err != nil {
		return err
	}
	if res.Job == nil {
		return fmt.Errorf("no job: %s %v", res.Status, res.Report.Issues)
	}
	fmt.Fprintf(w, "Generated job %s: %s, approval level %d (%s)\n", res.Job.ID, res.Status, res.Approval.Level, stageNames(res.Approval))

	// 2. Approve: legal and executive, each on the content hash they saw.
	// Nothing is enqueued until the last stage approves.
	for _, reviewer := range []string{legal, executive} {
		a, err := eng.Decide(ctx, res.Approval.ID, approval.DecisionInput{
			Reviewer:    reviewer,
			Decision:    approval.Approve,
			Comment:     "checked",
			ContentHash: res.Approval.ContentHash,
		})
		if err != nil {
			return fmt.Errorf("%s approves: %w", reviewer, err)
		}
		fmt.Fprintf(w, "  %s approved: request %s\n", reviewer, a.State)
	}

	// 3. The River queue delivers each channel; wait for the job to settle.
	job, err := waitJob(ctx, eng, res.Job.ID, 2*time.Minute)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Job %s: %s\n", job.ID, job.Status)
	for _, ch := range job.Channels {
		r := job.Results[ch]
		fmt.Fprintf(w, "  %-8s %s (content id %s)\n", ch, r.Status, r.ContentID)
	}
	deliveries, err := st.ListDeliveries(ctx, job.ID)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "Deliveries recorded in PostgreSQL:")
	for _, d := range deliveries {
		fmt.Fprintf(w, "  %-8s %s after %d attempt(s), key %s\n", d.Channel, d.Status, d.Attempts, short(d.IdempotencyKey))
	}
	// River marks an entry completed just after its worker returns.
	states, err := waitEntries(ctx, q, job.ID, time.Minute)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "River entries of the job: %s\n", strings.Join(states, ", "))
	fmt.Fprintln(w, "Received by the recording publishers:")
	for _, p := range pubs {
		for _, pb := range p.Published() {
			subject := ""
			if n := pb.Delivery.Bundle.Newsletter; n != nil && p.Channel() == content.ChannelEmail {
				subject = fmt.Sprintf(" subject %q", n.Subject)
			}
			fmt.Fprintf(w, "  %-8s %s%s\n", p.Name(), pb.Receipt.ExternalID, subject)
		}
	}
	return nil
}

// waitJob polls the job until it reaches a final status or d passes.
func waitJob(ctx context.Context, eng *halcytone.Engine, id string, d time.Duration) (*store.Job, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		j, err := eng.Job(ctx, id)
		if err == nil && j.Status.Terminal() {
			return j, nil
		}
		select {
		case <-ctx.Done():
			if err == nil {
				err = fmt.Errorf("job %s still %s", id, j.Status)
			}
			return nil, errors.Join(err, ctx.Err())
		case <-tick.C:
		}
	}
}

// waitEntries waits until no queue entry of the job is still to run or
// running, or d passes, and returns the entries' states.
func waitEntries(ctx context.Context, q *schedule.RiverQueue, jobID string, d time.Duration) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for {
		entries, err := q.Entries(ctx, jobID)
		if err != nil {
			return nil, err
		}
		var states []string
		settled := true
		for _, e := range entries {
			states = append(states, e.State)
			switch e.State {
			case "available", "scheduled", "running", "retryable", "pending":
				settled = false
			}
		}
		if settled {
			return states, nil
		}
		select {
		case <-ctx.Done():
			return states, fmt.Errorf("queue entries of job %s: %w", jobID, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// short shortens an idempotency key for printing.
func short(key string) string {
	if len(key) > 16 {
		return key[:16] + "…"
	}
	return key
}

// stageNames lists the stages of an approval request, as "executive+legal".
func stageNames(a *store.ApprovalRequest) string {
	var names []string
	for _, s := range a.Stages {
		names = append(names, s.Name)
	}
	slices.Sort(names)
	return strings.Join(names, "+")
}

// NewSchemaName returns prefix followed by 12 random hex digits.
func NewSchemaName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// DropSchema drops schema, and everything in it, from the database at url.
func DropSchema(ctx context.Context, url, schema string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("drop schema %s: %w", schema, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
		return fmt.Errorf("drop schema %s: %w", schema, err)
	}
	return nil
}

// redact hides the password of a postgres:// URL, for messages.
func redact(raw string) string {
	u, err := neturl.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	return u.Redacted()
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
