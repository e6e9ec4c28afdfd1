package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/halcytone/halcytone/store"
)

// webhookDeliveryColumns are the columns scanWebhookDelivery reads, in
// order.
const webhookDeliveryColumns = `id, webhook_id, event, payload, status, attempts, response_code,
last_error, created_at, updated_at`

// scanWebhookDelivery reads one row of webhookDeliveryColumns.
func scanWebhookDelivery(row pgx.Row) (*store.WebhookDelivery, error) {
	var d store.WebhookDelivery
	if err := row.Scan(&d.ID, &d.WebhookID, &d.Event, &d.Payload, &d.Status, &d.Attempts,
		&d.ResponseCode, &d.LastError, &d.CreatedAt, &d.UpdatedAt); err != nil {
		return nil, err
	}
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	return &d, nil
}

// webhookDeliveryArgs returns d's column values in webhookDeliveryColumns
// order.
func webhookDeliveryArgs(d *store.WebhookDelivery) []any {
	return []any{d.ID, d.WebhookID, d.Event, d.Payload, d.Status, d.Attempts, d.ResponseCode,
		d.LastError, d.CreatedAt, d.UpdatedAt}
}

// CreateWebhookDelivery inserts an attempt record, setting a zero
// CreatedAt to now and a zero UpdatedAt to CreatedAt, on d too. An unknown
// WebhookID is store.ErrNotFound, a taken ID store.ErrConflict.
func (q *queries) CreateWebhookDelivery(ctx context.Context, d *store.WebhookDelivery) error {
	if d == nil || d.ID == "" {
		return invalid("create webhook delivery: nil delivery or empty id")
	}
	if d.CreatedAt.IsZero() {
		d.CreatedAt = now()
	}
	if d.UpdatedAt.IsZero() {
		d.UpdatedAt = d.CreatedAt
	}
	// One statement: the endpoint's row is share-locked so that it cannot
	// be deleted before the insert commits.
	var found, inserted bool
	err := q.writeRow(ctx, []any{&found, &inserted}, `WITH w AS (SELECT id FROM webhooks WHERE id = $2 FOR KEY SHARE),
ins AS (INSERT INTO webhook_deliveries (`+webhookDeliveryColumns+`)
	SELECT $1, w.id, $3, $4, $5, $6, $7, $8, $9, $10 FROM w ON CONFLICT DO NOTHING RETURNING 1)
SELECT EXISTS (SELECT 1 FROM w), EXISTS (SELECT 1 FROM ins)`, webhookDeliveryArgs(d)...)
	switch {
	case err != nil:
		return classify(err, fmt.Sprintf("create webhook delivery %q", d.ID))
	case !found:
		return notFound("create webhook delivery %q: webhook %q", d.ID, d.WebhookID)
	case !inserted:
		return conflict("create webhook delivery %q: id taken", d.ID)
	}
	return nil
}

// GetWebhookDelivery returns the delivery with the given ID.
func (q *queries) GetWebhookDelivery(ctx context.Context, id string) (*store.WebhookDelivery, error) {
	if id == "" {
		return nil, invalid("get webhook delivery: empty id")
	}
	d, err := scanWebhookDelivery(q.db.QueryRow(ctx, `SELECT `+webhookDeliveryColumns+`
FROM webhook_deliveries WHERE id = $1`, id))
	if err != nil {
		return nil, classify(err, fmt.Sprintf("get webhook delivery %q", id))
	}
	return d, nil
}

// UpdateWebhookDelivery locks the record's row, applies fn and stores the
// result with UpdatedAt set to now; fn's error is returned as is.
func (q *queries) UpdateWebhookDelivery(ctx context.Context, id string, fn func(*store.WebhookDelivery) error) (*store.WebhookDelivery, error) {
	if id == "" || fn == nil {
		return nil, invalid("update webhook delivery %q: empty id or nil function", id)
	}
	var out *store.WebhookDelivery
	err := q.atomically(ctx, func(db querier, _ counts) error {
		d, err := scanWebhookDelivery(db.QueryRow(ctx, `SELECT `+webhookDeliveryColumns+`
FROM webhook_deliveries WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return classify(err, fmt.Sprintf("update webhook delivery %q", id))
		}
		if err := fn(d); err != nil {
			return fnError{err}
		}
		d.ID, d.UpdatedAt = id, now()
		if _, err := db.Exec(ctx, `UPDATE webhook_deliveries SET webhook_id = $2, event = $3, payload = $4,
status = $5, attempts = $6, response_code = $7, last_error = $8, created_at = $9, updated_at = $10
WHERE id = $1`, webhookDeliveryArgs(d)...); err != nil {
			return classify(err, fmt.Sprintf("update webhook delivery %q", id))
		}
		out = d
		return nil
	})
	if err != nil {
		return nil, unwrapFn(err)
	}
	return out, nil
}

// ListWebhookDeliveries lists an endpoint's deliveries, newest first (ties
// by ID descending); limit 0 means all of them.
func (q *queries) ListWebhookDeliveries(ctx context.Context, webhookID string, limit int) ([]store.WebhookDelivery, error) {
	if webhookID == "" || limit < 0 {
		return nil, invalid("list webhook deliveries of %q: empty id or negative limit %d", webhookID, limit)
	}
	var lim any // NULL: no limit
	if limit > 0 {
		lim = limit
	}
	rows, err := q.db.Query(ctx, `SELECT `+webhookDeliveryColumns+` FROM webhook_deliveries
WHERE webhook_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, webhookID, lim)
	if err != nil {
		return nil, classify(err, fmt.Sprintf("list webhook deliveries of %q", webhookID))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.WebhookDelivery, error) {
		d, err := scanWebhookDelivery(r)
		if err != nil {
			return store.WebhookDelivery{}, err
		}
		return *d, nil
	})
	if err != nil {
		return nil, classify(err, fmt.Sprintf("list webhook deliveries of %q", webhookID))
	}
	return out, nil
}
