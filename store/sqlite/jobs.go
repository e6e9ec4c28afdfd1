package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/halcytone/halcytone/store"
)

const jobColumns = `id, document_id, channels, status, created_at, updated_at, scheduled_for, started_at,
	completed_at, results, errors, metadata, correlation_id, approval, content_hash, bundle_id, dry_run, idempotency_key, delivery_key_base`

// jobArgs returns j's column values in jobColumns order.
func jobArgs(j *store.Job) ([]any, error) {
	if err := store.CheckText(j); err != nil {
		return nil, fmt.Errorf("job %q: %w", j.ID, err)
	}
	c := jsonCodec{kind: "job", id: j.ID}
	args := []any{
		j.ID, j.DocumentID, c.enc(j.Channels, "channels"), string(j.Status),
		j.CreatedAt.UnixMicro(), j.UpdatedAt.UnixMicro(), micros(j.ScheduledFor), micros(j.StartedAt),
		micros(j.CompletedAt), c.enc(j.Results, "results"), c.enc(j.Errors, "errors"),
		c.enc(j.Metadata, "metadata"), j.CorrelationID, c.enc(j.Approval, "approval"),
		j.ContentHash, j.BundleID, boolInt(j.DryRun), nullString(j.IdempotencyKey), j.DeliveryKeyBase,
	}
	if c.err != nil {
		return nil, c.err
	}
	return args, nil
}

func scanJob(sc scanner) (*store.Job, error) {
	var (
		j                                                 store.Job
		channels, results, errs, metadata, approval, idem sql.NullString
		created, updated, scheduled, started, completed   sql.NullInt64
		status                                            string
		dryRun                                            int
	)
	if err := sc.Scan(&j.ID, &j.DocumentID, &channels, &status, &created, &updated, &scheduled, &started,
		&completed, &results, &errs, &metadata, &j.CorrelationID, &approval, &j.ContentHash, &j.BundleID,
		&dryRun, &idem, &j.DeliveryKeyBase); err != nil {
		return nil, err
	}
	j.Status = store.JobStatus(status)
	j.CreatedAt, j.UpdatedAt = fromMicros(created), fromMicros(updated)
	j.ScheduledFor, j.StartedAt, j.CompletedAt = fromMicros(scheduled), fromMicros(started), fromMicros(completed)
	j.DryRun = dryRun != 0
	j.IdempotencyKey = idem.String
	c := jsonCodec{kind: "job", id: j.ID}
	c.dec(channels, &j.Channels, "channels")
	c.dec(results, &j.Results, "results")
	c.dec(errs, &j.Errors, "errors")
	c.dec(metadata, &j.Metadata, "metadata")
	c.dec(approval, &j.Approval, "approval")
	if c.err != nil {
		return nil, c.err
	}
	return &j, nil
}

// CreateJob inserts j with its channel rows; CreatedAt and UpdatedAt
// default to now, and j's times are normalised to what is stored.
func (q *queries) CreateJob(ctx context.Context, j *store.Job) error {
	if j == nil || j.ID == "" {
		return invalid("create job: empty id")
	}
	now := q.now()
	if j.CreatedAt.IsZero() {
		j.CreatedAt = now
	}
	if j.UpdatedAt.IsZero() {
		j.UpdatedAt = j.CreatedAt
	}
	normJob(j)
	args, err := jobArgs(j)
	if err != nil {
		return err
	}
	if _, err := q.exec(ctx, `INSERT INTO jobs (`+jobColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...); err != nil {
		return classify(err, fmt.Sprintf("create job %q", j.ID))
	}
	return q.insertJobChannels(ctx, j)
}

// normJob truncates j's times to what the store keeps.
func normJob(j *store.Job) {
	j.CreatedAt, j.UpdatedAt = norm(j.CreatedAt), norm(j.UpdatedAt)
	j.ScheduledFor, j.StartedAt, j.CompletedAt = norm(j.ScheduledFor), norm(j.StartedAt), norm(j.CompletedAt)
}

// insertJobChannels indexes j's channels in job_channels, one row per
// channel: a channel listed again, in the same or another spelling (the
// same store.ChannelKey), keeps the row of its first spelling, so that
// the filter meets each job once and the job_counts rows the rows feed
// count it once.
func (q *queries) insertJobChannels(ctx context.Context, j *store.Job) error {
	for _, ch := range store.DistinctChannels(j.Channels) {
		if _, err := q.exec(ctx,
			`INSERT INTO job_channels (job_id, channel, status, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			j.ID, ch, string(j.Status), j.CreatedAt.UnixMicro()); err != nil {
			return classify(err, fmt.Sprintf("job %q: channel %q", j.ID, ch))
		}
	}
	return nil
}

// GetJob returns the job with the given ID.
func (q *queries) GetJob(ctx context.Context, id string) (*store.Job, error) {
	if id == "" {
		return nil, invalid("get job: empty id")
	}
	j, err := scanJob(q.queryRow(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = ?`, id))
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
	j, err := scanJob(q.queryRow(ctx, `SELECT `+jobColumns+` FROM jobs WHERE idempotency_key = ?`, key))
	if err != nil {
		return nil, classify(err, fmt.Sprintf("job by idempotency key %q", key))
	}
	return j, nil
}

// UpdateJob applies fn to the stored job and stores the result, with
// UpdatedAt set to now (and after the previous UpdatedAt). The ID cannot
// change. It must run in a transaction.
func (q *queries) UpdateJob(ctx context.Context, id string, fn func(*store.Job) error) (*store.Job, error) {
	if fn == nil {
		return nil, invalid("update job %q: nil update function", id)
	}
	j, err := q.GetJob(ctx, id)
	if err != nil {
		return nil, err
	}
	oldChannels, oldUpdated := slices.Clone(j.Channels), j.UpdatedAt
	if err := fn(j); err != nil {
		return nil, err
	}
	j.ID = id
	j.UpdatedAt = advance(oldUpdated, q.now())
	normJob(j)
	args, err := jobArgs(j)
	if err != nil {
		return nil, err
	}
	if _, err := q.exec(ctx, `UPDATE jobs SET (`+jobColumns+`) =
		(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) WHERE id = ?`, append(args, id)...); err != nil {
		return nil, classify(err, fmt.Sprintf("update job %q", id))
	}
	if !slices.Equal(oldChannels, j.Channels) {
		if _, err := q.exec(ctx, `DELETE FROM job_channels WHERE job_id = ?`, id); err != nil {
			return nil, classify(err, fmt.Sprintf("update job %q: channels", id))
		}
		if err := q.insertJobChannels(ctx, j); err != nil {
			return nil, err
		}
	}
	return j, nil
}

// advance returns now in the store's precision, or just after prev when
// the clock has not moved past it.
func advance(prev, now time.Time) time.Time {
	now = norm(now)
	if !now.After(prev) {
		return prev.Add(time.Microsecond)
	}
	return now
}
