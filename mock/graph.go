package mock

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// GraphPost is a Facebook Page post or an Instagram media held by the
// Graph fake.
type GraphPost struct {
	ID       string
	Node     string // the Page or Instagram user it was posted to
	Edge     string // "feed" (Facebook) or "media" (Instagram)
	Text     string // message or caption
	Link     string // Facebook link
	ImageURL string // Instagram image_url
	Key      string // the Idempotency-Key it was posted with
	At       time.Time
}

// graphContainer is an Instagram media container.
type graphContainer struct {
	id, node, caption, imageURL string
	published                   bool
}

// Graph is a fake of Meta's Graph API for Facebook Pages and Instagram:
// POST /{page-id}/feed (message, link, access_token → {"id"}), GET
// /{page-id}/feed, POST /{ig-user-id}/media (image_url, caption →
// {"id"} of a container), POST /{ig-user-id}/media_publish (creation_id
// → {"id"}) and GET /{ig-user-id}/media, with or without a version
// prefix such as /v21.0, in the real shapes. Tokens come as access_token
// (form or query) or a bearer header. Errors use Graph's shape,
// {"error":{"message","type","code","error_subcode","fbtrace_id"}}: an
// expired token is code 190, a rate limit code 4 (with Retry-After), a
// bad parameter code 100.
//
// It honours Idempotency-Key on feed and media_publish posts (counted in
// Duplicates; containers are not posts and their keys are only
// replayed), and fails on cue like X. Scripted failures (FailNext,
// TimeoutNext, MalformedNext, HTMLNext, PassNext) apply to the requests
// that publish: POST feed and POST media_publish. The failure rate
// applies to every POST; latency and ExpireToken to every request;
// markers ("error", "timeout", "slow") to messages and captions.
type Graph struct {
	fake
	*socialFaults
	*socialState
	token string
	now   func() time.Time

	cmu        sync.Mutex // guards containers
	nc         int
	containers map[string]*graphContainer
	ckeys      map[string]string // Idempotency-Key → container id
}

// NewGraph returns a Graph fake that accepts the access token token, or
// any non-empty token when token is "". It is not listening; use Start,
// or serve it as an http.Handler.
func NewGraph(token string) *Graph {
	return &Graph{socialFaults: newSocialFaults(), socialState: &socialState{}, token: token, now: time.Now,
		containers: map[string]*graphContainer{}, ckeys: map[string]string{}}
}

// StartGraph returns a started Graph fake that tb closes at cleanup.
func StartGraph(tb testing.TB, token string) *Graph {
	tb.Helper()
	g := NewGraph(token)
	g.Start()
	tb.Cleanup(g.Close)
	return g
}

// Start serves the fake on a loopback port (once) and returns its base
// URL, the Endpoint of a social.Facebook or social.Instagram.
func (g *Graph) Start() string { return g.start(g) }

// URL returns the base URL, or "" when not started.
func (g *Graph) URL() string { return g.url() }

// Close releases stalled requests and stops the listener.
func (g *Graph) Close() { g.shutdown(); g.close() }

// Requests returns the requests received so far.
func (g *Graph) Requests() []Request { return g.requests() }

// GraphPosts returns the posts and published media, oldest first.
func (g *Graph) GraphPosts() []GraphPost {
	ps := g.list()
	out := make([]GraphPost, len(ps))
	for i, p := range ps {
		out[len(ps)-1-i] = GraphPost{ID: p.ID, Node: p.Extra["node"], Edge: p.Extra["edge"], Text: p.Text,
			Link: p.Extra["link"], ImageURL: p.Extra["image_url"], Key: p.Key, At: p.At}
	}
	return out
}

// Containers returns how many Instagram media containers were made.
func (g *Graph) Containers() int {
	g.cmu.Lock()
	defer g.cmu.Unlock()
	return len(g.containers)
}

var graphPathRE = regexp.MustCompile(`^(?:/v\d+\.\d+)?/([A-Za-z0-9_]+)/(feed|media|media_publish)$`)

// ServeHTTP answers one request.
func (g *Graph) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i, body, _ := g.begin(r)
	rec := &statusRecorder{ResponseWriter: w}
	defer func() { g.answered(i, rec.status) }()
	latency, _, expired := g.settings()
	g.wait(r.Context(), latency)
	form, _ := url.ParseQuery(string(body))
	if r.Method != http.MethodPost {
		form = r.URL.Query()
	}
	tok := form.Get("access_token")
	if tok == "" {
		tok, _ = bearer(r)
	}
	if tok == "" || (g.token != "" && tok != g.token) {
		graphError(rec, http.StatusBadRequest, 190, 0, "OAuthException", "Invalid OAuth access token - Cannot parse access token")
		return
	}
	if expired {
		graphError(rec, http.StatusBadRequest, 190, 463, "OAuthException", "Error validating access token: Session has expired")
		return
	}
	m := graphPathRE.FindStringSubmatch(r.URL.Path)
	if m == nil {
		graphError(rec, http.StatusBadRequest, 100, 33, "GraphMethodException", "Unsupported request: "+r.Method+" "+r.URL.Path)
		return
	}
	node, edge := m[1], m[2]
	switch {
	case r.Method == http.MethodPost && edge == "feed":
		g.feed(rec, r, node, form)
	case r.Method == http.MethodPost && edge == "media":
		g.container(rec, r, node, form)
	case r.Method == http.MethodPost && edge == "media_publish":
		g.publishMedia(rec, r, node, form)
	case r.Method == http.MethodGet && (edge == "feed" || edge == "media"):
		g.listEdge(rec, node, edge, form)
	default:
		graphError(rec, http.StatusBadRequest, 100, 33, "GraphMethodException", "Unsupported request: "+r.Method+" "+r.URL.Path)
	}
}

// publishing returns the socialCreate of a post that publishes.
func (g *Graph) publishing(p socialPost) socialCreate {
	return socialCreate{
		post: p,
		id: func(n int) string {
			if p.Extra["edge"] == "feed" {
				return p.Extra["node"] + "_" + strconv.Itoa(100000+n)
			}
			return strconv.Itoa(17900000000000000 + n)
		},
		answer: func(p socialPost) []byte {
			b, _ := json.Marshal(map[string]string{"id": p.ID})
			return b
		},
		ok: func(w http.ResponseWriter, a socialAnswer) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(a.body)
		},
		fail: func(w http.ResponseWriter, status int, msg string) {
			switch status {
			case http.StatusUnauthorized:
				graphError(w, http.StatusBadRequest, 190, 463, "OAuthException", "Error validating access token: Session has expired")
			case http.StatusTooManyRequests:
				w.Header().Set("X-Business-Use-Case-Usage", `{"`+p.Extra["node"]+`":[{"type":"pages","call_count":100,"estimated_time_to_regain_access":1}]}`)
				graphError(w, http.StatusBadRequest, 4, 0, "OAuthException", "(#4) Application request limit reached")
			case http.StatusBadRequest, http.StatusUnprocessableEntity:
				graphError(w, http.StatusBadRequest, 100, 0, "OAuthException", "(#100) "+msg)
			default:
				graphError(w, status, 2, 0, "OAuthException", "An unexpected error has occurred. Please retry your request later. ("+msg+")")
			}
		},
	}
}

// randomFailure answers 503 at the failure rate; it reports whether it
// did. For POSTs that do not publish (containers).
func (g *Graph) randomFailure(w http.ResponseWriter) bool {
	g.socialFaults.mu.Lock()
	fail := g.rate > 0 && g.rng.Float64() < g.rate
	g.socialFaults.mu.Unlock()
	if fail {
		graphError(w, http.StatusServiceUnavailable, 2, 0, "OAuthException", "Service temporarily unavailable")
	}
	return fail
}

// feed answers POST /{page-id}/feed.
func (g *Graph) feed(w http.ResponseWriter, r *http.Request, node string, form url.Values) {
	msg, link := form.Get("message"), form.Get("link")
	switch {
	case strings.TrimSpace(msg) == "" && link == "":
		graphError(w, http.StatusBadRequest, 100, 1349125, "OAuthException", "(#100) param message or link must be non-empty")
		return
	case utf8.RuneCountInString(msg) > 63206:
		graphError(w, http.StatusBadRequest, 100, 0, "OAuthException", "(#100) param message is longer than 63206 characters")
		return
	case link != "" && !graphHTTP(link):
		graphError(w, http.StatusBadRequest, 100, 0, "OAuthException", "(#100) param link must be a valid URL")
		return
	}
	g.accept(r.Context(), w, g.socialState, g.publishing(socialPost{Text: msg, Key: r.Header.Get("Idempotency-Key"), At: g.now(),
		Extra: map[string]string{"node": node, "edge": "feed", "link": link}}))
}

// container answers POST /{ig-user-id}/media.
func (g *Graph) container(w http.ResponseWriter, r *http.Request, node string, form url.Values) {
	img, caption := form.Get("image_url"), form.Get("caption")
	switch {
	case !graphHTTP(img):
		graphError(w, http.StatusBadRequest, 100, 2207052, "OAuthException", "(#100) param image_url is not a valid URL")
		return
	case utf8.RuneCountInString(caption) > 2200:
		graphError(w, http.StatusBadRequest, 100, 2207025, "OAuthException", "(#100) param caption is longer than 2200 characters")
		return
	}
	key := r.Header.Get("Idempotency-Key")
	g.cmu.Lock()
	id, ok := g.ckeys[key]
	g.cmu.Unlock()
	if key != "" && ok {
		socialJSON(w, http.StatusOK, map[string]string{"id": id})
		return
	}
	if g.randomFailure(w) {
		return
	}
	g.cmu.Lock()
	g.nc++
	id = strconv.Itoa(17800000000000000 + g.nc)
	g.containers[id] = &graphContainer{id: id, node: node, caption: caption, imageURL: img}
	if key != "" {
		g.ckeys[key] = id
	}
	g.cmu.Unlock()
	socialJSON(w, http.StatusOK, map[string]string{"id": id})
}

// publishMedia answers POST /{ig-user-id}/media_publish.
func (g *Graph) publishMedia(w http.ResponseWriter, r *http.Request, node string, form url.Values) {
	key := r.Header.Get("Idempotency-Key")
	if a, ok := g.replay(key); ok {
		socialJSON(w, http.StatusOK, map[string]string{"id": a.id})
		return
	}
	g.cmu.Lock()
	c, ok := g.containers[form.Get("creation_id")]
	g.cmu.Unlock()
	if !ok || c.node != node {
		graphError(w, http.StatusBadRequest, 100, 2207027, "OAuthException", "(#100) param creation_id is not a media container of this user")
		return
	}
	g.cmu.Lock()
	published := c.published
	g.cmu.Unlock()
	if published {
		graphError(w, http.StatusBadRequest, 100, 2207006, "OAuthException", "(#100) param creation_id was already published")
		return
	}
	cr := g.publishing(socialPost{Text: c.caption, Key: key, At: g.now(),
		Extra: map[string]string{"node": node, "edge": "media", "image_url": c.imageURL}})
	answer := cr.answer
	cr.answer = func(p socialPost) []byte {
		g.cmu.Lock()
		c.published = true
		g.cmu.Unlock()
		return answer(p)
	}
	g.accept(r.Context(), w, g.socialState, cr)
}

// listEdge answers GET /{id}/feed and GET /{id}/media, newest first.
func (g *Graph) listEdge(w http.ResponseWriter, node, edge string, q url.Values) {
	limit := 25
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 && n <= 100 {
		limit = n
	}
	data := []map[string]any{}
	for _, p := range g.list() {
		if p.Extra["node"] != node || p.Extra["edge"] != edge || len(data) == limit {
			continue
		}
		item := map[string]any{"id": p.ID}
		if edge == "feed" {
			item["message"] = p.Text
			item["created_time"] = p.At.UTC().Format("2006-01-02T15:04:05-0700")
			item["permalink_url"] = "https://www.facebook.com/" + p.ID
		} else {
			item["caption"] = p.Text
			item["media_type"] = "IMAGE"
			item["permalink"] = "https://www.instagram.com/p/" + p.ID + "/"
			item["timestamp"] = p.At.UTC().Format("2006-01-02T15:04:05-0700")
		}
		data = append(data, item)
	}
	socialJSON(w, http.StatusOK, map[string]any{"data": data, "paging": map[string]any{"cursors": map[string]string{"before": "", "after": ""}}})
}

// graphHTTP reports whether s is an absolute http(s) URL.
func graphHTTP(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// graphError writes an error in Graph's shape.
func graphError(w http.ResponseWriter, status, code, subcode int, typ, msg string) {
	e := map[string]any{"message": msg, "type": typ, "code": code, "fbtrace_id": "AbCdEfGhIjK"}
	if subcode != 0 {
		e["error_subcode"] = subcode
	}
	socialJSON(w, status, map[string]any{"error": e})
}
