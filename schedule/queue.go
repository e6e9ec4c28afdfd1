package schedule

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/halcytone/halcytone/store"
)

// Kind is the River job kind of every job this package enqueues.
const Kind = "halcytone_publish"

// ErrNoWorker is returned by Start when the queue was built without a
// Worker: such a queue can enqueue and cancel but not work.
var ErrNoWorker = errors.New("schedule: no worker configured")

// Job is one delivery waiting in the queue: the delivery with key
// DeliveryKey of the Halcytone job JobID, due at RunAt.
type Job struct {
	// JobID is the Halcytone job (store.Job.ID) the delivery belongs to.
	JobID string `json:"job_id"`
	// DeliveryKey is the delivery's idempotency key; the queue holds at
	// most one live or completed entry per key.
	DeliveryKey string `json:"delivery_key"`
	// RunAt is when the delivery is due; zero means now.
	RunAt time.Time `json:"run_at,omitzero"`
	// Attrs are small string attributes the worker needs (channel,
	// platform, account, ...). Keep them small: they are stored with the
	// queue entry.
	Attrs map[string]string `json:"attrs,omitempty"`
}

// validate refuses a job that cannot be enqueued.
func (j Job) validate() error {
	switch {
	case j.JobID == "":
		return invalidf("job with delivery key %q has no job id", j.DeliveryKey)
	case j.DeliveryKey == "":
		return invalidf("job %q has no delivery key", j.JobID)
	case len(j.DeliveryKey) > 512:
		return invalidf("job %q: delivery key longer than 512 bytes", j.JobID)
	}
	return nil
}

// Queue is a durable queue of deliveries. Implementations are safe for
// concurrent use.
type Queue interface {
	// Enqueue adds j inside tx, the caller's transaction, so that the
	// entry commits or rolls back with the caller's writes. A nil tx
	// inserts in a transaction of its own. inserted is false, with no
	// error, when an entry with j.DeliveryKey is already queued, running
	// or completed.
	Enqueue(ctx context.Context, tx store.Tx, j Job) (inserted bool, err error)
	// Cancel cancels every queued (not yet running) entry of the
	// Halcytone job jobID and reports how many it cancelled.
	Cancel(ctx context.Context, jobID string) (int, error)
	// Start starts working due entries with the configured Worker.
	Start(ctx context.Context) error
	// Stop stops fetching new entries and waits, until ctx is done, for
	// running ones to finish; then it cancels those still running.
	Stop(ctx context.Context) error
}

// Worker does the work of one queue entry. attempt counts from 1; snoozes
// (rate limits) do not count. The returned error is classified with
// content.ClassOf and mapped as Decide describes.
type Worker interface {
	Work(ctx context.Context, j Job, attempt int) error
}

// WorkerFunc adapts a function to Worker.
type WorkerFunc func(ctx context.Context, j Job, attempt int) error

// Work calls f.
func (f WorkerFunc) Work(ctx context.Context, j Job, attempt int) error { return f(ctx, j, attempt) }

// Config configures a RiverQueue. Zero fields take the defaults named on
// each; DefaultConfig returns them.
type Config struct {
	// Worker works due entries; nil makes an enqueue-only queue.
	Worker Worker
	// Workers is how many entries are worked at once (default 1,000, the
	// throughput setting measured on this project's machines).
	Workers int
	// FetchCooldown is the least time between two fetches of due entries
	// (default 10 ms).
	FetchCooldown time.Duration
	// FetchPollInterval is the longest time between two fetches when no
	// insert notification arrives (default 1 s).
	FetchPollInterval time.Duration
	// JobTimeout bounds one attempt (default 5 min).
	JobTimeout time.Duration
	// RescueAfter is how long an entry may stay running before River
	// takes it for abandoned (its process died) and runs it again; it must
	// exceed JobTimeout (default JobTimeout + 1 min). River's rescuer looks
	// every 30 s, so an abandoned entry runs again within RescueAfter+30 s.
	RescueAfter time.Duration
	// Retry is the retry policy (default DefaultRetryPolicy).
	Retry RetryPolicy
	// Logger receives River's logs (default: discard below warnings to
	// slog.Default()).
	Logger *slog.Logger
	// Queue is the River queue name (default "halcytone").
	Queue string
	// Schema is the PostgreSQL schema of River's tables; empty uses the
	// connection's search_path. Ignored on SQLite.
	Schema string
	// CompletedRetention is how long completed entries are kept, and so
	// how long the queue itself refuses a completed delivery key again
	// (default 7 days). The store's delivery record keeps the key unique
	// for ever.
	CompletedRetention time.Duration
}

// The defaults of Config.
const (
	DefaultWorkers            = 1000
	DefaultFetchCooldown      = 10 * time.Millisecond
	DefaultFetchPollInterval  = time.Second
	DefaultJobTimeout         = 5 * time.Minute
	DefaultQueueName          = "halcytone"
	DefaultCompletedRetention = 7 * 24 * time.Hour
)

// withDefaults returns c with zero fields set to their defaults, or an
// error naming a field out of range.
func (c Config) withDefaults() (Config, error) {
	if c.Workers < 0 || c.Workers > 10_000 {
		return c, invalidf("config: workers %d out of range 1..10000", c.Workers)
	}
	if c.FetchCooldown < 0 || c.FetchPollInterval < 0 || c.JobTimeout < 0 || c.RescueAfter < 0 || c.CompletedRetention < 0 {
		return c, invalidf("config: negative duration")
	}
	if c.Workers == 0 {
		c.Workers = DefaultWorkers
	}
	if c.FetchCooldown == 0 {
		c.FetchCooldown = DefaultFetchCooldown
	}
	if c.FetchPollInterval == 0 {
		c.FetchPollInterval = DefaultFetchPollInterval
	}
	if c.FetchPollInterval < c.FetchCooldown {
		c.FetchPollInterval = c.FetchCooldown
	}
	if c.JobTimeout == 0 {
		c.JobTimeout = DefaultJobTimeout
	}
	if c.RescueAfter == 0 {
		c.RescueAfter = c.JobTimeout + time.Minute
	}
	if c.RescueAfter <= c.JobTimeout {
		return c, invalidf("config: rescue after %s must exceed the job timeout %s", c.RescueAfter, c.JobTimeout)
	}
	if c.Queue == "" {
		c.Queue = DefaultQueueName
	}
	if c.CompletedRetention == 0 {
		c.CompletedRetention = DefaultCompletedRetention
	}
	c.Retry = c.Retry.withDefaults()
	if c.Logger == nil {
		c.Logger = slog.New(discardBelowWarn{slog.Default().Handler()})
	}
	return c, nil
}
