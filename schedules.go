package halcytone

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/schedule"
	"github.com/halcytone/halcytone/source"
	"github.com/halcytone/halcytone/store"
)

// CreateSchedule checks a recurring schedule (its cron spec, time zone,
// channels, and its document's scheme when the sources list theirs),
// computes its next run and stores it, enabled. Errors are
// *content.Error values of class InvalidContent naming the field, wrapping
// schedule.ErrInvalidCron or schedule.ErrUnknownTimeZone where they apply.
func (e *Engine) CreateSchedule(ctx context.Context, s store.Schedule) (*store.Schedule, error) {
	if s.DocumentID == "" {
		return nil, invalidRequest("document_id", "a schedule needs a document_id")
	}
	// Every run would fail on a scheme no source reads: say so now, when
	// the sources can tell (source.Registry can).
	if l, ok := e.sources.(interface{ Schemes() []string }); ok {
		if known := l.Schemes(); len(known) > 0 && !slices.Contains(known, sourceLabel(s.DocumentID)) {
			return nil, &content.Error{Class: content.InvalidContent, Op: "halcytone: schedule", Field: "document_id",
				Err: fmt.Errorf("%w: reference %q (known schemes: %s)", source.ErrUnknownScheme, s.DocumentID, strings.Join(known, ", "))}
		}
	}
	rec, err := schedule.ParseRecurrence(s.Cron, s.Timezone)
	if err != nil {
		field := "cron"
		if errors.Is(err, schedule.ErrUnknownTimeZone) {
			field = "timezone"
		}
		return nil, &content.Error{Class: content.InvalidContent, Op: "halcytone: schedule", Field: field, Err: err}
	}
	for i, c := range s.Channels {
		if _, err := content.ParseChannel(c); err != nil {
			return nil, &content.Error{Class: content.InvalidContent, Op: "halcytone: schedule", Field: fmt.Sprintf("channels[%d]", i), Err: err}
		}
	}
	if s.ApprovalLevel < 0 || s.ApprovalLevel > 4 {
		return nil, invalidRequest("approval_level", "approval_level %d is not within 1-4", s.ApprovalLevel)
	}
	now := e.now().UTC()
	if s.ID == "" {
		s.ID = newID("sch_")
	}
	s.Enabled, s.CreatedAt, s.NextRun = true, now, rec.Next(now).UTC()
	if err := e.store.CreateSchedule(ctx, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// RunSchedules starts a job for every enabled schedule whose next run is
// due, and moves the schedule to its following run. A run is claimed in
// the transaction that records its job (a process that dies before that
// commits leaves the run due, for the next call), with an idempotency key
// naming the schedule and the run, so replicas running it at once start
// each run once. A run whose start fails for a passing reason (a source
// that is down or rate limited, a cancelled context) stays due and is
// tried again by the next call; one that fails for good, or whose content
// fails validation, is reported and passed. Call it periodically (the
// scheduler's precision is that period).
func (e *Engine) RunSchedules(ctx context.Context) ([]*store.Job, error) {
	list, err := e.store.ListSchedules(ctx)
	if err != nil {
		return nil, err
	}
	now := e.now().UTC()
	var started []*store.Job
	var errs []error
	for _, s := range list {
		if !s.Enabled || s.NextRun.After(now) {
			continue
		}
		rec, err := schedule.ParseRecurrence(s.Cron, s.Timezone)
		if err != nil {
			errs = append(errs, fmt.Errorf("schedule %s: %w", s.ID, err))
			continue
		}
		due, next := s.NextRun, rec.Next(now).UTC()
		claim := func(ctx context.Context, q store.Queries) error {
			_, err := q.UpdateSchedule(ctx, s.ID, func(x *store.Schedule) error {
				if !x.Enabled || !x.NextRun.Equal(due) {
					return errRunTaken
				}
				x.LastRun, x.NextRun = due, next
				return nil
			})
			return err
		}
		tmpl, _ := content.ParseTemplate(s.TemplateStyle)
		res, err := e.Generate(ctx, Request{
			DocumentID:     s.DocumentID,
			Channels:       s.Channels,
			Template:       tmpl,
			ApprovalLevel:  s.ApprovalLevel,
			Metadata:       map[string]any{"schedule_id": s.ID, "scheduled_run": due.Format("2006-01-02T15:04:05Z07:00")},
			IdempotencyKey: "schedule:" + s.ID + ":" + due.Format("20060102T150405Z"),
			claim:          func(ctx context.Context, tx store.Tx) error { return claim(ctx, tx) },
		})
		switch {
		case errors.Is(err, errRunTaken):
			continue // another replica started it
		case err != nil && transient(err):
			// Nothing was committed: the run stays due, and the next call
			// tries it again (its idempotency key keeps that to one job).
			errs = append(errs, fmt.Errorf("schedule %s run %s: %w", s.ID, due, err))
			continue
		case err != nil:
			errs = append(errs, fmt.Errorf("schedule %s run %s: %w", s.ID, due, err))
		case res.Job != nil:
			started = append(started, res.Job)
		}
		// Pass the run when its job's transaction did not (the start
		// failed for good, the content failed validation, or a job with
		// the run's key existed); a claimed run answers errRunTaken.
		if perr := claim(ctx, e.store); perr != nil && !errors.Is(perr, errRunTaken) {
			errs = append(errs, fmt.Errorf("schedule %s: passing run %s: %w", s.ID, due, perr))
		}
	}
	return started, errors.Join(errs...)
}

// errRunTaken aborts the claim of a schedule's run that another replica
// (or an earlier call) took.
var errRunTaken = errors.New("halcytone: the run was taken")

// transient reports whether err is worth trying again later.
func transient(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	switch content.ClassOf(err) {
	case content.Retryable, content.RateLimited, content.OutcomeUnknown:
		return true
	}
	return false
}
