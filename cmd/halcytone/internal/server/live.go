package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"
)

func (s *Server) registerLive() {
	h := newLiveHub(s)
	s.live = h
	s.mux.Handle("GET /ws/live-updates", h)
	s.mux.Handle("GET /ws/session/{session_id}/events", &liveIngest{hub: h})
	s.registerLiveHTTP(h) // livehttp.go
}

// liveRooms returns the hub of the live rooms.
func (s *Server) liveRooms() *liveHub { return s.live }

// startLive forgets idle rooms until ctx ends or the returned function is
// called; then every live and ingest connection is closed (going away)
// and the function waits for their handlers.
func (s *Server) startLive(ctx context.Context) func() {
	h := s.liveRooms()
	if h == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer h.group.shutdown()
		t := time.NewTicker(liveReapEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				h.reap(h.now())
			}
		}
	}()
	return func() {
		cancel()
		<-done
		h.group.wait()
	}
}

// ServeHTTP serves one client of /ws/live-updates?session_id=&client_id=&role=
// until it leaves or is dropped. A bad parameter is answered, after the
// upgrade (browsers cannot read a refused handshake), with an error
// message and a policy-violation close. The instructor role needs a key
// with the write scope and the admin role one with the admin scope, since
// both receive the participants' HRV data.
func (h *liveHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sessionID := strings.TrimSpace(q.Get("session_id"))
	clientID := strings.TrimSpace(q.Get("client_id"))
	roleName := strings.ToLower(strings.TrimSpace(q.Get("role")))
	role, roleOK := liveRoleOf(roleName)
	ak := KeyFrom(r.Context()) // read before the upgrade: the request's context ends with it
	if h.clients.Add(1) > int64(h.maxClients) {
		h.clients.Add(-1)
		w.Header().Set("Retry-After", "30")
		h.s.writeProblem(w, r, http.StatusServiceUnavailable, "too many connections to live sessions")
		return
	}
	defer h.clients.Add(-1)
	conn, ok := h.s.accept(h.group, w, r, liveReadLimit)
	if !ok {
		return
	}
	defer h.group.leave()
	refusal := ""
	switch {
	case sessionID == "":
		refusal = "session_id is required"
	case len(sessionID) > liveMaxIDLength:
		refusal = fmt.Sprintf("session_id is longer than %d bytes", liveMaxIDLength)
	case len(clientID) > liveMaxIDLength:
		refusal = fmt.Sprintf("client_id is longer than %d bytes", liveMaxIDLength)
	case !roleOK:
		refusal = "unknown role " + quoteShort(roleName) + ": want participant, instructor, admin or observer"
	case role == liveInstructor && (ak == nil || !hasScope(ak, ScopeWrite)):
		refusal = "the instructor role needs a key with the write scope"
	case role == liveAdmin && (ak == nil || !hasScope(ak, ScopeAdmin)):
		refusal = "the admin role needs a key with the admin scope"
	}
	if refusal != "" {
		h.refuse(conn, refusal)
		return
	}
	if clientID == "" {
		var b [4]byte
		_, _ = rand.Read(b[:])
		clientID = "ws-" + hex.EncodeToString(b[:])
	}
	c := &liveClient{wsConn: newWSConn(h.group.ctx, conn, h.sendBuffer), id: clientID, role: role,
		limiter: rate.NewLimiter(h.msgRate, h.msgBurst)}
	if err := h.join(c, sessionID); err != nil {
		c.drop(err) // releases the connection's context
		h.refuse(conn, err.Error())
		return
	}
	h.liveGauge.Inc()
	defer h.liveGauge.Dec()
	defer h.leave(c)
	c.run(h.pingEvery, func(data []byte) { h.handle(c, data) })
}

// refuse sends an error message on a connection that never joined, and
// closes it with a policy violation.
func (h *liveHub) refuse(conn *websocket.Conn, msg string) {
	ctx, cancel := context.WithTimeout(context.Background(), wsWriteTimeout)
	defer cancel()
	_ = conn.Write(ctx, websocket.MessageText, mustJSON(LiveMessage{Type: "error", Message: msg, Timestamp: h.now()}))
	_ = conn.Close(websocket.StatusPolicyViolation, closeReason(msg))
}

// closeReason cuts msg to the 123 bytes a close frame carries, on a
// character boundary.
func closeReason(msg string) string {
	const limit = 123
	if len(msg) <= limit {
		return msg
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut]
}

// liveClientMessage is a message of a live client: {"type","data"};
// a chat's text is data.message (or data.text, data itself when a string,
// or a top-level message).
type liveClientMessage struct {
	Type    string          `json:"type"`
	Data    json.RawMessage `json:"data"`
	Message string          `json:"message"`
}

// handle acts on one message of a live client.
func (h *liveHub) handle(c *liveClient, data []byte) {
	now := h.now()
	fail := func(format string, args ...any) {
		c.enqueue(mustJSON(LiveMessage{Type: "error", SessionID: c.room.id, Message: fmt.Sprintf(format, args...), Timestamp: now}))
	}
	if !c.limiter.Allow() {
		fail("too many messages: at most %v a second", h.msgRate)
		return
	}
	var m liveClientMessage
	if err := json.Unmarshal(data, &m); err != nil {
		fail("invalid JSON: %v", err)
		return
	}
	r := c.room
	switch m.Type {
	case "heartbeat":
		c.enqueue(mustJSON(LiveMessage{Type: "heartbeat_ack", SessionID: r.id, Timestamp: now}))
	case "chat":
		if c.role == liveObserver {
			fail("observers cannot chat")
			return
		}
		text := chatText(m)
		if strings.TrimSpace(text) == "" {
			fail("chat message is empty: send {\"type\":\"chat\",\"data\":{\"message\":\"...\"}}")
			return
		}
		if n := utf8.RuneCountInString(text); n > liveChatMaxChars {
			fail("chat message of %d characters exceeds the limit of %d", n, liveChatMaxChars)
			return
		}
		msg := mustJSON(LiveMessage{Type: "chat_message", SessionID: r.id, ClientID: c.id, Role: c.role, Message: text, Timestamp: now})
		r.mu.Lock()
		r.broadcast(msg, false, h.historySize, now)
		r.mu.Unlock()
	case "hrv_update", "technique_feedback":
		if c.role == liveObserver {
			fail("observers cannot send %s", m.Type)
			return
		}
		obj, ok := objectOrEmpty(m.Data)
		if !ok {
			fail("%s: data must be a JSON object", m.Type)
			return
		}
		msg := mustJSON(LiveMessage{Type: m.Type, SessionID: r.id, ClientID: c.id, Role: c.role, Data: obj, Timestamp: now})
		r.mu.Lock()
		r.broadcast(msg, true, h.historySize, now)
		r.mu.Unlock()
	default:
		fail("unknown message type %s: want heartbeat, chat, hrv_update or technique_feedback", quoteShort(m.Type))
	}
}

// chatText finds the text of a chat message.
func chatText(m liveClientMessage) string {
	d := bytes.TrimSpace(m.Data)
	if len(d) > 0 && d[0] == '"' {
		var s string
		if json.Unmarshal(d, &s) == nil {
			return s
		}
	}
	if len(d) > 0 && d[0] == '{' {
		var o struct {
			Message *string `json:"message"`
			Text    *string `json:"text"`
		}
		if json.Unmarshal(d, &o) == nil {
			switch {
			case o.Message != nil:
				return *o.Message
			case o.Text != nil:
				return *o.Text
			}
		}
	}
	return m.Message
}

// objectOrEmpty returns raw when it is a JSON object, {} when it is absent
// or null, and false otherwise.
func objectOrEmpty(raw json.RawMessage) (json.RawMessage, bool) {
	d := bytes.TrimSpace(raw)
	if len(d) == 0 || string(d) == "null" {
		return json.RawMessage(`{}`), true
	}
	if d[0] != '{' {
		return nil, false
	}
	var buf bytes.Buffer
	if json.Compact(&buf, d) != nil {
		return nil, false
	}
	return buf.Bytes(), true
}
