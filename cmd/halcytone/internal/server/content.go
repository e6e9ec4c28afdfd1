package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/telemetry"
)

// nonNil returns s, or an empty slice for nil: the API never sends null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func correlationID(ctx context.Context) string { return telemetry.CorrelationID(ctx) }

// ReportBody is a validation report on the wire.
type ReportBody struct {
	IsValid          bool                `json:"is_valid"`
	ContentType      content.Type        `json:"content_type"`
	Issues           []content.Issue     `json:"issues"`
	Warnings         []content.Issue     `json:"warnings"`
	EnhancedMetadata *content.Enrichment `json:"enhanced_metadata,omitempty"`
}

func reportBody(r *content.Report) ReportBody {
	if r == nil {
		return ReportBody{IsValid: true, Issues: []content.Issue{}, Warnings: []content.Issue{}}
	}
	out := ReportBody{IsValid: r.Valid, ContentType: r.Type, Issues: nonNil(r.Issues), Warnings: nonNil(r.Warnings)}
	if r.Metadata != nil {
		m := *r.Metadata
		m.SuggestedChannels = nonNil(m.SuggestedChannels)
		out.EnhancedMetadata = &m
	}
	return out
}

// SocialPostBody is a social post on the wire.
type SocialPostBody struct {
	Platform       content.Platform `json:"platform"`
	Text           string           `json:"text"`
	Thread         []string         `json:"thread"`
	Hashtags       []string         `json:"hashtags"`
	MediaURLs      []string         `json:"media_urls"`
	WeightedLength int              `json:"weighted_length"`
	Limit          int              `json:"limit"`
}

// ApprovalSummary is the approval of a generated job.
type ApprovalSummary struct {
	Level     int    `json:"level"`
	State     string `json:"state"`
	RequestID string `json:"request_id,omitempty"`
}

// GenerateBody is the response of generate-content, session-summary and
// the preview.
type GenerateBody struct {
	Status      string              `json:"status" enum:"preview,queued,awaiting_approval,validation_failed"`
	ContentID   string              `json:"content_id,omitempty"`
	JobID       string              `json:"job_id,omitempty"`
	Approval    *ApprovalSummary    `json:"approval,omitempty"`
	ContentType content.Type        `json:"content_type,omitempty"`
	Newsletter  *content.Newsletter `json:"newsletter,omitempty"`
	WebUpdate   *content.WebPost    `json:"web_update,omitempty"`
	SocialPosts []SocialPostBody    `json:"social_posts"`
	Session     *SessionBody        `json:"session_summary,omitempty"`
	Issues      []content.Issue     `json:"issues"`
	Warnings    []content.Issue     `json:"warnings"`
}

// SessionBody is a session digest on the wire.
type SessionBody struct {
	SessionID        string   `json:"session_id"`
	SessionType      string   `json:"session_type"`
	DurationMinutes  float64  `json:"duration_minutes"`
	ParticipantCount int      `json:"participant_count"`
	Techniques       []string `json:"techniques"`
	HRVImprovement   float64  `json:"average_hrv_improvement"`
	Highlights       []string `json:"highlights"`
}

// generateBody converts an engine result to the wire.
func generateBody(res *halcytone.Result) GenerateBody {
	out := GenerateBody{Status: res.Status, SocialPosts: []SocialPostBody{}, Issues: []content.Issue{}, Warnings: []content.Issue{}}
	if res.Report != nil {
		out.Issues, out.Warnings = nonNil(res.Report.Issues), nonNil(res.Report.Warnings)
	}
	if b := res.Bundle; b != nil {
		out.ContentID, out.ContentType = b.Hash, b.ContentType
		if b.Newsletter != nil {
			nl := *b.Newsletter
			out.Newsletter = &nl
		}
		if b.WebPost != nil {
			wp := *b.WebPost
			wp.Tags = nonNil(wp.Tags)
			out.WebUpdate = &wp
		}
		for _, p := range b.Social {
			out.SocialPosts = append(out.SocialPosts, SocialPostBody{
				Platform: p.Platform, Text: p.Text, Thread: nonNil(p.Thread), Hashtags: nonNil(p.Hashtags),
				MediaURLs: nonNil(p.MediaURLs), WeightedLength: p.WeightedLength, Limit: p.Limit,
			})
		}
		if ss := b.Session; ss != nil {
			out.Session = &SessionBody{SessionID: ss.SessionID, SessionType: ss.SessionType, DurationMinutes: ss.DurationMinutes,
				ParticipantCount: ss.ParticipantCount, Techniques: nonNil(ss.Techniques), HRVImprovement: ss.HRVImprovement, Highlights: nonNil(ss.Highlights)}
		}
	}
	if res.Job != nil {
		out.JobID = res.Job.ID
		if res.Job.Approval != nil {
			out.Approval = &ApprovalSummary{Level: res.Job.Approval.Level, State: res.Job.Approval.State, RequestID: res.Job.Approval.RequestID}
		}
	}
	return out
}

// DocumentInput is an inline living document.
type DocumentInput struct {
	Format string `json:"format,omitempty" enum:"markdown,json,text" doc:"empty: detected"`
	Text   string `json:"text" minLength:"1"`
}

// GenerateRequest is the body of generate-content.
type GenerateRequest struct {
	Content         json.RawMessage   `json:"content,omitempty" doc:"typed content (update, blog, announcement, session)"`
	DocumentID      string            `json:"document_id,omitempty" maxLength:"2048"`
	Document        *DocumentInput    `json:"document,omitempty"`
	Channels        []string          `json:"channels,omitempty" maxItems:"16"`
	TemplateStyle   string            `json:"template_style,omitempty"`
	Tone            string            `json:"tone,omitempty"`
	PerChannelTones map[string]string `json:"per_channel_tones,omitempty"`
	SocialPlatforms []string          `json:"social_platforms,omitempty" maxItems:"8"`
	PreviewOnly     bool              `json:"preview_only,omitempty"`
	DryRun          bool              `json:"dry_run,omitempty"`
	PublishAt       string            `json:"publish_at,omitempty" doc:"RFC 3339, or local YYYY-MM-DDTHH:MM; at most one year ahead"`
}

// request turns a generate body into an engine request.
func (s *Server) generateRequest(ctx context.Context, b GenerateRequest) (halcytone.Request, error) {
	req := halcytone.Request{DocumentID: b.DocumentID, Channels: b.Channels, DryRun: b.DryRun, CorrelationID: correlationID(ctx), Author: author(ctx)}
	n := 0
	if len(b.Content) > 0 && string(b.Content) != "null" {
		c, err := decodeContent(b.Content)
		if err != nil {
			return req, err
		}
		req.Content = c
		n++
	}
	if b.DocumentID != "" {
		n++
	}
	if b.Document != nil {
		req.Text, req.Format = b.Document.Text, content.Format(b.Document.Format)
		n++
	}
	if n != 1 {
		return req, invalid("content", "give exactly one of content, document_id and document")
	}
	var err error
	if req.Template, err = content.ParseTemplate(b.TemplateStyle); err != nil {
		return req, invalid("template_style", "%v", err)
	}
	if b.Tone != "" {
		if req.Tone, err = content.ParseTone(b.Tone); err != nil {
			return req, invalid("tone", "%v", err)
		}
	}
	for ch, tone := range b.PerChannelTones {
		c, err := content.ParseChannel(ch)
		if err != nil {
			return req, invalid("per_channel_tones."+ch, "%v", err)
		}
		t, err := content.ParseTone(tone)
		if err != nil {
			return req, invalid("per_channel_tones."+ch, "%v", err)
		}
		if req.ChannelTones == nil {
			req.ChannelTones = map[content.Channel]content.Tone{}
		}
		req.ChannelTones[c] = t
	}
	for i, p := range b.SocialPlatforms {
		pl, err := content.ParsePlatform(p)
		if err != nil {
			return req, invalid("social_platforms["+strconv.Itoa(i)+"]", "%v", err)
		}
		req.Platforms = append(req.Platforms, pl)
	}
	if req.PublishAt, err = parseScheduleTime(b.PublishAt, s.cfg.Location, s.now()); err != nil {
		return req, invalid("publish_at", "%v", err)
	}
	return req, nil
}

// run previews or generates req and answers the result. The engine counts
// it (content_generation_*) when its Observer is the server's metrics. A
// preview may take its document from the cache (CachedSource); a
// generation fetches it afresh.
func (s *Server) run(ctx context.Context, req halcytone.Request, preview bool) (*halcytone.Result, error) {
	var res *halcytone.Result
	var err error
	if preview {
		res, err = s.engine.Preview(forPreview(ctx), req)
	} else {
		res, err = s.engine.Generate(ctx, req)
	}
	if err != nil {
		return nil, apiError(err)
	}
	return res, nil
}

type generateOutput struct {
	Status int
	Body   GenerateBody
}

// ValidateRequest is the body of the validation endpoints.
type ValidateRequest struct {
	Content     json.RawMessage `json:"content" doc:"typed content, or a document {format, text}"`
	ContentType string          `json:"content_type,omitempty" doc:"forces the type of typed content"`
	Strict      bool            `json:"strict,omitempty" doc:"warnings make the content invalid"`
}

func (s *Server) validate(ctx context.Context, b ValidateRequest) (ReportBody, error) {
	if len(b.Content) == 0 || string(b.Content) == "null" {
		return ReportBody{}, invalid("content", "content is required")
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(b.Content, &probe); err != nil {
		return ReportBody{}, invalid("content", "content must be a JSON object: %v", err)
	}
	var rep *content.Report
	_, isDoc := probe["text"]
	_, hasTitle := probe["title"]
	if isDoc && !hasTitle {
		var d DocumentInput
		dec := json.NewDecoder(bytes.NewReader(b.Content))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&d); err != nil {
			return ReportBody{}, invalid("content", "a document is {\"format\", \"text\"}: %v", err)
		}
		res, err := s.run(ctx, halcytone.Request{Text: d.Text, Format: content.Format(d.Format), Author: author(ctx)}, true)
		if err != nil {
			return ReportBody{}, err
		}
		rep = res.Report
	} else {
		raw := b.Content
		if b.ContentType != "" {
			if _, err := content.ParseType(b.ContentType); err != nil {
				return ReportBody{}, invalid("content_type", "%v", err)
			}
			typ, _ := json.Marshal(b.ContentType)
			probe["type"] = typ
			raw, _ = json.Marshal(probe)
		}
		c, err := decodeContent(raw)
		if err != nil {
			return ReportBody{}, err
		}
		rep = s.engine.Validate(ctx, c)
	}
	out := reportBody(rep)
	if b.Strict && len(out.Warnings) > 0 {
		out.IsValid = false
	}
	return out, nil
}

// decodeContent decodes the typed content of one of our own endpoints:
// a field its type does not have is refused (API.md: unknown fields are
// rejected on our own endpoints), naming it as body.content.<field>.
func decodeContent(raw []byte) (content.Content, error) {
	c, err := content.DecodeStrict(raw)
	var ce *content.Error
	switch {
	case err == nil:
		return c, nil
	case errors.As(err, &ce) && ce.Field != "":
		return nil, invalid("body.content."+ce.Field, "%v", err)
	default:
		return nil, invalid("content", "%v", err)
	}
}

func (s *Server) registerContent() {
	type validateContentInput struct {
		Body struct {
			Content json.RawMessage `json:"content" doc:"typed content; type omitted: detected"`
		}
	}
	huma.Register(s.api, huma.Operation{
		OperationID: "validate-content", Method: http.MethodPost, Path: "/api/v2/validate-content", Tags: []string{"content"},
		Summary: "Validate typed content; 200 even when invalid",
	}, func(ctx context.Context, in *validateContentInput) (*struct{ Body ReportBody }, error) {
		rb, err := s.validate(ctx, ValidateRequest{Content: in.Body.Content})
		if err != nil {
			return nil, err
		}
		return &struct{ Body ReportBody }{rb}, nil
	})
	huma.Register(s.api, huma.Operation{
		OperationID: "content-validate", Method: http.MethodPost, Path: "/api/v2/content/validate", Tags: []string{"content"},
		Summary: "Validate typed content or a document, optionally strictly",
	}, func(ctx context.Context, in *struct{ Body ValidateRequest }) (*struct{ Body ReportBody }, error) {
		rb, err := s.validate(ctx, in.Body)
		if err != nil {
			return nil, err
		}
		return &struct{ Body ReportBody }{rb}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "generate-content", Method: http.MethodPost, Path: "/api/v2/generate-content", Tags: []string{"content"},
		Summary:     "Assemble content for channels; preview_only publishes nothing",
		Description: "200 with status preview or validation_failed; 202 when a job was created (queued or awaiting_approval).",
	}, func(ctx context.Context, in *struct{ Body GenerateRequest }) (*generateOutput, error) {
		req, err := s.generateRequest(ctx, in.Body)
		if err != nil {
			return nil, err
		}
		if in.Body.PreviewOnly && in.Body.DocumentID == "" {
			body, err := s.cachedInlinePreview(ctx, in.Body, req)
			if err != nil {
				return nil, err
			}
			return &generateOutput{Status: http.StatusOK, Body: body}, nil
		}
		res, err := s.run(ctx, req, in.Body.PreviewOnly)
		if err != nil {
			return nil, err
		}
		status := http.StatusOK
		if res.Job != nil {
			status = http.StatusAccepted
		}
		return &generateOutput{Status: status, Body: generateBody(res)}, nil
	})

	type previewQuery struct {
		DocumentID    string `query:"document_id" required:"true" minLength:"1" maxLength:"2048"`
		TemplateStyle string `query:"template_style"`
		Tone          string `query:"tone"`
	}
	huma.Register(s.api, huma.Operation{
		OperationID: "preview", Method: http.MethodGet, Path: "/api/v1/preview", Tags: []string{"content"},
		Summary: "The assembled bundle of a document; nothing is published",
	}, func(ctx context.Context, in *previewQuery) (*struct{ Body GenerateBody }, error) {
		body, err := s.cachedPreview(ctx, in.DocumentID, in.TemplateStyle, in.Tone)
		if err != nil {
			return nil, err
		}
		return &struct{ Body GenerateBody }{body}, nil
	})

	type contentTypeInfo struct {
		Type            content.Type        `json:"type"`
		Required        []string            `json:"required"`
		Optional        []string            `json:"optional"`
		Fields          []content.FieldRule `json:"fields"`
		DefaultChannels []content.Channel   `json:"default_channels"`
		Schema          json.RawMessage     `json:"schema"`
	}
	rules := content.Rules()
	var types []contentTypeInfo
	for _, tr := range rules.ContentTypes {
		ct := contentTypeInfo{Type: tr.Type, Required: []string{}, Optional: []string{}, Fields: nonNil(tr.Fields),
			DefaultChannels: nonNil(content.DefaultChannels(tr.Type)), Schema: json.RawMessage(content.Schema(tr.Type))}
		for _, f := range tr.Fields {
			if f.Required {
				ct.Required = append(ct.Required, f.Field)
			} else {
				ct.Optional = append(ct.Optional, f.Field)
			}
		}
		types = append(types, ct)
	}
	huma.Register(s.api, huma.Operation{
		OperationID: "content-types", Method: http.MethodGet, Path: "/api/v2/content-types", Tags: []string{"content"},
		Summary: "Content types, their fields, rules, default channels and JSON Schema",
	}, func(ctx context.Context, _ *struct{}) (*struct {
		Body struct {
			ContentTypes []contentTypeInfo `json:"content_types"`
		}
	}, error) {
		out := &struct {
			Body struct {
				ContentTypes []contentTypeInfo `json:"content_types"`
			}
		}{}
		out.Body.ContentTypes = nonNil(types)
		return out, nil
	})
	huma.Register(s.api, huma.Operation{
		OperationID: "validation-rules", Method: http.MethodGet, Path: "/api/v2/validation-rules", Tags: []string{"content"},
		Summary: "Every rule the validator applies",
	}, func(ctx context.Context, _ *struct{}) (*struct{ Body content.RuleSet }, error) {
		return &struct{ Body content.RuleSet }{rules}, nil
	})

	type templateInfo struct {
		Name     content.Template `json:"name"`
		Features []string         `json:"features"`
	}
	type templatesInfo struct {
		Templates []templateInfo          `json:"templates"`
		Platforms []content.PlatformRules `json:"social_platforms"`
	}
	tb := templatesInfo{Platforms: []content.PlatformRules{}}
	features := map[content.Template][]string{
		content.TemplateModern:      {"hero header", "article cards", "call to action buttons", "responsive layout", "text part"},
		content.TemplateMinimal:     {"single column", "typography first", "text part"},
		content.TemplatePlain:       {"plain HTML", "maximum deliverability", "text part"},
		content.TemplateBreathscape: {"brand colours", "session highlights", "calm layout", "text part"},
	}
	for _, t := range content.Templates() {
		tb.Templates = append(tb.Templates, templateInfo{Name: t, Features: nonNil(features[t])})
	}
	for _, p := range content.Platforms() {
		if r, ok := content.RulesFor(p); ok {
			tb.Platforms = append(tb.Platforms, r)
		}
	}
	tb.Templates = nonNil(tb.Templates)
	huma.Register(s.api, huma.Operation{
		OperationID: "templates", Method: http.MethodGet, Path: "/api/v2/templates", Tags: []string{"content"},
		Summary: "Email templates and social platforms with their features",
	}, func(ctx context.Context, _ *struct{}) (*struct{ Body templatesInfo }, error) {
		return &struct{ Body templatesInfo }{tb}, nil
	})
}
