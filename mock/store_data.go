package mock

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/store"
)

// data is everything a Store holds. Stored records are never mutated in
// place: a write replaces the pointer, so the undo log can restore the old
// one.
type data struct {
	docs       map[string][]store.DocumentVersion // by ref, oldest first
	bundles    map[string]*store.BundleRecord
	jobs       map[string]*store.Job
	jobKeys    map[string]string // request idempotency key -> job ID
	jobOrder   []jobRef          // every job, oldest first (new jobs append)
	approvals  map[string]*store.ApprovalRequest
	deliveries map[string]*store.Delivery
	apiKeys    map[string]*store.APIKey
	keyHashes  map[string]string // API key hash -> key ID
	schedules  map[string]*store.Schedule
	webhooks   map[string]*store.Webhook
	whDeliv    map[string]*store.WebhookDelivery
	events     []store.Event // in ID order
	lastEvent  int64
}

func newData() *data {
	return &data{
		docs:       map[string][]store.DocumentVersion{},
		bundles:    map[string]*store.BundleRecord{},
		jobs:       map[string]*store.Job{},
		jobKeys:    map[string]string{},
		approvals:  map[string]*store.ApprovalRequest{},
		deliveries: map[string]*store.Delivery{},
		apiKeys:    map[string]*store.APIKey{},
		keyHashes:  map[string]string{},
		schedules:  map[string]*store.Schedule{},
		webhooks:   map[string]*store.Webhook{},
		whDeliv:    map[string]*store.WebhookDelivery{},
	}
}

// ops implements store.Queries on data; the caller holds the lock. undo is
// nil for reads; done, set for a transaction, refuses calls after it ended.
type ops struct {
	d    *data
	undo *undoLog
	done *atomic.Bool
}

// check refuses a call on a cancelled context or an ended transaction.
func (o *ops) check(ctx context.Context) error {
	if o.done != nil && o.done.Load() {
		return fmt.Errorf("mock: transaction already ended: %w", store.ErrInvalid)
	}
	return ctx.Err()
}

// jobRef is an entry of data.jobOrder.
type jobRef struct {
	at time.Time
	id string
}

// compareRefs orders jobs oldest first, ties by ID; ListJobs walks the
// order backwards.
func compareRefs(a, b jobRef) int {
	if c := a.at.Compare(b.at); c != 0 {
		return c
	}
	return strings.Compare(a.id, b.id)
}

// orderInsert adds r to jobOrder and records how to remove it.
func (o *ops) orderInsert(r jobRef) {
	i, _ := slices.BinarySearchFunc(o.d.jobOrder, r, compareRefs)
	o.d.jobOrder = slices.Insert(o.d.jobOrder, i, r)
	o.undo.add(func() { o.orderRemoveRaw(r) })
}

// orderRemove removes r from jobOrder and records how to put it back.
func (o *ops) orderRemove(r jobRef) {
	if o.orderRemoveRaw(r) {
		o.undo.add(func() {
			i, _ := slices.BinarySearchFunc(o.d.jobOrder, r, compareRefs)
			o.d.jobOrder = slices.Insert(o.d.jobOrder, i, r)
		})
	}
}

func (o *ops) orderRemoveRaw(r jobRef) bool {
	i, found := slices.BinarySearchFunc(o.d.jobOrder, r, compareRefs)
	if found {
		o.d.jobOrder = slices.Delete(o.d.jobOrder, i, i+1)
	}
	return found
}

// now is the store's clock, at the precision it keeps.
func now() time.Time { return norm(time.Now()) }

// norm returns t as the store keeps top-level times: UTC, microseconds.
func norm(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// stamp sets a zero *created to now, on the caller's value, and a zero
// *updated (when given) to *created.
func stamp(created, updated *time.Time) {
	if created.IsZero() {
		*created = now()
	}
	if updated != nil && updated.IsZero() {
		*updated = *created
	}
}

// invalid returns an error wrapping store.ErrInvalid.
func invalid(format string, args ...any) error {
	return fmt.Errorf("mock: "+format+": %w", append(args, store.ErrInvalid)...)
}

// notFound returns an error wrapping store.ErrNotFound.
func notFound(what, key string) error {
	return fmt.Errorf("mock: %s %q: %w", what, key, store.ErrNotFound)
}

// conflict returns an error wrapping store.ErrConflict.
func conflict(what, key string) error {
	return fmt.Errorf("mock: %s %q is taken: %w", what, key, store.ErrConflict)
}

// viaJSON returns v as encoding/json restores it, as the SQL stores keep
// JSON-encoded values; an unencodable v is ErrInvalid.
func viaJSON[T any](what string, v T) (T, error) {
	var out T
	b, err := json.Marshal(v)
	if err != nil {
		return out, invalid("encode %s: %v", what, err)
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return out, invalid("decode %s: %v", what, err)
	}
	return out, nil
}

// copyJSONMap deep-copies a map holding only what encoding/json decodes
// into any.
func copyJSONMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = copyJSONValue(v)
	}
	return out
}

func copyJSONValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return copyJSONMap(v)
	case []any:
		if v == nil {
			return v
		}
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = copyJSONValue(e)
		}
		return out
	}
	return v
}

// copyDocument returns a deep copy of doc through JSON.
func copyDocument(doc *content.Document) (*content.Document, error) {
	return viaJSON("document", doc)
}

// copyBundle returns a deep copy of b through JSON.
func copyBundle(b *content.Bundle) (*content.Bundle, error) {
	return viaJSON("bundle", b)
}

// cloneVersion deep-copies a stored version.
func cloneVersion(v store.DocumentVersion) (store.DocumentVersion, error) {
	doc, err := copyDocument(v.Document)
	v.Document = doc
	return v, err
}

// cloneJob deep-copies a stored job.
func cloneJob(j *store.Job) *store.Job {
	c := *j
	c.Channels = slices.Clone(j.Channels)
	c.Results = maps.Clone(j.Results)
	c.Errors = slices.Clone(j.Errors)
	c.Metadata = copyJSONMap(j.Metadata)
	if j.Approval != nil {
		a := *j.Approval
		c.Approval = &a
	}
	return &c
}

// jobIn is the copy of j a store keeps.
func jobIn(j *store.Job) (*store.Job, error) {
	if err := store.CheckText(j); err != nil {
		return nil, fmt.Errorf("mock: job %q: %w", j.ID, err)
	}
	meta, err := viaJSON("job metadata", j.Metadata)
	if err != nil {
		return nil, err
	}
	c := *j
	c.Metadata = nil
	c = *cloneJob(&c)
	c.Metadata = meta
	c.CreatedAt, c.UpdatedAt = norm(c.CreatedAt), norm(c.UpdatedAt)
	c.ScheduledFor, c.StartedAt, c.CompletedAt = norm(c.ScheduledFor), norm(c.StartedAt), norm(c.CompletedAt)
	return &c, nil
}

// cloneApproval deep-copies an approval request.
func cloneApproval(a *store.ApprovalRequest) *store.ApprovalRequest {
	c := *a
	if a.Stages != nil {
		c.Stages = make([]store.Stage, len(a.Stages))
		for i, s := range a.Stages {
			s.Roles = slices.Clone(s.Roles)
			s.Approvals = slices.Clone(s.Approvals)
			c.Stages[i] = s
		}
	}
	c.Audit = slices.Clone(a.Audit)
	return &c
}

// cloneDelivery deep-copies a delivery.
func cloneDelivery(d *store.Delivery) *store.Delivery {
	c := *d
	if d.Receipt != nil {
		r := *d.Receipt
		c.Receipt = &r
	}
	return &c
}

func cloneAPIKey(k *store.APIKey) *store.APIKey {
	c := *k
	c.Scopes = slices.Clone(k.Scopes)
	return &c
}

func cloneSchedule(s *store.Schedule) *store.Schedule {
	c := *s
	c.Channels = slices.Clone(s.Channels)
	return &c
}

func cloneWebhook(w *store.Webhook) *store.Webhook {
	c := *w
	c.Events = slices.Clone(w.Events)
	return &c
}

func cloneWebhookDelivery(d *store.WebhookDelivery) *store.WebhookDelivery {
	c := *d
	c.Payload = slices.Clone(d.Payload)
	return &c
}

func cloneEvent(e store.Event) store.Event {
	e.Attrs = copyJSONMap(e.Attrs)
	return e
}

// sortedValues returns m's values ordered by cmpFn.
func sortedValues[V any](m map[string]*V, cmpFn func(a, b *V) int) []*V {
	out := slices.Collect(maps.Values(m))
	slices.SortFunc(out, cmpFn)
	return out
}

// byCreated orders records by creation time, ties by key; desc reverses
// both.
func byCreated(at1, at2 time.Time, k1, k2 string, desc bool) int {
	c := cmp.Or(at1.Compare(at2), strings.Compare(k1, k2))
	if desc {
		return -c
	}
	return c
}

// checkLimit validates a limit and offset and applies the default and
// maximum (max 0: none).
func checkLimit(what string, limit, offset, def, max int) (int, error) {
	if limit < 0 {
		return 0, invalid("%s: negative limit %d", what, limit)
	}
	if offset < 0 {
		return 0, invalid("%s: negative offset %d", what, offset)
	}
	if limit == 0 {
		limit = def
	}
	if max > 0 && limit > max {
		limit = max
	}
	return limit, nil
}
