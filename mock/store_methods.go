// The locking shell of Store: each method runs the ops method of the same
// name under the read lock (lookups and lists) or the write lock (writes,
// which are undone if they fail).

package mock

import (
	"context"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/store"
)

// SaveDocument implements store.Queries; see ops.SaveDocument.
func (st *Store) SaveDocument(ctx context.Context, ref string, doc *content.Document, force bool) (v store.DocumentVersion, created bool, err error) {
	type res struct {
		v0 store.DocumentVersion
		v1 bool
	}
	out, outErr := write(ctx, st, func(o *ops) (res, error) {
		v0, v1, err := o.SaveDocument(ctx, ref, doc, force)
		return res{v0, v1}, err
	})
	return out.v0, out.v1, outErr
}

// LatestDocument implements store.Queries; see ops.LatestDocument.
func (st *Store) LatestDocument(ctx context.Context, ref string) (store.DocumentVersion, error) {
	return read(ctx, st, func(o *ops) (store.DocumentVersion, error) { return o.LatestDocument(ctx, ref) })
}

// DocumentVersions implements store.Queries; see ops.DocumentVersions.
func (st *Store) DocumentVersions(ctx context.Context, ref string, limit int) ([]store.DocumentVersion, error) {
	return read(ctx, st, func(o *ops) ([]store.DocumentVersion, error) { return o.DocumentVersions(ctx, ref, limit) })
}

// SaveBundle implements store.Queries; see ops.SaveBundle.
func (st *Store) SaveBundle(ctx context.Context, b *store.BundleRecord) error {
	return write0(ctx, st, func(o *ops) error { return o.SaveBundle(ctx, b) })
}

// GetBundle implements store.Queries; see ops.GetBundle.
func (st *Store) GetBundle(ctx context.Context, id string) (*store.BundleRecord, error) {
	return read(ctx, st, func(o *ops) (*store.BundleRecord, error) { return o.GetBundle(ctx, id) })
}

// CreateJob implements store.Queries; see ops.CreateJob.
func (st *Store) CreateJob(ctx context.Context, j *store.Job) error {
	return write0(ctx, st, func(o *ops) error { return o.CreateJob(ctx, j) })
}

// GetJob implements store.Queries; see ops.GetJob.
func (st *Store) GetJob(ctx context.Context, id string) (*store.Job, error) {
	return read(ctx, st, func(o *ops) (*store.Job, error) { return o.GetJob(ctx, id) })
}

// JobByIdempotencyKey implements store.Queries; see ops.JobByIdempotencyKey.
func (st *Store) JobByIdempotencyKey(ctx context.Context, key string) (*store.Job, error) {
	return read(ctx, st, func(o *ops) (*store.Job, error) { return o.JobByIdempotencyKey(ctx, key) })
}

// UpdateJob implements store.Queries; see ops.UpdateJob.
func (st *Store) UpdateJob(ctx context.Context, id string, fn func(*store.Job) error) (*store.Job, error) {
	return write(ctx, st, func(o *ops) (*store.Job, error) { return o.UpdateJob(ctx, id, fn) })
}

// ListJobs implements store.Queries; see ops.ListJobs.
func (st *Store) ListJobs(ctx context.Context, f store.JobFilter) (store.JobPage, error) {
	return read(ctx, st, func(o *ops) (store.JobPage, error) { return o.ListJobs(ctx, f) })
}

// JobStats implements store.Queries; see ops.JobStats.
func (st *Store) JobStats(ctx context.Context, f store.StatsFilter) (store.JobStats, error) {
	return read(ctx, st, func(o *ops) (store.JobStats, error) { return o.JobStats(ctx, f) })
}

// CreateApproval implements store.Queries; see ops.CreateApproval.
func (st *Store) CreateApproval(ctx context.Context, a *store.ApprovalRequest) error {
	return write0(ctx, st, func(o *ops) error { return o.CreateApproval(ctx, a) })
}

// GetApproval implements store.Queries; see ops.GetApproval.
func (st *Store) GetApproval(ctx context.Context, id string) (*store.ApprovalRequest, error) {
	return read(ctx, st, func(o *ops) (*store.ApprovalRequest, error) { return o.GetApproval(ctx, id) })
}

// UpdateApproval implements store.Queries; see ops.UpdateApproval.
func (st *Store) UpdateApproval(ctx context.Context, id string, fn func(*store.ApprovalRequest) error) (*store.ApprovalRequest, error) {
	return write(ctx, st, func(o *ops) (*store.ApprovalRequest, error) { return o.UpdateApproval(ctx, id, fn) })
}

// ListApprovals implements store.Queries; see ops.ListApprovals.
func (st *Store) ListApprovals(ctx context.Context, f store.ApprovalFilter) ([]store.ApprovalRequest, int, error) {
	type res struct {
		v0 []store.ApprovalRequest
		v1 int
	}
	out, outErr := read(ctx, st, func(o *ops) (res, error) {
		v0, v1, err := o.ListApprovals(ctx, f)
		return res{v0, v1}, err
	})
	return out.v0, out.v1, outErr
}

// CreateDelivery implements store.Queries; see ops.CreateDelivery.
func (st *Store) CreateDelivery(ctx context.Context, d *store.Delivery) error {
	return write0(ctx, st, func(o *ops) error { return o.CreateDelivery(ctx, d) })
}

// GetDelivery implements store.Queries; see ops.GetDelivery.
func (st *Store) GetDelivery(ctx context.Context, key string) (*store.Delivery, error) {
	return read(ctx, st, func(o *ops) (*store.Delivery, error) { return o.GetDelivery(ctx, key) })
}

// UpdateDelivery implements store.Queries; see ops.UpdateDelivery.
func (st *Store) UpdateDelivery(ctx context.Context, key string, fn func(*store.Delivery) error) (*store.Delivery, error) {
	return write(ctx, st, func(o *ops) (*store.Delivery, error) { return o.UpdateDelivery(ctx, key, fn) })
}

// ListDeliveries implements store.Queries; see ops.ListDeliveries.
func (st *Store) ListDeliveries(ctx context.Context, jobID string) ([]store.Delivery, error) {
	return read(ctx, st, func(o *ops) ([]store.Delivery, error) { return o.ListDeliveries(ctx, jobID) })
}

// CreateAPIKey implements store.Queries; see ops.CreateAPIKey.
func (st *Store) CreateAPIKey(ctx context.Context, k *store.APIKey) error {
	return write0(ctx, st, func(o *ops) error { return o.CreateAPIKey(ctx, k) })
}

// APIKeyByHash implements store.Queries; see ops.APIKeyByHash.
func (st *Store) APIKeyByHash(ctx context.Context, hash string) (*store.APIKey, error) {
	return read(ctx, st, func(o *ops) (*store.APIKey, error) { return o.APIKeyByHash(ctx, hash) })
}

// ListAPIKeys implements store.Queries; see ops.ListAPIKeys.
func (st *Store) ListAPIKeys(ctx context.Context) ([]store.APIKey, error) {
	return read(ctx, st, func(o *ops) ([]store.APIKey, error) { return o.ListAPIKeys(ctx) })
}

// RevokeAPIKey implements store.Queries; see ops.RevokeAPIKey.
func (st *Store) RevokeAPIKey(ctx context.Context, id string) error {
	return write0(ctx, st, func(o *ops) error { return o.RevokeAPIKey(ctx, id) })
}

// CreateSchedule implements store.Queries; see ops.CreateSchedule.
func (st *Store) CreateSchedule(ctx context.Context, s *store.Schedule) error {
	return write0(ctx, st, func(o *ops) error { return o.CreateSchedule(ctx, s) })
}

// GetSchedule implements store.Queries; see ops.GetSchedule.
func (st *Store) GetSchedule(ctx context.Context, id string) (*store.Schedule, error) {
	return read(ctx, st, func(o *ops) (*store.Schedule, error) { return o.GetSchedule(ctx, id) })
}

// ListSchedules implements store.Queries; see ops.ListSchedules.
func (st *Store) ListSchedules(ctx context.Context) ([]store.Schedule, error) {
	return read(ctx, st, func(o *ops) ([]store.Schedule, error) { return o.ListSchedules(ctx) })
}

// UpdateSchedule implements store.Queries; see ops.UpdateSchedule.
func (st *Store) UpdateSchedule(ctx context.Context, id string, fn func(*store.Schedule) error) (*store.Schedule, error) {
	return write(ctx, st, func(o *ops) (*store.Schedule, error) { return o.UpdateSchedule(ctx, id, fn) })
}

// DeleteSchedule implements store.Queries; see ops.DeleteSchedule.
func (st *Store) DeleteSchedule(ctx context.Context, id string) error {
	return write0(ctx, st, func(o *ops) error { return o.DeleteSchedule(ctx, id) })
}

// CreateWebhook implements store.Queries; see ops.CreateWebhook.
func (st *Store) CreateWebhook(ctx context.Context, w *store.Webhook) error {
	return write0(ctx, st, func(o *ops) error { return o.CreateWebhook(ctx, w) })
}

// GetWebhook implements store.Queries; see ops.GetWebhook.
func (st *Store) GetWebhook(ctx context.Context, id string) (*store.Webhook, error) {
	return read(ctx, st, func(o *ops) (*store.Webhook, error) { return o.GetWebhook(ctx, id) })
}

// ListWebhooks implements store.Queries; see ops.ListWebhooks.
func (st *Store) ListWebhooks(ctx context.Context, event string) ([]store.Webhook, error) {
	return read(ctx, st, func(o *ops) ([]store.Webhook, error) { return o.ListWebhooks(ctx, event) })
}

// UpdateWebhook implements store.Queries; see ops.UpdateWebhook.
func (st *Store) UpdateWebhook(ctx context.Context, id string, fn func(*store.Webhook) error) (*store.Webhook, error) {
	return write(ctx, st, func(o *ops) (*store.Webhook, error) { return o.UpdateWebhook(ctx, id, fn) })
}

// DeleteWebhook implements store.Queries; see ops.DeleteWebhook.
func (st *Store) DeleteWebhook(ctx context.Context, id string) error {
	return write0(ctx, st, func(o *ops) error { return o.DeleteWebhook(ctx, id) })
}

// CreateWebhookDelivery implements store.Queries; see ops.CreateWebhookDelivery.
func (st *Store) CreateWebhookDelivery(ctx context.Context, d *store.WebhookDelivery) error {
	return write0(ctx, st, func(o *ops) error { return o.CreateWebhookDelivery(ctx, d) })
}

// GetWebhookDelivery implements store.Store.
func (st *Store) GetWebhookDelivery(ctx context.Context, id string) (*store.WebhookDelivery, error) {
	return read(ctx, st, func(o *ops) (*store.WebhookDelivery, error) { return o.GetWebhookDelivery(ctx, id) })
}

// UpdateWebhookDelivery implements store.Queries; see ops.UpdateWebhookDelivery.
func (st *Store) UpdateWebhookDelivery(ctx context.Context, id string, fn func(*store.WebhookDelivery) error) (*store.WebhookDelivery, error) {
	return write(ctx, st, func(o *ops) (*store.WebhookDelivery, error) { return o.UpdateWebhookDelivery(ctx, id, fn) })
}

// ListWebhookDeliveries implements store.Queries; see ops.ListWebhookDeliveries.
func (st *Store) ListWebhookDeliveries(ctx context.Context, webhookID string, limit int) ([]store.WebhookDelivery, error) {
	return read(ctx, st, func(o *ops) ([]store.WebhookDelivery, error) { return o.ListWebhookDeliveries(ctx, webhookID, limit) })
}

// RecordEvent implements store.Queries; see ops.RecordEvent.
func (st *Store) RecordEvent(ctx context.Context, e *store.Event) error {
	return write0(ctx, st, func(o *ops) error { return o.RecordEvent(ctx, e) })
}

// ListEvents implements store.Queries; see ops.ListEvents.
func (st *Store) ListEvents(ctx context.Context, f store.EventFilter) ([]store.Event, error) {
	return read(ctx, st, func(o *ops) ([]store.Event, error) { return o.ListEvents(ctx, f) })
}
