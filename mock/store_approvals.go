package mock

import (
	"context"
	"fmt"
	"slices"

	"github.com/halcytone/halcytone/store"
)

// CreateApproval implements store.Queries; a taken ID is ErrConflict.
func (o *ops) CreateApproval(ctx context.Context, a *store.ApprovalRequest) error {
	if err := o.check(ctx); err != nil {
		return err
	}
	if a == nil || a.ID == "" {
		return invalid("create approval: empty ID")
	}
	if _, ok := o.d.approvals[a.ID]; ok {
		return conflict("approval", a.ID)
	}
	if err := store.CheckText(a); err != nil {
		return fmt.Errorf("mock: approval %q: %w", a.ID, err)
	}
	stamp(&a.CreatedAt, &a.UpdatedAt)
	put(o.undo, o.d.approvals, a.ID, approvalIn(a))
	return nil
}

// approvalIn is the copy of a that the store keeps.
func approvalIn(a *store.ApprovalRequest) *store.ApprovalRequest {
	c := cloneApproval(a)
	c.CreatedAt, c.UpdatedAt, c.DueAt = norm(c.CreatedAt), norm(c.UpdatedAt), norm(c.DueAt)
	return c
}

// GetApproval implements store.Queries.
func (o *ops) GetApproval(ctx context.Context, id string) (*store.ApprovalRequest, error) {
	if err := o.check(ctx); err != nil {
		return nil, err
	}
	if id == "" {
		return nil, invalid("get approval: empty ID")
	}
	a, ok := o.d.approvals[id]
	if !ok {
		return nil, notFound("approval", id)
	}
	return cloneApproval(a), nil
}

// UpdateApproval implements store.Queries; the ID is kept whatever fn does.
func (o *ops) UpdateApproval(ctx context.Context, id string, fn func(*store.ApprovalRequest) error) (*store.ApprovalRequest, error) {
	if err := o.check(ctx); err != nil {
		return nil, err
	}
	if id == "" {
		return nil, invalid("update approval: empty ID")
	}
	if fn == nil {
		return nil, invalid("update approval %q: nil function", id)
	}
	old, ok := o.d.approvals[id]
	if !ok {
		return nil, notFound("approval", id)
	}
	w := cloneApproval(old)
	if err := fn(w); err != nil {
		return nil, err
	}
	w.ID, w.UpdatedAt = id, now()
	if err := store.CheckText(w); err != nil {
		return nil, fmt.Errorf("mock: approval %q: %w", id, err)
	}
	c := approvalIn(w)
	put(o.undo, o.d.approvals, id, c)
	return cloneApproval(c), nil
}

// ListApprovals implements store.Queries: newest first, ties by ID
// descending; Limit 0 means 100.
func (o *ops) ListApprovals(ctx context.Context, f store.ApprovalFilter) ([]store.ApprovalRequest, int, error) {
	if err := o.check(ctx); err != nil {
		return nil, 0, err
	}
	limit, err := checkLimit("list approvals", f.Limit, f.Offset, 100, 0)
	if err != nil {
		return nil, 0, err
	}
	all := sortedValues(o.d.approvals, func(a, b *store.ApprovalRequest) int {
		return byCreated(a.CreatedAt, b.CreatedAt, a.ID, b.ID, true)
	})
	out, total := []store.ApprovalRequest{}, 0
	for _, a := range all {
		if (f.State != "" && a.State != f.State) || (f.Level != 0 && a.Level != f.Level) || (f.JobID != "" && a.JobID != f.JobID) {
			continue
		}
		if total >= f.Offset && total < f.Offset+limit {
			out = append(out, *cloneApproval(a))
		}
		total++
	}
	return out, total, nil
}

// CreateDelivery implements store.Queries; a taken key is ErrConflict.
func (o *ops) CreateDelivery(ctx context.Context, d *store.Delivery) error {
	if err := o.check(ctx); err != nil {
		return err
	}
	if d == nil || d.IdempotencyKey == "" {
		return invalid("create delivery: empty idempotency key")
	}
	if _, ok := o.d.deliveries[d.IdempotencyKey]; ok {
		return conflict("delivery", d.IdempotencyKey)
	}
	if err := store.CheckText(d); err != nil {
		return fmt.Errorf("mock: delivery %q: %w", d.IdempotencyKey, err)
	}
	stamp(&d.CreatedAt, &d.UpdatedAt)
	put(o.undo, o.d.deliveries, d.IdempotencyKey, deliveryIn(d))
	return nil
}

func deliveryIn(d *store.Delivery) *store.Delivery {
	c := cloneDelivery(d)
	c.CreatedAt, c.UpdatedAt = norm(c.CreatedAt), norm(c.UpdatedAt)
	return c
}

// GetDelivery implements store.Queries.
func (o *ops) GetDelivery(ctx context.Context, key string) (*store.Delivery, error) {
	if err := o.check(ctx); err != nil {
		return nil, err
	}
	if key == "" {
		return nil, invalid("get delivery: empty idempotency key")
	}
	d, ok := o.d.deliveries[key]
	if !ok {
		return nil, notFound("delivery", key)
	}
	return cloneDelivery(d), nil
}

// UpdateDelivery implements store.Queries; the key is kept whatever fn
// does.
func (o *ops) UpdateDelivery(ctx context.Context, key string, fn func(*store.Delivery) error) (*store.Delivery, error) {
	if err := o.check(ctx); err != nil {
		return nil, err
	}
	if key == "" {
		return nil, invalid("update delivery: empty idempotency key")
	}
	if fn == nil {
		return nil, invalid("update delivery %q: nil function", key)
	}
	old, ok := o.d.deliveries[key]
	if !ok {
		return nil, notFound("delivery", key)
	}
	w := cloneDelivery(old)
	if err := fn(w); err != nil {
		return nil, err
	}
	w.IdempotencyKey, w.UpdatedAt = key, now()
	if err := store.CheckText(w); err != nil {
		return nil, fmt.Errorf("mock: delivery %q: %w", key, err)
	}
	c := deliveryIn(w)
	put(o.undo, o.d.deliveries, key, c)
	return cloneDelivery(c), nil
}

// ListDeliveries implements store.Queries: oldest first, ties by key.
func (o *ops) ListDeliveries(ctx context.Context, jobID string) ([]store.Delivery, error) {
	if err := o.check(ctx); err != nil {
		return nil, err
	}
	if jobID == "" {
		return nil, invalid("list deliveries: empty job ID")
	}
	out := []store.Delivery{}
	for _, d := range o.d.deliveries {
		if d.JobID == jobID {
			out = append(out, *cloneDelivery(d))
		}
	}
	slices.SortFunc(out, func(a, b store.Delivery) int {
		return byCreated(a.CreatedAt, b.CreatedAt, a.IdempotencyKey, b.IdempotencyKey, false)
	})
	return out, nil
}
