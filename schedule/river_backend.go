package schedule

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
	"riverqueue.com/riverui"
	"riverqueue.com/riverui/uiendpoints"
)

// backend is the part of a River client RiverQueue uses, free of the
// client's transaction type parameter.
type backend interface {
	insert(ctx context.Context, tx any, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
	list(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
	cancel(ctx context.Context, id int64) (*rivertype.JobRow, error)
	start(ctx context.Context) error
	stop(ctx context.Context) error
	stopAndCancel(ctx context.Context) error
	endpoints() uiendpoints.Bundle
}

// riverBackend is a backend over a River client whose transactions are
// TTx (*sql.Tx or pgx.Tx).
type riverBackend[TTx any] struct {
	client *river.Client[TTx]
	txName string
}

func (b *riverBackend[TTx]) insert(ctx context.Context, tx any, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
	if tx == nil {
		return b.client.InsertMany(ctx, params)
	}
	t, ok := tx.(TTx)
	if !ok {
		return nil, invalidf("transaction is a %T, want a %s", tx, b.txName)
	}
	return b.client.InsertManyTx(ctx, t, params)
}

func (b *riverBackend[TTx]) list(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error) {
	return b.client.JobList(ctx, params)
}

func (b *riverBackend[TTx]) cancel(ctx context.Context, id int64) (*rivertype.JobRow, error) {
	return b.client.JobCancel(ctx, id)
}

func (b *riverBackend[TTx]) start(ctx context.Context) error { return b.client.Start(ctx) }
func (b *riverBackend[TTx]) stop(ctx context.Context) error  { return b.client.Stop(ctx) }
func (b *riverBackend[TTx]) stopAndCancel(ctx context.Context) error {
	return b.client.StopAndCancel(ctx)
}
func (b *riverBackend[TTx]) endpoints() uiendpoints.Bundle {
	return riverui.NewEndpoints(b.client, nil)
}

// newRiverQueue migrates River's tables with driver and builds the queue.
// migrate applies the migrations; nil runs them as rivermigrate does, with
// no lock.
func newRiverQueue[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], txName string, cfg Config,
	migrate func(context.Context, *rivermigrate.Migrator[TTx]) error) (*RiverQueue, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: cfg.Logger, Schema: cfg.Schema})
	if err != nil {
		return nil, fmt.Errorf("schedule: river migrations: %w", err)
	}
	if migrate == nil {
		migrate = func(ctx context.Context, m *rivermigrate.Migrator[TTx]) error {
			_, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
			return err
		}
	}
	if err := migrate(ctx, migrator); err != nil {
		return nil, fmt.Errorf("schedule: apply river migrations: %w", err)
	}
	rc := &river.Config{
		CompletedJobRetentionPeriod: cfg.CompletedRetention,
		FetchCooldown:               cfg.FetchCooldown,
		FetchPollInterval:           cfg.FetchPollInterval,
		JobTimeout:                  cfg.JobTimeout,
		Logger:                      cfg.Logger,
		MaxAttempts:                 cfg.Retry.MaxAttempts,
		RescueStuckJobsAfter:        cfg.RescueAfter,
		RetryPolicy:                 retryPolicy{cfg.Retry},
		Schema:                      cfg.Schema,
	}
	if cfg.Worker != nil {
		workers := river.NewWorkers()
		if err := river.AddWorkerSafely(workers, &riverWorker{w: cfg.Worker, retry: cfg.Retry}); err != nil {
			return nil, fmt.Errorf("schedule: register worker: %w", err)
		}
		rc.Workers = workers
		rc.Queues = map[string]river.QueueConfig{cfg.Queue: {MaxWorkers: cfg.Workers}}
	}
	client, err := river.NewClient(driver, rc)
	if err != nil {
		return nil, fmt.Errorf("schedule: river client: %w", err)
	}
	return &RiverQueue{cfg: cfg, backend: &riverBackend[TTx]{client: client, txName: txName}}, nil
}

// publishArgs are the River args of a Job. Only the delivery key takes
// part in uniqueness.
type publishArgs struct {
	JobID       string            `json:"job_id"`
	DeliveryKey string            `json:"delivery_key" river:"unique"`
	RunAt       time.Time         `json:"run_at,omitzero"`
	Attrs       map[string]string `json:"attrs,omitempty"`
}

// Kind implements river.JobArgs.
func (publishArgs) Kind() string { return Kind }

func argsOf(j Job) publishArgs {
	var runAt time.Time
	if !j.RunAt.IsZero() {
		runAt = j.RunAt.UTC()
	}
	return publishArgs{JobID: j.JobID, DeliveryKey: j.DeliveryKey, RunAt: runAt, Attrs: j.Attrs}
}

func (a publishArgs) job() Job {
	return Job(a)
}

// riverWorker runs a Worker for River and maps its error with Decide.
type riverWorker struct {
	river.WorkerDefaults[publishArgs]
	w     Worker
	retry RetryPolicy
}

// Work implements river.Worker.
func (rw *riverWorker) Work(ctx context.Context, job *river.Job[publishArgs]) error {
	snoozes := snoozesOf(job.Metadata)
	err := rw.w.Work(WithAttempt(ctx, job.Attempt, snoozes, rw.retry), job.Args.job(), job.Attempt)
	d := Decide(err, job.Attempt, snoozes, rw.retry)
	switch d.Action {
	case ActionComplete:
		return nil
	case ActionCancel:
		return river.JobCancel(err)
	case ActionSnooze:
		return river.JobSnooze(d.Delay)
	default: // retry or discard: River counts the attempt and applies retryPolicy.
		return err
	}
}

// retryPolicy is RetryPolicy as River's ClientRetryPolicy.
type retryPolicy struct{ p RetryPolicy }

// NextRetry implements river.ClientRetryPolicy: the attempt that failed is
// failure number len(job.Errors)+1 (snoozes leave no error).
func (r retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().UTC().Add(r.p.Backoff(len(job.Errors) + 1))
}
