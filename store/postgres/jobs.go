package postgres

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/halcytone/halcytone/store"
)

// jobColumns are the columns scanJob reads, in order.
const jobColumns = `id, document_id, channels, status, created_at, updated_at, scheduled_for,
started_at, completed_at, results, errors, metadata, correlation_id, approval, content_hash,
bundle_id, dry_run, idempotency_key, delivery_key_base`

// scanJob reads one row of jobColumns.
func scanJob(row pgx.Row) (*store.Job, error) {
	var (
		j                          store.Job
		status                     string
		sched, started, completed  pgtype.Timestamptz
		results, metadata, approve []byte
		idem                       *string
	)
	if err := row.Scan(&j.ID, &j.DocumentID, &j.Channels, &status, &j.CreatedAt, &j.UpdatedAt,
		&sched, &started, &completed, &results, &j.Errors, &metadata, &j.CorrelationID, &approve,
		&j.ContentHash, &j.BundleID, &j.DryRun, &idem, &j.DeliveryKeyBase); err != nil {
		return nil, err
	}
	j.Status = store.JobStatus(status)
	j.CreatedAt, j.UpdatedAt = j.CreatedAt.UTC(), j.UpdatedAt.UTC()
	j.ScheduledFor, j.StartedAt, j.CompletedAt = utc(sched), utc(started), utc(completed)
	if idem != nil {
		j.IdempotencyKey = *idem
	}
	what := fmt.Sprintf("job %q", j.ID)
	if err := decode(results, &j.Results, what+" results"); err != nil {
		return nil, err
	}
	if err := decode(metadata, &j.Metadata, what+" metadata"); err != nil {
		return nil, err
	}
	if err := decode(approve, &j.Approval, what+" approval"); err != nil {
		return nil, err
	}
	return &j, nil
}

// jobArgs returns j's column values in jobColumns order.
func jobArgs(j *store.Job) ([]any, error) {
	if err := store.CheckText(j); err != nil {
		return nil, fmt.Errorf("job %q: %w", j.ID, err)
	}
	what := fmt.Sprintf("job %q", j.ID)
	results, err := encode(j.Results, what+" results")
	if err != nil {
		return nil, err
	}
	metadata, err := encode(j.Metadata, what+" metadata")
	if err != nil {
		return nil, err
	}
	approval, err := encode(j.Approval, what+" approval")
	if err != nil {
		return nil, err
	}
	return []any{j.ID, j.DocumentID, j.Channels, string(j.Status), j.CreatedAt, j.UpdatedAt,
		ts(j.ScheduledFor), ts(j.StartedAt), ts(j.CompletedAt), results, j.Errors, metadata,
		j.CorrelationID, approval, j.ContentHash, j.BundleID, j.DryRun, nullString(j.IdempotencyKey),
		j.DeliveryKeyBase}, nil
}

// CreateJob inserts j, setting a zero CreatedAt to now and a zero
// UpdatedAt to CreatedAt, on j too. A taken ID or IdempotencyKey is
// store.ErrConflict and changes nothing.
func (q *queries) CreateJob(ctx context.Context, j *store.Job) error {
	if j == nil || j.ID == "" {
		return invalid("create job: nil job or empty id")
	}
	if j.CreatedAt.IsZero() {
		j.CreatedAt = now()
	}
	if j.UpdatedAt.IsZero() {
		j.UpdatedAt = j.CreatedAt
	}
	args, err := jobArgs(j)
	if err != nil {
		return err
	}
	insert := func(db func(context.Context, string, ...any) (pgconn.CommandTag, error), c counts) error {
		tag, err := db(ctx, `INSERT INTO jobs (`+jobColumns+`)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
ON CONFLICT DO NOTHING`, args...)
		if err != nil {
			return classify(err, fmt.Sprintf("create job %q", j.ID))
		}
		if tag.RowsAffected() == 0 {
			return conflict("create job %q: id or idempotency key %q taken", j.ID, j.IdempotencyKey)
		}
		c.add(string(j.Status), j.Channels, 1)
		return nil
	}
	if q.pending != nil {
		// Inside InTx: one guarded statement; the counts wait for commit.
		return insert(q.exec, q.pending)
	}
	return q.atomically(ctx, func(db querier, c counts) error { return insert(db.Exec, c) })
}

// GetJob returns the job with the given ID.
func (q *queries) GetJob(ctx context.Context, id string) (*store.Job, error) {
	if id == "" {
		return nil, invalid("get job: empty id")
	}
	j, err := scanJob(q.db.QueryRow(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = $1`, id))
	if err != nil {
		return nil, classify(err, fmt.Sprintf("get job %q", id))
	}
	return j, nil
}

// JobByIdempotencyKey returns the job created with the request key.
func (q *queries) JobByIdempotencyKey(ctx context.Context, key string) (*store.Job, error) {
	if key == "" {
		return nil, invalid("job by idempotency key: empty key")
	}
	j, err := scanJob(q.db.QueryRow(ctx, `SELECT `+jobColumns+` FROM jobs WHERE idempotency_key = $1`, key))
	if err != nil {
		return nil, classify(err, fmt.Sprintf("job by idempotency key %q", key))
	}
	return j, nil
}

// UpdateJob locks the job's row (SELECT ... FOR UPDATE), applies fn and
// stores the result with UpdatedAt set to now. fn's error aborts the
// update and is returned as is. fn must not change the job's ID.
func (q *queries) UpdateJob(ctx context.Context, id string, fn func(*store.Job) error) (*store.Job, error) {
	if id == "" || fn == nil {
		return nil, invalid("update job %q: empty id or nil function", id)
	}
	var out *store.Job
	err := q.atomically(ctx, func(db querier, c counts) error {
		j, err := scanJob(db.QueryRow(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return classify(err, fmt.Sprintf("update job %q", id))
		}
		oldStatus, oldChannels := string(j.Status), slices.Clone(j.Channels)
		if err := fn(j); err != nil {
			return fnError{err}
		}
		j.ID = id
		j.UpdatedAt = now()
		args, err := jobArgs(j)
		if err != nil {
			return err
		}
		if _, err := db.Exec(ctx, `UPDATE jobs SET document_id = $2, channels = $3, status = $4,
created_at = $5, updated_at = $6, scheduled_for = $7, started_at = $8, completed_at = $9,
results = $10, errors = $11, metadata = $12, correlation_id = $13, approval = $14,
content_hash = $15, bundle_id = $16, dry_run = $17, idempotency_key = $18, delivery_key_base = $19
WHERE id = $1`, args...); err != nil {
			return classify(err, fmt.Sprintf("update job %q", id))
		}
		if oldStatus != string(j.Status) || !slices.Equal(oldChannels, j.Channels) {
			c.add(oldStatus, oldChannels, -1)
			c.add(string(j.Status), j.Channels, 1)
		}
		out = j
		return nil
	})
	if err != nil {
		return nil, unwrapFn(err)
	}
	return out, nil
}
