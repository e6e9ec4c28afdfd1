package halcytone

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

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
// due, and moves the schedule to its following run. Each run is claimed
// with an atomic update and started with an idempotency key naming the
// schedule and the run, so replicas running it at once start each run
// once. A run whose start fails for a passing reason (a source that is
// down or rate limited, a cancelled context) stays due and is tried again
// by the next call; one that fails for good is reported and passed. Call
// it periodically (the scheduler's precision is that period).
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
		var prevLast time.Time
		claimed := false
		if _, err := e.store.UpdateSchedule(ctx, s.ID, func(x *store.Schedule) error {
			if !x.Enabled || !x.NextRun.Equal(due) {
				return nil // another replica took this run
			}
			prevLast = x.LastRun
			x.LastRun, x.NextRun, claimed = due, next, true
			return nil
		}); err != nil {
			errs = append(errs, err)
			continue
		}
		if !claimed {
			continue
		}
		tmpl, _ := content.ParseTemplate(s.TemplateStyle)
		res, err := e.Generate(ctx, Request{
			DocumentID:     s.DocumentID,
			Channels:       s.Channels,
			Template:       tmpl,
			ApprovalLevel:  s.ApprovalLevel,
			Metadata:       map[string]any{"schedule_id": s.ID, "scheduled_run": due.Format("2006-01-02T15:04:05Z07:00")},
			IdempotencyKey: "schedule:" + s.ID + ":" + due.Format("20060102T150405Z"),
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("schedule %s run %s: %w", s.ID, due, err))
			if transient(err) {
				// Give the run back, so that the next call tries it again
				// (its idempotency key keeps that to one job).
				_, uerr := e.store.UpdateSchedule(ctx, s.ID, func(x *store.Schedule) error {
					if x.NextRun.Equal(next) && x.LastRun.Equal(due) {
						x.LastRun, x.NextRun = prevLast, due
					}
					return nil
				})
				if uerr != nil {
					errs = append(errs, fmt.Errorf("schedule %s: giving run %s back: %w", s.ID, due, uerr))
				}
			}
			continue
		}
		if res.Job != nil {
			started = append(started, res.Job)
		}
	}
	return started, errors.Join(errs...)
}

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
