package mock

import (
	"context"
	"slices"
	"time"

	"github.com/halcytone/halcytone/store"
)

// CreateJob implements store.Queries.
func (o *ops) CreateJob(ctx context.Context, j *store.Job) error {
	if err := o.check(ctx); err != nil {
		return err
	}
	if j == nil || j.ID == "" {
		return invalid("create job: empty ID")
	}
	if _, ok := o.d.jobs[j.ID]; ok {
		return conflict("job", j.ID)
	}
	if j.IdempotencyKey != "" {
		if _, ok := o.d.jobKeys[j.IdempotencyKey]; ok {
			return conflict("job idempotency key", j.IdempotencyKey)
		}
	}
	c, err := jobIn(j)
	if err != nil {
		return err
	}
	stamp(&j.CreatedAt, &j.UpdatedAt)
	c.CreatedAt, c.UpdatedAt = norm(j.CreatedAt), norm(j.UpdatedAt)
	o.storeJob(nil, c)
	return nil
}

// storeJob replaces old (nil for a new job) with j in every index.
func (o *ops) storeJob(old, j *store.Job) {
	if old != nil {
		o.orderRemove(jobRef{old.CreatedAt, old.ID})
		if old.IdempotencyKey != "" {
			del(o.undo, o.d.jobKeys, old.IdempotencyKey)
		}
	}
	put(o.undo, o.d.jobs, j.ID, j)
	o.orderInsert(jobRef{j.CreatedAt, j.ID})
	if j.IdempotencyKey != "" {
		put(o.undo, o.d.jobKeys, j.IdempotencyKey, j.ID)
	}
}

// GetJob implements store.Queries.
func (o *ops) GetJob(ctx context.Context, id string) (*store.Job, error) {
	if err := o.check(ctx); err != nil {
		return nil, err
	}
	if id == "" {
		return nil, invalid("get job: empty ID")
	}
	j, ok := o.d.jobs[id]
	if !ok {
		return nil, notFound("job", id)
	}
	return cloneJob(j), nil
}

// JobByIdempotencyKey implements store.Queries.
func (o *ops) JobByIdempotencyKey(ctx context.Context, key string) (*store.Job, error) {
	if err := o.check(ctx); err != nil {
		return nil, err
	}
	if key == "" {
		return nil, invalid("job by idempotency key: empty key")
	}
	id, ok := o.d.jobKeys[key]
	if !ok {
		return nil, notFound("job with idempotency key", key)
	}
	return cloneJob(o.d.jobs[id]), nil
}

// UpdateJob implements store.Queries. fn works on a copy; the job's ID is
// kept whatever fn does, and a changed idempotency key that another job
// holds is ErrConflict.
func (o *ops) UpdateJob(ctx context.Context, id string, fn func(*store.Job) error) (*store.Job, error) {
	if err := o.check(ctx); err != nil {
		return nil, err
	}
	if id == "" {
		return nil, invalid("update job: empty ID")
	}
	if fn == nil {
		return nil, invalid("update job %q: nil function", id)
	}
	old, ok := o.d.jobs[id]
	if !ok {
		return nil, notFound("job", id)
	}
	w := cloneJob(old)
	if err := fn(w); err != nil {
		return nil, err
	}
	w.ID = id
	if k := w.IdempotencyKey; k != "" && k != old.IdempotencyKey {
		if _, taken := o.d.jobKeys[k]; taken {
			return nil, conflict("job idempotency key", k)
		}
	}
	c, err := jobIn(w)
	if err != nil {
		return nil, err
	}
	c.UpdatedAt = now()
	o.storeJob(old, c)
	return cloneJob(c), nil
}

// ListJobs implements store.Queries. It walks the creation-order index
// backwards: an unfiltered page costs O(limit), a filtered one O(jobs).
func (o *ops) ListJobs(ctx context.Context, f store.JobFilter) (store.JobPage, error) {
	if err := o.check(ctx); err != nil {
		return store.JobPage{}, err
	}
	limit, err := checkLimit("list jobs", f.Limit, f.Offset, 20, 500)
	if err != nil {
		return store.JobPage{}, err
	}
	page := store.JobPage{Jobs: []store.Job{}}
	order := o.d.jobOrder
	unfiltered := len(f.Statuses) == 0 && f.Channel == "" && f.CreatedAfter.IsZero() && f.CreatedBefore.IsZero()
	if unfiltered {
		page.Total = len(order)
		for i := page.Total - 1 - f.Offset; i >= 0 && len(page.Jobs) < limit; i-- {
			page.Jobs = append(page.Jobs, *cloneJob(o.d.jobs[order[i].id]))
		}
		return page, nil
	}
	for i := len(order) - 1; i >= 0; i-- {
		j := o.d.jobs[order[i].id]
		if !matchJob(j, f.Statuses, f.Channel, f.CreatedAfter, f.CreatedBefore) {
			continue
		}
		if page.Total >= f.Offset && page.Total < f.Offset+limit {
			page.Jobs = append(page.Jobs, *cloneJob(j))
		}
		page.Total++
	}
	return page, nil
}

// matchJob reports whether j has one of statuses (any when empty), lists
// channel in any spelling (any when ""; see store.ChannelKey) and was
// created within [after, before) (zero bounds are open).
func matchJob(j *store.Job, statuses []store.JobStatus, channel string, after, before time.Time) bool {
	if len(statuses) > 0 && !slices.Contains(statuses, j.Status) {
		return false
	}
	if channel != "" {
		want := store.ChannelKey(channel)
		if !slices.ContainsFunc(j.Channels, func(ch string) bool { return store.ChannelKey(ch) == want }) {
			return false
		}
	}
	return inWindow(j.CreatedAt, after, before)
}

// inWindow reports whether t is within [start, end); zero bounds are open.
func inWindow(t, start, end time.Time) bool {
	return (start.IsZero() || !t.Before(start)) && (end.IsZero() || t.Before(end))
}
