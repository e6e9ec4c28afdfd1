package store

import "time"

// JobStatus is the state of a job; API.md lists the values.
type JobStatus string

// The job statuses.
const (
	JobPending          JobStatus = "pending"
	JobAwaitingApproval JobStatus = "awaiting_approval"
	JobScheduled        JobStatus = "scheduled"
	JobInProgress       JobStatus = "in_progress"
	JobCompleted        JobStatus = "completed"
	JobPartial          JobStatus = "partial"
	JobFailed           JobStatus = "failed"
	JobCancelled        JobStatus = "cancelled"
)

// Terminal reports whether s is a final status (completed, partial,
// failed or cancelled).
func (s JobStatus) Terminal() bool {
	switch s {
	case JobCompleted, JobPartial, JobFailed, JobCancelled:
		return true
	}
	return false
}

// Job is one document (or piece of content) generated and published to a
// set of channels: the SyncJob of API.md. Optional times are zero when
// unset.
type Job struct {
	ID            string                   `json:"job_id"`
	DocumentID    string                   `json:"document_id"`
	Channels      []string                 `json:"channels"` // as the request spelled them
	Status        JobStatus                `json:"status"`
	CreatedAt     time.Time                `json:"created_at"`
	UpdatedAt     time.Time                `json:"updated_at"`
	ScheduledFor  time.Time                `json:"scheduled_for,omitzero"`
	StartedAt     time.Time                `json:"started_at,omitzero"`
	CompletedAt   time.Time                `json:"completed_at,omitzero"`
	Results       map[string]ChannelResult `json:"results,omitempty"` // keyed like Channels
	Errors        []string                 `json:"errors,omitempty"`
	Metadata      map[string]any           `json:"metadata,omitempty"`
	CorrelationID string                   `json:"correlation_id,omitempty"`
	Approval      *JobApproval             `json:"approval,omitempty"`

	// Not part of SyncJob.
	ContentHash    string `json:"-"` // the bundle's hash
	BundleID       string `json:"-"`
	DryRun         bool   `json:"-"`
	IdempotencyKey string `json:"-"` // the request's Idempotency-Key header; unique when set
	// DeliveryKeyBase is what the job's delivery idempotency keys derive
	// from; empty means ContentHash, so that a content is delivered once
	// whichever job asks. A job that delivers again although unchanged
	// (Force) has keys of its own, and its retries take them over.
	DeliveryKeyBase string `json:"-"`
}

// ChannelResult is the outcome of a job on one channel.
type ChannelResult struct {
	Status    string    `json:"status"` // success, failed or skipped
	Sent      int       `json:"sent,omitempty"`
	ContentID string    `json:"content_id,omitempty"`
	URL       string    `json:"url,omitempty"`
	Error     string    `json:"error,omitempty"`
	Timestamp time.Time `json:"timestamp"`
}

// JobApproval is the approval summary a job carries.
type JobApproval struct {
	Level     int    `json:"level"`
	State     string `json:"state"`
	RequestID string `json:"request_id"`
}

// JobFilter selects jobs. Zero fields select everything.
type JobFilter struct {
	Statuses []JobStatus
	// Channel is a channel in any spelling: a job matches when it lists
	// the channel content.ParseChannel reads it as, however the job spelled
	// it, so "web", "Website" and "website" select the same jobs (see
	// ChannelKey). A value ParseChannel refuses matches exactly. A job
	// listing the channel twice, in two spellings, matches once.
	Channel       string
	CreatedAfter  time.Time
	CreatedBefore time.Time
	Limit         int // 0 means 20; at most 500
	Offset        int
}

// JobPage is one page of ListJobs.
type JobPage struct {
	Jobs  []Job
	Total int
}

// StatsFilter selects the jobs JobStats aggregates.
type StatsFilter struct {
	Start, End time.Time     // created within [Start, End); zero means open
	Bucket     time.Duration // width of OverTime buckets; 0 means one day
	Status     JobStatus     // "" means all
	// Channel is "" for all jobs, or a channel in any spelling, matched
	// like JobFilter.Channel.
	Channel string
}

// JobStats aggregates jobs for analytics.
type JobStats struct {
	Total                  int
	ByStatus               map[JobStatus]int
	ByChannel              map[string]int
	SucceededByChannel     map[string]int // jobs completed per channel
	AvgProcessing          time.Duration  // completed_at - started_at over finished jobs
	AvgProcessingByChannel map[string]time.Duration
	OverTime               []TimeCount // job counts per bucket, oldest first, empty buckets omitted
}

// TimeCount is a count in a time bucket starting at At.
type TimeCount struct {
	At    time.Time
	Count int
}

// ApprovalState is the state of an approval request or stage.
type ApprovalState string

// The approval states.
const (
	ApprovalPending          ApprovalState = "pending"
	ApprovalApproved         ApprovalState = "approved"
	ApprovalRejected         ApprovalState = "rejected"
	ApprovalChangesRequested ApprovalState = "changes_requested"
)

// ApprovalRequest is a review of one bundle, pinned to its content hash.
type ApprovalRequest struct {
	ID           string        `json:"id"`
	JobID        string        `json:"job_id"`
	BundleID     string        `json:"bundle_id,omitempty"`
	ContentHash  string        `json:"content_hash"`
	Level        int           `json:"level"`
	State        ApprovalState `json:"state"`
	Stages       []Stage       `json:"stages"`
	Author       string        `json:"author,omitempty"`
	ChangeRounds int           `json:"change_rounds,omitempty"`
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`
	DueAt        time.Time     `json:"due_at"`
	Escalated    bool          `json:"escalated,omitempty"`
	Audit        []AuditEntry  `json:"audit"`
}

// Stage is one step of an approval: Required approvals from reviewers
// holding one of Roles.
type Stage struct {
	Name      string        `json:"name"`
	Roles     []string      `json:"roles"`
	Required  int           `json:"required"`
	Approvals []Decision    `json:"approvals"`
	State     ApprovalState `json:"state"`
}

// Decision is one reviewer's decision in a stage.
type Decision struct {
	Reviewer string    `json:"reviewer"`
	Role     string    `json:"role,omitempty"`
	Decision string    `json:"decision"` // approve, reject or request_changes
	Comment  string    `json:"comment,omitempty"`
	At       time.Time `json:"at"`
}

// AuditEntry is one line of an approval's audit trail.
type AuditEntry struct {
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Action  string    `json:"action"`
	Comment string    `json:"comment,omitempty"`
}

// ApprovalFilter selects approval requests.
type ApprovalFilter struct {
	State  ApprovalState // "" means all
	Level  int           // 0 means all
	JobID  string        // "" means all
	Limit  int           // 0 means 100
	Offset int
}

// DeliveryStatus is the state of one delivery.
type DeliveryStatus string

// The delivery statuses.
const (
	DeliveryPending DeliveryStatus = "pending"
	DeliverySent    DeliveryStatus = "sent"
	DeliveryFailed  DeliveryStatus = "failed"
	DeliveryUnknown DeliveryStatus = "unknown" // outcome unknown: reconcile before any resend
	DeliverySkipped DeliveryStatus = "skipped"
)

// Delivery is one send of one bundle to one channel and account, unique by
// its idempotency key.
type Delivery struct {
	IdempotencyKey string         `json:"idempotency_key"`
	JobID          string         `json:"job_id"`
	Channel        string         `json:"channel"`
	Platform       string         `json:"platform,omitempty"`
	Account        string         `json:"account,omitempty"`
	Status         DeliveryStatus `json:"status"`
	Attempts       int            `json:"attempts"`
	LastError      string         `json:"last_error,omitempty"`
	Receipt        *Receipt       `json:"receipt,omitempty"`
	Checkpoint     string         `json:"checkpoint,omitempty"` // progress of a multi-part send, such as the last email batch sent
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
}

// Receipt is what a platform answered to a successful publish.
type Receipt struct {
	ExternalID string    `json:"external_id"`
	URL        string    `json:"url,omitempty"`
	Status     string    `json:"status,omitempty"`
	Sent       int       `json:"sent,omitempty"`
	At         time.Time `json:"at"`
}

// APIKey is a stored API key: only its hash is kept.
type APIKey struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Hash      string    `json:"-"`      // hex SHA-256 of the key; unique
	Prefix    string    `json:"prefix"` // the key's first characters, to recognise it
	Scopes    []string  `json:"scopes"`
	RateLimit int       `json:"rate_limit"` // requests per minute; 0 means unlimited
	Revoked   bool      `json:"revoked"`
	CreatedAt time.Time `json:"created_at"`
}

// Schedule is a recurring publication.
type Schedule struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Cron          string    `json:"cron"`
	Timezone      string    `json:"timezone"`
	DocumentID    string    `json:"document_id"`
	Channels      []string  `json:"channels"`
	TemplateStyle string    `json:"template_style,omitempty"`
	ApprovalLevel int       `json:"approval_level,omitempty"`
	Enabled       bool      `json:"enabled"`
	NextRun       time.Time `json:"next_run"`
	LastRun       time.Time `json:"last_run,omitzero"`
	CreatedAt     time.Time `json:"created_at"`
}

// Webhook is an outgoing webhook endpoint.
type Webhook struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	Secret    string    `json:"-"` // whsec_...
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
}

// WebhookDelivery is one event sent (or to be sent) to an endpoint.
type WebhookDelivery struct {
	ID           string    `json:"id"` // the webhook-id header; unique
	WebhookID    string    `json:"webhook_id"`
	Event        string    `json:"event"`
	Payload      []byte    `json:"payload"`
	Status       string    `json:"status"` // pending, delivered, failed
	Attempts     int       `json:"attempts"`
	ResponseCode int       `json:"response_code,omitempty"`
	LastError    string    `json:"last_error,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Event is an analytics event, such as a request served or a delivery made.
type Event struct {
	ID       int64          `json:"id"` // assigned by RecordEvent
	Type     string         `json:"type"`
	JobID    string         `json:"job_id,omitempty"`
	Channel  string         `json:"channel,omitempty"`
	Status   string         `json:"status,omitempty"`
	Duration time.Duration  `json:"duration,omitempty"`
	At       time.Time      `json:"at"`
	Attrs    map[string]any `json:"attrs,omitempty"`
}

// EventFilter selects analytics events.
type EventFilter struct {
	Type       string    // "" means all
	Start, End time.Time // [Start, End); zero means open
	Limit      int       // 0 means 1,000
}
