package schedule

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/halcytone/halcytone/store"
)

// RiverQueue is the Queue on River, over SQLite (NewSQLite) or PostgreSQL
// (NewPostgres). It is safe for concurrent use.
type RiverQueue struct {
	cfg     Config
	backend backend

	mu      sync.Mutex
	started bool
}

var _ Queue = (*RiverQueue)(nil)

// NewSQLite returns a queue whose tables live in the SQLite database db
// (modernc.org/sqlite, opened as DEPENDENCIES.md describes, one writer
// connection). It applies River's migrations before returning; applying
// them again is a no-op. Enqueue takes a store.Tx whose Driver is a
// *sql.Tx of db.
func NewSQLite(ctx context.Context, db *sql.DB, cfg Config) (*RiverQueue, error) {
	if db == nil {
		return nil, invalidf("nil sqlite database")
	}
	cfg.Schema = "" // River's SQLite driver has no schemas; tables live in main.
	// SQLite serialises writers: two processes migrating at once take turns.
	return newRiverQueue(ctx, riversqlite.New(db), "*sql.Tx", cfg, nil)
}

// NewPostgres returns a queue whose tables live in the PostgreSQL database
// of pool, in cfg.Schema or the search_path. It applies River's migrations
// before returning. Enqueue takes a store.Tx whose Driver is a pgx.Tx of
// pool.
func NewPostgres(ctx context.Context, pool *pgxpool.Pool, cfg Config) (*RiverQueue, error) {
	if pool == nil {
		return nil, invalidf("nil postgres pool")
	}
	return newRiverQueue(ctx, riverpgxv5.New(pool), "pgx.Tx", cfg, func(ctx context.Context, m *rivermigrate.Migrator[pgx.Tx]) error {
		return migrateLocked(ctx, pool, cfg.Schema, m)
	})
}

// riverMigrateLock is the first key of the advisory lock that serialises
// River's migrations of one schema: replicas starting together on a fresh
// database would otherwise create the same tables at once, and all but
// one fail. (The store's own migrations use another key.)
const riverMigrateLock = 0x68637276 // "hcrv"

// migrateLocked applies River's migrations while holding the schema's
// advisory lock on a connection of its own, outside pool (River runs each
// migration in its own transaction, and some cannot share one; the
// migrations need pool's connections, which queues sharing one pool
// could otherwise all hold waiting): a replica that waited finds them
// applied. The lock ends with the connection's session if the process
// dies.
func migrateLocked(ctx context.Context, pool *pgxpool.Pool, schema string, m *rivermigrate.Migrator[pgx.Tx]) error {
	conn, err := pgx.ConnectConfig(ctx, pool.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("take the migration lock: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	const key = `hashtext(coalesce(nullif($2, ''), current_schema(), ''))`
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1, `+key+`)`, riverMigrateLock, schema); err != nil {
		return fmt.Errorf("take the migration lock: %w", err)
	}
	defer func() {
		// A failed unlock (the connection broke) ends with the session.
		_, _ = conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1, `+key+`)`, riverMigrateLock, schema)
	}()
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}

// Enqueue implements Queue. The entry is unique by j.DeliveryKey among the
// entries that are scheduled, available, running, retryable or completed
// (completed ones for Config.CompletedRetention): a cancelled or discarded
// delivery may be enqueued again, so that a failed job can be retried.
func (q *RiverQueue) Enqueue(ctx context.Context, tx store.Tx, j Job) (bool, error) {
	ins, err := q.EnqueueMany(ctx, tx, []Job{j})
	if err != nil {
		return false, err
	}
	return ins[0], nil
}

// EnqueueMany enqueues jobs in one batch inside tx, like Enqueue, and
// reports for each whether it was inserted. Either every entry is written
// or, on error, none.
func (q *RiverQueue) EnqueueMany(ctx context.Context, tx store.Tx, jobs []Job) ([]bool, error) {
	if len(jobs) == 0 {
		return nil, nil
	}
	params := make([]river.InsertManyParams, len(jobs))
	for i, j := range jobs {
		if err := j.validate(); err != nil {
			return nil, err
		}
		params[i] = river.InsertManyParams{Args: argsOf(j), InsertOpts: q.insertOpts(j)}
	}
	var driverTx any
	if tx != nil {
		driverTx = tx.Driver()
		if driverTx == nil {
			return nil, invalidf("transaction has no driver transaction (an in-memory store needs mock.Queue)")
		}
	}
	res, err := q.backend.insert(ctx, driverTx, params)
	if err != nil {
		return nil, fmt.Errorf("schedule: enqueue %d job(s), first %q: %w", len(jobs), jobs[0].DeliveryKey, err)
	}
	out := make([]bool, len(res))
	for i, r := range res {
		out[i] = !r.UniqueSkippedAsDuplicate
	}
	return out, nil
}

// uniqueStates are the states in which an entry blocks another with the
// same delivery key: every state but cancelled and discarded.
var uniqueStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStateCompleted, rivertype.JobStatePending,
	rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled,
}

// queuedStates are the states Cancel cancels.
var queuedStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled,
}

func (q *RiverQueue) insertOpts(j Job) *river.InsertOpts {
	return &river.InsertOpts{
		Queue:       q.cfg.Queue,
		MaxAttempts: q.cfg.Retry.MaxAttempts,
		ScheduledAt: j.RunAt,
		Tags:        []string{jobTag(j.JobID)},
		UniqueOpts:  river.UniqueOpts{ByArgs: true, ByState: uniqueStates},
	}
}

// Cancel implements Queue. An entry already running is left to finish.
func (q *RiverQueue) Cancel(ctx context.Context, jobID string) (int, error) {
	if jobID == "" {
		return 0, invalidf("cancel: empty job id")
	}
	params := river.NewJobListParams().Kinds(Kind).TagsAny(jobTag(jobID)).States(queuedStates...).First(1000)
	n := 0
	for {
		res, err := q.backend.list(ctx, params)
		if err != nil {
			return n, fmt.Errorf("schedule: cancel job %q: %w", jobID, err)
		}
		for _, row := range res.Jobs {
			got, err := q.backend.cancel(ctx, row.ID)
			if err != nil {
				if errors.Is(err, river.ErrNotFound) {
					continue // cleaned up meanwhile
				}
				return n, fmt.Errorf("schedule: cancel job %q entry %d: %w", jobID, row.ID, err)
			}
			if got.State == rivertype.JobStateCancelled {
				n++
			}
		}
		if len(res.Jobs) < 1000 {
			return n, nil
		}
		params = params.After(res.LastCursor)
	}
}

// Entry is one queue entry as River holds it, for inspection.
type Entry struct {
	ID          int64     // River's job id
	Job         Job       // what was enqueued
	State       string    // River's state: available, scheduled, running, retryable, completed, cancelled, discarded, pending
	Attempt     int       // attempts made (snoozes excluded)
	MaxAttempts int       // attempts allowed
	Snoozes     int       // rate-limit waits so far
	ScheduledAt time.Time // when the entry is (or was) due
	Errors      []string  // the error of each failed attempt, oldest first
}

// Entries lists the entries of the Halcytone job jobID in every state,
// oldest first (at most 10,000).
func (q *RiverQueue) Entries(ctx context.Context, jobID string) ([]Entry, error) {
	if jobID == "" {
		return nil, invalidf("entries: empty job id")
	}
	params := river.NewJobListParams().Kinds(Kind).TagsAny(jobTag(jobID)).
		States(rivertype.JobStates()...).OrderBy(river.JobListOrderByID, river.SortOrderAsc).First(10_000)
	res, err := q.backend.list(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("schedule: entries of job %q: %w", jobID, err)
	}
	out := make([]Entry, 0, len(res.Jobs))
	for _, row := range res.Jobs {
		var a publishArgs
		if err := json.Unmarshal(row.EncodedArgs, &a); err != nil {
			return nil, fmt.Errorf("schedule: entries of job %q: entry %d: %w", jobID, row.ID, err)
		}
		e := Entry{
			ID: row.ID, Job: a.job(), State: string(row.State), Attempt: row.Attempt,
			MaxAttempts: row.MaxAttempts, Snoozes: snoozesOf(row.Metadata), ScheduledAt: row.ScheduledAt.UTC(),
		}
		for _, ae := range row.Errors {
			e.Errors = append(e.Errors, ae.Error)
		}
		out = append(out, e)
	}
	return out, nil
}

// Start implements Queue: it starts fetching and working due entries. Jobs
// run with contexts derived from ctx; cancelling ctx stops the queue
// abruptly, as StopAndCancel would.
func (q *RiverQueue) Start(ctx context.Context) error {
	if q.cfg.Worker == nil {
		return ErrNoWorker
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.backend.start(ctx); err != nil {
		return fmt.Errorf("schedule: start queue %q: %w", q.cfg.Queue, err)
	}
	q.started = true
	return nil
}

// Stop implements Queue. It is a no-op on a queue that was not started.
func (q *RiverQueue) Stop(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.started {
		return nil
	}
	q.started = false
	err := q.backend.stop(ctx)
	if err != nil && ctx.Err() != nil {
		hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err2 := q.backend.stopAndCancel(hard); err2 != nil {
			return fmt.Errorf("schedule: stop queue %q: %w", q.cfg.Queue, errors.Join(err, err2))
		}
	}
	if err != nil {
		return fmt.Errorf("schedule: stop queue %q: %w", q.cfg.Queue, err)
	}
	return nil
}

// Config returns the queue's configuration with defaults applied.
func (q *RiverQueue) Config() Config { return q.cfg }

// tagSafe reports whether a job id is usable in a River tag as it is: 1
// to 201 ASCII letters, digits, '_' and '-', not ending in '-'. (As a
// regular expression, \A[0-9A-Za-z_\-]{0,200}[0-9A-Za-z_]\z; compiling
// its bounded repeat cost 143 KB of heap at every start.)
func tagSafe(id string) bool {
	if len(id) == 0 || len(id) > 201 || id[len(id)-1] == '-' {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// jobTag is the River tag that marks the entries of a Halcytone job:
// "job-<id>" when the id fits River's tag syntax, else "jobh-" and a hash.
func jobTag(jobID string) string {
	if tagSafe(jobID) {
		return "job-" + jobID
	}
	sum := sha256.Sum256([]byte(jobID))
	return "jobh-" + hex.EncodeToString(sum[:16])
}

// snoozesOf reads the snooze count River keeps in an entry's metadata.
func snoozesOf(metadata []byte) int {
	var m struct {
		Snoozes int `json:"snoozes"`
	}
	if len(metadata) == 0 || json.Unmarshal(metadata, &m) != nil {
		return 0
	}
	return m.Snoozes
}
