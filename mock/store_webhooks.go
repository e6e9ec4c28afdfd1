package mock

import (
	"context"
	"slices"

	"github.com/halcytone/halcytone/store"
)

// CreateWebhook implements store.Queries; a taken ID is ErrConflict.
func (o *ops) CreateWebhook(ctx context.Context, w *store.Webhook) error {
	if err := o.check(ctx); err != nil {
		return err
	}
	if w == nil || w.ID == "" {
		return invalid("create webhook: empty ID")
	}
	if _, ok := o.d.webhooks[w.ID]; ok {
		return conflict("webhook", w.ID)
	}
	stamp(&w.CreatedAt, nil)
	c := cloneWebhook(w)
	c.CreatedAt = norm(c.CreatedAt)
	put(o.undo, o.d.webhooks, w.ID, c)
	return nil
}

// GetWebhook implements store.Queries.
func (o *ops) GetWebhook(ctx context.Context, id string) (*store.Webhook, error) {
	if err := o.check(ctx); err != nil {
		return nil, err
	}
	if id == "" {
		return nil, invalid("get webhook: empty ID")
	}
	w, ok := o.d.webhooks[id]
	if !ok {
		return nil, notFound("webhook", id)
	}
	return cloneWebhook(w), nil
}

// ListWebhooks implements store.Queries: oldest first, ties by ID; event
// "" lists every endpoint, otherwise only the enabled ones subscribed to
// event.
func (o *ops) ListWebhooks(ctx context.Context, event string) ([]store.Webhook, error) {
	if err := o.check(ctx); err != nil {
		return nil, err
	}
	out := []store.Webhook{}
	for _, w := range sortedValues(o.d.webhooks, func(a, b *store.Webhook) int {
		return byCreated(a.CreatedAt, b.CreatedAt, a.ID, b.ID, false)
	}) {
		if event == "" || (!w.Disabled && slices.Contains(w.Events, event)) {
			out = append(out, *cloneWebhook(w))
		}
	}
	return out, nil
}

// UpdateWebhook implements store.Queries; the ID is kept whatever fn does.
func (o *ops) UpdateWebhook(ctx context.Context, id string, fn func(*store.Webhook) error) (*store.Webhook, error) {
	if err := o.check(ctx); err != nil {
		return nil, err
	}
	if id == "" {
		return nil, invalid("update webhook: empty ID")
	}
	if fn == nil {
		return nil, invalid("update webhook %q: nil function", id)
	}
	old, ok := o.d.webhooks[id]
	if !ok {
		return nil, notFound("webhook", id)
	}
	w := cloneWebhook(old)
	if err := fn(w); err != nil {
		return nil, err
	}
	w.ID = id
	c := cloneWebhook(w)
	c.CreatedAt = norm(c.CreatedAt)
	put(o.undo, o.d.webhooks, id, c)
	return cloneWebhook(c), nil
}

// DeleteWebhook implements store.Queries; the endpoint's deliveries go too.
func (o *ops) DeleteWebhook(ctx context.Context, id string) error {
	if err := o.check(ctx); err != nil {
		return err
	}
	if id == "" {
		return invalid("delete webhook: empty ID")
	}
	if _, ok := o.d.webhooks[id]; !ok {
		return notFound("webhook", id)
	}
	del(o.undo, o.d.webhooks, id)
	for k, d := range o.d.whDeliv {
		if d.WebhookID == id {
			del(o.undo, o.d.whDeliv, k)
		}
	}
	return nil
}

// CreateWebhookDelivery implements store.Queries; a taken ID is
// ErrConflict and an unknown endpoint ErrNotFound.
func (o *ops) CreateWebhookDelivery(ctx context.Context, d *store.WebhookDelivery) error {
	if err := o.check(ctx); err != nil {
		return err
	}
	if d == nil || d.ID == "" {
		return invalid("create webhook delivery: empty ID")
	}
	if d.WebhookID == "" {
		return invalid("create webhook delivery %q: empty webhook ID", d.ID)
	}
	if _, ok := o.d.webhooks[d.WebhookID]; !ok {
		return notFound("webhook", d.WebhookID)
	}
	if _, ok := o.d.whDeliv[d.ID]; ok {
		return conflict("webhook delivery", d.ID)
	}
	stamp(&d.CreatedAt, &d.UpdatedAt)
	put(o.undo, o.d.whDeliv, d.ID, webhookDeliveryIn(d))
	return nil
}

func webhookDeliveryIn(d *store.WebhookDelivery) *store.WebhookDelivery {
	c := cloneWebhookDelivery(d)
	c.CreatedAt, c.UpdatedAt = norm(c.CreatedAt), norm(c.UpdatedAt)
	return c
}

// GetWebhookDelivery implements store.Queries.
func (o *ops) GetWebhookDelivery(ctx context.Context, id string) (*store.WebhookDelivery, error) {
	if err := o.check(ctx); err != nil {
		return nil, err
	}
	if id == "" {
		return nil, invalid("get webhook delivery: empty ID")
	}
	d, ok := o.d.whDeliv[id]
	if !ok {
		return nil, notFound("webhook delivery", id)
	}
	return cloneWebhookDelivery(d), nil
}

// UpdateWebhookDelivery implements store.Queries; the ID and endpoint are
// kept whatever fn does.
func (o *ops) UpdateWebhookDelivery(ctx context.Context, id string, fn func(*store.WebhookDelivery) error) (*store.WebhookDelivery, error) {
	if err := o.check(ctx); err != nil {
		return nil, err
	}
	if id == "" {
		return nil, invalid("update webhook delivery: empty ID")
	}
	if fn == nil {
		return nil, invalid("update webhook delivery %q: nil function", id)
	}
	old, ok := o.d.whDeliv[id]
	if !ok {
		return nil, notFound("webhook delivery", id)
	}
	w := cloneWebhookDelivery(old)
	if err := fn(w); err != nil {
		return nil, err
	}
	w.ID, w.WebhookID, w.UpdatedAt = id, old.WebhookID, now()
	c := webhookDeliveryIn(w)
	put(o.undo, o.d.whDeliv, id, c)
	return cloneWebhookDelivery(c), nil
}

// ListWebhookDeliveries implements store.Queries: newest first, ties by ID
// descending; limit 0 lists them all.
func (o *ops) ListWebhookDeliveries(ctx context.Context, webhookID string, limit int) ([]store.WebhookDelivery, error) {
	if err := o.check(ctx); err != nil {
		return nil, err
	}
	if webhookID == "" {
		return nil, invalid("list webhook deliveries: empty webhook ID")
	}
	if limit < 0 {
		return nil, invalid("list webhook deliveries of %q: negative limit %d", webhookID, limit)
	}
	var mine []*store.WebhookDelivery
	for _, d := range o.d.whDeliv {
		if d.WebhookID == webhookID {
			mine = append(mine, d)
		}
	}
	slices.SortFunc(mine, func(a, b *store.WebhookDelivery) int {
		return byCreated(a.CreatedAt, b.CreatedAt, a.ID, b.ID, true)
	})
	if limit > 0 && limit < len(mine) {
		mine = mine[:limit]
	}
	out := make([]store.WebhookDelivery, len(mine))
	for i, d := range mine {
		out[i] = *cloneWebhookDelivery(d)
	}
	return out, nil
}
