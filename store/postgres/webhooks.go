package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/halcytone/halcytone/store"
)

// webhookColumns are the columns scanWebhook reads, in order.
const webhookColumns = `id, url, events, secret, disabled, created_at`

// scanWebhook reads one row of webhookColumns.
func scanWebhook(row pgx.Row) (*store.Webhook, error) {
	var w store.Webhook
	if err := row.Scan(&w.ID, &w.URL, &w.Events, &w.Secret, &w.Disabled, &w.CreatedAt); err != nil {
		return nil, err
	}
	w.CreatedAt = w.CreatedAt.UTC()
	return &w, nil
}

// CreateWebhook inserts w, setting a zero CreatedAt to now, on w too. A
// taken ID is store.ErrConflict.
func (q *queries) CreateWebhook(ctx context.Context, w *store.Webhook) error {
	if w == nil || w.ID == "" {
		return invalid("create webhook: nil webhook or empty id")
	}
	if w.CreatedAt.IsZero() {
		w.CreatedAt = now()
	}
	tag, err := q.exec(ctx, `INSERT INTO webhooks (`+webhookColumns+`) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT DO NOTHING`, w.ID, w.URL, w.Events, w.Secret, w.Disabled, w.CreatedAt)
	if err != nil {
		return classify(err, fmt.Sprintf("create webhook %q", w.ID))
	}
	if tag.RowsAffected() == 0 {
		return conflict("create webhook %q: id taken", w.ID)
	}
	return nil
}

// GetWebhook returns an endpoint.
func (q *queries) GetWebhook(ctx context.Context, id string) (*store.Webhook, error) {
	if id == "" {
		return nil, invalid("get webhook: empty id")
	}
	w, err := scanWebhook(q.db.QueryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = $1`, id))
	if err != nil {
		return nil, classify(err, fmt.Sprintf("get webhook %q", id))
	}
	return w, nil
}

// ListWebhooks lists endpoints, oldest first (ties by ID): all of them for
// event "", else the enabled ones subscribed to event.
func (q *queries) ListWebhooks(ctx context.Context, event string) ([]store.Webhook, error) {
	sql := `SELECT ` + webhookColumns + ` FROM webhooks ORDER BY created_at, id`
	var args []any
	if event != "" {
		sql = `SELECT ` + webhookColumns + ` FROM webhooks WHERE NOT disabled AND events @> ARRAY[$1::text]
ORDER BY created_at, id`
		args = append(args, event)
	}
	rows, err := q.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, classify(err, fmt.Sprintf("list webhooks for event %q", event))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Webhook, error) {
		w, err := scanWebhook(r)
		if err != nil {
			return store.Webhook{}, err
		}
		return *w, nil
	})
	if err != nil {
		return nil, classify(err, fmt.Sprintf("list webhooks for event %q", event))
	}
	return out, nil
}

// UpdateWebhook locks the endpoint's row, applies fn and stores the
// result; fn's error is returned as is.
func (q *queries) UpdateWebhook(ctx context.Context, id string, fn func(*store.Webhook) error) (*store.Webhook, error) {
	if id == "" || fn == nil {
		return nil, invalid("update webhook %q: empty id or nil function", id)
	}
	var out *store.Webhook
	err := q.atomically(ctx, func(db querier, _ counts) error {
		w, err := scanWebhook(db.QueryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return classify(err, fmt.Sprintf("update webhook %q", id))
		}
		if err := fn(w); err != nil {
			return fnError{err}
		}
		w.ID = id
		if _, err := db.Exec(ctx, `UPDATE webhooks SET url = $2, events = $3, secret = $4, disabled = $5,
created_at = $6 WHERE id = $1`, w.ID, w.URL, w.Events, w.Secret, w.Disabled, w.CreatedAt); err != nil {
			return classify(err, fmt.Sprintf("update webhook %q", id))
		}
		out = w
		return nil
	})
	if err != nil {
		return nil, unwrapFn(err)
	}
	return out, nil
}

// DeleteWebhook removes an endpoint and its deliveries, together.
func (q *queries) DeleteWebhook(ctx context.Context, id string) error {
	if id == "" {
		return invalid("delete webhook: empty id")
	}
	return q.atomically(ctx, func(db querier, _ counts) error {
		tag, err := db.Exec(ctx, `DELETE FROM webhooks WHERE id = $1`, id)
		if err != nil {
			return classify(err, fmt.Sprintf("delete webhook %q", id))
		}
		if tag.RowsAffected() == 0 {
			return notFound("delete webhook %q", id)
		}
		if _, err := db.Exec(ctx, `DELETE FROM webhook_deliveries WHERE webhook_id = $1`, id); err != nil {
			return classify(err, fmt.Sprintf("delete deliveries of webhook %q", id))
		}
		return nil
	})
}
