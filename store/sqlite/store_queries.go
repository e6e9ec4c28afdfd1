package sqlite

import (
	"context"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/store"
)

// The Store's queries: reads use the read-only pool, writes run in a
// transaction on the writer connection.

// SaveDocument records doc as the latest version of ref unless unchanged
// (see store.Queries).
func (s *Store) SaveDocument(ctx context.Context, ref string, doc *content.Document, force bool) (store.DocumentVersion, bool, error) {
	var (
		v       store.DocumentVersion
		created bool
	)
	err := s.inTx(ctx, func(q *queries) error {
		var err error
		v, created, err = q.SaveDocument(ctx, ref, doc, force)
		return err
	})
	return v, created, err
}

// LatestDocument returns the newest version of ref.
func (s *Store) LatestDocument(ctx context.Context, ref string) (store.DocumentVersion, error) {
	return s.read().LatestDocument(ctx, ref)
}

// DocumentVersions lists the versions of ref, newest first.
func (s *Store) DocumentVersions(ctx context.Context, ref string, limit int) ([]store.DocumentVersion, error) {
	return s.read().DocumentVersions(ctx, ref, limit)
}

// SaveBundle stores b under b.ID, replacing any bundle stored there.
func (s *Store) SaveBundle(ctx context.Context, b *store.BundleRecord) error {
	return s.inTx(ctx, func(q *queries) error { return q.SaveBundle(ctx, b) })
}

// GetBundle returns the bundle with the given ID.
func (s *Store) GetBundle(ctx context.Context, id string) (*store.BundleRecord, error) {
	return s.read().GetBundle(ctx, id)
}

// CreateJob inserts j; a taken ID or IdempotencyKey is ErrConflict.
func (s *Store) CreateJob(ctx context.Context, j *store.Job) error {
	return s.inTx(ctx, func(q *queries) error { return q.CreateJob(ctx, j) })
}

// GetJob returns the job with the given ID.
func (s *Store) GetJob(ctx context.Context, id string) (*store.Job, error) {
	return s.read().GetJob(ctx, id)
}

// JobByIdempotencyKey returns the job created with the request key.
func (s *Store) JobByIdempotencyKey(ctx context.Context, key string) (*store.Job, error) {
	return s.read().JobByIdempotencyKey(ctx, key)
}

// UpdateJob applies fn to the stored job in one transaction.
func (s *Store) UpdateJob(ctx context.Context, id string, fn func(*store.Job) error) (*store.Job, error) {
	return write(ctx, s, func(q *queries) (*store.Job, error) { return q.UpdateJob(ctx, id, fn) })
}

// ListJobs returns one page of the jobs matching f, newest first, and the
// total.
func (s *Store) ListJobs(ctx context.Context, f store.JobFilter) (store.JobPage, error) {
	return readTx(ctx, s, func(q *queries) (store.JobPage, error) { return q.ListJobs(ctx, f) })
}

// JobStats aggregates the jobs created within f's window.
func (s *Store) JobStats(ctx context.Context, f store.StatsFilter) (store.JobStats, error) {
	return readTx(ctx, s, func(q *queries) (store.JobStats, error) { return q.JobStats(ctx, f) })
}

// CreateApproval inserts a request.
func (s *Store) CreateApproval(ctx context.Context, a *store.ApprovalRequest) error {
	return s.inTx(ctx, func(q *queries) error { return q.CreateApproval(ctx, a) })
}

// GetApproval returns a request with its audit trail.
func (s *Store) GetApproval(ctx context.Context, id string) (*store.ApprovalRequest, error) {
	return s.read().GetApproval(ctx, id)
}

// UpdateApproval applies fn to the stored request in one transaction.
func (s *Store) UpdateApproval(ctx context.Context, id string, fn func(*store.ApprovalRequest) error) (*store.ApprovalRequest, error) {
	return write(ctx, s, func(q *queries) (*store.ApprovalRequest, error) { return q.UpdateApproval(ctx, id, fn) })
}

// ListApprovals returns the requests matching f, newest first, and the
// total.
func (s *Store) ListApprovals(ctx context.Context, f store.ApprovalFilter) ([]store.ApprovalRequest, int, error) {
	var (
		out   []store.ApprovalRequest
		total int
	)
	_, err := readTx(ctx, s, func(q *queries) (struct{}, error) {
		var err error
		out, total, err = q.ListApprovals(ctx, f)
		return struct{}{}, err
	})
	return out, total, err
}

// CreateDelivery inserts d; a taken IdempotencyKey is ErrConflict.
func (s *Store) CreateDelivery(ctx context.Context, d *store.Delivery) error {
	return s.inTx(ctx, func(q *queries) error { return q.CreateDelivery(ctx, d) })
}

// GetDelivery returns the delivery with the idempotency key.
func (s *Store) GetDelivery(ctx context.Context, key string) (*store.Delivery, error) {
	return s.read().GetDelivery(ctx, key)
}

// UpdateDelivery applies fn to the stored delivery in one transaction.
func (s *Store) UpdateDelivery(ctx context.Context, key string, fn func(*store.Delivery) error) (*store.Delivery, error) {
	return write(ctx, s, func(q *queries) (*store.Delivery, error) { return q.UpdateDelivery(ctx, key, fn) })
}

// ListDeliveries returns a job's deliveries in creation order.
func (s *Store) ListDeliveries(ctx context.Context, jobID string) ([]store.Delivery, error) {
	return s.read().ListDeliveries(ctx, jobID)
}

// CreateAPIKey inserts k; a taken ID or Hash is ErrConflict.
func (s *Store) CreateAPIKey(ctx context.Context, k *store.APIKey) error {
	return s.inTx(ctx, func(q *queries) error { return q.CreateAPIKey(ctx, k) })
}

// APIKeyByHash returns the key whose Hash is hash.
func (s *Store) APIKeyByHash(ctx context.Context, hash string) (*store.APIKey, error) {
	return s.read().APIKeyByHash(ctx, hash)
}

// ListAPIKeys lists every key, oldest first.
func (s *Store) ListAPIKeys(ctx context.Context) ([]store.APIKey, error) {
	return s.read().ListAPIKeys(ctx)
}

// RevokeAPIKey marks a key revoked.
func (s *Store) RevokeAPIKey(ctx context.Context, id string) error {
	return s.inTx(ctx, func(q *queries) error { return q.RevokeAPIKey(ctx, id) })
}

// CreateSchedule inserts sc.
func (s *Store) CreateSchedule(ctx context.Context, sc *store.Schedule) error {
	return s.inTx(ctx, func(q *queries) error { return q.CreateSchedule(ctx, sc) })
}

// GetSchedule returns a schedule.
func (s *Store) GetSchedule(ctx context.Context, id string) (*store.Schedule, error) {
	return s.read().GetSchedule(ctx, id)
}

// ListSchedules lists every schedule, oldest first.
func (s *Store) ListSchedules(ctx context.Context) ([]store.Schedule, error) {
	return s.read().ListSchedules(ctx)
}

// UpdateSchedule applies fn to the stored schedule in one transaction.
func (s *Store) UpdateSchedule(ctx context.Context, id string, fn func(*store.Schedule) error) (*store.Schedule, error) {
	return write(ctx, s, func(q *queries) (*store.Schedule, error) { return q.UpdateSchedule(ctx, id, fn) })
}

// DeleteSchedule removes a schedule.
func (s *Store) DeleteSchedule(ctx context.Context, id string) error {
	return s.inTx(ctx, func(q *queries) error { return q.DeleteSchedule(ctx, id) })
}

// CreateWebhook inserts an endpoint.
func (s *Store) CreateWebhook(ctx context.Context, w *store.Webhook) error {
	return s.inTx(ctx, func(q *queries) error { return q.CreateWebhook(ctx, w) })
}

// GetWebhook returns an endpoint.
func (s *Store) GetWebhook(ctx context.Context, id string) (*store.Webhook, error) {
	return s.read().GetWebhook(ctx, id)
}

// ListWebhooks lists endpoints, oldest first; a non-empty event keeps the
// enabled endpoints subscribed to it.
func (s *Store) ListWebhooks(ctx context.Context, event string) ([]store.Webhook, error) {
	return s.read().ListWebhooks(ctx, event)
}

// UpdateWebhook applies fn to the stored endpoint in one transaction.
func (s *Store) UpdateWebhook(ctx context.Context, id string, fn func(*store.Webhook) error) (*store.Webhook, error) {
	return write(ctx, s, func(q *queries) (*store.Webhook, error) { return q.UpdateWebhook(ctx, id, fn) })
}

// DeleteWebhook removes an endpoint and its deliveries.
func (s *Store) DeleteWebhook(ctx context.Context, id string) error {
	return s.inTx(ctx, func(q *queries) error { return q.DeleteWebhook(ctx, id) })
}

// CreateWebhookDelivery inserts an attempt record.
func (s *Store) CreateWebhookDelivery(ctx context.Context, d *store.WebhookDelivery) error {
	return s.inTx(ctx, func(q *queries) error { return q.CreateWebhookDelivery(ctx, d) })
}

// GetWebhookDelivery returns a delivery.
func (s *Store) GetWebhookDelivery(ctx context.Context, id string) (*store.WebhookDelivery, error) {
	return s.read().GetWebhookDelivery(ctx, id)
}

// UpdateWebhookDelivery applies fn to the stored record in one
// transaction.
func (s *Store) UpdateWebhookDelivery(ctx context.Context, id string, fn func(*store.WebhookDelivery) error) (*store.WebhookDelivery, error) {
	return write(ctx, s, func(q *queries) (*store.WebhookDelivery, error) { return q.UpdateWebhookDelivery(ctx, id, fn) })
}

// ListWebhookDeliveries lists an endpoint's deliveries, newest first.
func (s *Store) ListWebhookDeliveries(ctx context.Context, webhookID string, limit int) ([]store.WebhookDelivery, error) {
	return s.read().ListWebhookDeliveries(ctx, webhookID, limit)
}

// RecordEvent appends an analytics event.
func (s *Store) RecordEvent(ctx context.Context, e *store.Event) error {
	return s.inTx(ctx, func(q *queries) error { return q.RecordEvent(ctx, e) })
}

// ListEvents returns the events of f's window, oldest first.
func (s *Store) ListEvents(ctx context.Context, f store.EventFilter) ([]store.Event, error) {
	return s.read().ListEvents(ctx, f)
}
