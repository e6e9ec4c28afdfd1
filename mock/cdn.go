package mock

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// cdnMaxFiles is how many URLs one purge may name, as Cloudflare allows.
const cdnMaxFiles = 30

// CDN is a fake of Cloudflare's cache purge endpoint:
//
//	POST /client/v4/zones/{zone}/purge_cache
//
// with a Bearer token and a body of {"files":["https://..."]} (at most 30
// URLs) or {"purge_everything":true}. It answers Cloudflare's envelope,
// {"success":true,"errors":[],"messages":[],"result":{"id":"..."}}, or
// {"success":false,"errors":[{"code","message"}],...} with 400 (bad
// body), 401 (bad token), 404 (unknown path) or a scripted status
// (FailNext). It records every accepted purge and logs every request.
type CDN struct {
	fake
	token string

	cmu    sync.Mutex
	n      int
	purges []Purge
}

// Purge is one purge the CDN fake accepted.
type Purge struct {
	ID         string
	Zone       string
	Files      []string
	Everything bool
}

// NewCDN returns a fake that accepts the bearer token token (any non-empty
// token when token is "") for any zone. It is not listening; use Start,
// or serve it as an http.Handler.
func NewCDN(token string) *CDN { return &CDN{token: token} }

// StartCDN returns a started CDN that tb closes at cleanup.
func StartCDN(tb testing.TB, token string) *CDN {
	tb.Helper()
	c := NewCDN(token)
	c.Start()
	tb.Cleanup(c.Close)
	return c
}

// Start serves the fake on a loopback port (once) and returns its base
// URL, in place of https://api.cloudflare.com.
func (c *CDN) Start() string { return c.start(c) }

// URL returns the base URL, or "" when not started.
func (c *CDN) URL() string { return c.url() }

// Close stops the listener, if started.
func (c *CDN) Close() { c.close() }

// FailNext makes the next count requests fail with status, sending
// Retry-After when retryAfter is positive.
func (c *CDN) FailNext(count, status int, retryAfter time.Duration) {
	c.failNext(count, status, retryAfter)
}

// Requests returns the requests received so far.
func (c *CDN) Requests() []Request { return c.requests() }

// Purges returns the accepted purges in order.
func (c *CDN) Purges() []Purge {
	c.cmu.Lock()
	defer c.cmu.Unlock()
	out := make([]Purge, len(c.purges))
	for i, p := range c.purges {
		p.Files = slices.Clone(p.Files)
		out[i] = p
	}
	return out
}

// PurgedFiles returns every URL purged by file, in order.
func (c *CDN) PurgedFiles() []string {
	var out []string
	for _, p := range c.Purges() {
		out = append(out, p.Files...)
	}
	return out
}

// ServeHTTP answers the purge endpoint.
func (c *CDN) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i, body, fl := c.begin(r)
	rec := &statusRecorder{ResponseWriter: w}
	defer func() { c.answered(i, rec.status) }()
	if fl != nil {
		setRetryAfter(rec, fl.retryAfter)
		cdnError(rec, fl.status, 10000+fl.status, "scripted failure")
		return
	}
	if tok, ok := bearer(r); !ok || (c.token != "" && tok != c.token) {
		cdnError(rec, http.StatusUnauthorized, 10000, "Authentication error")
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) != 5 || parts[0] != "client" || parts[1] != "v4" || parts[2] != "zones" || parts[4] != "purge_cache" || parts[3] == "" {
		cdnError(rec, http.StatusNotFound, 7003, "Could not route to "+r.URL.Path)
		return
	}
	if r.Method != http.MethodPost {
		cdnError(rec, http.StatusMethodNotAllowed, 10405, "Method not allowed")
		return
	}
	var req struct {
		Files           []string `json:"files"`
		PurgeEverything bool     `json:"purge_everything"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		cdnError(rec, http.StatusBadRequest, 1012, "Request must contain one of \"purge_everything\", \"files\", \"tags\", \"hosts\" or \"prefixes\"")
		return
	}
	switch {
	case req.PurgeEverything == (len(req.Files) > 0):
		cdnError(rec, http.StatusBadRequest, 1012, "Request must contain exactly one of \"purge_everything\" or \"files\"")
		return
	case len(req.Files) > cdnMaxFiles:
		cdnError(rec, http.StatusBadRequest, 1015, fmt.Sprintf("Only %d files can be purged per request", cdnMaxFiles))
		return
	}
	for _, f := range req.Files {
		if !strings.HasPrefix(f, "http://") && !strings.HasPrefix(f, "https://") {
			cdnError(rec, http.StatusBadRequest, 1016, fmt.Sprintf("Invalid url %q", f))
			return
		}
	}
	c.cmu.Lock()
	c.n++
	p := Purge{ID: fmt.Sprintf("%032x", c.n), Zone: parts[3], Files: slices.Clone(req.Files), Everything: req.PurgeEverything}
	c.purges = append(c.purges, p)
	c.cmu.Unlock()
	rec.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(rec).Encode(map[string]any{"success": true, "errors": []any{}, "messages": []any{},
		"result": map[string]string{"id": p.ID}})
}

// cdnError writes Cloudflare's error envelope.
func cdnError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"success": false, "messages": []any{}, "result": nil,
		"errors": []map[string]any{{"code": code, "message": msg}}})
}
