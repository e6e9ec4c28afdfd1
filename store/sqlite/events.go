package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/halcytone/halcytone/store"
)

const eventColumns = `id, type, job_id, channel, status, duration, at, attrs`

// RecordEvent appends e, setting e.ID (increasing) and a zero At to now.
func (q *queries) RecordEvent(ctx context.Context, e *store.Event) error {
	if e != nil {
		if err := store.CheckText(e); err != nil {
			return fmt.Errorf("record event: %w", err)
		}
	}
	if e == nil {
		return invalid("record event: nil event")
	}
	if e.Type == "" {
		return invalid("record event: empty type")
	}
	attrs, err := encodeJSON(e.Attrs, fmt.Sprintf("event %q attrs", e.Type))
	if err != nil {
		return err
	}
	if e.At.IsZero() {
		e.At = q.now()
	}
	e.At = norm(e.At)
	res, err := q.exec(ctx, `INSERT INTO events (type, job_id, channel, status, duration, at, attrs)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, e.Type, e.JobID, e.Channel, e.Status, int64(e.Duration), e.At.UnixMicro(), attrs)
	if err != nil {
		return classify(err, fmt.Sprintf("record event %q", e.Type))
	}
	id, err := res.LastInsertId()
	if err != nil {
		return classify(err, fmt.Sprintf("record event %q", e.Type))
	}
	e.ID = id
	return nil
}

func scanEvent(sc scanner) (*store.Event, error) {
	var (
		e        store.Event
		duration int64
		at       sql.NullInt64
		attrs    sql.NullString
	)
	if err := sc.Scan(&e.ID, &e.Type, &e.JobID, &e.Channel, &e.Status, &duration, &at, &attrs); err != nil {
		return nil, err
	}
	e.Duration = time.Duration(duration)
	e.At = fromMicros(at)
	if err := decodeJSON(attrs, &e.Attrs, fmt.Sprintf("event %d attrs", e.ID)); err != nil {
		return nil, err
	}
	return &e, nil
}

// ListEvents returns the events of f's window [Start, End), oldest first
// (ties by ID); Limit 0 means 1,000.
func (q *queries) ListEvents(ctx context.Context, f store.EventFilter) ([]store.Event, error) {
	limit, err := checkLimit(f.Limit, 1000, 0, "list events")
	if err != nil {
		return nil, err
	}
	w := &jobWhere{}
	if f.Type != "" {
		w.add("type = ?", f.Type)
	}
	if !f.Start.IsZero() {
		w.add("at >= ?", f.Start.UnixMicro())
	}
	if !f.End.IsZero() {
		w.add("at < ?", f.End.UnixMicro())
	}
	rows, err := q.query(ctx, `SELECT `+eventColumns+` FROM events`+w.sql()+` ORDER BY at, id LIMIT ?`,
		append(w.args, limit)...)
	if err != nil {
		return nil, classify(err, "list events")
	}
	return collect(rows, scanEvent, "list events")
}
