package mock

import (
	"context"

	"github.com/halcytone/halcytone/store"
)

// CreateSchedule implements store.Queries; a taken ID is ErrConflict.
func (o *ops) CreateSchedule(ctx context.Context, s *store.Schedule) error {
	if err := o.check(ctx); err != nil {
		return err
	}
	if s == nil || s.ID == "" {
		return invalid("create schedule: empty ID")
	}
	if _, ok := o.d.schedules[s.ID]; ok {
		return conflict("schedule", s.ID)
	}
	stamp(&s.CreatedAt, nil)
	put(o.undo, o.d.schedules, s.ID, scheduleIn(s))
	return nil
}

func scheduleIn(s *store.Schedule) *store.Schedule {
	c := cloneSchedule(s)
	c.CreatedAt, c.NextRun, c.LastRun = norm(c.CreatedAt), norm(c.NextRun), norm(c.LastRun)
	return c
}

// GetSchedule implements store.Queries.
func (o *ops) GetSchedule(ctx context.Context, id string) (*store.Schedule, error) {
	if err := o.check(ctx); err != nil {
		return nil, err
	}
	if id == "" {
		return nil, invalid("get schedule: empty ID")
	}
	s, ok := o.d.schedules[id]
	if !ok {
		return nil, notFound("schedule", id)
	}
	return cloneSchedule(s), nil
}

// ListSchedules implements store.Queries: oldest first, ties by ID.
func (o *ops) ListSchedules(ctx context.Context) ([]store.Schedule, error) {
	if err := o.check(ctx); err != nil {
		return nil, err
	}
	out := []store.Schedule{}
	for _, s := range sortedValues(o.d.schedules, func(a, b *store.Schedule) int {
		return byCreated(a.CreatedAt, b.CreatedAt, a.ID, b.ID, false)
	}) {
		out = append(out, *cloneSchedule(s))
	}
	return out, nil
}

// UpdateSchedule implements store.Queries; the ID is kept whatever fn does.
func (o *ops) UpdateSchedule(ctx context.Context, id string, fn func(*store.Schedule) error) (*store.Schedule, error) {
	if err := o.check(ctx); err != nil {
		return nil, err
	}
	if id == "" {
		return nil, invalid("update schedule: empty ID")
	}
	if fn == nil {
		return nil, invalid("update schedule %q: nil function", id)
	}
	old, ok := o.d.schedules[id]
	if !ok {
		return nil, notFound("schedule", id)
	}
	w := cloneSchedule(old)
	if err := fn(w); err != nil {
		return nil, err
	}
	w.ID = id
	c := scheduleIn(w)
	put(o.undo, o.d.schedules, id, c)
	return cloneSchedule(c), nil
}

// DeleteSchedule implements store.Queries.
func (o *ops) DeleteSchedule(ctx context.Context, id string) error {
	if err := o.check(ctx); err != nil {
		return err
	}
	if id == "" {
		return invalid("delete schedule: empty ID")
	}
	if _, ok := o.d.schedules[id]; !ok {
		return notFound("schedule", id)
	}
	del(o.undo, o.d.schedules, id)
	return nil
}
