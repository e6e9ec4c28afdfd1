package server

import (
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
)

// Limits of the live rooms.
const (
	// liveHistorySize is the number of room messages kept for replay.
	liveHistorySize = 100
	// liveChatMaxChars bounds a chat message, in characters.
	liveChatMaxChars = 2000
	// liveReadLimit bounds one message of a live client.
	liveReadLimit = 16 << 10
	// liveIngestReadLimit bounds one event of the session platform.
	liveIngestReadLimit = 64 << 10
	// liveMaxRooms bounds the number of rooms.
	liveMaxRooms = 10000
	// liveMaxClients bounds the connections of /ws/live-updates, as
	// jobStreamMaxClients does those of /ws/jobs.
	liveMaxClients = 50000
	// liveRoomIdleTTL is how long a room without connections and without
	// activity is kept (state and replay) before it is forgotten.
	liveRoomIdleTTL = time.Hour
	// liveReapEvery is how often idle rooms are looked for.
	liveReapEvery = time.Minute
	// liveMaxIDLength bounds session and client ids.
	liveMaxIDLength = 128
	// liveMaxSeen bounds the participant ids a room remembers for its summary.
	liveMaxSeen = 10000
	// liveMaxTechniques bounds the techniques a room remembers.
	liveMaxTechniques = 50
	// liveMsgRate and liveMsgBurst bound the messages one client may send.
	liveMsgRate  = 20 // per second
	liveMsgBurst = 200
)

// The roles of a live connection; instructors and admins ("staff") also
// receive the participants' hrv_update and technique_feedback messages.
const (
	liveParticipant = "participant"
	liveInstructor  = "instructor"
	liveAdmin       = "admin"
	liveObserver    = "observer"
)

// The states of a live room.
const (
	liveWaiting = "waiting" // no session.started event yet
	liveActive  = "active"
	liveEnded   = "ended"
)

// errTooManyRooms is returned when a new room would exceed the limit.
var errTooManyRooms = errors.New("too many live sessions")

func liveRoleOf(s string) (string, bool) {
	switch s {
	case "", liveParticipant:
		return liveParticipant, true
	case liveInstructor, liveAdmin, liveObserver:
		return s, true
	}
	return "", false
}

func isStaff(role string) bool { return role == liveInstructor || role == liveAdmin }

// LiveMessage is a message the server sends to live clients:
// participant_joined, participant_left, session_update,
// live_announcement, chat_message, hrv_update, technique_feedback,
// heartbeat_ack and error (welcome is LiveWelcome).
type LiveMessage struct {
	Type             string          `json:"type"`
	SessionID        string          `json:"session_id,omitempty"`
	ClientID         string          `json:"client_id,omitempty"`
	Role             string          `json:"role,omitempty"`
	ParticipantCount *int            `json:"participant_count,omitempty"`
	Message          string          `json:"message,omitempty"`
	UpdateType       string          `json:"update_type,omitempty"`       // session_update: the platform event
	AnnouncementType string          `json:"announcement_type,omitempty"` // live_announcement: the platform event, or "announcement"
	Data             json.RawMessage `json:"data,omitempty"`
	Summary          *LiveSummary    `json:"summary,omitempty"` // session_update of session.ended
	Timestamp        time.Time       `json:"timestamp"`
}

// LiveWelcome is the first message of a live connection: the room's
// state and the replay of its last messages (those the role may see).
type LiveWelcome struct {
	Type             string            `json:"type"` // welcome
	SessionID        string            `json:"session_id"`
	ClientID         string            `json:"client_id"`
	Role             string            `json:"role"`
	ParticipantCount int               `json:"participant_count"`
	Message          string            `json:"message"`
	Room             LiveRoomState     `json:"room"`
	Replay           []json.RawMessage `json:"replay"`
	Timestamp        time.Time         `json:"timestamp"`
}

// LiveRoomState is the state of a live room.
type LiveRoomState struct {
	SessionID        string         `json:"session_id"`
	Status           string         `json:"status" enum:"waiting,active,ended"`
	ParticipantCount int            `json:"participant_count"` // open connections, every role
	Roles            map[string]int `json:"roles"`
	StartedAt        *time.Time     `json:"started_at,omitempty"`
	EndedAt          *time.Time     `json:"ended_at,omitempty"`
	CurrentTechnique string         `json:"current_technique,omitempty"`
	Techniques       []string       `json:"techniques"`
	Summary          *LiveSummary   `json:"summary,omitempty"`
}

// LiveSummary is what a room records when its session ends.
type LiveSummary struct {
	Participants    int       `json:"participants"`
	Techniques      []string  `json:"techniques"`
	DurationSeconds float64   `json:"duration_seconds"`
	EndedAt         time.Time `json:"ended_at"`
}

// liveHub holds the rooms of /ws/live-updates, fed by live clients, the
// session platform's event ingest and the live-announce endpoint.
type liveHub struct {
	s           *Server
	group       *wsGroup
	liveGauge   prometheus.Gauge
	ingestGauge prometheus.Gauge

	// Knobs, fixed before the first connection (tests shrink them).
	sendBuffer  int
	pingEvery   time.Duration
	historySize int
	idleTTL     time.Duration
	maxRooms    int
	maxClients  int
	msgRate     rate.Limit
	msgBurst    int

	clients atomic.Int64 // connections of /ws/live-updates, refused ones included while they are answered

	mu    sync.Mutex
	rooms map[string]*liveRoom
}

// liveClient is one connection of /ws/live-updates.
type liveClient struct {
	*wsConn
	id      string
	role    string
	room    *liveRoom
	limiter *rate.Limiter // used by the client's reader only
}

// liveEntry is a message kept for replay.
type liveEntry struct {
	msg       []byte
	staffOnly bool
}

// liveRoom is the room of one session.
type liveRoom struct {
	id      string
	created time.Time

	mu         sync.Mutex
	dead       bool // removed from the hub: join another
	clients    map[*liveClient]struct{}
	roles      map[string]int
	history    []liveEntry // ring of at most historySize entries
	head       int         // index of the oldest entry once the ring is full
	lastActive time.Time
	status     string
	startedAt  time.Time
	endedAt    time.Time
	technique  string
	techniques []string
	seen       map[string]struct{} // participant ids, for the summary
	summary    *LiveSummary
}

func newLiveHub(s *Server) *liveHub {
	return &liveHub{
		s: s, group: newWSGroup(),
		liveGauge:   s.cfg.Metrics.WebSocketConnections.WithLabelValues("live"),
		ingestGauge: s.cfg.Metrics.WebSocketConnections.WithLabelValues("ingest"),
		sendBuffer:  wsSendBuffer, pingEvery: wsPingEvery, historySize: liveHistorySize,
		idleTTL: liveRoomIdleTTL, maxRooms: liveMaxRooms, maxClients: liveMaxClients, msgRate: liveMsgRate, msgBurst: liveMsgBurst,
		rooms: map[string]*liveRoom{},
	}
}

func (h *liveHub) now() time.Time { return h.s.now().UTC() }

// room returns the room of id, creating it when create is set (nil when
// it does not exist and create is not set).
func (h *liveHub) room(id string, create bool) (*liveRoom, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r := h.rooms[id]; r != nil || !create {
		return r, nil
	}
	if len(h.rooms) >= h.maxRooms && !h.evictIdle() {
		return nil, errTooManyRooms
	}
	now := h.now()
	r := &liveRoom{id: id, created: now, lastActive: now, status: liveWaiting,
		clients: map[*liveClient]struct{}{}, roles: map[string]int{}, seen: map[string]struct{}{}}
	h.rooms[id] = r
	return r, nil
}

// locked returns the room of id with its lock held, creating it when
// create is set; nil when it does not exist.
func (h *liveHub) locked(id string, create bool) (*liveRoom, error) {
	for {
		r, err := h.room(id, create)
		if r == nil || err != nil {
			return nil, err
		}
		r.mu.Lock()
		if !r.dead {
			return r, nil
		}
		r.mu.Unlock() // reaped meanwhile: look again
	}
}

// snapshot returns the rooms, ordered by session id.
func (h *liveHub) snapshot() []*liveRoom {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]*liveRoom, 0, len(h.rooms))
	for _, r := range h.rooms {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// evictIdle forgets the room with no connection that was active the
// longest time ago, to make room for a new one, and reports whether there
// was one: a hub full of rooms nobody is in refuses no new session. The
// caller holds h.mu.
func (h *liveHub) evictIdle() bool {
	var (
		oldest   *liveRoom
		oldestID string
	)
	for id, r := range h.rooms {
		r.mu.Lock()
		if len(r.clients) == 0 && (oldest == nil || r.lastActive.Before(oldest.lastActive)) {
			oldest, oldestID = r, id
		}
		r.mu.Unlock()
	}
	if oldest == nil {
		return false
	}
	oldest.mu.Lock()
	defer oldest.mu.Unlock()
	if len(oldest.clients) > 0 { // joined meanwhile
		return false
	}
	oldest.dead = true
	delete(h.rooms, oldestID)
	return true
}

// forgetIfBlank forgets r when nobody is in it and nothing happened in it:
// no session event, no message kept for replay. Such a room costs a place
// among maxRooms and tells a later client nothing.
func (h *liveHub) forgetIfBlank(r *liveRoom) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dead || len(r.clients) > 0 || r.status != liveWaiting || len(r.history) > 0 || r.summary != nil || len(r.techniques) > 0 {
		return
	}
	r.dead = true
	if h.rooms[r.id] == r {
		delete(h.rooms, r.id)
	}
}

// reap forgets the rooms that have had no connection and no activity for
// idleTTL.
func (h *liveHub) reap(now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for id, r := range h.rooms {
		r.mu.Lock()
		if len(r.clients) == 0 && now.Sub(r.lastActive) >= h.idleTTL {
			r.dead = true
			delete(h.rooms, id)
		}
		r.mu.Unlock()
	}
}

// join adds c to its session's room: c gets the welcome (state and
// replay), the others a participant_joined, atomically with respect to
// every other message of the room.
func (h *liveHub) join(c *liveClient, sessionID string) error {
	r, err := h.locked(sessionID, true)
	if err != nil {
		return err
	}
	defer r.mu.Unlock()
	now := h.now()
	r.clients[c] = struct{}{}
	r.roles[c.role]++
	if c.role == liveParticipant {
		r.see(c.id)
	}
	r.lastActive = now
	c.room = r

	replay := make([]json.RawMessage, 0, len(r.history))
	r.each(func(e liveEntry) {
		if !e.staffOnly || isStaff(c.role) {
			replay = append(replay, e.msg)
		}
	})
	n := len(r.clients)
	welcome, err := json.Marshal(LiveWelcome{
		Type: "welcome", SessionID: r.id, ClientID: c.id, Role: c.role, ParticipantCount: n,
		Message: "welcome to session " + r.id, Room: r.state(), Replay: replay, Timestamp: now,
	})
	if err == nil {
		c.enqueue(welcome)
	}
	joined := mustJSON(LiveMessage{Type: "participant_joined", SessionID: r.id, ClientID: c.id, Role: c.role, ParticipantCount: &n, Timestamp: now})
	for o := range r.clients {
		if o != c {
			o.enqueue(joined)
		}
	}
	return nil
}

// leave removes c from its room and tells the others.
func (h *liveHub) leave(c *liveClient) {
	r := c.room
	if r == nil {
		return
	}
	r.mu.Lock()
	empty := false
	defer func() {
		r.mu.Unlock()
		if empty {
			h.forgetIfBlank(r) // takes h.mu before r.mu, as reap does
		}
	}()
	if _, ok := r.clients[c]; !ok {
		return
	}
	delete(r.clients, c)
	empty = len(r.clients) == 0
	if r.roles[c.role]--; r.roles[c.role] <= 0 {
		delete(r.roles, c.role)
	}
	now := h.now()
	r.lastActive = now
	n := len(r.clients)
	left := mustJSON(LiveMessage{Type: "participant_left", SessionID: r.id, ClientID: c.id, Role: c.role, ParticipantCount: &n, Timestamp: now})
	for o := range r.clients {
		o.enqueue(left)
	}
}

// mustJSON marshals v, a value of this package's wire types that always
// encodes.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("server: encoding a live message: " + err.Error())
	}
	return b
}

// broadcast sends msg to the room's clients (only instructors and admins
// when staffOnly), keeps it for replay, and returns how many clients it
// was queued for. The caller holds r.mu.
func (r *liveRoom) broadcast(msg []byte, staffOnly bool, historySize int, now time.Time) int {
	r.remember(liveEntry{msg: msg, staffOnly: staffOnly}, historySize)
	r.lastActive = now
	n := 0
	for c := range r.clients {
		if !staffOnly || isStaff(c.role) {
			if c.enqueue(msg) {
				n++
			}
		}
	}
	return n
}

func (r *liveRoom) remember(e liveEntry, size int) {
	if size <= 0 {
		return
	}
	if len(r.history) < size {
		r.history = append(r.history, e)
		return
	}
	r.history[r.head] = e
	r.head = (r.head + 1) % len(r.history)
}

// each calls f on the kept messages, oldest first.
func (r *liveRoom) each(f func(liveEntry)) {
	for i := range r.history {
		f(r.history[(r.head+i)%len(r.history)])
	}
}

func (r *liveRoom) see(id string) {
	if id != "" && len(r.seen) < liveMaxSeen {
		r.seen[id] = struct{}{}
	}
}

// live reports whether the room is listed as a live session: someone is
// connected, or the platform started the session and has not ended it.
func (r *liveRoom) live() bool { return len(r.clients) > 0 || r.status == liveActive }

// state returns the room's state; the caller holds r.mu.
func (r *liveRoom) state() LiveRoomState {
	st := LiveRoomState{
		SessionID: r.id, Status: r.status, ParticipantCount: len(r.clients), Roles: r.roleCounts(),
		StartedAt: optTime(r.startedAt), EndedAt: optTime(r.endedAt), CurrentTechnique: r.technique,
		Techniques: slices.Clone(nonNil(r.techniques)),
	}
	if r.summary != nil {
		s := *r.summary
		s.Techniques = slices.Clone(s.Techniques)
		st.Summary = &s
	}
	return st
}

// roleCounts counts connections by role, every role present.
func (r *liveRoom) roleCounts() map[string]int {
	return map[string]int{
		liveParticipant: r.roles[liveParticipant], liveInstructor: r.roles[liveInstructor],
		liveAdmin: r.roles[liveAdmin], liveObserver: r.roles[liveObserver],
	}
}
