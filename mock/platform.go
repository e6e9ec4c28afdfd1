package mock

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
)

// platformSlugRE is the slug pattern the platform fake accepts.
var platformSlugRE = regexp.MustCompile(`^[a-z0-9-]+$`)

// Platform post statuses.
const (
	PostPublished = "published"
	PostScheduled = "scheduled"
	PostArchived  = "archived"
)

// Platform is a fake of a website platform's REST API, with a Bearer
// token:
//
//	POST /v1/posts                  create; body PlatformPostInput, header Idempotency-Key
//	PUT  /v1/posts/{id}             update; a new version of the post
//	POST /v1/posts/{id}/archive     archive
//	GET  /v1/posts?idempotency_key= posts created or updated under the key
//	GET  /v1/posts?slug=            the caller's post with the slug
//
// Posts answer as PlatformPost ({"id","url","version","status",...});
// lists as {"data":[...]}; errors as {"error":{"code","message","field"}}
// with 401 (bad or expired token), 404, 409 (the slug belongs to another
// author's post: code "slug_conflict", field "slug"), 422 (invalid field)
// or a scripted status.
//
// Writes (POST and PUT) honour the Idempotency-Key header: a write with a
// key the fake already applied changes nothing, answers the first result
// and is counted by Duplicates. Writes fail on cue: FailNext (a status,
// with Retry-After), FailNextMalformed (200 with truncated JSON),
// FailNextHTML (502 with an HTML page), AcceptThenTimeout (the write is
// applied, then the answer stalls until the client gives up), a random
// failure rate (503), ExpireToken (401 "token_expired" on every request)
// and latency. Markers in a post's title trigger the same scenarios for
// demos: the word "error" answers 500, "timeout" accepts then stalls, and
// "slow" delays the answer by the slow delay. Reads are never failed by
// scripted failures. Every request is logged.
type Platform struct {
	fake
	token  string
	author string
	stop   chan struct{}
	once   sync.Once

	pmu       sync.Mutex // guards everything below
	siteURL   string
	n         int
	posts     map[string]*PlatformPost
	order     []string
	byKey     map[string]PlatformPost // the result first answered under a key
	dups      int
	queue     []platformFailure
	failRate  float64
	rng       *rand.Rand
	latency   time.Duration
	slowDelay time.Duration
	maxStall  time.Duration
	expired   bool
}

// PlatformPostInput is the body of a create or update.
type PlatformPostInput struct {
	Title          string   `json:"title"`
	Slug           string   `json:"slug"`
	HTML           string   `json:"html"`
	Excerpt        string   `json:"excerpt"`
	Tags           []string `json:"tags"`
	SEOTitle       string   `json:"seo_title"`
	SEODescription string   `json:"seo_description"`
	SchemaMarkup   string   `json:"schema_markup"`
	Status         string   `json:"status"`               // published or scheduled
	PublishAt      string   `json:"publish_at,omitempty"` // RFC 3339; required when scheduled
}

// PlatformPost is a post as the fake stores and answers it.
type PlatformPost struct {
	PlatformPostInput
	ID             string    `json:"id"`
	URL            string    `json:"url"`
	Version        int       `json:"version"`
	Author         string    `json:"author"`
	IdempotencyKey string    `json:"idempotency_key,omitempty"` // of the latest write
	Keys           []string  `json:"-"`                         // every key applied
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// platformFailure is a scripted failure of a write.
type platformFailure struct {
	kind       string // "status", "malformed", "html", "stall"
	status     int
	retryAfter time.Duration
}

// NewPlatform returns a fake that accepts the bearer token token (any
// non-empty token when token is ""), whose posts are written by the
// author "halcytone" and served under https://www.example.com/blog/. It
// is not listening; use Start, or serve it as an http.Handler.
func NewPlatform(token string) *Platform {
	return &Platform{
		token: token, author: "halcytone", stop: make(chan struct{}),
		siteURL: "https://www.example.com/blog/", posts: map[string]*PlatformPost{},
		byKey: map[string]PlatformPost{}, rng: rand.New(rand.NewPCG(1, 2)),
		slowDelay: 2 * time.Second, maxStall: time.Minute,
	}
}

// StartPlatform returns a started Platform that tb closes at cleanup.
func StartPlatform(tb testing.TB, token string) *Platform {
	tb.Helper()
	p := NewPlatform(token)
	p.Start()
	tb.Cleanup(p.Close)
	return p
}

// Start serves the fake on a loopback port (once) and returns its base
// URL.
func (p *Platform) Start() string { return p.start(p) }

// URL returns the base URL, or "" when not started.
func (p *Platform) URL() string { return p.url() }

// Close releases stalled requests and stops the listener, if started.
func (p *Platform) Close() {
	p.once.Do(func() { close(p.stop) })
	p.close()
}

// Requests returns the requests received so far.
func (p *Platform) Requests() []Request { return p.requests() }

// SetSiteURL sets the root that post URLs are made from (the slug is
// appended).
func (p *Platform) SetSiteURL(root string) {
	p.pmu.Lock()
	defer p.pmu.Unlock()
	p.siteURL = root
}

// FailNext makes the next count writes fail with status (such as 429, 500
// or 401), sending Retry-After when retryAfter is positive. Nothing is
// recorded.
func (p *Platform) FailNext(count, status int, retryAfter time.Duration) {
	p.script(count, platformFailure{kind: "status", status: status, retryAfter: retryAfter})
}

// FailNextMalformed makes the next count writes answer 200 with a
// truncated JSON body. Nothing is recorded.
func (p *Platform) FailNextMalformed(count int) { p.script(count, platformFailure{kind: "malformed"}) }

// FailNextHTML makes the next count writes answer 502 with an HTML error
// page, as a proxy would. Nothing is recorded.
func (p *Platform) FailNextHTML(count int) { p.script(count, platformFailure{kind: "html"}) }

// AcceptThenTimeout makes the next count writes take effect, then stall
// without answering until the client gives up, the fake is closed or the
// maximum stall (one minute) passes.
func (p *Platform) AcceptThenTimeout(count int) { p.script(count, platformFailure{kind: "stall"}) }

func (p *Platform) script(count int, f platformFailure) {
	p.pmu.Lock()
	defer p.pmu.Unlock()
	for range count {
		p.queue = append(p.queue, f)
	}
}

// SetFailureRate makes each write fail with 503 with probability rate
// (0 to 1), from a generator seeded with seed.
func (p *Platform) SetFailureRate(rate float64, seed uint64) {
	p.pmu.Lock()
	defer p.pmu.Unlock()
	p.failRate = rate
	p.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// SetLatency delays every answer by d (0 for none).
func (p *Platform) SetLatency(d time.Duration) {
	p.pmu.Lock()
	defer p.pmu.Unlock()
	p.latency = d
}

// SetSlowDelay sets how long the "slow" title marker delays an answer
// (two seconds by default).
func (p *Platform) SetSlowDelay(d time.Duration) {
	p.pmu.Lock()
	defer p.pmu.Unlock()
	p.slowDelay = d
}

// ExpireToken makes every request fail with 401 "token_expired" until
// RenewToken.
func (p *Platform) ExpireToken() { p.setExpired(true) }

// RenewToken undoes ExpireToken.
func (p *Platform) RenewToken() { p.setExpired(false) }

func (p *Platform) setExpired(v bool) {
	p.pmu.Lock()
	defer p.pmu.Unlock()
	p.expired = v
}

// SeedPost stores a published post of another author, such as one whose
// slug a client's post will conflict with, and returns its ID.
func (p *Platform) SeedPost(author string, in PlatformPostInput) string {
	p.pmu.Lock()
	defer p.pmu.Unlock()
	if in.Status == "" {
		in.Status = PostPublished
	}
	return p.create(author, "", in).ID
}

// Posts returns how many posts exist (seeded ones included).
func (p *Platform) Posts() int {
	p.pmu.Lock()
	defer p.pmu.Unlock()
	return len(p.posts)
}

// Post returns a copy of the post with the ID.
func (p *Platform) Post(id string) (PlatformPost, bool) {
	p.pmu.Lock()
	defer p.pmu.Unlock()
	post, ok := p.posts[id]
	if !ok {
		return PlatformPost{}, false
	}
	cp := *post
	cp.Tags, cp.Keys = slices.Clone(post.Tags), slices.Clone(post.Keys)
	return cp, true
}

// All returns copies of every post in creation order.
func (p *Platform) All() []PlatformPost {
	p.pmu.Lock()
	ids := slices.Clone(p.order)
	p.pmu.Unlock()
	out := make([]PlatformPost, 0, len(ids))
	for _, id := range ids {
		if post, ok := p.Post(id); ok {
			out = append(out, post)
		}
	}
	return out
}

// Duplicates returns how many writes carried an idempotency key the fake
// had already applied.
func (p *Platform) Duplicates() int {
	p.pmu.Lock()
	defer p.pmu.Unlock()
	return p.dups
}

// ServeHTTP answers the API.
func (p *Platform) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i, body, _ := p.begin(r)
	rec := &statusRecorder{ResponseWriter: w}
	defer func() { p.answered(i, rec.status) }()

	p.pmu.Lock()
	expired, latency := p.expired, p.latency
	p.pmu.Unlock()
	if !p.wait(r, latency) {
		return
	}
	tok, ok := bearer(r)
	switch {
	case expired:
		rec.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="The access token expired"`)
		platformError(rec, http.StatusUnauthorized, "token_expired", "the access token expired", "")
		return
	case !ok || (p.token != "" && tok != p.token):
		rec.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		platformError(rec, http.StatusUnauthorized, "unauthorized", "the access token is invalid", "")
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) < 2 || parts[0] != "v1" || parts[1] != "posts" {
		platformError(rec, http.StatusNotFound, "not_found", "no such endpoint", "")
		return
	}
	switch {
	case len(parts) == 2 && r.Method == http.MethodGet:
		p.list(rec, r.URL.Query())
	case len(parts) == 2 && r.Method == http.MethodPost:
		p.stall(w, r, p.write(rec, r, "", body))
	case len(parts) == 3 && r.Method == http.MethodPut:
		p.stall(w, r, p.write(rec, r, parts[2], body))
	case len(parts) == 4 && parts[3] == "archive" && r.Method == http.MethodPost:
		p.stall(w, r, p.write(rec, r, parts[2], nil))
	default:
		platformError(rec, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed", "")
	}
}

// stall, when on, holds the request unanswered until the client gives up,
// the fake is closed or the maximum stall passes, then drops the
// connection without an answer.
func (p *Platform) stall(w http.ResponseWriter, r *http.Request, on bool) {
	if !on {
		return
	}
	p.pmu.Lock()
	maxStall := p.maxStall
	p.pmu.Unlock()
	p.wait(r, maxStall)
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
	}
}

// wait sleeps d, or less when the request or the fake ends first; it
// reports whether the request should still be answered.
func (p *Platform) wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-p.stop:
		return false
	}
}

// list answers GET /v1/posts by idempotency key or slug.
func (p *Platform) list(w http.ResponseWriter, q url.Values) {
	key, slug := q.Get("idempotency_key"), q.Get("slug")
	if key == "" && slug == "" {
		platformError(w, http.StatusBadRequest, "missing_filter", "idempotency_key or slug is required", "idempotency_key")
		return
	}
	p.pmu.Lock()
	data := []PlatformPost{}
	for _, id := range p.order {
		post := p.posts[id]
		if post.Author != p.author {
			continue
		}
		if (key == "" || slices.Contains(post.Keys, key)) && (slug == "" || post.Slug == slug) {
			data = append(data, *post)
		}
	}
	p.pmu.Unlock()
	platformJSON(w, http.StatusOK, map[string]any{"data": data})
}

// write applies a create (id ""), an update (body non-nil) or an archive.
// It reports whether the write was applied and must now stall unanswered.
func (p *Platform) write(w http.ResponseWriter, r *http.Request, id string, body []byte) (stall bool) {
	archive := id != "" && body == nil
	var in PlatformPostInput
	if !archive {
		if err := json.Unmarshal(body, &in); err != nil {
			platformError(w, http.StatusBadRequest, "invalid_json", "the body is not valid JSON: "+err.Error(), "")
			return false
		}
	}
	// Scripted failures, the failure rate and the title markers.
	p.pmu.Lock()
	var fl *platformFailure
	if len(p.queue) > 0 {
		first := p.queue[0]
		fl = &first
		p.queue = p.queue[1:]
	} else if p.failRate > 0 && p.rng.Float64() < p.failRate {
		fl = &platformFailure{kind: "status", status: http.StatusServiceUnavailable}
	}
	slow := p.slowDelay
	p.pmu.Unlock()
	if fl == nil {
		switch {
		case platformHasWord(in.Title, "error"):
			fl = &platformFailure{kind: "status", status: http.StatusInternalServerError}
		case platformHasWord(in.Title, "timeout"):
			fl = &platformFailure{kind: "stall"}
		case platformHasWord(in.Title, "slow"):
			if !p.wait(r, slow) {
				return false
			}
		}
	}
	if fl != nil {
		switch fl.kind {
		case "status":
			setRetryAfter(w, fl.retryAfter)
			code := "server_error"
			switch fl.status {
			case http.StatusTooManyRequests:
				code = "rate_limited"
			case http.StatusUnauthorized:
				code = "token_expired"
			case http.StatusServiceUnavailable:
				code = "unavailable"
			}
			platformError(w, fl.status, code, "scripted failure", "")
			return false
		case "malformed":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte(`{"id":"post_`))
			return false
		case "html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte("<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>\n"))
			return false
		}
	}
	key := r.Header.Get("Idempotency-Key")
	status, post, errCode, field, msg := p.apply(id, key, in, archive)
	if errCode != "" {
		platformError(w, status, errCode, msg, field)
		return false
	}
	if fl != nil && fl.kind == "stall" {
		return true
	}
	platformJSON(w, status, post)
	return false
}

// apply performs a write under the lock and returns the status and post,
// or an error code, field and message.
func (p *Platform) apply(id, key string, in PlatformPostInput, archive bool) (int, PlatformPost, string, string, string) {
	p.pmu.Lock()
	defer p.pmu.Unlock()
	if key != "" {
		if first, ok := p.byKey[key]; ok {
			p.dups++
			return http.StatusOK, first, "", "", ""
		}
	}
	var post *PlatformPost
	if id != "" {
		var ok bool
		if post, ok = p.posts[id]; !ok || post.Author != p.author {
			return http.StatusNotFound, PlatformPost{}, "not_found", "", fmt.Sprintf("no post %q", id)
		}
	}
	status := http.StatusOK
	switch {
	case archive:
		post.Status = PostArchived
		post.Version++
		post.UpdatedAt = time.Now().UTC()
	default:
		if code, field, msg := p.check(in, id); code != "" {
			st := http.StatusUnprocessableEntity
			if code == "slug_conflict" {
				st = http.StatusConflict
			}
			return st, PlatformPost{}, code, field, msg
		}
		if post == nil {
			post = p.create(p.author, key, in)
			status = http.StatusCreated
		} else {
			post.PlatformPostInput = in
			post.Tags = slices.Clone(in.Tags)
			post.URL = p.siteURL + in.Slug
			post.Version++
			post.UpdatedAt = time.Now().UTC()
		}
	}
	if key != "" {
		post.IdempotencyKey = key
		if !slices.Contains(post.Keys, key) {
			post.Keys = append(post.Keys, key)
		}
		p.byKey[key] = *post
	}
	return status, *post, "", "", ""
}

// check validates a create or update of post id; callers hold pmu.
func (p *Platform) check(in PlatformPostInput, id string) (code, field, msg string) {
	switch {
	case strings.TrimSpace(in.Title) == "":
		return "invalid_field", "title", "title is required"
	case !platformSlugRE.MatchString(in.Slug) || len(in.Slug) > 100:
		return "invalid_field", "slug", "slug must match ^[a-z0-9-]+$ and be at most 100 characters"
	case strings.TrimSpace(in.HTML) == "":
		return "invalid_field", "html", "html is required"
	}
	switch in.Status {
	case PostPublished:
	case PostScheduled:
		at, err := time.Parse(time.RFC3339, in.PublishAt)
		if err != nil {
			return "invalid_field", "publish_at", "publish_at must be an RFC 3339 time when status is scheduled"
		}
		if !at.After(time.Now()) {
			return "invalid_field", "publish_at", "publish_at must be in the future"
		}
	default:
		return "invalid_field", "status", "status must be published or scheduled"
	}
	for _, other := range p.posts {
		if other.Slug == in.Slug && other.ID != id && other.Status != PostArchived {
			return "slug_conflict", "slug", fmt.Sprintf("slug %q is used by post %s", in.Slug, other.ID)
		}
	}
	return "", "", ""
}

// create stores a new post; callers hold pmu.
func (p *Platform) create(author, key string, in PlatformPostInput) *PlatformPost {
	p.n++
	now := time.Now().UTC()
	post := &PlatformPost{PlatformPostInput: in, ID: fmt.Sprintf("post_%06d", p.n),
		URL: p.siteURL + in.Slug, Version: 1, Author: author, CreatedAt: now, UpdatedAt: now}
	post.Tags = slices.Clone(in.Tags)
	if key != "" {
		post.IdempotencyKey, post.Keys = key, []string{key}
	}
	p.posts[post.ID] = post
	p.order = append(p.order, post.ID)
	return post
}

// platformHasWord reports whether s holds word as a whole word, ignoring case.
func platformHasWord(s, word string) bool {
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if strings.EqualFold(f, word) {
			return true
		}
	}
	return false
}

// platformError writes {"error":{"code","message","field"}}.
func platformError(w http.ResponseWriter, status int, code, msg, field string) {
	e := map[string]string{"code": code, "message": msg}
	if field != "" {
		e["field"] = field
	}
	platformJSON(w, status, map[string]any{"error": e})
}

// platformJSON writes v as JSON with status.
func platformJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
