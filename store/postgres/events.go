package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/halcytone/halcytone/store"
)

// RecordEvent appends e, setting e.ID (increasing) and a zero e.At to now.
func (q *queries) RecordEvent(ctx context.Context, e *store.Event) error {
	if e != nil {
		if err := store.CheckText(e); err != nil {
			return fmt.Errorf("record event: %w", err)
		}
	}
	if e == nil || e.Type == "" {
		return invalid("record event: nil event or empty type")
	}
	if e.At.IsZero() {
		e.At = now()
	}
	attrs, err := encode(e.Attrs, fmt.Sprintf("event %q attrs", e.Type))
	if err != nil {
		return err
	}
	err = q.writeRow(ctx, []any{&e.ID}, `INSERT INTO events (type, job_id, channel, status, duration, at, attrs)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		e.Type, e.JobID, e.Channel, e.Status, int64(e.Duration), e.At, attrs)
	return classify(err, fmt.Sprintf("record event %q", e.Type))
}

// ListEvents returns the events of f's window [Start, End), oldest first
// (ties by ID); Limit 0 means 1,000.
func (q *queries) ListEvents(ctx context.Context, f store.EventFilter) ([]store.Event, error) {
	if f.Limit < 0 {
		return nil, invalid("list events: negative limit %d", f.Limit)
	}
	limit := f.Limit
	if limit == 0 {
		limit = 1000
	}
	var w where
	if f.Type != "" {
		w.add("type = ?", f.Type)
	}
	if !f.Start.IsZero() {
		w.add("at >= ?", f.Start)
	}
	if !f.End.IsZero() {
		w.add("at < ?", f.End)
	}
	rows, err := q.db.Query(ctx, `SELECT id, type, job_id, channel, status, duration, at, attrs FROM events`+
		w.sql()+` ORDER BY at, id LIMIT `+w.next(0), append(w.args, limit)...)
	if err != nil {
		return nil, classify(err, "list events")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Event, error) {
		var (
			e     store.Event
			dur   int64
			attrs []byte
		)
		if err := r.Scan(&e.ID, &e.Type, &e.JobID, &e.Channel, &e.Status, &dur, &e.At, &attrs); err != nil {
			return store.Event{}, err
		}
		e.Duration, e.At = time.Duration(dur), e.At.UTC()
		if err := decode(attrs, &e.Attrs, fmt.Sprintf("event %d attrs", e.ID)); err != nil {
			return store.Event{}, err
		}
		return e, nil
	})
	if err != nil {
		return nil, classify(err, "list events")
	}
	return out, nil
}
