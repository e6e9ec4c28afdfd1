package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"
)

// The events of the session platform (WS /ws/session/{session_id}/events).
const (
	evSessionStarted      = "session.started"
	evSessionEnded        = "session.ended"
	evParticipantJoined   = "participant.joined"
	evParticipantLeft     = "participant.left"
	evTechniqueChanged    = "technique.changed"
	evHRVMilestone        = "hrv.milestone"
	evAchievementUnlocked = "achievement.unlocked"
	evInstructorMessage   = "instructor.message"
)

func isSessionEvent(t string) bool {
	switch t {
	case evSessionStarted, evSessionEnded, evParticipantJoined, evParticipantLeft,
		evTechniqueChanged, evHRVMilestone, evAchievementUnlocked, evInstructorMessage:
		return true
	}
	return false
}

// SessionEvent is one message of the session platform.
type SessionEvent struct {
	Type      string          `json:"type"`
	Data      json.RawMessage `json:"data,omitempty"`
	Timestamp json.RawMessage `json:"timestamp,omitempty"` // an RFC 3339 string; absent: now
}

// SessionEventReply answers each SessionEvent: {"type":"ack"} or
// {"type":"error","message"}.
type SessionEventReply struct {
	Type      string    `json:"type"` // ack or error
	Event     string    `json:"event,omitempty"`
	SessionID string    `json:"session_id"`
	Message   string    `json:"message,omitempty"`
	Timestamp time.Time `json:"timestamp"`
}

// liveIngest serves WS /ws/session/{session_id}/events: events of the
// session platform, each acknowledged and turned into room updates.
type liveIngest struct{ hub *liveHub }

// ServeHTTP serves one ingest connection until it closes.
func (li *liveIngest) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := li.hub
	id := strings.TrimSpace(r.PathValue("session_id"))
	if id == "" || len(id) > liveMaxIDLength {
		h.s.writeProblem(w, r, http.StatusUnprocessableEntity, fmt.Sprintf("session_id must be 1 to %d bytes", liveMaxIDLength))
		return
	}
	conn, ok := h.s.accept(h.group, w, r, liveIngestReadLimit)
	if !ok {
		return
	}
	defer h.group.leave()
	h.ingestGauge.Inc()
	defer h.ingestGauge.Dec()
	c := newWSConn(h.group.ctx, conn, h.sendBuffer)
	c.run(h.pingEvery, func(data []byte) {
		reply := h.ingest(id, data)
		c.enqueue(mustJSON(reply))
	})
}

// ingest applies one event of the platform to the room of sessionID and
// returns its answer.
func (h *liveHub) ingest(sessionID string, data []byte) SessionEventReply {
	now := h.now()
	fail := func(format string, args ...any) SessionEventReply {
		return SessionEventReply{Type: "error", SessionID: sessionID, Message: fmt.Sprintf(format, args...), Timestamp: now}
	}
	var ev SessionEvent
	if err := json.Unmarshal(data, &ev); err != nil {
		return fail("invalid JSON: %v", err)
	}
	if !isSessionEvent(ev.Type) {
		return fail("unknown event type %s: want session.started, session.ended, participant.joined, participant.left, "+
			"technique.changed, hrv.milestone, achievement.unlocked or instructor.message", quoteShort(ev.Type))
	}
	raw, ok := objectOrEmpty(ev.Data)
	if !ok {
		return fail("%s: data must be a JSON object", ev.Type)
	}
	var fields map[string]any
	_ = json.Unmarshal(raw, &fields)
	at := now
	if ts := strings.TrimSpace(string(ev.Timestamp)); ts != "" && ts != "null" {
		var str string
		t, err := time.Time{}, json.Unmarshal(ev.Timestamp, &str)
		if err == nil {
			t, err = parseEventTime(str)
		}
		if errors.Is(err, errTimeRange) {
			return fail("%s: timestamp %s is %v", ev.Type, quoteShort(ts), err)
		}
		if err != nil {
			return fail("%s: timestamp %s is not an RFC 3339 string", ev.Type, quoteShort(ts))
		}
		at = t
	}
	r, err := h.locked(sessionID, true)
	if err != nil {
		return fail("%v", err)
	}
	defer r.mu.Unlock()
	r.apply(ev.Type, fields, at)
	msg := LiveMessage{SessionID: r.id, Data: raw, Timestamp: now}
	switch ev.Type {
	case evAchievementUnlocked, evInstructorMessage:
		msg.Type, msg.AnnouncementType = "live_announcement", ev.Type
	default:
		msg.Type, msg.UpdateType = "session_update", ev.Type
		if ev.Type == evSessionEnded {
			msg.Summary = r.state().Summary
		}
	}
	r.broadcast(mustJSON(msg), false, h.historySize, now)
	return SessionEventReply{Type: "ack", Event: ev.Type, SessionID: sessionID, Timestamp: now}
}

// parseEventTime reads RFC 3339, or a time without zone taken as UTC,
// within the years RFC 3339 can write (see rfc3339UTC).
func parseEventTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		if t, err = time.ParseInLocation("2006-01-02T15:04:05.999999999", s, time.UTC); err != nil {
			return time.Time{}, err
		}
	}
	return rfc3339UTC(t)
}

// apply updates the room's state with one platform event at time at; the
// caller holds r.mu.
func (r *liveRoom) apply(typ string, data map[string]any, at time.Time) {
	switch typ {
	case evSessionStarted:
		r.status, r.startedAt, r.endedAt, r.summary = liveActive, at, time.Time{}, nil
	case evParticipantJoined, evParticipantLeft:
		if id, ok := stringField(data, "participant_id", "user_id", "client_id", "id"); ok && typ == evParticipantJoined {
			r.see(id)
		}
	case evTechniqueChanged:
		if t, ok := stringField(data, "technique", "technique_name", "new_technique", "name"); ok {
			r.technique = t
			if !slices.Contains(r.techniques, t) && len(r.techniques) < liveMaxTechniques {
				r.techniques = append(r.techniques, t)
			}
		}
	case evSessionEnded:
		r.status, r.endedAt = liveEnded, at
		s := &LiveSummary{Participants: len(r.seen), Techniques: slices.Clone(nonNil(r.techniques)), EndedAt: at}
		if n, ok := numberField(data, "participant_count", "participants", "total_participants"); ok && n == math.Trunc(n) && n <= liveMaxCount {
			s.Participants = int(n)
		} else if list, ok := data["participants"].([]any); ok {
			s.Participants = len(list)
		}
		if ts, ok := stringsField(data, "techniques", "breathing_techniques", "techniques_used"); ok {
			s.Techniques = ts
		}
		if d, ok := numberField(data, "duration_seconds", "duration", "session_duration", "total_duration"); ok {
			s.DurationSeconds = d
		} else if !r.startedAt.IsZero() && at.After(r.startedAt) {
			s.DurationSeconds = at.Sub(r.startedAt).Seconds()
		}
		r.summary = s
	}
}

func stringField(m map[string]any, keys ...string) (string, bool) {
	for _, k := range keys {
		if s, ok := m[k].(string); ok && s != "" {
			return s, true
		}
	}
	return "", false
}

// liveMaxCount bounds a count a platform event reports, such as a
// session's participants: a larger one (or a fraction) is not a count,
// and the summary keeps the participants it saw.
const liveMaxCount = 1 << 31

func numberField(m map[string]any, keys ...string) (float64, bool) {
	for _, k := range keys {
		if f, ok := m[k].(float64); ok && f >= 0 {
			return f, true
		}
	}
	return 0, false
}

func stringsField(m map[string]any, keys ...string) ([]string, bool) {
	for _, k := range keys {
		list, ok := m[k].([]any)
		if !ok {
			continue
		}
		out := make([]string, 0, len(list))
		for _, v := range list {
			if s, ok := v.(string); ok && s != "" && len(out) < liveMaxTechniques {
				out = append(out, s)
			}
		}
		return out, true
	}
	return nil, false
}
