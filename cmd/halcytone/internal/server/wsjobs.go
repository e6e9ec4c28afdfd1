package server

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/store"
)

// Limits of the job stream.
const (
	// jobStreamReadLimit bounds one client message (subscribe, unsubscribe).
	jobStreamReadLimit = 4 << 10
	// jobStreamMaxSubs bounds the job ids one client may subscribe to.
	jobStreamMaxSubs = 1000
	// jobStreamMaxClients bounds the connections of the stream.
	jobStreamMaxClients = 50000
	// maxJobIDLength bounds a job id in a subscription.
	maxJobIDLength = 128
)

// JobEventMessage is one message of WS /ws/jobs: a job event. The job
// carries no content and no metadata (the stream is public): ids,
// statuses, channels, times and per-channel results.
type JobEventMessage struct {
	Type      string    `json:"type"` // job_created, job_update, job_status_change, job_completed, job_failed
	Job       SyncJob   `json:"job"`
	Timestamp time.Time `json:"timestamp"`
}

// jobStreamReply answers a client message of /ws/jobs: subscribed,
// unsubscribed, pong or error.
type jobStreamReply struct {
	Type      string    `json:"type"`
	JobID     string    `json:"job_id,omitempty"`
	Message   string    `json:"message,omitempty"`
	Timestamp time.Time `json:"timestamp"`
}

// jobHub fans the engine's job events out to the clients of /ws/jobs.
// Each event is marshalled once; each client has a bounded queue and its
// own writer, and a client whose queue is full is disconnected, so that no
// client can stall the hub or the others.
type jobHub struct {
	s     *Server
	group *wsGroup
	gauge prometheus.Gauge

	// Knobs, read under mu when a client connects (tests shrink them).
	sendBuffer int
	pingEvery  time.Duration
	maxClients int

	mu      sync.RWMutex
	clients map[*jobClient]struct{}
}

// jobClient is one connection of /ws/jobs.
type jobClient struct {
	*wsConn
	// subs are the job ids the client subscribed to, replaced (never
	// modified) by the client's reader; nil or empty means every job.
	subs atomic.Pointer[map[string]struct{}]
}

// wants reports whether the client receives events of job id.
func (c *jobClient) wants(id string) bool {
	subs := c.subs.Load()
	if subs == nil || len(*subs) == 0 {
		return true
	}
	_, ok := (*subs)[id]
	return ok
}

func (s *Server) registerJobEvents() {
	h := &jobHub{
		s: s, group: newWSGroup(), gauge: s.cfg.Metrics.WebSocketConnections.WithLabelValues("jobs"),
		sendBuffer: wsSendBuffer, pingEvery: wsPingEvery, maxClients: jobStreamMaxClients,
		clients: map[*jobClient]struct{}{},
	}
	s.jobs = h
	s.mux.Handle("GET /ws/jobs", h)
}

// jobEvents returns the hub of /ws/jobs.
func (s *Server) jobEvents() *jobHub { return s.jobs }

// startJobEvents feeds the hub from the engine's events until ctx ends or
// the returned function is called; then every connection is closed
// (going away) and the function waits for their handlers.
func (s *Server) startJobEvents(ctx context.Context) func() {
	h := s.jobEvents()
	if h == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.run(ctx)
		h.group.shutdown()
	}()
	return func() {
		cancel()
		<-done
		h.group.wait()
	}
}

// run subscribes to the engine and publishes its job events until ctx
// ends. The engine drops a subscriber that falls behind by closing its
// channel; run then subscribes again.
func (h *jobHub) run(ctx context.Context) {
	for ctx.Err() == nil {
		for ev := range h.s.engine.Subscribe(ctx) {
			h.publish(ev)
		}
		if ctx.Err() == nil {
			h.s.log.Warn("job event stream: dropped by the engine (too slow); subscribing again, some events were lost")
		}
	}
}

func isJobEvent(typ string) bool {
	switch typ {
	case halcytone.EventJobCreated, halcytone.EventJobUpdate, halcytone.EventJobStatusChange,
		halcytone.EventJobCompleted, halcytone.EventJobFailed:
		return true
	}
	return false
}

// publicJob is j as the public stream carries it (API.md: "only job ids,
// statuses, channels and times (no content)", in the shape of a SyncJob):
// without metadata (anything the caller put there), error texts (a
// platform's answer may quote the content), correlation id, and the
// results' content ids and URLs. The full job is one keyed GET away.
func publicJob(j SyncJob) SyncJob {
	j.Metadata, j.Errors, j.CorrelationID = nil, nil, ""
	if len(j.Results) > 0 {
		rs := make(map[string]store.ChannelResult, len(j.Results))
		for ch, r := range j.Results {
			rs[ch] = store.ChannelResult{Status: r.Status, Sent: r.Sent, Timestamp: r.Timestamp}
		}
		j.Results = rs
	}
	return j
}

// publish sends a job event to every client that wants it.
func (h *jobHub) publish(ev halcytone.Event) {
	if ev.Job == nil || !isJobEvent(ev.Type) {
		return
	}
	job := publicJob(syncJobOf(ev.Job))
	at := ev.At
	if at.IsZero() {
		at = h.s.now()
	}
	msg, err := json.Marshal(JobEventMessage{Type: ev.Type, Job: job, Timestamp: at.UTC()})
	if err != nil {
		h.s.log.Error("job event stream: encoding failed", "job_id", job.JobID, "err", err)
		return
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.clients {
		if c.wants(job.JobID) {
			c.enqueue(msg)
		}
	}
}

// ServeHTTP serves one client of /ws/jobs until it leaves or is dropped.
func (h *jobHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.RLock()
	n, maxClients, buffer, ping := len(h.clients), h.maxClients, h.sendBuffer, h.pingEvery
	h.mu.RUnlock()
	if n >= maxClients {
		w.Header().Set("Retry-After", "30")
		h.s.writeProblem(w, r, http.StatusServiceUnavailable, "too many connections to the job stream")
		return
	}
	conn, ok := h.s.accept(h.group, w, r, jobStreamReadLimit)
	if !ok {
		return
	}
	defer h.group.leave()
	c := &jobClient{wsConn: newWSConn(h.group.ctx, conn, buffer)}
	h.mu.Lock()
	h.clients[c] = struct{}{}
	h.mu.Unlock()
	h.gauge.Inc()
	defer func() {
		h.mu.Lock()
		delete(h.clients, c)
		h.mu.Unlock()
		h.gauge.Dec()
	}()
	c.run(ping, func(data []byte) { h.handle(c, data) })
}

// count returns the number of connected clients.
func (h *jobHub) count() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.clients)
}

// handle acts on one client message: {"type":"subscribe"|"unsubscribe",
// "job_id"} (unsubscribe without job_id drops every subscription), or
// {"type":"ping"}. A subscription is confirmed ("subscribed",
// "unsubscribed") only when the message asks with "ack": true: the
// dashboard's stream (API.md) carries the five job event types and
// nothing else unless a client asks.
func (h *jobHub) handle(c *jobClient, data []byte) {
	var m struct {
		Type  string `json:"type"`
		JobID string `json:"job_id"`
		Ack   bool   `json:"ack"`
	}
	reply := func(r jobStreamReply) {
		r.Timestamp = h.s.now().UTC()
		if b, err := json.Marshal(r); err == nil {
			c.enqueue(b)
		}
	}
	if err := json.Unmarshal(data, &m); err != nil {
		reply(jobStreamReply{Type: "error", Message: "invalid JSON: " + err.Error()})
		return
	}
	if len(m.JobID) > maxJobIDLength {
		reply(jobStreamReply{Type: "error", Message: "job_id is too long"})
		return
	}
	old := map[string]struct{}{}
	if p := c.subs.Load(); p != nil {
		old = *p
	}
	switch m.Type {
	case "subscribe":
		if m.JobID == "" {
			reply(jobStreamReply{Type: "error", Message: "subscribe needs a job_id"})
			return
		}
		if _, ok := old[m.JobID]; !ok && len(old) >= jobStreamMaxSubs {
			reply(jobStreamReply{Type: "error", JobID: m.JobID, Message: "too many subscriptions"})
			return
		}
		next := make(map[string]struct{}, len(old)+1)
		for id := range old {
			next[id] = struct{}{}
		}
		next[m.JobID] = struct{}{}
		c.subs.Store(&next)
		if m.Ack {
			reply(jobStreamReply{Type: "subscribed", JobID: m.JobID})
		}
	case "unsubscribe":
		next := map[string]struct{}{}
		if m.JobID != "" {
			for id := range old {
				if id != m.JobID {
					next[id] = struct{}{}
				}
			}
		}
		c.subs.Store(&next)
		if m.Ack {
			reply(jobStreamReply{Type: "unsubscribed", JobID: m.JobID})
		}
	case "ping":
		reply(jobStreamReply{Type: "pong"})
	default:
		reply(jobStreamReply{Type: "error", Message: "unknown message type " + quoteShort(m.Type) + ": want subscribe, unsubscribe or ping"})
	}
}

// quoteShort quotes s, cut to 64 bytes, for an error message.
func quoteShort(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	b, _ := json.Marshal(s)
	return string(b)
}
