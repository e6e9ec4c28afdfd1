package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/halcytone/halcytone/store"
)

// scheduleColumns are the columns scanSchedule reads, in order.
const scheduleColumns = `id, name, cron, timezone, document_id, channels, template_style,
approval_level, enabled, next_run, last_run, created_at`

// scanSchedule reads one row of scheduleColumns.
func scanSchedule(row pgx.Row) (*store.Schedule, error) {
	var (
		s             store.Schedule
		next, lastRun pgtype.Timestamptz
	)
	if err := row.Scan(&s.ID, &s.Name, &s.Cron, &s.Timezone, &s.DocumentID, &s.Channels,
		&s.TemplateStyle, &s.ApprovalLevel, &s.Enabled, &next, &lastRun, &s.CreatedAt); err != nil {
		return nil, err
	}
	s.NextRun, s.LastRun, s.CreatedAt = utc(next), utc(lastRun), s.CreatedAt.UTC()
	return &s, nil
}

// scheduleArgs returns s's column values in scheduleColumns order.
func scheduleArgs(s *store.Schedule) []any {
	return []any{s.ID, s.Name, s.Cron, s.Timezone, s.DocumentID, s.Channels, s.TemplateStyle,
		s.ApprovalLevel, s.Enabled, ts(s.NextRun), ts(s.LastRun), s.CreatedAt}
}

// CreateSchedule inserts s, setting a zero CreatedAt to now, on s too. A
// taken ID is store.ErrConflict.
func (q *queries) CreateSchedule(ctx context.Context, s *store.Schedule) error {
	if s == nil || s.ID == "" {
		return invalid("create schedule: nil schedule or empty id")
	}
	if s.CreatedAt.IsZero() {
		s.CreatedAt = now()
	}
	tag, err := q.exec(ctx, `INSERT INTO schedules (`+scheduleColumns+`)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING`, scheduleArgs(s)...)
	if err != nil {
		return classify(err, fmt.Sprintf("create schedule %q", s.ID))
	}
	if tag.RowsAffected() == 0 {
		return conflict("create schedule %q: id taken", s.ID)
	}
	return nil
}

// GetSchedule returns a schedule.
func (q *queries) GetSchedule(ctx context.Context, id string) (*store.Schedule, error) {
	if id == "" {
		return nil, invalid("get schedule: empty id")
	}
	s, err := scanSchedule(q.db.QueryRow(ctx, `SELECT `+scheduleColumns+` FROM schedules WHERE id = $1`, id))
	if err != nil {
		return nil, classify(err, fmt.Sprintf("get schedule %q", id))
	}
	return s, nil
}

// ListSchedules lists every schedule, oldest first (ties by ID).
func (q *queries) ListSchedules(ctx context.Context) ([]store.Schedule, error) {
	rows, err := q.db.Query(ctx, `SELECT `+scheduleColumns+` FROM schedules ORDER BY created_at, id`)
	if err != nil {
		return nil, classify(err, "list schedules")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Schedule, error) {
		s, err := scanSchedule(r)
		if err != nil {
			return store.Schedule{}, err
		}
		return *s, nil
	})
	if err != nil {
		return nil, classify(err, "list schedules")
	}
	return out, nil
}

// UpdateSchedule locks the schedule's row, applies fn and stores the
// result; fn's error is returned as is.
func (q *queries) UpdateSchedule(ctx context.Context, id string, fn func(*store.Schedule) error) (*store.Schedule, error) {
	if id == "" || fn == nil {
		return nil, invalid("update schedule %q: empty id or nil function", id)
	}
	var out *store.Schedule
	err := q.atomically(ctx, func(db querier, _ counts) error {
		s, err := scanSchedule(db.QueryRow(ctx, `SELECT `+scheduleColumns+` FROM schedules WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return classify(err, fmt.Sprintf("update schedule %q", id))
		}
		if err := fn(s); err != nil {
			return fnError{err}
		}
		s.ID = id
		if _, err := db.Exec(ctx, `UPDATE schedules SET name = $2, cron = $3, timezone = $4,
document_id = $5, channels = $6, template_style = $7, approval_level = $8, enabled = $9,
next_run = $10, last_run = $11, created_at = $12 WHERE id = $1`, scheduleArgs(s)...); err != nil {
			return classify(err, fmt.Sprintf("update schedule %q", id))
		}
		out = s
		return nil
	})
	if err != nil {
		return nil, unwrapFn(err)
	}
	return out, nil
}

// DeleteSchedule removes a schedule.
func (q *queries) DeleteSchedule(ctx context.Context, id string) error {
	if id == "" {
		return invalid("delete schedule: empty id")
	}
	tag, err := q.exec(ctx, `DELETE FROM schedules WHERE id = $1`, id)
	if err != nil {
		return classify(err, fmt.Sprintf("delete schedule %q", id))
	}
	if tag.RowsAffected() == 0 {
		return notFound("delete schedule %q", id)
	}
	return nil
}
