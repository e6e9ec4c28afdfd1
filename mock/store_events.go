package mock

import (
	"context"
	"fmt"
	"slices"

	"github.com/halcytone/halcytone/store"
)

// RecordEvent implements store.Queries: it sets e.ID, and a zero e.At to
// now.
func (o *ops) RecordEvent(ctx context.Context, e *store.Event) error {
	if err := o.check(ctx); err != nil {
		return err
	}
	if e == nil {
		return invalid("record event: nil event")
	}
	if e.Type == "" {
		return invalid("record event: empty type")
	}
	if err := store.CheckText(e); err != nil {
		return fmt.Errorf("mock: record event: %w", err)
	}
	attrs, err := viaJSON("event attrs", e.Attrs)
	if err != nil {
		return err
	}
	stamp(&e.At, nil)
	c := *e
	c.At, c.Attrs = norm(e.At), attrs
	last, n := o.d.lastEvent, len(o.d.events)
	o.undo.add(func() { o.d.lastEvent, o.d.events = last, o.d.events[:n] })
	o.d.lastEvent++
	c.ID = o.d.lastEvent
	o.d.events = append(o.d.events, c)
	e.ID = c.ID
	return nil
}

// ListEvents implements store.Queries: oldest first, ties by ID; Limit 0
// means 1,000.
func (o *ops) ListEvents(ctx context.Context, f store.EventFilter) ([]store.Event, error) {
	if err := o.check(ctx); err != nil {
		return nil, err
	}
	limit, err := checkLimit("list events", f.Limit, 0, 1000, 0)
	if err != nil {
		return nil, err
	}
	var match []store.Event
	for _, e := range o.d.events {
		if (f.Type == "" || e.Type == f.Type) && inWindow(e.At, f.Start, f.End) {
			match = append(match, e)
		}
	}
	slices.SortStableFunc(match, func(a, b store.Event) int { return a.At.Compare(b.At) })
	out := make([]store.Event, 0, min(limit, len(match)))
	for _, e := range match[:min(limit, len(match))] {
		out = append(out, cloneEvent(e))
	}
	return out, nil
}
