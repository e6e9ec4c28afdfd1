package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/halcytone/halcytone/store"
)

const scheduleColumns = `id, name, cron, timezone, document_id, channels, template_style, approval_level,
	enabled, next_run, last_run, created_at`

func scheduleArgs(s *store.Schedule) ([]any, error) {
	channels, err := encodeJSON(s.Channels, fmt.Sprintf("schedule %q channels", s.ID))
	if err != nil {
		return nil, err
	}
	return []any{s.ID, s.Name, s.Cron, s.Timezone, s.DocumentID, channels, s.TemplateStyle, s.ApprovalLevel,
		boolInt(s.Enabled), micros(s.NextRun), micros(s.LastRun), s.CreatedAt.UnixMicro()}, nil
}

func scanSchedule(sc scanner) (*store.Schedule, error) {
	var (
		s                   store.Schedule
		channels            sql.NullString
		enabled             int
		next, last, created sql.NullInt64
	)
	if err := sc.Scan(&s.ID, &s.Name, &s.Cron, &s.Timezone, &s.DocumentID, &channels, &s.TemplateStyle,
		&s.ApprovalLevel, &enabled, &next, &last, &created); err != nil {
		return nil, err
	}
	s.Enabled = enabled != 0
	s.NextRun, s.LastRun, s.CreatedAt = fromMicros(next), fromMicros(last), fromMicros(created)
	if err := decodeJSON(channels, &s.Channels, fmt.Sprintf("schedule %q channels", s.ID)); err != nil {
		return nil, err
	}
	return &s, nil
}

func normSchedule(s *store.Schedule) {
	s.NextRun, s.LastRun, s.CreatedAt = norm(s.NextRun), norm(s.LastRun), norm(s.CreatedAt)
}

// CreateSchedule inserts s; a taken ID is ErrConflict.
func (q *queries) CreateSchedule(ctx context.Context, s *store.Schedule) error {
	if s == nil || s.ID == "" {
		return invalid("create schedule: empty id")
	}
	if s.CreatedAt.IsZero() {
		s.CreatedAt = q.now()
	}
	normSchedule(s)
	args, err := scheduleArgs(s)
	if err != nil {
		return err
	}
	_, err = q.exec(ctx, `INSERT INTO schedules (`+scheduleColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	return classify(err, fmt.Sprintf("create schedule %q", s.ID))
}

// GetSchedule returns a schedule.
func (q *queries) GetSchedule(ctx context.Context, id string) (*store.Schedule, error) {
	if id == "" {
		return nil, invalid("get schedule: empty id")
	}
	s, err := scanSchedule(q.queryRow(ctx, `SELECT `+scheduleColumns+` FROM schedules WHERE id = ?`, id))
	if err != nil {
		return nil, classify(err, fmt.Sprintf("get schedule %q", id))
	}
	return s, nil
}

// ListSchedules lists every schedule, oldest first (ties by ID).
func (q *queries) ListSchedules(ctx context.Context) ([]store.Schedule, error) {
	rows, err := q.query(ctx, `SELECT `+scheduleColumns+` FROM schedules ORDER BY created_at, id`)
	if err != nil {
		return nil, classify(err, "list schedules")
	}
	return collect(rows, scanSchedule, "list schedules")
}

// UpdateSchedule applies fn to the stored schedule and stores the result.
// It must run in a transaction.
func (q *queries) UpdateSchedule(ctx context.Context, id string, fn func(*store.Schedule) error) (*store.Schedule, error) {
	if fn == nil {
		return nil, invalid("update schedule %q: nil update function", id)
	}
	s, err := q.GetSchedule(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := fn(s); err != nil {
		return nil, err
	}
	s.ID = id
	normSchedule(s)
	args, err := scheduleArgs(s)
	if err != nil {
		return nil, err
	}
	if _, err := q.exec(ctx, `UPDATE schedules SET (`+scheduleColumns+`) =
		(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) WHERE id = ?`, append(args, id)...); err != nil {
		return nil, classify(err, fmt.Sprintf("update schedule %q", id))
	}
	return s, nil
}

// DeleteSchedule removes a schedule.
func (q *queries) DeleteSchedule(ctx context.Context, id string) error {
	if id == "" {
		return invalid("delete schedule: empty id")
	}
	res, err := q.exec(ctx, `DELETE FROM schedules WHERE id = ?`, id)
	return affected(res, err, fmt.Sprintf("delete schedule %q", id))
}
