package main

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/halcytone/halcytone/store"
)

// benchSeedMax bounds bench seed.
const benchSeedMax = 10_000_000

// seedOptions configure seedJobs.
type seedOptions struct {
	Jobs  int       // how many
	Batch int       // jobs per transaction
	Days  int       // created_at spread over this many days before Now
	Seed  uint64    // of the generator of statuses, channels and times
	Now   time.Time // the newest possible created_at
}

// runBenchSeed is bench seed: realistic jobs, straight into the store.
func runBenchSeed(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := dbFlag(fs, env)
	o := seedOptions{}
	fs.IntVar(&o.Jobs, "jobs", 100000, "jobs to write")
	fs.IntVar(&o.Batch, "batch", 1000, "jobs per transaction")
	fs.IntVar(&o.Days, "days", 30, "spread created_at over this many days before now")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the random statuses, channels and times (job ids are always unique)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: bench seed takes no arguments, got %q", errUsage, fs.Args())
	}
	if o.Jobs < 1 || o.Jobs > benchSeedMax {
		return fmt.Errorf("%w: --jobs %d: want 1 to %d", errUsage, o.Jobs, benchSeedMax)
	}
	if o.Batch < 1 || o.Batch > 100000 {
		return fmt.Errorf("%w: --batch %d: want 1 to 100000", errUsage, o.Batch)
	}
	if o.Days < 1 || o.Days > 3650 {
		return fmt.Errorf("%w: --days %d: want 1 to 3650", errUsage, o.Days)
	}
	o.Now = time.Now().UTC()
	st, closeStore, err := openStore(ctx, *db)
	if err != nil {
		return fmt.Errorf("database-url: %w", err)
	}
	defer func() { _ = closeStore() }()
	t0 := time.Now()
	if err := seedJobs(ctx, st, o); err != nil {
		return err
	}
	took := time.Since(t0)
	page, err := st.ListJobs(ctx, store.JobFilter{Limit: 1})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Seeded %d jobs into %s in %s (%.0f jobs/s); it now holds %d jobs.\n",
		o.Jobs, *db, took.Round(time.Millisecond), float64(o.Jobs)/took.Seconds(), page.Total)
	return nil
}

// seedJobs writes o.Jobs jobs into st in transactions of o.Batch.
func seedJobs(ctx context.Context, st store.Store, o seedOptions) error {
	g := &jobFaker{rng: rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15)), now: o.Now, span: time.Duration(o.Days) * 24 * time.Hour}
	for start := 0; start < o.Jobs; start += o.Batch {
		n := min(o.Batch, o.Jobs-start)
		jobs := make([]*store.Job, n)
		for i := range jobs {
			jobs[i] = g.job()
		}
		err := st.InTx(ctx, func(tx store.Tx) error {
			for _, j := range jobs {
				if err := tx.CreateJob(ctx, j); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("seed jobs %d to %d: %w", start, start+n, err)
		}
	}
	return nil
}

// jobFaker makes jobs that look like a few months of real use: mostly
// completed, some failed, partial or cancelled, a few still open; one to
// four channels, spelled as clients spell them; per-channel results with
// platform ids and URLs; approvals on a third.
type jobFaker struct {
	rng  *rand.Rand
	now  time.Time
	span time.Duration
}

// seedStatuses are the statuses with their weights (percent).
var seedStatuses = []struct {
	status store.JobStatus
	weight int
}{
	{store.JobCompleted, 62}, {store.JobFailed, 8}, {store.JobPartial, 7}, {store.JobCancelled, 6},
	{store.JobAwaitingApproval, 6}, {store.JobScheduled, 5}, {store.JobPending, 4}, {store.JobInProgress, 2},
}

// seedChannels are the channels with the spellings clients use.
var seedChannels = [][]string{
	{"email"}, {"website", "web"}, {"twitter", "social_twitter"}, {"linkedin", "social_linkedin"},
	{"facebook", "social_facebook"}, {"instagram", "social_instagram"},
}

var seedDocuments = []string{
	"sample:", "gdocs:1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms", "notion:8a6e1b5c2f7d4e0b9c3a1f2e4d6b8a0c",
	"file:newsletter.md", "https://breathscape.example/news.md", "content:update",
}

var seedErrors = []string{
	"503 Service Unavailable after 5 attempts",
	"rate limited: retry after 900s",
	"token expired: reconnect the account",
	"validation: post exceeds 280 weighted characters",
	"timeout after 30s; looked up: not sent",
}

var seedContentTypes = []string{"update", "blog", "announcement", "session"}

func (g *jobFaker) hex(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.rng.Uint32())
	}
	return hex.EncodeToString(b)
}

func (g *jobFaker) status() store.JobStatus {
	r := g.rng.IntN(100)
	for _, s := range seedStatuses {
		if r < s.weight {
			return s.status
		}
		r -= s.weight
	}
	return store.JobCompleted
}

// job returns a new job with a unique id.
func (g *jobFaker) job() *store.Job {
	var id [12]byte
	_, _ = crand.Read(id[:])
	created := g.now.Add(-time.Duration(g.rng.Int64N(int64(g.span)))).Truncate(time.Microsecond)
	j := &store.Job{
		ID:            "job_" + hex.EncodeToString(id[:]),
		DocumentID:    seedDocuments[g.rng.IntN(len(seedDocuments))],
		Status:        g.status(),
		CreatedAt:     created,
		UpdatedAt:     created,
		CorrelationID: "corr-" + g.hex(8),
		ContentHash:   g.hex(32),
		BundleID:      "bdl_" + g.hex(12),
		DryRun:        g.rng.IntN(10) == 0,
		Metadata:      map[string]any{"content_type": seedContentTypes[g.rng.IntN(len(seedContentTypes))], "seeded_by": "halcytone bench seed"},
	}
	for _, i := range g.rng.Perm(len(seedChannels))[:1+g.rng.IntN(4)] {
		spellings := seedChannels[i]
		j.Channels = append(j.Channels, spellings[g.rng.IntN(len(spellings))])
	}
	if g.rng.IntN(3) == 0 || j.Status == store.JobAwaitingApproval {
		state := "approved"
		if j.Status == store.JobAwaitingApproval {
			state = "pending"
		}
		j.Approval = &store.JobApproval{Level: 1 + g.rng.IntN(4), State: state, RequestID: "apr_" + g.hex(12)}
	}
	if j.Status == store.JobScheduled {
		j.ScheduledFor = created.Add(time.Duration(1+g.rng.IntN(7*24)) * time.Hour)
	}
	if j.Status == store.JobPending || j.Status == store.JobAwaitingApproval || j.Status == store.JobScheduled {
		return j
	}
	started := created.Add(time.Duration(50+g.rng.IntN(5000)) * time.Millisecond)
	j.StartedAt, j.UpdatedAt = started, started
	if j.Status == store.JobInProgress {
		return j
	}
	done := started.Add(time.Duration(200+g.rng.IntN(90000)) * time.Millisecond)
	j.CompletedAt, j.UpdatedAt = done, done
	j.Results = map[string]store.ChannelResult{}
	failAt := -1
	switch j.Status {
	case store.JobFailed:
		failAt = 0
	case store.JobPartial:
		if len(j.Channels) == 1 {
			j.Channels = append(j.Channels, "website")
		}
		failAt = 1 + g.rng.IntN(len(j.Channels)-1)
	}
	for i, ch := range j.Channels {
		r := store.ChannelResult{Status: "success", Timestamp: done}
		switch {
		case j.Status == store.JobCancelled:
			r.Status = "skipped"
		case j.Status == store.JobFailed || (failAt >= 0 && i >= failAt):
			r.Status, r.Error = "failed", ch+": "+seedErrors[g.rng.IntN(len(seedErrors))]
			j.Errors = append(j.Errors, r.Error)
		case ch == "email":
			r.Sent, r.ContentID = 1000+g.rng.IntN(99000), "cmp_"+g.hex(8)
		default:
			r.ContentID = g.hex(10)
			r.URL = "https://breathscape.example/p/" + r.ContentID
		}
		j.Results[ch] = r
	}
	return j
}
