package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/halcytone/halcytone/content"
)

// liveMaxAnnouncement bounds the encoded body of a live announcement.
const liveMaxAnnouncement = 64 << 10

// SessionSummaryRequest is the body of POST /api/v2/session-summary.
type SessionSummaryRequest struct {
	Content       json.RawMessage `json:"content" doc:"session content (type session, which may be omitted): session_id, session_duration, participant_count, breathing_techniques, ..."`
	Publish       bool            `json:"publish,omitempty" doc:"true: queue the summary as a job (202); false: a preview, nothing stored (200)"`
	Channels      []string        `json:"channels,omitempty" maxItems:"16" doc:"empty: the defaults of session content"`
	TemplateStyle string          `json:"template_style,omitempty" doc:"modern, minimal, plain, breathscape or classic (= modern)"`
	DryRun        bool            `json:"dry_run,omitempty" doc:"with publish: record what would be sent, send nothing"`
}

// LiveAnnounceBody answers POST /api/v2/live-announce.
type LiveAnnounceBody struct {
	Status           string    `json:"status" enum:"announced"`
	SessionsNotified []string  `json:"sessions_notified"`
	ParticipantCount int       `json:"participant_count" doc:"connections the announcement was queued for"`
	Timestamp        time.Time `json:"timestamp"`
}

// LiveSessionInfo is one live room in GET /api/v2/sessions/live.
type LiveSessionInfo struct {
	SessionID        string         `json:"session_id"`
	ParticipantCount int            `json:"participant_count" doc:"open connections, every role"`
	StartedAt        time.Time      `json:"started_at" doc:"the platform's session.started time, else when the room opened"`
	Roles            map[string]int `json:"roles" doc:"connections by role: participant, instructor, admin, observer"`
	Status           string         `json:"status" enum:"waiting,active,ended"`
	CurrentTechnique string         `json:"current_technique,omitempty"`
}

// LiveSessionsBody answers GET /api/v2/sessions/live.
type LiveSessionsBody struct {
	Sessions []LiveSessionInfo `json:"sessions"`
	Total    int               `json:"total"`
}

// sessionContent returns raw, an object of typed content, with type
// session (set when absent).
func sessionContent(raw json.RawMessage) (json.RawMessage, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, invalid("content", "content is required")
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, invalid("content", "content must be a JSON object: %v", err)
	}
	if t, ok := probe["type"]; ok {
		var typ string
		if err := json.Unmarshal(t, &typ); err != nil || content.Type(typ) != content.TypeSession {
			return nil, invalid("body.content.type", "session-summary takes content of type %q, not %s", content.TypeSession, t)
		}
		return raw, nil
	}
	probe["type"], _ = json.Marshal(content.TypeSession)
	out, err := json.Marshal(probe)
	if err != nil {
		return nil, invalid("content", "%v", err)
	}
	return out, nil
}

func (s *Server) registerLiveHTTP(h *liveHub) {
	huma.Register(s.api, huma.Operation{
		OperationID: "session-summary", Method: http.MethodPost, Path: "/api/v2/session-summary", Tags: []string{"live"},
		Summary:     "Newsletter, web post and social posts summarising a breathing session",
		Description: "publish false: 200 with status preview (or validation_failed); publish true: 202 with the job (queued or awaiting_approval).",
	}, func(ctx context.Context, in *struct{ Body SessionSummaryRequest }) (*generateOutput, error) {
		raw, err := sessionContent(in.Body.Content)
		if err != nil {
			return nil, err
		}
		req, err := s.generateRequest(ctx, GenerateRequest{Content: raw, Channels: in.Body.Channels, TemplateStyle: in.Body.TemplateStyle, DryRun: in.Body.DryRun})
		if err != nil {
			return nil, err
		}
		res, err := s.run(ctx, req, !in.Body.Publish)
		if err != nil {
			return nil, err
		}
		status := http.StatusOK
		if res.Job != nil {
			status = http.StatusAccepted
		}
		return &generateOutput{Status: status, Body: generateBody(res)}, nil
	})

	type announceInput struct {
		SessionID    string `query:"session_id" maxLength:"128" doc:"the session to announce to"`
		BroadcastAll bool   `query:"broadcast_all" doc:"true: every live session"`
		Body         any    `required:"false" doc:"any JSON value: the announcement's data (none: {})"`
	}
	huma.Register(s.api, huma.Operation{
		OperationID: "live-announce", Method: http.MethodPost, Path: "/api/v2/live-announce", Tags: []string{"live"},
		Summary:     "Send a live_announcement to one live session or to all",
		Description: "The body, any JSON value (an object, an array, a string, ...), is sent as the announcement's data and kept for replay; no body sends {}. 404 when session_id names no room.",
		Errors:      []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *announceInput) (*struct{ Body LiveAnnounceBody }, error) {
		if in.SessionID == "" && !in.BroadcastAll {
			return nil, invalid("query.session_id", "give session_id, or broadcast_all=true")
		}
		data, err := json.Marshal(in.Body)
		if err != nil {
			return nil, invalid("body", "%v", err)
		}
		if string(data) == "null" {
			data = []byte(`{}`)
		}
		if len(data) > liveMaxAnnouncement {
			return nil, invalid("body", "announcement of %d bytes exceeds the limit of %d bytes", len(data), liveMaxAnnouncement)
		}
		out := LiveAnnounceBody{Status: "announced", SessionsNotified: []string{}, Timestamp: h.now()}
		announce := func(r *liveRoom) { // r.mu held
			msg := mustJSON(LiveMessage{Type: "live_announcement", SessionID: r.id, AnnouncementType: "announcement", Data: data, Timestamp: out.Timestamp})
			out.ParticipantCount += r.broadcast(msg, false, h.historySize, out.Timestamp)
			out.SessionsNotified = append(out.SessionsNotified, r.id)
		}
		if in.BroadcastAll {
			for _, r := range h.snapshot() {
				r.mu.Lock()
				if !r.dead && r.live() {
					announce(r)
				}
				r.mu.Unlock()
			}
			return &struct{ Body LiveAnnounceBody }{out}, nil
		}
		r, err := h.locked(in.SessionID, false)
		if err != nil {
			return nil, huma.Error503ServiceUnavailable(err.Error())
		}
		if r == nil {
			return nil, huma.Error404NotFound(fmt.Sprintf("no live session %q", in.SessionID))
		}
		announce(r)
		r.mu.Unlock()
		return &struct{ Body LiveAnnounceBody }{out}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "live-sessions", Method: http.MethodGet, Path: "/api/v2/sessions/live", Tags: []string{"live"},
		Summary: "Live sessions: rooms with connections, or started by the platform and not ended; newest first",
	}, func(ctx context.Context, _ *struct{}) (*struct{ Body LiveSessionsBody }, error) {
		out := LiveSessionsBody{Sessions: []LiveSessionInfo{}}
		for _, r := range h.snapshot() {
			r.mu.Lock()
			if !r.dead && r.live() {
				started := r.startedAt
				if started.IsZero() {
					started = r.created
				}
				out.Sessions = append(out.Sessions, LiveSessionInfo{
					SessionID: r.id, ParticipantCount: len(r.clients), StartedAt: started.UTC(),
					Roles: r.roleCounts(), Status: r.status, CurrentTechnique: r.technique,
				})
			}
			r.mu.Unlock()
		}
		sort.SliceStable(out.Sessions, func(i, j int) bool { return out.Sessions[i].StartedAt.After(out.Sessions[j].StartedAt) })
		out.Total = len(out.Sessions)
		return &struct{ Body LiveSessionsBody }{out}, nil
	})
}
