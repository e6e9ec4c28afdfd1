// Package store defines where Halcytone keeps its state: documents and
// their versions, bundles, jobs, approval requests with their audit trail,
// deliveries, API keys, schedules, webhooks and analytics events.
//
// Store is the interface; store/sqlite (the zero-config default, one file)
// and store/postgres implement it, and mock.Store keeps everything in
// memory. All three pass the conformance suite in store/storetest, which
// third-party implementations can run too.
//
// Guarantees every implementation gives (storetest checks them):
//   - Saving a document whose content hash equals its latest version's
//     creates no new version.
//   - A delivery's idempotency key, a job's ID and a job's request
//     idempotency key are unique: a second insert fails with ErrConflict
//     and changes nothing.
//   - Update functions (UpdateJob, UpdateApproval, ...) run read-modify-
//     write atomically: concurrent updates of one record never lose a write.
//   - InTx commits all its writes or none.
//   - Lookups of a missing record return an error wrapping ErrNotFound.
//   - Times are stored with at least microsecond precision and returned in
//     UTC.
//   - Text in jobs, deliveries, approvals and events is valid UTF-8
//     without NUL (CheckText); other text is ErrInvalid on every store.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/halcytone/halcytone/content"
)

// Sentinel errors; implementations wrap them so that errors.Is works.
var (
	// ErrNotFound means no record has the given key.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict means a unique key is taken (a job ID, an idempotency
	// key) or a precondition of an update failed.
	ErrConflict = errors.New("store: conflict")
	// ErrInvalid means the arguments were refused before any write (an
	// empty ID, a negative limit).
	ErrInvalid = errors.New("store: invalid argument")
)

// Store is the persistence of Halcytone. Implementations are safe for
// concurrent use.
type Store interface {
	Queries
	// InTx runs fn in one transaction: every write through tx commits when
	// fn returns nil and none does otherwise. fn must not use the Store
	// itself while it runs (on SQLite that would wait for the one writer).
	InTx(ctx context.Context, fn func(tx Tx) error) error
	// Close releases the store's resources.
	Close() error
}

// Tx is a transaction of a Store.
type Tx interface {
	Queries
	// Driver returns the implementation's own transaction value, for
	// libraries that must write in the same transaction (River's InsertTx):
	// *sql.Tx for store/sqlite, pgx.Tx for store/postgres, nil in memory.
	Driver() any
}

// Queries are the reads and writes of a Store, also available inside a
// transaction.
type Queries interface {
	// SaveDocument records doc as the latest version of ref unless its
	// ContentHash equals the latest version's; created reports a new
	// version. force records a version even when unchanged.
	SaveDocument(ctx context.Context, ref string, doc *content.Document, force bool) (v DocumentVersion, created bool, err error)
	// LatestDocument returns the newest version of ref.
	LatestDocument(ctx context.Context, ref string) (DocumentVersion, error)
	// DocumentVersions lists the versions of ref, newest first.
	DocumentVersions(ctx context.Context, ref string, limit int) ([]DocumentVersion, error)

	// SaveBundle stores an assembled bundle under b.ID.
	SaveBundle(ctx context.Context, b *BundleRecord) error
	// GetBundle returns the bundle with the given ID.
	GetBundle(ctx context.Context, id string) (*BundleRecord, error)

	// CreateJob inserts j. A taken ID or IdempotencyKey is ErrConflict.
	CreateJob(ctx context.Context, j *Job) error
	// GetJob returns the job with the given ID.
	GetJob(ctx context.Context, id string) (*Job, error)
	// JobByIdempotencyKey returns the job created with the request key.
	JobByIdempotencyKey(ctx context.Context, key string) (*Job, error)
	// UpdateJob applies fn to the stored job atomically and stores the
	// result with UpdatedAt set to now. An error from fn aborts the update
	// and is returned as is.
	UpdateJob(ctx context.Context, id string, fn func(*Job) error) (*Job, error)
	// ListJobs returns one page of the jobs that match f, newest first,
	// and how many match in total. It stays cheap with 100,000 jobs.
	ListJobs(ctx context.Context, f JobFilter) (JobPage, error)
	// JobStats aggregates the jobs created within f's window.
	JobStats(ctx context.Context, f StatsFilter) (JobStats, error)

	// CreateApproval inserts a request.
	CreateApproval(ctx context.Context, a *ApprovalRequest) error
	// GetApproval returns a request with its audit trail.
	GetApproval(ctx context.Context, id string) (*ApprovalRequest, error)
	// UpdateApproval applies fn atomically, like UpdateJob.
	UpdateApproval(ctx context.Context, id string, fn func(*ApprovalRequest) error) (*ApprovalRequest, error)
	// ListApprovals returns the requests that match f, newest first, and
	// the total.
	ListApprovals(ctx context.Context, f ApprovalFilter) ([]ApprovalRequest, int, error)

	// CreateDelivery inserts d; a taken IdempotencyKey is ErrConflict.
	CreateDelivery(ctx context.Context, d *Delivery) error
	// GetDelivery returns the delivery with the idempotency key.
	GetDelivery(ctx context.Context, key string) (*Delivery, error)
	// UpdateDelivery applies fn atomically, like UpdateJob.
	UpdateDelivery(ctx context.Context, key string, fn func(*Delivery) error) (*Delivery, error)
	// ListDeliveries returns a job's deliveries in creation order.
	ListDeliveries(ctx context.Context, jobID string) ([]Delivery, error)

	// CreateAPIKey inserts k; a taken ID or Hash is ErrConflict.
	CreateAPIKey(ctx context.Context, k *APIKey) error
	// APIKeyByHash returns the key whose Hash is hash.
	APIKeyByHash(ctx context.Context, hash string) (*APIKey, error)
	// ListAPIKeys lists every key, oldest first.
	ListAPIKeys(ctx context.Context) ([]APIKey, error)
	// RevokeAPIKey marks a key revoked.
	RevokeAPIKey(ctx context.Context, id string) error

	// CreateSchedule inserts s.
	CreateSchedule(ctx context.Context, s *Schedule) error
	// GetSchedule returns a schedule.
	GetSchedule(ctx context.Context, id string) (*Schedule, error)
	// ListSchedules lists every schedule, oldest first.
	ListSchedules(ctx context.Context) ([]Schedule, error)
	// UpdateSchedule applies fn atomically, like UpdateJob.
	UpdateSchedule(ctx context.Context, id string, fn func(*Schedule) error) (*Schedule, error)
	// DeleteSchedule removes a schedule.
	DeleteSchedule(ctx context.Context, id string) error

	// CreateWebhook inserts an endpoint.
	CreateWebhook(ctx context.Context, w *Webhook) error
	// GetWebhook returns an endpoint.
	GetWebhook(ctx context.Context, id string) (*Webhook, error)
	// ListWebhooks lists endpoints, oldest first; event "" means all,
	// otherwise only enabled endpoints subscribed to event.
	ListWebhooks(ctx context.Context, event string) ([]Webhook, error)
	// UpdateWebhook applies fn atomically, like UpdateJob.
	UpdateWebhook(ctx context.Context, id string, fn func(*Webhook) error) (*Webhook, error)
	// DeleteWebhook removes an endpoint and its deliveries.
	DeleteWebhook(ctx context.Context, id string) error
	// CreateWebhookDelivery inserts an attempt record.
	CreateWebhookDelivery(ctx context.Context, d *WebhookDelivery) error
	// GetWebhookDelivery returns the delivery with the given ID.
	GetWebhookDelivery(ctx context.Context, id string) (*WebhookDelivery, error)
	// UpdateWebhookDelivery applies fn atomically, like UpdateJob.
	UpdateWebhookDelivery(ctx context.Context, id string, fn func(*WebhookDelivery) error) (*WebhookDelivery, error)
	// ListWebhookDeliveries lists an endpoint's deliveries, newest first.
	ListWebhookDeliveries(ctx context.Context, webhookID string, limit int) ([]WebhookDelivery, error)

	// RecordEvent appends an analytics event.
	RecordEvent(ctx context.Context, e *Event) error
	// ListEvents returns the events of f's window, oldest first.
	ListEvents(ctx context.Context, f EventFilter) ([]Event, error)
}

// DocumentVersion is one stored version of a living document.
type DocumentVersion struct {
	Ref       string            `json:"document_id"`
	Version   int               `json:"version"` // 1, 2, ...
	Hash      string            `json:"content_hash"`
	Document  *content.Document `json:"document"`
	CreatedAt time.Time         `json:"created_at"`
}

// BundleRecord is a stored, assembled bundle.
type BundleRecord struct {
	ID        string          `json:"id"`
	JobID     string          `json:"job_id,omitempty"`
	Hash      string          `json:"content_hash"` // Bundle.Hash
	Bundle    *content.Bundle `json:"bundle"`
	CreatedAt time.Time       `json:"created_at"`
}
