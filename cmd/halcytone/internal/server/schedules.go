package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/store"
)

// ScheduleBody is a recurring publication on the wire.
type ScheduleBody struct {
	ID            string     `json:"id"`
	Name          string     `json:"name"`
	Cron          string     `json:"cron"`
	Timezone      string     `json:"timezone"`
	DocumentID    string     `json:"document_id"`
	Channels      []string   `json:"channels"`
	TemplateStyle string     `json:"template_style,omitempty"`
	ApprovalLevel int        `json:"approval_level,omitempty"`
	Enabled       bool       `json:"enabled"`
	NextRun       time.Time  `json:"next_run"`
	LastRun       *time.Time `json:"last_run,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
}

// scheduleBodyOf converts a stored schedule to its wire form.
func scheduleBodyOf(sc *store.Schedule) ScheduleBody {
	tz := sc.Timezone
	if tz == "" {
		tz = "UTC"
	}
	return ScheduleBody{
		ID: sc.ID, Name: sc.Name, Cron: sc.Cron, Timezone: tz, DocumentID: sc.DocumentID,
		Channels: nonNil(sc.Channels), TemplateStyle: sc.TemplateStyle, ApprovalLevel: sc.ApprovalLevel,
		Enabled: sc.Enabled, NextRun: sc.NextRun.UTC(), LastRun: optTime(sc.LastRun), CreatedAt: sc.CreatedAt.UTC(),
	}
}

// ScheduleRequest is the body of POST /api/v2/schedules.
type ScheduleRequest struct {
	Name          string   `json:"name" minLength:"1" maxLength:"200"`
	Cron          string   `json:"cron" minLength:"1" maxLength:"200" doc:"5-field cron spec (minute hour day-of-month month day-of-week, names such as TUE allowed) or a descriptor such as @daily" example:"0 10 * * TUE"`
	Timezone      string   `json:"timezone,omitempty" maxLength:"100" doc:"IANA time zone; omitted: UTC" example:"America/New_York"`
	DocumentID    string   `json:"document_id" minLength:"1" maxLength:"2048" doc:"source reference: gdocs:ID, notion:DB, https://..., file:NAME or sample:"`
	Channels      []string `json:"channels,omitempty" maxItems:"16" doc:"empty means all"`
	TemplateStyle string   `json:"template_style,omitempty" doc:"modern, minimal, plain, breathscape or classic (= modern)"`
	ApprovalLevel int      `json:"approval_level,omitempty" minimum:"1" maximum:"4"`
}

// fieldError is apiError, except that a request error naming its field is
// a 422 naming that field whatever it wraps (an unknown channel wraps
// content.ErrUnknownValue, which apiError reports without the field).
func fieldError(err error) error {
	var ce *content.Error
	if errors.As(err, &ce) && ce.Class == content.InvalidContent && ce.Field != "" {
		return invalid(ce.Field, "%v", err)
	}
	return apiError(err)
}

func (s *Server) registerSchedules() {
	type scheduleOutput struct {
		Status int
		Body   ScheduleBody
	}
	huma.Register(s.api, huma.Operation{
		OperationID: "create-schedule", Method: http.MethodPost, Path: "/api/v2/schedules", Tags: []string{"schedules"},
		Summary:       "Create a recurring publication; the answer carries its next run",
		DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, in *struct{ Body ScheduleRequest }) (*scheduleOutput, error) {
		b := in.Body
		if _, err := content.ParseTemplate(b.TemplateStyle); err != nil {
			return nil, invalid("template_style", "%v", err)
		}
		sc, err := s.engine.CreateSchedule(ctx, store.Schedule{
			Name: b.Name, Cron: b.Cron, Timezone: b.Timezone, DocumentID: b.DocumentID,
			Channels: b.Channels, TemplateStyle: b.TemplateStyle, ApprovalLevel: b.ApprovalLevel,
		})
		if err != nil {
			return nil, fieldError(err)
		}
		if stored, err := s.store.GetSchedule(ctx, sc.ID); err == nil {
			sc = stored // as every later read will show it (the store's time precision)
		}
		return &scheduleOutput{Status: http.StatusCreated, Body: scheduleBodyOf(sc)}, nil
	})

	type scheduleListBody struct {
		Schedules []ScheduleBody `json:"schedules"`
		Total     int            `json:"total"`
	}
	huma.Register(s.api, huma.Operation{
		OperationID: "list-schedules", Method: http.MethodGet, Path: "/api/v2/schedules", Tags: []string{"schedules"},
		Summary: "List recurring publications, oldest first",
	}, func(ctx context.Context, _ *struct{}) (*struct{ Body scheduleListBody }, error) {
		list, err := s.store.ListSchedules(ctx)
		if err != nil {
			return nil, apiError(err)
		}
		out := scheduleListBody{Schedules: make([]ScheduleBody, 0, len(list)), Total: len(list)}
		for i := range list {
			out.Schedules = append(out.Schedules, scheduleBodyOf(&list[i]))
		}
		return &struct{ Body scheduleListBody }{out}, nil
	})

	type idInput struct {
		ID string `path:"id" maxLength:"128"`
	}
	huma.Register(s.api, huma.Operation{
		OperationID: "get-schedule", Method: http.MethodGet, Path: "/api/v2/schedules/{id}", Tags: []string{"schedules"},
		Summary: "One recurring publication",
		Errors:  []int{http.StatusNotFound},
	}, func(ctx context.Context, in *idInput) (*struct{ Body ScheduleBody }, error) {
		sc, err := s.store.GetSchedule(ctx, in.ID)
		if err != nil {
			return nil, apiError(err)
		}
		return &struct{ Body ScheduleBody }{scheduleBodyOf(sc)}, nil
	})

	type scheduleDeleteBody struct {
		Deleted bool   `json:"deleted"`
		ID      string `json:"id"`
	}
	huma.Register(s.api, huma.Operation{
		OperationID: "delete-schedule", Method: http.MethodDelete, Path: "/api/v2/schedules/{id}", Tags: []string{"schedules"},
		Summary: "Delete a recurring publication; jobs it already started are kept",
		Errors:  []int{http.StatusNotFound},
	}, func(ctx context.Context, in *idInput) (*struct{ Body scheduleDeleteBody }, error) {
		if err := s.store.DeleteSchedule(ctx, in.ID); err != nil {
			return nil, apiError(err)
		}
		return &struct{ Body scheduleDeleteBody }{scheduleDeleteBody{Deleted: true, ID: in.ID}}, nil
	})
}
