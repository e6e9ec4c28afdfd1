package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// joinLive connects a live client to session with role, authenticated by
// key in the Authorization header, and returns it with its welcome.
func (ts *testServer) joinLive(t *testing.T, key, session, client, role string) (*websocket.Conn, wsMsg) {
	t.Helper()
	c := ts.dialWS(t, fmt.Sprintf("/ws/live-updates?session_id=%s&client_id=%s&role=%s", session, client, role), "Authorization", "Bearer "+key)
	w := readWS(t, c)
	require.Equal(t, "welcome", w.str("type"), "%v", w)
	return c, w
}

func chatOf(text string) map[string]any {
	return map[string]any{"type": "chat", "data": map[string]any{"message": text}}
}

func TestLiveRoom(t *testing.T) {
	ts := newTestServer(t)
	p1, w1 := ts.joinLive(t, ts.Admin, "room1", "p1", "participant")
	assert.Equal(t, "p1", w1.str("client_id"))
	assert.Equal(t, "participant", w1.str("role"))
	assert.EqualValues(t, 1, w1["participant_count"])
	assert.Equal(t, []any{}, w1["replay"])
	assert.Equal(t, "waiting", w1.obj("room").str("status"))

	p2, _ := ts.joinLive(t, ts.Admin, "room1", "p2", "") // participant by default
	j, _ := readUntil(t, p1, "participant_joined")
	assert.Equal(t, "p2", j.str("client_id"))
	assert.EqualValues(t, 2, j["participant_count"])

	inst, wi := ts.joinLive(t, ts.Admin, "room1", "teacher", "instructor")
	assert.EqualValues(t, 3, wi["participant_count"])
	assert.EqualValues(t, 1, wi.obj("room").obj("roles")["instructor"])
	for _, c := range []*websocket.Conn{p1, p2} {
		j, _ := readUntil(t, c, "participant_joined")
		assert.Equal(t, "teacher", j.str("client_id"))
		assert.Equal(t, "instructor", j.str("role"))
	}
	assert.EqualValues(t, 3, ts.wsGauge(t, "live"))

	// Chat reaches everyone, the sender included.
	sendWS(t, p1, chatOf("hello, room"))
	for _, c := range []*websocket.Conn{p1, p2, inst} {
		m, _ := readUntil(t, c, "chat_message")
		assert.Equal(t, "hello, room", m.str("message"))
		assert.Equal(t, "p1", m.str("client_id"))
		assert.Equal(t, "room1", m.str("session_id"))
	}

	// hrv_update and technique_feedback reach the instructor only: p1's next
	// message after them is the chat that p2 sends afterwards.
	sendWS(t, p2, map[string]any{"type": "hrv_update", "data": map[string]any{"hrv_value": 62.5}})
	sendWS(t, p2, map[string]any{"type": "technique_feedback", "data": map[string]any{"technique": "box", "difficulty": 2}})
	sendWS(t, p2, chatOf("after"))
	m := readWS(t, inst)
	assert.Equal(t, "hrv_update", m.str("type"))
	assert.Equal(t, "p2", m.str("client_id"))
	assert.EqualValues(t, 62.5, m.obj("data")["hrv_value"])
	assert.Equal(t, "technique_feedback", readWS(t, inst).str("type"))
	assert.Equal(t, "after", readWS(t, inst).str("message"))
	m = readWS(t, p1)
	assert.Equal(t, "chat_message", m.str("type"), "a participant got a staff-only message: %v", m)
	assert.Equal(t, "after", m.str("message"))
	readUntil(t, p2, "chat_message", func(m wsMsg) bool { return m.str("message") == "after" })

	// Heartbeats, limits and errors answer the sender only.
	sendWS(t, p1, map[string]any{"type": "heartbeat"})
	assert.Equal(t, "heartbeat_ack", readWS(t, p1).str("type"))
	sendWS(t, p1, chatOf(strings.Repeat("é", liveChatMaxChars)))
	m = readWS(t, p1)
	assert.Equal(t, "chat_message", m.str("type"), "2000 characters are allowed")
	sendWS(t, p1, chatOf(strings.Repeat("a", liveChatMaxChars+1)))
	m = readWS(t, p1)
	assert.Equal(t, "error", m.str("type"))
	assert.Contains(t, m.str("message"), "2000")
	sendWS(t, p1, map[string]any{"type": "dance"})
	assert.Equal(t, "error", readWS(t, p1).str("type"))

	// Sessions list.
	res := ts.do(t, "GET", "/api/v2/sessions/live", ts.Admin, nil)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	var list LiveSessionsBody
	res.JSON(t, &list)
	require.Equal(t, 1, list.Total)
	assert.Equal(t, "room1", list.Sessions[0].SessionID)
	assert.Equal(t, 3, list.Sessions[0].ParticipantCount)
	assert.Equal(t, map[string]int{"participant": 2, "instructor": 1, "admin": 0, "observer": 0}, list.Sessions[0].Roles)
	assert.False(t, list.Sessions[0].StartedAt.IsZero())

	// Leaving.
	require.NoError(t, p2.Close(websocket.StatusNormalClosure, "bye"))
	left, _ := readUntil(t, p1, "participant_left")
	assert.Equal(t, "p2", left.str("client_id"))
	assert.EqualValues(t, 2, left["participant_count"])
	readUntil(t, inst, "participant_left")
	waitFor(t, "the live gauge", func() bool { return ts.wsGauge(t, "live") == 2 })
}

func TestLiveReplay(t *testing.T) {
	ts := newTestServer(t)
	talker, _ := ts.joinLive(t, ts.Admin, "replay", "talker", "participant")
	for i := range 120 {
		sendWS(t, talker, chatOf(fmt.Sprintf("m%d", i)))
	}
	readUntil(t, talker, "chat_message", func(m wsMsg) bool { return m.str("message") == "m119" })

	_, w := ts.joinLive(t, ts.Admin, "replay", "late", "observer")
	replay, _ := w["replay"].([]any)
	require.Len(t, replay, liveHistorySize)
	for i, r := range replay {
		m := wsMsg(r.(map[string]any))
		assert.Equal(t, "chat_message", m.str("type"))
		assert.Equal(t, fmt.Sprintf("m%d", i+20), m.str("message"))
	}
}

func TestLiveReplayHidesStaffMessages(t *testing.T) {
	ts := newTestServer(t)
	p, _ := ts.joinLive(t, ts.Admin, "hrv", "p", "participant")
	sendWS(t, p, map[string]any{"type": "hrv_update", "data": map[string]any{"hrv_value": 50}})
	sendWS(t, p, chatOf("done"))
	readUntil(t, p, "chat_message")

	_, wp := ts.joinLive(t, ts.Admin, "hrv", "p2", "participant")
	assert.Len(t, wp["replay"], 1)
	_, wa := ts.joinLive(t, ts.Admin, "hrv", "boss", "admin")
	assert.Len(t, wa["replay"], 2)
}

func TestLiveRefusals(t *testing.T) {
	ts := newTestServer(t)

	// No key: a plain 401 before any upgrade.
	res := ts.do(t, "GET", "/ws/live-updates?session_id=s", "", nil)
	assert.Equal(t, http.StatusUnauthorized, res.Status)
	assert.Contains(t, res.Header.Get("Content-Type"), "problem+json")
	_, hres, err := ts.tryDialWS("/ws/live-updates?session_id=s")
	require.Error(t, err)
	require.NotNil(t, hres)
	assert.Equal(t, http.StatusUnauthorized, hres.StatusCode)

	// A key in the query works too.
	c := ts.dialWS(t, "/ws/live-updates?session_id=s&api_key="+ts.Admin)
	assert.Equal(t, "welcome", readWS(t, c).str("type"))

	refused := func(path, key, want string) {
		t.Helper()
		c := ts.dialWS(t, path, "X-API-Key", key)
		m := readWS(t, c)
		assert.Equal(t, "error", m.str("type"))
		assert.Contains(t, m.str("message"), want)
		err := readClosed(t, c)
		assert.Equal(t, websocket.StatusPolicyViolation, websocket.CloseStatus(err), "%v", err)
	}
	refused("/ws/live-updates?session_id=s&role=wizard", ts.Admin, "unknown role")
	refused("/ws/live-updates?role=participant", ts.Admin, "session_id")
	reader := ts.key(t, "reader", 0, ScopeRead)
	refused("/ws/live-updates?session_id=s&role=instructor", reader, "write scope")
	refused("/ws/live-updates?session_id=s&role=admin", reader, "admin scope")

	// Observers watch only.
	obs, _ := ts.joinLive(t, reader, "s", "o", "observer")
	sendWS(t, obs, chatOf("hi"))
	m := readWS(t, obs)
	assert.Equal(t, "error", m.str("type"))
	assert.Contains(t, m.str("message"), "observers")
}

func TestLiveIngest(t *testing.T) {
	ts := newTestServer(t)
	p, _ := ts.joinLive(t, ts.Admin, "sess-9", "p", "participant")

	reader := ts.key(t, "reader", 0, ScopeRead)
	_, hres, err := ts.tryDialWS("/ws/session/sess-9/events", "Authorization", "Bearer "+reader)
	require.Error(t, err)
	require.NotNil(t, hres)
	assert.Equal(t, http.StatusForbidden, hres.StatusCode)

	writer := ts.key(t, "platform", 0, ScopeWrite)
	in := ts.dialWS(t, "/ws/session/sess-9/events", "Authorization", "Bearer "+writer)
	waitFor(t, "the ingest gauge", func() bool { return ts.wsGauge(t, "ingest") == 1 })
	event := func(v map[string]any) wsMsg {
		t.Helper()
		sendWS(t, in, v)
		return readWS(t, in)
	}

	ack := event(map[string]any{"type": "session.started", "data": map[string]any{"instructor": "Ada"}, "timestamp": "2026-03-21T10:00:00Z"})
	assert.Equal(t, "ack", ack.str("type"))
	assert.Equal(t, "session.started", ack.str("event"))
	m, _ := readUntil(t, p, "session_update")
	assert.Equal(t, "session.started", m.str("update_type"))
	assert.Equal(t, "Ada", m.obj("data").str("instructor"))

	assert.Equal(t, "ack", event(map[string]any{"type": "participant.joined", "data": map[string]any{"participant_id": "u1"}}).str("type"))
	assert.Equal(t, "ack", event(map[string]any{"type": "technique.changed", "data": map[string]any{"technique": "box breathing"}}).str("type"))
	assert.Equal(t, "ack", event(map[string]any{"type": "hrv.milestone", "data": map[string]any{"improvement": 15}}).str("type"))
	assert.Equal(t, "ack", event(map[string]any{"type": "achievement.unlocked", "data": map[string]any{"name": "calm"}}).str("type"))
	bad := event(map[string]any{"type": "session.paused"})
	assert.Equal(t, "error", bad.str("type"))
	assert.Contains(t, bad.str("message"), "unknown event type")
	assert.Equal(t, "error", event(map[string]any{"type": "hrv.milestone", "data": []int{1}}).str("type"))
	assert.Equal(t, "error", event(map[string]any{"type": "hrv.milestone", "timestamp": "yesterday"}).str("type"))
	assert.Equal(t, "error", event(map[string]any{"type": "hrv.milestone", "timestamp": 1700000000}).str("type"))
	// A time that leaves RFC 3339's years once in UTC is refused: kept, it
	// made the session's messages unencodable and dropped the connection.
	for _, at := range []string{"9999-12-31T23:59:59-23:59", "0000-01-01T00:00:00+00:01"} {
		reply := event(map[string]any{"type": "session.ended", "timestamp": at})
		assert.Equal(t, "error", reply.str("type"), at)
		assert.Contains(t, reply.str("message"), "outside the years 0000-9999", at)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wsWait)
	defer cancel()
	require.NoError(t, in.Write(ctx, websocket.MessageText, []byte("{not json")))
	assert.Equal(t, "error", readWS(t, in).str("type"))

	m, _ = readUntil(t, p, "session_update", func(m wsMsg) bool { return m.str("update_type") == "technique.changed" })
	assert.Equal(t, "box breathing", m.obj("data").str("technique"))
	m, _ = readUntil(t, p, "live_announcement")
	assert.Equal(t, "achievement.unlocked", m.str("announcement_type"))

	res := ts.do(t, "GET", "/api/v2/sessions/live", ts.Admin, nil)
	var list LiveSessionsBody
	res.JSON(t, &list)
	require.Equal(t, 1, list.Total, "%s", res.Body)
	assert.Equal(t, "active", list.Sessions[0].Status)
	assert.Equal(t, "box breathing", list.Sessions[0].CurrentTechnique)
	assert.Equal(t, "2026-03-21T10:00:00Z", list.Sessions[0].StartedAt.Format("2006-01-02T15:04:05Z07:00"))

	ack = event(map[string]any{"type": "session.ended", "timestamp": "2026-03-21T10:30:00Z"})
	assert.Equal(t, "ack", ack.str("type"))
	m, _ = readUntil(t, p, "session_update", func(m wsMsg) bool { return m.str("update_type") == "session.ended" })
	sum := m.obj("summary")
	require.NotNil(t, sum, "%v", m)
	assert.EqualValues(t, 1800, sum["duration_seconds"])
	assert.Equal(t, []any{"box breathing"}, sum["techniques"])
	assert.EqualValues(t, 2, sum["participants"]) // u1 from the platform, p connected

	// A newcomer sees the ended state and the summary.
	_, w := ts.joinLive(t, ts.Admin, "sess-9", "late", "observer")
	room := w.obj("room")
	assert.Equal(t, "ended", room.str("status"))
	assert.NotNil(t, room.obj("summary"))
	assert.Equal(t, "2026-03-21T10:30:00Z", room.str("ended_at"))
}

func TestLiveAnnounce(t *testing.T) {
	ts := newTestServer(t)
	a, _ := ts.joinLive(t, ts.Admin, "a", "pa", "participant")
	b, _ := ts.joinLive(t, ts.Admin, "b", "pb", "participant")

	res := ts.do(t, "POST", "/api/v2/live-announce", ts.Admin, map[string]any{"title": "x"})
	assert.Equal(t, http.StatusUnprocessableEntity, res.Status, "%s", res.Body)
	res = ts.do(t, "POST", "/api/v2/live-announce?session_id=nope", ts.Admin, map[string]any{"title": "x"})
	assert.Equal(t, http.StatusNotFound, res.Status, "%s", res.Body)

	res = ts.do(t, "POST", "/api/v2/live-announce?session_id=a", ts.Admin, map[string]any{"title": "Break", "message": "5 minutes", "whatever": []int{1}})
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	var out LiveAnnounceBody
	res.JSON(t, &out)
	assert.Equal(t, "announced", out.Status)
	assert.Equal(t, []string{"a"}, out.SessionsNotified)
	assert.Equal(t, 1, out.ParticipantCount)
	m, _ := readUntil(t, a, "live_announcement")
	assert.Equal(t, "Break", m.obj("data").str("title"))
	assert.Equal(t, "announcement", m.str("announcement_type"))

	res = ts.do(t, "POST", "/api/v2/live-announce?broadcast_all=true", ts.Admin, map[string]any{"title": "All"})
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	res.JSON(t, &out)
	assert.Equal(t, []string{"a", "b"}, out.SessionsNotified)
	assert.Equal(t, 2, out.ParticipantCount)
	for _, c := range []*websocket.Conn{a, b} {
		m, _ := readUntil(t, c, "live_announcement", func(m wsMsg) bool { return m.obj("data").str("title") == "All" })
		assert.NotEmpty(t, m.str("timestamp"))
	}

	// API.md: "any JSON body"; none sends {}.
	for _, body := range []string{`["breathe","rest"]`, `"we start in five minutes"`, `42`, ``} {
		var b any = []byte(body)
		if body == "" {
			b = nil
		}
		res = ts.do(t, "POST", "/api/v2/live-announce?session_id=a", ts.Admin, b)
		require.Equal(t, http.StatusOK, res.Status, "%q: %s", body, res.Body)
		want := body
		if want == "" {
			want = "{}"
		}
		m, _ := readUntil(t, a, "live_announcement", func(m wsMsg) bool {
			d, err := json.Marshal(m["data"])
			return err == nil && jsonEqual(string(d), want)
		})
		assert.NotNil(t, m, "%q", body)
	}
}

// jsonEqual reports whether two JSON texts hold the same value.
func jsonEqual(a, b string) bool {
	var x, y any
	return json.Unmarshal([]byte(a), &x) == nil && json.Unmarshal([]byte(b), &y) == nil && reflect.DeepEqual(x, y)
}

func TestSessionSummary(t *testing.T) {
	ts := newTestServer(t)
	session := map[string]any{
		"title":                   "Morning breathwork",
		"content":                 "Twelve of us practised box breathing and the 4-7-8 technique together this morning.",
		"session_id":              "sess-42",
		"session_duration":        1800,
		"participant_count":       12,
		"breathing_techniques":    []string{"box breathing", "4-7-8"},
		"average_hrv_improvement": 8.5,
		"session_type":            "live",
		"instructor_name":         "Ada",
		"key_achievements":        []string{"everyone finished"},
	}
	res := ts.do(t, "POST", "/api/v2/session-summary", ts.Admin, map[string]any{"content": session, "publish": false})
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	var prev GenerateBody
	res.JSON(t, &prev)
	assert.Equal(t, "preview", prev.Status)
	assert.Equal(t, "session", string(prev.ContentType))
	assert.NotNil(t, prev.Newsletter)
	assert.NotNil(t, prev.WebUpdate)
	assert.NotEmpty(t, prev.SocialPosts)
	assert.Empty(t, prev.JobID)
	require.NotNil(t, prev.Session)
	assert.Equal(t, "sess-42", prev.Session.SessionID)
	assert.NotContains(t, string(res.Body), "null")

	res = ts.do(t, "POST", "/api/v2/session-summary", ts.Admin, map[string]any{"content": session, "publish": true, "channels": []string{"email"}})
	require.Equal(t, http.StatusAccepted, res.Status, "%s", res.Body)
	var pub GenerateBody
	res.JSON(t, &pub)
	assert.Contains(t, []string{"queued", "awaiting_approval"}, pub.Status)
	require.NotEmpty(t, pub.JobID)
	job := ts.do(t, "GET", "/api/v2/jobs/"+pub.JobID, ts.Admin, nil)
	assert.Equal(t, http.StatusOK, job.Status, "%s", job.Body)

	blog := map[string]any{"type": "blog", "title": "x", "content": "y"}
	res = ts.do(t, "POST", "/api/v2/session-summary", ts.Admin, map[string]any{"content": blog})
	assert.Equal(t, http.StatusUnprocessableEntity, res.Status, "%s", res.Body)
	res = ts.do(t, "POST", "/api/v2/session-summary", ts.Admin, map[string]any{"content": session, "surprise": 1})
	assert.Equal(t, http.StatusUnprocessableEntity, res.Status, "unknown fields are refused: %s", res.Body)
}

// TestLiveRoomsNobodyIsInFreeTheirPlace: a room nobody is in and nothing
// happened in is forgotten when its last client leaves, and when the hub
// is full the room idle the longest makes way: opening and closing
// connections to made-up sessions cannot lock every new session out.
func TestLiveRoomsNobodyIsInFreeTheirPlace(t *testing.T) {
	ts := newTestServer(t)
	h := ts.liveRooms()
	h.mu.Lock()
	h.maxRooms = 3
	h.mu.Unlock()
	reader := ts.key(t, "reader", 0, ScopeRead)
	for i := range 3 {
		c, _ := ts.joinLive(t, reader, fmt.Sprintf("blank-%d", i), "x", "participant")
		require.NoError(t, c.Close(websocket.StatusNormalClosure, "bye"))
	}
	waitFor(t, "every live connection to end", func() bool { return ts.wsGauge(t, "live") == 0 })
	h.mu.Lock()
	assert.Empty(t, h.rooms, "blank rooms are forgotten")
	h.mu.Unlock()

	// Rooms with a chat kept for replay stay; a new one evicts the oldest.
	for i := range 3 {
		c, _ := ts.joinLive(t, reader, fmt.Sprintf("chatty-%d", i), "x", "participant")
		sendWS(t, c, chatOf("hello"))
		_, _ = readUntil(t, c, "chat_message", func(wsMsg) bool { return true })
		require.NoError(t, c.Close(websocket.StatusNormalClosure, "bye"))
		// One at a time, so that the rooms were left in this order.
		waitFor(t, "the live connection to end", func() bool { return ts.wsGauge(t, "live") == 0 })
	}
	_, welcome := ts.joinLive(t, reader, "real-class", "p", "participant")
	assert.Equal(t, "welcome", welcome.str("type"))
	h.mu.Lock()
	defer h.mu.Unlock()
	assert.Len(t, h.rooms, 3)
	assert.NotContains(t, h.rooms, "chatty-0", "the room idle the longest made way")
	assert.Contains(t, h.rooms, "chatty-2")
}

// TestLiveSummaryRefusesAnImpossibleCount: session.ended with a count no
// session has (beyond any int, or a fraction) keeps the participants the
// room saw.
func TestLiveSummaryRefusesAnImpossibleCount(t *testing.T) {
	ts := newTestServer(t)
	for i, n := range []float64{1e19, 2.5} {
		session := fmt.Sprintf("count-%d", i)
		p, _ := ts.joinLive(t, ts.Admin, session, "p", "participant")
		in := ts.dialWS(t, "/ws/session/"+session+"/events", "X-API-Key", ts.Admin)
		sendWS(t, in, map[string]any{"type": "session.started"})
		require.Equal(t, "ack", readWS(t, in).str("type"))
		sendWS(t, in, map[string]any{"type": "session.ended", "data": map[string]any{"participant_count": n}})
		require.Equal(t, "ack", readWS(t, in).str("type"))
		m, _ := readUntil(t, p, "session_update", func(m wsMsg) bool { return m.str("update_type") == "session.ended" })
		assert.Equal(t, 1.0, m.obj("summary")["participants"], "%v: the one participant seen", n)
	}
}

// TestLiveConnectionsAreBounded: past the hub's connection bound a new
// client of /ws/live-updates gets a 503 problem with Retry-After, as one
// of /ws/jobs does, and is let in again once a place frees.
func TestLiveConnectionsAreBounded(t *testing.T) {
	ts := newTestServer(t)
	h := ts.liveRooms()
	h.maxClients = 1
	first, _ := ts.joinLive(t, ts.Admin, "bounded", "a", "participant")
	up := []string{"Connection", "Upgrade", "Upgrade", "websocket", "Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}
	res := ts.do(t, http.MethodGet, "/ws/live-updates?session_id=bounded&client_id=b&role=participant", ts.Admin, nil, up...)
	assert.Equal(t, http.StatusServiceUnavailable, res.Status)
	assert.Equal(t, "application/problem+json", res.Header.Get("Content-Type"))
	assert.Equal(t, "30", res.Header.Get("Retry-After"))

	require.NoError(t, first.Close(websocket.StatusNormalClosure, "bye"))
	waitFor(t, "the first client to leave", func() bool { return h.clients.Load() == 0 })
	_, welcome := ts.joinLive(t, ts.Admin, "bounded", "b", "participant")
	assert.Equal(t, "welcome", welcome.str("type"))
}
