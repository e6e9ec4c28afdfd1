package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/halcytone/halcytone/store"
)

const webhookColumns = `id, url, events, secret, disabled, created_at`

func scanWebhook(sc scanner) (*store.Webhook, error) {
	var (
		w        store.Webhook
		events   sql.NullString
		disabled int
		created  sql.NullInt64
	)
	if err := sc.Scan(&w.ID, &w.URL, &events, &w.Secret, &disabled, &created); err != nil {
		return nil, err
	}
	w.Disabled = disabled != 0
	w.CreatedAt = fromMicros(created)
	if err := decodeJSON(events, &w.Events, fmt.Sprintf("webhook %q events", w.ID)); err != nil {
		return nil, err
	}
	return &w, nil
}

func webhookArgs(w *store.Webhook) ([]any, error) {
	events, err := encodeJSON(w.Events, fmt.Sprintf("webhook %q events", w.ID))
	if err != nil {
		return nil, err
	}
	return []any{w.ID, w.URL, events, w.Secret, boolInt(w.Disabled), w.CreatedAt.UnixMicro()}, nil
}

// CreateWebhook inserts an endpoint; a taken ID is ErrConflict.
func (q *queries) CreateWebhook(ctx context.Context, w *store.Webhook) error {
	if w == nil || w.ID == "" {
		return invalid("create webhook: empty id")
	}
	if w.CreatedAt.IsZero() {
		w.CreatedAt = q.now()
	}
	w.CreatedAt = norm(w.CreatedAt)
	args, err := webhookArgs(w)
	if err != nil {
		return err
	}
	_, err = q.exec(ctx, `INSERT INTO webhooks (`+webhookColumns+`) VALUES (?, ?, ?, ?, ?, ?)`, args...)
	return classify(err, fmt.Sprintf("create webhook %q", w.ID))
}

// GetWebhook returns an endpoint.
func (q *queries) GetWebhook(ctx context.Context, id string) (*store.Webhook, error) {
	if id == "" {
		return nil, invalid("get webhook: empty id")
	}
	w, err := scanWebhook(q.queryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = ?`, id))
	if err != nil {
		return nil, classify(err, fmt.Sprintf("get webhook %q", id))
	}
	return w, nil
}

// ListWebhooks lists endpoints, oldest first (ties by ID); a non-empty
// event keeps only the enabled endpoints subscribed to it.
func (q *queries) ListWebhooks(ctx context.Context, event string) ([]store.Webhook, error) {
	query := `SELECT ` + webhookColumns + ` FROM webhooks ORDER BY created_at, id`
	var args []any
	if event != "" {
		query = `SELECT ` + webhookColumns + ` FROM webhooks WHERE disabled = 0
			AND EXISTS (SELECT 1 FROM json_each(webhooks.events) WHERE value = ?) ORDER BY created_at, id`
		args = append(args, event)
	}
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, classify(err, fmt.Sprintf("list webhooks for event %q", event))
	}
	return collect(rows, scanWebhook, fmt.Sprintf("list webhooks for event %q", event))
}

// UpdateWebhook applies fn to the stored endpoint and stores the result.
// It must run in a transaction.
func (q *queries) UpdateWebhook(ctx context.Context, id string, fn func(*store.Webhook) error) (*store.Webhook, error) {
	if fn == nil {
		return nil, invalid("update webhook %q: nil update function", id)
	}
	w, err := q.GetWebhook(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := fn(w); err != nil {
		return nil, err
	}
	w.ID = id
	w.CreatedAt = norm(w.CreatedAt)
	args, err := webhookArgs(w)
	if err != nil {
		return nil, err
	}
	if _, err := q.exec(ctx, `UPDATE webhooks SET (`+webhookColumns+`) = (?, ?, ?, ?, ?, ?) WHERE id = ?`,
		append(args, id)...); err != nil {
		return nil, classify(err, fmt.Sprintf("update webhook %q", id))
	}
	return w, nil
}

// DeleteWebhook removes an endpoint and its deliveries. It must run in a
// transaction.
func (q *queries) DeleteWebhook(ctx context.Context, id string) error {
	if id == "" {
		return invalid("delete webhook: empty id")
	}
	res, err := q.exec(ctx, `DELETE FROM webhooks WHERE id = ?`, id)
	if err := affected(res, err, fmt.Sprintf("delete webhook %q", id)); err != nil {
		return err
	}
	_, err = q.exec(ctx, `DELETE FROM webhook_deliveries WHERE webhook_id = ?`, id)
	return classify(err, fmt.Sprintf("delete webhook %q: deliveries", id))
}

const webhookDeliveryColumns = `id, webhook_id, event, payload, status, attempts, response_code, last_error,
	created_at, updated_at`

func scanWebhookDelivery(sc scanner) (*store.WebhookDelivery, error) {
	var (
		d                store.WebhookDelivery
		created, updated sql.NullInt64
	)
	if err := sc.Scan(&d.ID, &d.WebhookID, &d.Event, &d.Payload, &d.Status, &d.Attempts, &d.ResponseCode,
		&d.LastError, &created, &updated); err != nil {
		return nil, err
	}
	d.CreatedAt, d.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &d, nil
}

func webhookDeliveryArgs(d *store.WebhookDelivery) []any {
	return []any{d.ID, d.WebhookID, d.Event, d.Payload, d.Status, d.Attempts, d.ResponseCode, d.LastError,
		d.CreatedAt.UnixMicro(), d.UpdatedAt.UnixMicro()}
}

// CreateWebhookDelivery inserts an attempt record; a taken ID is
// ErrConflict, an unknown endpoint ErrNotFound. It must run in a
// transaction.
func (q *queries) CreateWebhookDelivery(ctx context.Context, d *store.WebhookDelivery) error {
	if d == nil || d.ID == "" {
		return invalid("create webhook delivery: empty id")
	}
	if d.CreatedAt.IsZero() {
		d.CreatedAt = q.now()
	}
	if d.UpdatedAt.IsZero() {
		d.UpdatedAt = d.CreatedAt
	}
	d.CreatedAt, d.UpdatedAt = norm(d.CreatedAt), norm(d.UpdatedAt)
	if _, err := q.GetWebhook(ctx, d.WebhookID); err != nil {
		return fmt.Errorf("sqlite: create webhook delivery %q: %w", d.ID, err)
	}
	_, err := q.exec(ctx, `INSERT INTO webhook_deliveries (`+webhookDeliveryColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, webhookDeliveryArgs(d)...)
	return classify(err, fmt.Sprintf("create webhook delivery %q", d.ID))
}

// GetWebhookDelivery returns the delivery with the given ID.
func (q *queries) GetWebhookDelivery(ctx context.Context, id string) (*store.WebhookDelivery, error) {
	if id == "" {
		return nil, invalid("get webhook delivery: empty id")
	}
	return q.getWebhookDelivery(ctx, id)
}

func (q *queries) getWebhookDelivery(ctx context.Context, id string) (*store.WebhookDelivery, error) {
	d, err := scanWebhookDelivery(q.queryRow(ctx,
		`SELECT `+webhookDeliveryColumns+` FROM webhook_deliveries WHERE id = ?`, id))
	if err != nil {
		return nil, classify(err, fmt.Sprintf("get webhook delivery %q", id))
	}
	return d, nil
}

// UpdateWebhookDelivery applies fn to the stored record and stores the
// result with UpdatedAt set to now. It must run in a transaction.
func (q *queries) UpdateWebhookDelivery(ctx context.Context, id string, fn func(*store.WebhookDelivery) error) (*store.WebhookDelivery, error) {
	if id == "" {
		return nil, invalid("update webhook delivery: empty id")
	}
	if fn == nil {
		return nil, invalid("update webhook delivery %q: nil update function", id)
	}
	d, err := q.getWebhookDelivery(ctx, id)
	if err != nil {
		return nil, err
	}
	prev := d.UpdatedAt
	if err := fn(d); err != nil {
		return nil, err
	}
	d.ID = id
	d.UpdatedAt = advance(prev, q.now())
	d.CreatedAt = norm(d.CreatedAt)
	if _, err := q.exec(ctx, `UPDATE webhook_deliveries SET (`+webhookDeliveryColumns+`) =
		(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) WHERE id = ?`, append(webhookDeliveryArgs(d), id)...); err != nil {
		return nil, classify(err, fmt.Sprintf("update webhook delivery %q", id))
	}
	return d, nil
}

// ListWebhookDeliveries lists an endpoint's deliveries, newest first (ties
// by ID descending); limit 0 means all of them.
func (q *queries) ListWebhookDeliveries(ctx context.Context, webhookID string, limit int) ([]store.WebhookDelivery, error) {
	if webhookID == "" {
		return nil, invalid("list webhook deliveries: empty webhook id")
	}
	what := fmt.Sprintf("list deliveries of webhook %q", webhookID)
	limit, err := checkLimit(limit, -1, 0, what)
	if err != nil {
		return nil, err
	}
	rows, err := q.query(ctx, `SELECT `+webhookDeliveryColumns+` FROM webhook_deliveries
		WHERE webhook_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`, webhookID, limit)
	if err != nil {
		return nil, classify(err, what)
	}
	return collect(rows, scanWebhookDelivery, what)
}
