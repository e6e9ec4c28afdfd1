package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/halcytone/halcytone/store"
)

const deliveryColumns = `idempotency_key, job_id, channel, platform, account, status, attempts, last_error,
	receipt, checkpoint, created_at, updated_at`

func deliveryArgs(d *store.Delivery) ([]any, error) {
	if err := store.CheckText(d); err != nil {
		return nil, fmt.Errorf("delivery %q: %w", d.IdempotencyKey, err)
	}
	receipt, err := encodeJSON(d.Receipt, fmt.Sprintf("delivery %q receipt", d.IdempotencyKey))
	if err != nil {
		return nil, err
	}
	return []any{d.IdempotencyKey, d.JobID, d.Channel, d.Platform, d.Account, string(d.Status), d.Attempts,
		d.LastError, receipt, d.Checkpoint, d.CreatedAt.UnixMicro(), d.UpdatedAt.UnixMicro()}, nil
}

func scanDelivery(sc scanner) (*store.Delivery, error) {
	var (
		d                store.Delivery
		status           string
		receipt          sql.NullString
		created, updated sql.NullInt64
	)
	if err := sc.Scan(&d.IdempotencyKey, &d.JobID, &d.Channel, &d.Platform, &d.Account, &status, &d.Attempts,
		&d.LastError, &receipt, &d.Checkpoint, &created, &updated); err != nil {
		return nil, err
	}
	d.Status = store.DeliveryStatus(status)
	d.CreatedAt, d.UpdatedAt = fromMicros(created), fromMicros(updated)
	if err := decodeJSON(receipt, &d.Receipt, fmt.Sprintf("delivery %q receipt", d.IdempotencyKey)); err != nil {
		return nil, err
	}
	return &d, nil
}

// CreateDelivery inserts d; a taken IdempotencyKey is ErrConflict.
func (q *queries) CreateDelivery(ctx context.Context, d *store.Delivery) error {
	if d == nil || d.IdempotencyKey == "" {
		return invalid("create delivery: empty idempotency key")
	}
	if d.CreatedAt.IsZero() {
		d.CreatedAt = q.now()
	}
	if d.UpdatedAt.IsZero() {
		d.UpdatedAt = d.CreatedAt
	}
	d.CreatedAt, d.UpdatedAt = norm(d.CreatedAt), norm(d.UpdatedAt)
	args, err := deliveryArgs(d)
	if err != nil {
		return err
	}
	_, err = q.exec(ctx, `INSERT INTO deliveries (`+deliveryColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	return classify(err, fmt.Sprintf("create delivery %q", d.IdempotencyKey))
}

// GetDelivery returns the delivery with the idempotency key.
func (q *queries) GetDelivery(ctx context.Context, key string) (*store.Delivery, error) {
	if key == "" {
		return nil, invalid("get delivery: empty idempotency key")
	}
	d, err := scanDelivery(q.queryRow(ctx,
		`SELECT `+deliveryColumns+` FROM deliveries WHERE idempotency_key = ?`, key))
	if err != nil {
		return nil, classify(err, fmt.Sprintf("get delivery %q", key))
	}
	return d, nil
}

// UpdateDelivery applies fn to the stored delivery and stores the result
// with UpdatedAt set to now. It must run in a transaction.
func (q *queries) UpdateDelivery(ctx context.Context, key string, fn func(*store.Delivery) error) (*store.Delivery, error) {
	if fn == nil {
		return nil, invalid("update delivery %q: nil update function", key)
	}
	d, err := q.GetDelivery(ctx, key)
	if err != nil {
		return nil, err
	}
	prev := d.UpdatedAt
	if err := fn(d); err != nil {
		return nil, err
	}
	d.IdempotencyKey = key
	d.UpdatedAt = advance(prev, q.now())
	d.CreatedAt = norm(d.CreatedAt)
	args, err := deliveryArgs(d)
	if err != nil {
		return nil, err
	}
	if _, err := q.exec(ctx, `UPDATE deliveries SET (`+deliveryColumns+`) =
		(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) WHERE idempotency_key = ?`, append(args, key)...); err != nil {
		return nil, classify(err, fmt.Sprintf("update delivery %q", key))
	}
	return d, nil
}

// ListDeliveries returns a job's deliveries in creation order (ties by
// key), none for an unknown job.
func (q *queries) ListDeliveries(ctx context.Context, jobID string) ([]store.Delivery, error) {
	if jobID == "" {
		return nil, invalid("list deliveries: empty job id")
	}
	rows, err := q.query(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE job_id = ?
		ORDER BY created_at, idempotency_key`, jobID)
	if err != nil {
		return nil, classify(err, fmt.Sprintf("list deliveries of job %q", jobID))
	}
	return collect(rows, scanDelivery, fmt.Sprintf("list deliveries of job %q", jobID))
}

// collect scans every row with scan, closing rows.
func collect[T any](rows *sql.Rows, scan func(scanner) (*T, error), what string) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, classify(err, what)
		}
		out = append(out, *v)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(err, what)
	}
	return out, nil
}
