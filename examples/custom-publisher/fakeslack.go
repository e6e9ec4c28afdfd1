package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// The fake's fixed credentials and names.
const (
	fakeWebhookPath = "/services/T0HALCYTONE/B0HALCYTONE/"
	fakeSecret      = "fake-webhook-secret"
	fakeToken       = "xoxb-fake-history-token"
	fakeChannel     = "C0HALCYTONE"
)

// failure is an error the fake Slack answers on cue. The names are those
// of publishtest.FailureKind, so the conformance test adapts them 1:1.
type failure string

// The failures of the fake Slack; none of them posts a message, except
// failAcceptThenTimeout.
const (
	failServerError       failure = "server_error"        // 500 "rollup_error"
	failRateLimit         failure = "rate_limit"          // 429 "rate_limited" with Retry-After
	failRevoked           failure = "expired_token"       // 403 "invalid_token": the webhook was revoked
	failAcceptThenTimeout failure = "accept_then_timeout" // posts, then never answers
	failGarbled           failure = "malformed_json"      // 200 with a garbled answer
	failHTMLError         failure = "html_error_page"     // 502 HTML page of a proxy
)

// fakeMessage is a message in the fake's channel, as conversations.history
// returns it.
type fakeMessage struct {
	Type     string         `json:"type"`
	TS       string         `json:"ts"`
	Text     string         `json:"text"`
	Metadata *slackMetadata `json:"metadata,omitempty"`
}

// fakeSlack is a Slack-style service on a loopback port, for the example
// and its tests:
//
//	POST /services/T0HALCYTONE/B0HALCYTONE/<secret>  {"text", "metadata"}
//	     → 200 "ok" (text/plain); a wrong secret → 404 "no_service",
//	       bad JSON → 400 "invalid_payload", no text → 400 "no_text",
//	       more than SlackMaxText characters → 400 "msg_too_long"
//	GET  /api/conversations.history?channel=C&limit=N&include_all_metadata=true
//	     with "Authorization: Bearer <token>"
//	     → {"ok": true, "messages": [...]}, newest first; Web API errors
//	       as {"ok": false, "error": "invalid_auth"}
//
// Like Slack's webhooks it posts every message it is sent, duplicates
// included (counted by duplicates). It fails on cue (failNext). It is
// safe for concurrent use.
type fakeSlack struct {
	mu         sync.Mutex
	messages   []fakeMessage // oldest first
	keys       map[string]bool
	duplicates int
	next       []failure
	srv        *httptest.Server
	closing    chan struct{}
	closeOnce  sync.Once
}

// startFakeSlack starts a fake Slack on a loopback port; Close stops it.
func startFakeSlack() *fakeSlack {
	f := &fakeSlack{keys: map[string]bool{}, closing: make(chan struct{})}
	f.srv = httptest.NewServer(f)
	return f
}

// webhookURL is the fake's incoming webhook.
func (f *fakeSlack) webhookURL() string { return f.srv.URL + fakeWebhookPath + fakeSecret }

// apiURL is the fake's Web API root.
func (f *fakeSlack) apiURL() string { return f.srv.URL + "/api" }

// Close releases stalled requests and stops the server.
func (f *fakeSlack) Close() {
	f.closeOnce.Do(func() {
		close(f.closing)
		f.srv.Close()
	})
}

// Posts returns how many messages the channel holds.
func (f *fakeSlack) Posts() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.messages)
}

// Duplicates returns how many messages repeated an idempotency key
// already in the channel.
func (f *fakeSlack) Duplicates() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.duplicates
}

// Messages returns the channel's messages, oldest first.
func (f *fakeSlack) Messages() []fakeMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.messages)
}

// failNext makes the next n webhook posts fail as k.
func (f *fakeSlack) failNext(k failure, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.next = append(f.next, k)
	}
}

// ServeHTTP answers the webhook and conversations.history.
func (f *fakeSlack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, fakeWebhookPath):
		f.webhook(w, r)
	case r.Method == http.MethodGet && r.URL.Path == "/api/conversations.history":
		f.history(w, r)
	default:
		text(w, http.StatusNotFound, "no_service")
	}
}

func (f *fakeSlack) webhook(w http.ResponseWriter, r *http.Request) {
	if strings.TrimPrefix(r.URL.Path, fakeWebhookPath) != fakeSecret {
		text(w, http.StatusNotFound, "no_service")
		return
	}
	var m fakeMessage
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || json.Unmarshal(body, &m) != nil {
		text(w, http.StatusBadRequest, "invalid_payload")
		return
	}
	switch {
	case strings.TrimSpace(m.Text) == "":
		text(w, http.StatusBadRequest, "no_text")
		return
	case utf8.RuneCountInString(m.Text) > SlackMaxText:
		text(w, http.StatusBadRequest, "msg_too_long")
		return
	}

	f.mu.Lock()
	var k failure
	if len(f.next) > 0 {
		k, f.next = f.next[0], f.next[1:]
	}
	if k == "" || k == failAcceptThenTimeout {
		f.postLocked(m)
	}
	f.mu.Unlock()

	switch k {
	case "":
		text(w, http.StatusOK, "ok")
	case failServerError:
		text(w, http.StatusInternalServerError, "rollup_error")
	case failRateLimit:
		w.Header().Set("Retry-After", "2")
		text(w, http.StatusTooManyRequests, "rate_limited")
	case failRevoked:
		text(w, http.StatusForbidden, "invalid_token")
	case failAcceptThenTimeout:
		select {
		case <-r.Context().Done():
		case <-f.closing:
		}
	case failGarbled:
		text(w, http.StatusOK, `{"o`)
	case failHTMLError:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1></body></html>")
	}
}

// postLocked adds m to the channel; f.mu is held.
func (f *fakeSlack) postLocked(m fakeMessage) {
	now := time.Now()
	m.Type = "message"
	m.TS = fmt.Sprintf("%d.%06d", now.Unix(), len(f.messages)+1)
	if m.Metadata != nil {
		key := m.Metadata.EventPayload["idempotency_key"]
		if f.keys[key] {
			f.duplicates++
		}
		f.keys[key] = true
	}
	f.messages = append(f.messages, m)
}

func (f *fakeSlack) history(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case r.Header.Get("Authorization") != "Bearer "+fakeToken:
		apiJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	case q.Get("channel") != fakeChannel:
		apiJSON(w, map[string]any{"ok": false, "error": "channel_not_found"})
		return
	}
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit <= 0 {
		limit = 100
	}
	limit = min(limit, 999)
	withMeta := q.Get("include_all_metadata") == "true"

	f.mu.Lock()
	out := make([]fakeMessage, 0, min(limit, len(f.messages)))
	for i := len(f.messages) - 1; i >= 0 && len(out) < limit; i-- {
		m := f.messages[i]
		if !withMeta {
			m.Metadata = nil
		}
		out = append(out, m)
	}
	f.mu.Unlock()
	apiJSON(w, map[string]any{"ok": true, "messages": out, "has_more": false})
}

func text(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func apiJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}
