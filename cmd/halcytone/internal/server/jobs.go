package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/schedule"
	"github.com/halcytone/halcytone/store"
)

// SyncJob is a job as the dashboard reads it.
type SyncJob struct {
	JobID         string                         `json:"job_id"`
	DocumentID    string                         `json:"document_id"`
	Channels      []string                       `json:"channels"`
	Status        store.JobStatus                `json:"status" enum:"pending,awaiting_approval,scheduled,in_progress,completed,partial,failed,cancelled"`
	CreatedAt     time.Time                      `json:"created_at"`
	UpdatedAt     time.Time                      `json:"updated_at"`
	ScheduledFor  *time.Time                     `json:"scheduled_for,omitempty"`
	StartedAt     *time.Time                     `json:"started_at,omitempty"`
	CompletedAt   *time.Time                     `json:"completed_at,omitempty"`
	Results       map[string]store.ChannelResult `json:"results,omitempty"`
	Errors        []string                       `json:"errors,omitempty"`
	Metadata      map[string]any                 `json:"metadata,omitempty"`
	CorrelationID string                         `json:"correlation_id,omitempty"`
	Approval      *store.JobApproval             `json:"approval,omitempty"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// syncJobOf converts a stored job to its wire form: UTC times, no nulls.
func syncJobOf(j *store.Job) SyncJob {
	out := SyncJob{
		JobID: j.ID, DocumentID: j.DocumentID, Channels: j.Channels, Status: j.Status,
		CreatedAt: j.CreatedAt.UTC(), UpdatedAt: j.UpdatedAt.UTC(),
		ScheduledFor: optTime(j.ScheduledFor), StartedAt: optTime(j.StartedAt), CompletedAt: optTime(j.CompletedAt),
		Errors: j.Errors, Metadata: j.Metadata, CorrelationID: j.CorrelationID, Approval: j.Approval,
	}
	if out.Channels == nil {
		out.Channels = []string{}
	}
	if len(j.Results) > 0 {
		out.Results = make(map[string]store.ChannelResult, len(j.Results))
		for k, r := range j.Results {
			r.Timestamp = r.Timestamp.UTC()
			out.Results[k] = r
		}
	}
	return out
}

// SyncRequest is the body of POST /api/v2/content/sync. Unknown fields
// are ignored (a dashboard endpoint).
type SyncRequest struct {
	DocumentID    string         `json:"document_id" minLength:"1" maxLength:"2048" doc:"source reference: gdocs:ID, notion:DB, https://..., file:NAME or sample:"`
	Channels      []string       `json:"channels,omitempty" maxItems:"16" doc:"email, website, twitter, linkedin, facebook, instagram; aliases web and social_<platform>; empty means all"`
	ContentType   string         `json:"content_type,omitempty" doc:"update, blog, announcement or session; recorded in metadata"`
	TemplateStyle string         `json:"template_style,omitempty" doc:"modern, minimal, plain, breathscape or classic (= modern)"`
	DryRun        bool           `json:"dry_run,omitempty"`
	ScheduleTime  string         `json:"schedule_time,omitempty" doc:"RFC 3339, or local YYYY-MM-DDTHH:MM in the server's time zone; at most one year ahead"`
	Metadata      map[string]any `json:"metadata,omitempty"`
	CorrelationID string         `json:"correlation_id,omitempty" maxLength:"128"`
	_             struct{}       `json:"-" additionalProperties:"true"`
}

type syncInput struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"255"`
	Body           SyncRequest
}

type syncJobOutput struct {
	Status int
	Body   SyncJob
}

// parseScheduleTime reads RFC 3339 or a local "YYYY-MM-DDTHH:MM" (loc's),
// no further ahead of now than content's scheduled_for may be
// (content.MaxScheduleYears); "" is the zero time.
func parseScheduleTime(s string, loc *time.Location, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := parseInstant(s, loc)
	if errors.Is(err, errTimeRange) {
		return time.Time{}, fmt.Errorf("%q is %w", s, err)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither RFC 3339 nor YYYY-MM-DDTHH:MM", s)
	}
	if t.After(now.AddDate(content.MaxScheduleYears, 0, 0)) {
		return time.Time{}, fmt.Errorf("%q is more than %d year ahead", s, content.MaxScheduleYears)
	}
	return t, nil
}

// parseInstant reads RFC 3339, or "YYYY-MM-DDTHH:MM[:SS]" in loc, as a
// UTC time that renders in RFC 3339 again (years 0000-9999): a time the
// stores keep and every answer can show.
func parseInstant(s string, loc *time.Location) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if err == nil {
			break
		}
		// A wall time in a spring-forward gap is the first instant after it.
		t, err = schedule.ParseInLocation(layout, s, loc)
	}
	if err != nil {
		return time.Time{}, err
	}
	return rfc3339UTC(t)
}

// errTimeRange is the error of a time outside RFC 3339's years.
var errTimeRange = errors.New("outside the years 0000-9999 in UTC")

// rfc3339UTC returns t in UTC, or errTimeRange when that is outside the
// years RFC 3339 (and encoding/json) can write: an offset can carry
// 9999-12-31T23:59-23:59 into the year 10000.
func rfc3339UTC(t time.Time) (time.Time, error) {
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return time.Time{}, errTimeRange
	}
	return t, nil
}

// author names who asked, for self-approval checks: the key's name.
func author(ctx context.Context) string {
	if ak := KeyFrom(ctx); ak != nil {
		return ak.Name
	}
	return ""
}

// syncRequest turns a sync body into an engine request.
func (s *Server) syncRequest(ctx context.Context, b SyncRequest, idemKey string) (halcytone.Request, error) {
	req := halcytone.Request{
		DocumentID: b.DocumentID, Channels: b.Channels, DryRun: b.DryRun, Metadata: b.Metadata,
		CorrelationID: b.CorrelationID, IdempotencyKey: idemKey, Author: author(ctx),
	}
	if req.CorrelationID == "" {
		req.CorrelationID = correlationID(ctx)
	}
	tmpl, err := content.ParseTemplate(b.TemplateStyle)
	if err != nil {
		return req, invalid("template_style", "%v", err)
	}
	req.Template = tmpl
	if b.ContentType != "" {
		if _, err := content.ParseType(b.ContentType); err != nil {
			return req, invalid("content_type", "%v", err)
		}
		if req.Metadata == nil {
			req.Metadata = map[string]any{}
		}
		req.Metadata["content_type"] = b.ContentType
	}
	at, err := parseScheduleTime(b.ScheduleTime, s.cfg.Location, s.now())
	if err != nil {
		return req, invalid("schedule_time", "%v", err)
	}
	req.PublishAt = at
	return req, nil
}

// generateJob runs req through the engine and answers its job, or a 422
// listing the validation issues.
func (s *Server) generateJob(ctx context.Context, req halcytone.Request) (*store.Job, error) {
	res, err := s.engine.Generate(ctx, req)
	if err != nil {
		return nil, apiError(err)
	}
	if res.Job == nil {
		return nil, validationProblem(res.Report)
	}
	return res.Job, nil
}

// validationProblem is the 422 of content that failed validation.
func validationProblem(rep *content.Report) error {
	var details []error
	if rep != nil {
		for _, is := range rep.Issues {
			if is.Severity != content.SeverityError {
				continue
			}
			details = append(details, &huma.ErrorDetail{Location: "body." + is.Field, Message: is.Code + ": " + is.Message})
		}
	}
	return huma.Error422UnprocessableEntity(fmt.Sprintf("content failed validation with %d error(s)", len(details)), details...)
}

func (s *Server) registerJobs() {
	huma.Register(s.api, huma.Operation{
		OperationID: "sync-content", Method: http.MethodPost, Path: "/api/v2/content/sync", Tags: []string{"jobs"},
		Summary:       "Create a job: fetch, assemble, validate, approve and publish a document",
		DefaultStatus: http.StatusAccepted,
	}, func(ctx context.Context, in *syncInput) (*syncJobOutput, error) {
		req, err := s.syncRequest(ctx, in.Body, in.IdempotencyKey)
		if err != nil {
			return nil, err
		}
		j, err := s.generateJob(ctx, req)
		if err != nil {
			return nil, err
		}
		return &syncJobOutput{Status: http.StatusAccepted, Body: syncJobOf(j)}, nil
	})

	type jobListInput struct {
		Status  string `query:"status" doc:"one status, or several separated by commas"`
		Channel string `query:"channel" doc:"jobs listing this channel in any spelling: web, Website and website select the same jobs"`
		Limit   int    `query:"limit" default:"20" minimum:"1" maximum:"500"`
		Offset  int    `query:"offset" minimum:"0"`
	}
	type jobListBody struct {
		Jobs     []SyncJob `json:"jobs"`
		Total    int       `json:"total"`
		Page     int       `json:"page"`
		PageSize int       `json:"page_size"`
	}
	huma.Register(s.api, huma.Operation{
		OperationID: "list-jobs", Method: http.MethodGet, Path: "/api/v2/jobs", Tags: []string{"jobs"},
		Summary: "List jobs, newest first",
	}, func(ctx context.Context, in *jobListInput) (*struct{ Body jobListBody }, error) {
		f := store.JobFilter{Channel: in.Channel, Limit: in.Limit, Offset: in.Offset}
		if in.Status != "" {
			for st := range strings.SplitSeq(in.Status, ",") {
				js := store.JobStatus(strings.TrimSpace(st))
				if !validJobStatus(js) {
					return nil, invalid("query.status", "unknown status %q", st)
				}
				f.Statuses = append(f.Statuses, js)
			}
		}
		page, err := s.engine.Jobs(ctx, f)
		if err != nil {
			return nil, apiError(err)
		}
		out := jobListBody{Jobs: make([]SyncJob, 0, len(page.Jobs)), Total: page.Total, Page: in.Offset/in.Limit + 1, PageSize: in.Limit}
		for i := range page.Jobs {
			out.Jobs = append(out.Jobs, syncJobOf(&page.Jobs[i]))
		}
		return &struct{ Body jobListBody }{out}, nil
	})

	type jobIDParam struct {
		JobID string `path:"job_id" maxLength:"128"`
	}
	huma.Register(s.api, huma.Operation{
		OperationID: "get-job", Method: http.MethodGet, Path: "/api/v2/jobs/{job_id}", Tags: []string{"jobs"},
		Summary: "One job",
	}, func(ctx context.Context, in *jobIDParam) (*struct{ Body SyncJob }, error) {
		j, err := s.engine.Job(ctx, in.JobID)
		if err != nil {
			return nil, apiError(err)
		}
		return &struct{ Body SyncJob }{syncJobOf(j)}, nil
	})

	type cancelJobBody struct {
		Cancelled bool   `json:"cancelled"`
		JobID     string `json:"job_id"`
	}
	huma.Register(s.api, huma.Operation{
		OperationID: "cancel-job", Method: http.MethodDelete, Path: "/api/v2/content/sync/{job_id}", Tags: []string{"jobs"},
		Summary: "Cancel a job that has not finished; 409 when it has",
		Errors:  []int{http.StatusNotFound, http.StatusConflict},
	}, func(ctx context.Context, in *jobIDParam) (*struct{ Body cancelJobBody }, error) {
		j, err := s.engine.Cancel(ctx, in.JobID)
		if errors.Is(err, halcytone.ErrJobFinished) {
			status := ""
			if j != nil {
				status = string(j.Status)
			}
			return nil, &cancelConflict{JobID: in.JobID, JobStatus: status, Detail: fmt.Sprintf("job %s already finished (%s)", in.JobID, status)}
		}
		if err != nil {
			return nil, apiError(err)
		}
		return &struct{ Body cancelJobBody }{cancelJobBody{Cancelled: true, JobID: j.ID}}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "retry-job", Method: http.MethodPost, Path: "/api/v2/jobs/{job_id}/retry", Tags: []string{"jobs"},
		Summary:       "Retry a failed or partial job as a new job (metadata.retry_of names the original)",
		DefaultStatus: http.StatusAccepted,
		Errors:        []int{http.StatusNotFound, http.StatusConflict},
	}, func(ctx context.Context, in *jobIDParam) (*syncJobOutput, error) {
		j, err := s.engine.Retry(ctx, in.JobID)
		if err != nil {
			return nil, apiError(err)
		}
		return &syncJobOutput{Status: http.StatusAccepted, Body: syncJobOf(j)}, nil
	})
}

func validJobStatus(s store.JobStatus) bool {
	switch s {
	case store.JobPending, store.JobAwaitingApproval, store.JobScheduled, store.JobInProgress,
		store.JobCompleted, store.JobPartial, store.JobFailed, store.JobCancelled:
		return true
	}
	return false
}

// cancelConflict is the 409 of a cancel on a finished job: a problem that
// also says cancelled false, as the dashboard expects.
type cancelConflict struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Cancelled bool   `json:"cancelled"`
	JobID     string `json:"job_id"`
	JobStatus string `json:"job_status,omitempty"`
}

func (c *cancelConflict) Error() string { return c.Detail }

// GetStatus implements huma.StatusError.
func (c *cancelConflict) GetStatus() int {
	c.Type, c.Title, c.Status = "about:blank", http.StatusText(http.StatusConflict), http.StatusConflict
	return http.StatusConflict
}

// ContentType implements huma.ContentTypeFilter.
func (c *cancelConflict) ContentType(string) string { return problemType }
