package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/halcytone/halcytone/store"
)

// deliveryColumns are the columns scanDelivery reads, in order.
const deliveryColumns = `idempotency_key, job_id, channel, platform, account, status, attempts,
last_error, receipt, checkpoint, created_at, updated_at`

// scanDelivery reads one row of deliveryColumns.
func scanDelivery(row pgx.Row) (*store.Delivery, error) {
	var (
		d       store.Delivery
		status  string
		receipt []byte
	)
	if err := row.Scan(&d.IdempotencyKey, &d.JobID, &d.Channel, &d.Platform, &d.Account, &status,
		&d.Attempts, &d.LastError, &receipt, &d.Checkpoint, &d.CreatedAt, &d.UpdatedAt); err != nil {
		return nil, err
	}
	d.Status = store.DeliveryStatus(status)
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	if err := decode(receipt, &d.Receipt, fmt.Sprintf("delivery %q receipt", d.IdempotencyKey)); err != nil {
		return nil, err
	}
	return &d, nil
}

// deliveryArgs returns d's column values in deliveryColumns order.
func deliveryArgs(d *store.Delivery) ([]any, error) {
	if err := store.CheckText(d); err != nil {
		return nil, fmt.Errorf("delivery %q: %w", d.IdempotencyKey, err)
	}
	receipt, err := encode(d.Receipt, fmt.Sprintf("delivery %q receipt", d.IdempotencyKey))
	if err != nil {
		return nil, err
	}
	return []any{d.IdempotencyKey, d.JobID, d.Channel, d.Platform, d.Account, string(d.Status),
		d.Attempts, d.LastError, receipt, d.Checkpoint, d.CreatedAt, d.UpdatedAt}, nil
}

// CreateDelivery inserts d, setting a zero CreatedAt to now and a zero
// UpdatedAt to CreatedAt, on d too. A taken IdempotencyKey is
// store.ErrConflict and changes nothing.
func (q *queries) CreateDelivery(ctx context.Context, d *store.Delivery) error {
	if d == nil || d.IdempotencyKey == "" {
		return invalid("create delivery: nil delivery or empty idempotency key")
	}
	if d.CreatedAt.IsZero() {
		d.CreatedAt = now()
	}
	if d.UpdatedAt.IsZero() {
		d.UpdatedAt = d.CreatedAt
	}
	args, err := deliveryArgs(d)
	if err != nil {
		return err
	}
	tag, err := q.exec(ctx, `INSERT INTO deliveries (`+deliveryColumns+`)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING`, args...)
	if err != nil {
		return classify(err, fmt.Sprintf("create delivery %q", d.IdempotencyKey))
	}
	if tag.RowsAffected() == 0 {
		return conflict("create delivery: idempotency key %q taken", d.IdempotencyKey)
	}
	return nil
}

// GetDelivery returns the delivery with the idempotency key.
func (q *queries) GetDelivery(ctx context.Context, key string) (*store.Delivery, error) {
	if key == "" {
		return nil, invalid("get delivery: empty idempotency key")
	}
	d, err := scanDelivery(q.db.QueryRow(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE idempotency_key = $1`, key))
	if err != nil {
		return nil, classify(err, fmt.Sprintf("get delivery %q", key))
	}
	return d, nil
}

// UpdateDelivery locks the delivery's row, applies fn and stores the
// result with UpdatedAt set to now; fn's error is returned as is.
func (q *queries) UpdateDelivery(ctx context.Context, key string, fn func(*store.Delivery) error) (*store.Delivery, error) {
	if key == "" || fn == nil {
		return nil, invalid("update delivery %q: empty idempotency key or nil function", key)
	}
	var out *store.Delivery
	err := q.atomically(ctx, func(db querier, _ counts) error {
		d, err := scanDelivery(db.QueryRow(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE idempotency_key = $1 FOR UPDATE`, key))
		if err != nil {
			return classify(err, fmt.Sprintf("update delivery %q", key))
		}
		if err := fn(d); err != nil {
			return fnError{err}
		}
		d.IdempotencyKey, d.UpdatedAt = key, now()
		args, err := deliveryArgs(d)
		if err != nil {
			return err
		}
		if _, err := db.Exec(ctx, `UPDATE deliveries SET job_id = $2, channel = $3, platform = $4,
account = $5, status = $6, attempts = $7, last_error = $8, receipt = $9, checkpoint = $10,
created_at = $11, updated_at = $12 WHERE idempotency_key = $1`, args...); err != nil {
			return classify(err, fmt.Sprintf("update delivery %q", key))
		}
		out = d
		return nil
	})
	if err != nil {
		return nil, unwrapFn(err)
	}
	return out, nil
}

// ListDeliveries returns a job's deliveries in creation order (ties by
// idempotency key).
func (q *queries) ListDeliveries(ctx context.Context, jobID string) ([]store.Delivery, error) {
	if jobID == "" {
		return nil, invalid("list deliveries: empty job id")
	}
	rows, err := q.db.Query(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE job_id = $1
ORDER BY created_at, idempotency_key`, jobID)
	if err != nil {
		return nil, classify(err, fmt.Sprintf("list deliveries of job %q", jobID))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Delivery, error) {
		d, err := scanDelivery(r)
		if err != nil {
			return store.Delivery{}, err
		}
		return *d, nil
	})
	if err != nil {
		return nil, classify(err, fmt.Sprintf("list deliveries of job %q", jobID))
	}
	return out, nil
}
