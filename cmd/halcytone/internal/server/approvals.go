package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/approval"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/store"
)

// ApprovalBody is an approval request on the wire: its stages, its audit
// trail and, when one request is read, the bundle under review.
type ApprovalBody struct {
	ID           string        `json:"id"`
	JobID        string        `json:"job_id"`
	ContentHash  string        `json:"content_hash" doc:"the hash of the content under review; a decision naming another is refused"`
	Level        int           `json:"level" minimum:"1" maximum:"4"`
	State        string        `json:"state" enum:"pending,approved,rejected,changes_requested"`
	Stages       []StageBody   `json:"stages"`
	Author       string        `json:"author,omitempty" doc:"who asked for the content; may not approve it unless the level allows"`
	ChangeRounds int           `json:"change_rounds,omitempty"`
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`
	DueAt        time.Time     `json:"due_at"`
	Escalated    bool          `json:"escalated,omitempty"`
	Audit        []AuditBody   `json:"audit"`
	Bundle       *BundleBody   `json:"bundle,omitempty" doc:"the content under review; only when one request is read"`
	Job          *SyncJobBrief `json:"job,omitempty" doc:"the job's status; only when one request is read"`
}

// SyncJobBrief is the status of the job an approval belongs to.
type SyncJobBrief struct {
	Status     store.JobStatus `json:"status"`
	DocumentID string          `json:"document_id"`
	Channels   []string        `json:"channels"`
}

// StageBody is one stage of an approval request.
type StageBody struct {
	Name      string         `json:"name"`
	Roles     []string       `json:"roles"`
	Required  int            `json:"required"`
	Approvals []DecisionBody `json:"approvals"`
	State     string         `json:"state" enum:"pending,approved,rejected,changes_requested"`
}

// DecisionBody is one reviewer's decision within a stage.
type DecisionBody struct {
	Reviewer string    `json:"reviewer"`
	Role     string    `json:"role,omitempty"`
	Decision string    `json:"decision" enum:"approve,reject,request_changes"`
	Comment  string    `json:"comment,omitempty"`
	At       time.Time `json:"at"`
}

// AuditBody is one line of an approval's audit trail.
type AuditBody struct {
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Action  string    `json:"action"`
	Comment string    `json:"comment"`
}

// BundleBody is an assembled bundle on the wire, with the field names of
// the generate-content response.
type BundleBody struct {
	ContentType content.Type        `json:"content_type"`
	Title       string              `json:"title"`
	Source      string              `json:"source,omitempty"`
	ContentHash string              `json:"content_hash"`
	Channels    []content.Channel   `json:"channels"`
	Template    content.Template    `json:"template_style"`
	Tone        content.Tone        `json:"tone,omitempty"`
	Newsletter  *content.Newsletter `json:"newsletter,omitempty"`
	WebUpdate   *content.WebPost    `json:"web_update,omitempty"`
	SocialPosts []SocialPostBody    `json:"social_posts"`
	Session     *SessionBody        `json:"session_summary,omitempty"`
	Issues      []content.Issue     `json:"issues"`
	AssembledAt time.Time           `json:"assembled_at"`
}

// bundleBodyOf converts a bundle to the wire, reusing the conversions of
// generate-content.
func bundleBodyOf(b *content.Bundle) *BundleBody {
	gb := generateBody(&halcytone.Result{Bundle: b})
	return &BundleBody{
		ContentType: b.ContentType, Title: b.Title, Source: b.Source, ContentHash: b.Hash,
		Channels: nonNil(b.Channels), Template: b.Template, Tone: b.Tone,
		Newsletter: gb.Newsletter, WebUpdate: gb.WebUpdate, SocialPosts: gb.SocialPosts, Session: gb.Session,
		Issues: nonNil(b.Issues), AssembledAt: b.AssembledAt.UTC(),
	}
}

// approvalBodyOf converts a stored request to the wire: UTC times, no
// nulls.
func approvalBodyOf(a *store.ApprovalRequest) ApprovalBody {
	out := ApprovalBody{
		ID: a.ID, JobID: a.JobID, ContentHash: a.ContentHash, Level: a.Level, State: string(a.State),
		Stages: make([]StageBody, 0, len(a.Stages)), Author: a.Author, ChangeRounds: a.ChangeRounds,
		CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC(), DueAt: a.DueAt.UTC(), Escalated: a.Escalated,
		Audit: make([]AuditBody, 0, len(a.Audit)),
	}
	for _, st := range a.Stages {
		sb := StageBody{Name: st.Name, Roles: nonNil(st.Roles), Required: st.Required, State: string(st.State),
			Approvals: make([]DecisionBody, 0, len(st.Approvals))}
		for _, d := range st.Approvals {
			sb.Approvals = append(sb.Approvals, DecisionBody{Reviewer: d.Reviewer, Role: d.Role, Decision: d.Decision, Comment: d.Comment, At: d.At.UTC()})
		}
		out.Stages = append(out.Stages, sb)
	}
	for _, e := range a.Audit {
		out.Audit = append(out.Audit, AuditBody{At: e.At.UTC(), Actor: e.Actor, Action: e.Action, Comment: e.Comment})
	}
	return out
}

// approvalDetail is one request with its job's status and the bundle under
// review: the job's current bundle, else the request's.
func (s *Server) approvalDetail(ctx context.Context, a *store.ApprovalRequest) (ApprovalBody, error) {
	out := approvalBodyOf(a)
	bundleID := a.BundleID
	j, err := s.store.GetJob(ctx, a.JobID)
	switch {
	case err == nil:
		out.Job = &SyncJobBrief{Status: j.Status, DocumentID: j.DocumentID, Channels: nonNil(j.Channels)}
		if j.BundleID != "" {
			bundleID = j.BundleID
		}
	case !errors.Is(err, store.ErrNotFound):
		return out, apiError(err)
	}
	if bundleID == "" {
		return out, nil
	}
	rec, err := s.store.GetBundle(ctx, bundleID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return out, nil // nothing to show; the request itself still reads
	case err != nil:
		return out, apiError(err)
	}
	if rec.Bundle != nil {
		out.Bundle = bundleBodyOf(rec.Bundle)
	}
	return out, nil
}

// DecisionRequest is the body of POST /api/v2/approvals/{id}/decisions.
type DecisionRequest struct {
	Decision    string `json:"decision" enum:"approve,reject,request_changes"`
	Comment     string `json:"comment,omitempty" maxLength:"4000" doc:"required to reject or request changes"`
	Reviewer    string `json:"reviewer,omitempty" maxLength:"200" doc:"who decides; omitted: the name of the API key"`
	ContentHash string `json:"content_hash,omitempty" maxLength:"200" doc:"the hash of the content reviewed; omitted: the content as it is now"`
	Stage       string `json:"stage,omitempty" maxLength:"200" doc:"the stage decided on; omitted: the first open stage the reviewer may decide on"`
}

func (s *Server) registerApprovals() {
	type listInput struct {
		State  string `query:"state" enum:"pending,approved,rejected,changes_requested" doc:"omitted: every state"`
		Level  int    `query:"level" minimum:"0" maximum:"4" doc:"1-4; omitted: every level"`
		JobID  string `query:"job_id" maxLength:"128"`
		Limit  int    `query:"limit" default:"100" minimum:"1" maximum:"500"`
		Offset int    `query:"offset" minimum:"0"`
	}
	type approvalListBody struct {
		Approvals []ApprovalBody `json:"approvals"`
		Total     int            `json:"total"`
	}
	huma.Register(s.api, huma.Operation{
		OperationID: "list-approvals", Method: http.MethodGet, Path: "/api/v2/approvals", Tags: []string{"approvals"},
		Summary: "List approval requests, newest first",
	}, func(ctx context.Context, in *listInput) (*struct{ Body approvalListBody }, error) {
		list, total, err := s.store.ListApprovals(ctx, store.ApprovalFilter{
			State: store.ApprovalState(in.State), Level: in.Level, JobID: in.JobID, Limit: in.Limit, Offset: in.Offset,
		})
		if err != nil {
			return nil, apiError(err)
		}
		out := approvalListBody{Approvals: make([]ApprovalBody, 0, len(list)), Total: total}
		for i := range list {
			out.Approvals = append(out.Approvals, approvalBodyOf(&list[i]))
		}
		return &struct{ Body approvalListBody }{out}, nil
	})

	type idInput struct {
		ID string `path:"id" maxLength:"128"`
	}
	huma.Register(s.api, huma.Operation{
		OperationID: "get-approval", Method: http.MethodGet, Path: "/api/v2/approvals/{id}", Tags: []string{"approvals"},
		Summary: "One approval request with its audit trail and the bundle under review",
		Errors:  []int{http.StatusNotFound},
	}, func(ctx context.Context, in *idInput) (*struct{ Body ApprovalBody }, error) {
		a, err := s.store.GetApproval(ctx, in.ID)
		if err != nil {
			return nil, apiError(err)
		}
		out, err := s.approvalDetail(ctx, a)
		if err != nil {
			return nil, err
		}
		return &struct{ Body ApprovalBody }{out}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "decide-approval", Method: http.MethodPost, Path: "/api/v2/approvals/{id}/decisions", Tags: []string{"approvals"},
		Summary: "Record a reviewer's decision (approve scope)",
		Description: "403 for self-approval or a reviewer without the open stage's role; 409 when the content changed " +
			"since the review started (content_hash mismatch), when the request is finished, or when the reviewer already approved.",
		Errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *struct {
		ID   string `path:"id" maxLength:"128"`
		Body DecisionRequest
	}) (*struct{ Body ApprovalBody }, error) {
		reviewer := in.Body.Reviewer
		if reviewer == "" {
			reviewer = author(ctx)
		}
		if err := s.mayDecideAs(ctx, author(ctx), reviewer); err != nil {
			return nil, err
		}
		// The document is checked at its source first: an edit since the
		// review started is a 409, and the review starts again.
		a, err := s.engine.DecideLatest(ctx, in.ID, approval.DecisionInput{
			Reviewer: reviewer, Decision: in.Body.Decision, Comment: in.Body.Comment,
			ContentHash: in.Body.ContentHash, Stage: in.Body.Stage,
		})
		if err != nil {
			return nil, apiError(err)
		}
		return &struct{ Body ApprovalBody }{approvalBodyOf(a)}, nil
	})
}

// mayDecideAs refuses a decision that key, a reviewer's own key (named
// like a reviewer in Config.Reviewers), records in another reviewer's
// name: multi-level approval means nothing if one key can sign for every
// stage.
func (s *Server) mayDecideAs(ctx context.Context, key, reviewer string) error {
	if key == "" || reviewer == key || s.cfg.Reviewers == nil {
		return nil
	}
	roles, err := s.cfg.Reviewers.Roles(ctx, key)
	if err != nil {
		return apiError(fmt.Errorf("reviewer directory: %w", err))
	}
	if len(roles) > 0 {
		return huma.Error403Forbidden(fmt.Sprintf("this key belongs to reviewer %q and cannot decide as %q", key, reviewer),
			&huma.ErrorDetail{Location: "body.reviewer", Message: "must be " + key + " or empty", Value: reviewer})
	}
	return nil
}
