package mock

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/halcytone/halcytone/content"
)

// socialFault is a scripted failure of a publishing request of the
// social fakes.
type socialFault int

const (
	socialFaultNone      socialFault = iota
	socialFaultStatus                // answer a status with the platform's error body
	socialFaultTimeout               // record the post, then stall
	socialFaultMalformed             // answer 200 with truncated JSON, record nothing
	socialFaultHTML                  // answer 502 with an HTML page, record nothing
	socialFaultPass                  // answer normally (a placeholder in the script)
)

type socialScript struct {
	kind       socialFault
	status     int
	retryAfter time.Duration
}

// socialFaults is the failure machinery the X, LinkedIn and Graph fakes
// share: scripted failures of publishing requests, a failure rate,
// latency, an expired token, and content markers.
type socialFaults struct {
	mu       sync.Mutex
	script   []socialScript
	rate     float64
	rng      *rand.Rand
	latency  time.Duration
	slow     time.Duration
	expired  bool
	stopOnce sync.Once
	stop     chan struct{}
}

func newSocialFaults() *socialFaults {
	return &socialFaults{rng: rand.New(rand.NewPCG(1, 2)), slow: 200 * time.Millisecond, stop: make(chan struct{})}
}

// FailNext makes the next n publishing requests fail with status (429,
// 401, 500, ...) and the platform's error body, sending Retry-After when
// retryAfter is positive. Other requests are not affected.
func (s *socialFaults) FailNext(n, status int, retryAfter time.Duration) {
	s.push(n, socialScript{kind: socialFaultStatus, status: status, retryAfter: retryAfter})
}

// TimeoutNext makes the next n publishing requests be recorded, then
// stall until the client gives up or the fake closes.
func (s *socialFaults) TimeoutNext(n int) { s.push(n, socialScript{kind: socialFaultTimeout}) }

// MalformedNext makes the next n publishing requests answer 200 with
// truncated JSON, recording nothing.
func (s *socialFaults) MalformedNext(n int) { s.push(n, socialScript{kind: socialFaultMalformed}) }

// HTMLNext makes the next n publishing requests answer 502 with an HTML
// page, as a proxy would, recording nothing.
func (s *socialFaults) HTMLNext(n int) { s.push(n, socialScript{kind: socialFaultHTML}) }

// PassNext makes the next n publishing requests pass, ahead of failures
// scripted after this call (to fail, say, the second part of a thread).
func (s *socialFaults) PassNext(n int) { s.push(n, socialScript{kind: socialFaultPass}) }

// SetFailureRate makes each publishing request fail with 503 with
// probability rate (0 to 1), drawn from a fixed-seed generator.
func (s *socialFaults) SetFailureRate(rate float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rate = rate
}

// SetLatency delays every answer by d.
func (s *socialFaults) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// SetSlowDelay sets the delay of the "slow" demo marker (200 ms by
// default).
func (s *socialFaults) SetSlowDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.slow = d
}

// ExpireToken makes every request fail 401, the platform's expired-token
// answer, until called with false.
func (s *socialFaults) ExpireToken(expired bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expired = expired
}

// push queues n scripted failures.
func (s *socialFaults) push(n int, sc socialScript) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.script = append(s.script, sc)
	}
}

// next returns the failure the next publishing request answers with:
// a scripted one first, else one drawn at the failure rate (a 503).
func (s *socialFaults) next() socialScript {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.script) > 0 {
		sc := s.script[0]
		s.script = s.script[1:]
		return sc
	}
	if s.rate > 0 && s.rng.Float64() < s.rate {
		return socialScript{kind: socialFaultStatus, status: http.StatusServiceUnavailable}
	}
	return socialScript{}
}

// wait sleeps d, or less when ctx ends or the fake closes.
func (s *socialFaults) wait(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	case <-s.stop:
	}
}

// stall blocks until the client gives up or the fake closes.
func (s *socialFaults) stall(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-s.stop:
	}
}

// settings returns the latency, the slow-marker delay and whether the
// token is expired.
func (s *socialFaults) settings() (latency, slow time.Duration, expired bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.latency, s.slow, s.expired
}

func (s *socialFaults) shutdown() { s.stopOnce.Do(func() { close(s.stop) }) }

// socialMarkerRE finds the demo markers as whole words.
var socialMarkerRE = regexp.MustCompile(`(?i)\b(error|timeout|slow)\b`)

// socialMarker returns the first demo marker in text: "error", "timeout",
// "slow" or "".
func socialMarker(text string) string {
	return strings.ToLower(socialMarkerRE.FindString(text))
}

// socialPost is a post a social fake holds.
type socialPost struct {
	ID      string
	Text    string
	ReplyTo string
	Key     string
	At      time.Time
	Extra   map[string]string
}

// socialState is the state the social fakes share: posts, answers by
// idempotency key and the duplicate counter.
type socialState struct {
	mu      sync.Mutex
	n       int
	posts   []socialPost
	answers map[string]socialAnswer // idempotency key → first answer
	dups    int
}

// socialAnswer is the first answer to an idempotency key.
type socialAnswer struct {
	id   string
	body []byte
}

// replay returns the first answer to key and counts a duplicate.
func (s *socialState) replay(key string) (socialAnswer, bool) {
	if key == "" {
		return socialAnswer{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.answers[key]
	if ok {
		s.dups++
	}
	return b, ok
}

// add stores p under a new id made by idf and records answer(p) under
// p.Key; it returns the stored post and answer.
func (s *socialState) add(p socialPost, idf func(n int) string, answer func(p socialPost) []byte) socialAnswer {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	p.ID = idf(s.n)
	s.posts = append(s.posts, p)
	a := socialAnswer{id: p.ID, body: answer(p)}
	if p.Key != "" {
		if s.answers == nil {
			s.answers = map[string]socialAnswer{}
		}
		s.answers[p.Key] = a
	}
	return a
}

// socialCreate describes one publishing request to socialFaults.accept.
type socialCreate struct {
	post   socialPost                                  // what to record (ID is made by id)
	id     func(n int) string                          // the id of the n-th post
	answer func(p socialPost) []byte                   // the success body
	ok     func(w http.ResponseWriter, a socialAnswer) // writes a success
	fail   func(w http.ResponseWriter, status int, msg string)
}

// accept runs the steps every publishing request shares once its body
// is parsed and valid: the answer to a known idempotency key (counted as
// a duplicate), the scripted or random failure, the demo markers, the
// record, and the accept-then-stall.
func (s *socialFaults) accept(ctx context.Context, w http.ResponseWriter, st *socialState, c socialCreate) {
	if a, ok := st.replay(c.post.Key); ok {
		c.ok(w, a)
		return
	}
	sc := s.next()
	switch sc.kind {
	case socialFaultStatus:
		setRetryAfter(w, sc.retryAfter)
		c.fail(w, sc.status, "scripted failure")
		return
	case socialFaultMalformed:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"data":{"id":"17`))
		return
	case socialFaultHTML:
		socialHTMLError(w)
		return
	}
	m := socialMarker(c.post.Text)
	if m == "error" {
		c.fail(w, http.StatusInternalServerError, "demo marker: error")
		return
	}
	if m == "slow" {
		_, slow, _ := s.settings()
		s.wait(ctx, slow)
	}
	a := st.add(c.post, c.id, c.answer)
	if sc.kind == socialFaultTimeout || m == "timeout" {
		s.stall(ctx)
		return
	}
	c.ok(w, a)
}

// list returns the posts, newest first.
func (s *socialState) list() []socialPost {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]socialPost, len(s.posts))
	for i, p := range s.posts {
		out[len(s.posts)-1-i] = p
	}
	return out
}

func (s *socialState) get(id string) (socialPost, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.posts {
		if p.ID == id {
			return p, true
		}
	}
	return socialPost{}, false
}

// Posts returns how many posts the fake made: one per accepted
// idempotency key.
func (s *socialState) Posts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.posts)
}

// Duplicates returns how many publishing requests carried an
// Idempotency-Key already accepted (each got the first answer).
func (s *socialState) Duplicates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dups
}

// XTweet is a post held by the X fake.
type XTweet struct {
	ID      string
	Text    string // as X holds it: every link rewritten to a t.co link
	ReplyTo string // the id it replies to, or ""
	Key     string // the Idempotency-Key it was posted with
	At      time.Time
}

// X is a fake of the X API v2: POST /2/tweets ({"text", "reply":
// {"in_reply_to_tweet_id"}} → 201 {"data":{"id","text"}}), GET
// /2/users/me, GET /2/users/{id}/tweets (newest first, max_results up
// to 100, with referenced_tweets) and GET /2/tweets/{id} (an unknown id
// is a 200 with a "Not Found Error" in "errors", as on X), in the real
// JSON shapes. Like X, it stores a post's text with every http(s) link
// rewritten to a t.co link (https://t.co/ and 10 letters or digits, the
// same for the same link), and answers with that text. It checks
// the bearer token, sends x-rate-limit-limit/remaining/reset on every
// answer, logs every request, and answers errors in X's shape
// ({"title","detail","type","status"}; invalid requests add "errors"
// with "parameters"). A text over 280 weighted characters, or a reply to
// an unknown post, is a 400.
//
// It honours Idempotency-Key (the real X has none): a second post with a
// known key gets the first answer and counts in Duplicates. It fails on
// cue: scripted failures of the next posts (FailNext, TimeoutNext,
// MalformedNext, HTMLNext), a failure rate, latency, an expired token,
// and demo markers in the text: "error" (500), "timeout" (accept then
// stall) and "slow" (a delay before answering).
type X struct {
	fake
	*socialFaults
	*socialState
	token  string
	limit  atomic.Int64 // posts per rate window
	window atomic.Int64 // the rate window, a time.Duration
	now    func() time.Time
}

// NewX returns an X fake that accepts the bearer token token, or any
// non-empty token when token is "". Its rate window is X's 300 posts per
// 3 hours. It is not listening; use Start, or serve it as an
// http.Handler.
func NewX(token string) *X {
	x := &X{socialFaults: newSocialFaults(), socialState: &socialState{}, token: token, now: time.Now}
	x.SetRateWindow(300, 3*time.Hour)
	return x
}

// SetRateWindow sets the rate window the x-rate-limit-* headers describe:
// limit posts per window, windows aligned on multiples of window. The
// fake does not refuse posts over the limit (FailNext can).
func (x *X) SetRateWindow(limit int, window time.Duration) {
	x.limit.Store(int64(limit))
	x.window.Store(int64(window))
}

// StartX returns a started X fake that tb closes at cleanup.
func StartX(tb testing.TB, token string) *X {
	tb.Helper()
	x := NewX(token)
	x.Start()
	tb.Cleanup(x.Close)
	return x
}

// Start serves the fake on a loopback port (once) and returns its base
// URL, the Endpoint of a social.X.
func (x *X) Start() string { return x.start(x) }

// URL returns the base URL, or "" when not started.
func (x *X) URL() string { return x.url() }

// Close releases stalled requests and stops the listener.
func (x *X) Close() { x.shutdown(); x.close() }

// Requests returns the requests received so far.
func (x *X) Requests() []Request { return x.requests() }

// Tweets returns the posts made, oldest first.
func (x *X) Tweets() []XTweet {
	l := x.socialState.list()
	out := make([]XTweet, len(l))
	for i, p := range l {
		out[len(l)-1-i] = XTweet{ID: p.ID, Text: p.Text, ReplyTo: p.ReplyTo, Key: p.Key, At: p.At}
	}
	return out
}

// xUserID is the fake account's id.
const xUserID = "2244994945"

// ServeHTTP answers one request.
func (x *X) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i, body, _ := x.begin(r)
	rec := &statusRecorder{ResponseWriter: w}
	defer func() { x.answered(i, rec.status) }()
	latency, _, expired := x.settings()
	x.socialFaults.wait(r.Context(), latency)
	x.rateHeaders(rec)
	tok, ok := bearer(r)
	if !ok || (x.token != "" && tok != x.token) {
		xError(rec, http.StatusUnauthorized, "Unauthorized", "Unauthorized", nil)
		return
	}
	if expired {
		xError(rec, http.StatusUnauthorized, "Unauthorized", "The access token expired", nil)
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/2/tweets":
		x.create(r.Context(), rec, r, body)
	case r.Method == http.MethodGet && r.URL.Path == "/2/users/me":
		socialJSON(rec, http.StatusOK, map[string]any{"data": map[string]any{"id": xUserID, "name": "Halcytone", "username": "halcytone"}})
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/2/users/") && strings.HasSuffix(r.URL.Path, "/tweets"):
		x.timeline(rec, r)
	case r.Method == http.MethodGet && xTweetPath.MatchString(r.URL.Path):
		x.tweet(rec, strings.TrimPrefix(r.URL.Path, "/2/tweets/"))
	default:
		xError(rec, http.StatusNotFound, "Not Found Error", "no route "+r.Method+" "+r.URL.Path, nil)
	}
}

// rateHeaders sets x-rate-limit-* from the posts of the current window,
// the one being answered included.
func (x *X) rateHeaders(w http.ResponseWriter) {
	now := x.now()
	limit, window := int(x.limit.Load()), time.Duration(x.window.Load())
	start := now.Truncate(window)
	n := 0
	for _, p := range x.socialState.list() {
		if !p.At.Before(start) {
			n++
		}
	}
	h := w.Header()
	h.Set("x-rate-limit-limit", strconv.Itoa(limit))
	h.Set("x-rate-limit-remaining", strconv.Itoa(max(limit-n, 0)))
	h.Set("x-rate-limit-reset", strconv.FormatInt(start.Add(window).Unix(), 10))
}

// create answers POST /2/tweets.
func (x *X) create(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte) {
	var in struct {
		Text  *string `json:"text"`
		Reply *struct {
			InReplyToTweetID string `json:"in_reply_to_tweet_id"`
		} `json:"reply"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		xError(w, http.StatusBadRequest, "Invalid Request", "the body is not JSON: "+err.Error(), nil)
		return
	}
	text := ""
	if in.Text != nil {
		text = *in.Text
	}
	if strings.TrimSpace(text) == "" {
		xError(w, http.StatusBadRequest, "Invalid Request", "One or more parameters to your request was invalid.", map[string]string{"text": "text is required"})
		return
	}
	if n := content.WeightedLength(text); n > 280 {
		xError(w, http.StatusBadRequest, "Invalid Request", "One or more parameters to your request was invalid.",
			map[string]string{"text": fmt.Sprintf("text is %d weighted characters, at most 280", n)})
		return
	}
	reply := ""
	if in.Reply != nil {
		reply = in.Reply.InReplyToTweetID
		if _, ok := x.socialState.get(reply); !ok {
			xError(w, http.StatusBadRequest, "Invalid Request", "One or more parameters to your request was invalid.",
				map[string]string{"reply.in_reply_to_tweet_id": "no post " + reply})
			return
		}
	}
	x.accept(ctx, w, x.socialState, socialCreate{
		post: socialPost{Text: xShortenLinks(text), ReplyTo: reply, Key: r.Header.Get("Idempotency-Key"), At: x.now()},
		id:   func(n int) string { return strconv.FormatInt(1860000000000000000+int64(n), 10) },
		answer: func(p socialPost) []byte {
			b, _ := json.Marshal(map[string]any{"data": map[string]any{"id": p.ID, "text": p.Text, "edit_history_tweet_ids": []string{p.ID}}})
			return b
		},
		ok: func(w http.ResponseWriter, a socialAnswer) {
			x.rateHeaders(w) // this post counted
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write(a.body)
		},
		fail: func(w http.ResponseWriter, status int, msg string) {
			if status == http.StatusTooManyRequests {
				w.Header().Set("x-rate-limit-remaining", "0")
			}
			xError(w, status, http.StatusText(status), msg, nil)
		},
	})
}

// timeline answers GET /2/users/{id}/tweets.
func (x *X) timeline(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/2/users/"), "/tweets")
	if id != xUserID {
		xError(w, http.StatusNotFound, "Not Found Error", "Could not find user with id: ["+id+"].", nil)
		return
	}
	limit := 10
	if v := r.URL.Query().Get("max_results"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 5 || n > 100 {
			xError(w, http.StatusBadRequest, "Invalid Request", "One or more parameters to your request was invalid.",
				map[string]string{"max_results": "must be between 5 and 100"})
			return
		}
		limit = n
	}
	posts := x.socialState.list()
	if len(posts) > limit {
		posts = posts[:limit]
	}
	data := make([]map[string]any, 0, len(posts))
	for _, p := range posts {
		data = append(data, xTweetJSON(p))
	}
	meta := map[string]any{"result_count": len(data)}
	if len(data) > 0 {
		meta["newest_id"], meta["oldest_id"] = data[0]["id"], data[len(data)-1]["id"]
	}
	socialJSON(w, http.StatusOK, map[string]any{"data": data, "meta": meta})
}

// xTweetPath is the path of GET /2/tweets/{id}.
var xTweetPath = regexp.MustCompile(`^/2/tweets/[^/]+$`)

// tweet answers GET /2/tweets/{id}. X answers an unknown id with 200 and
// the failure in "errors".
func (x *X) tweet(w http.ResponseWriter, id string) {
	p, ok := x.socialState.get(id)
	if !ok {
		socialJSON(w, http.StatusOK, map[string]any{"errors": []map[string]any{{
			"value": id, "detail": "Could not find tweet with id: [" + id + "].", "title": "Not Found Error",
			"resource_type": "tweet", "parameter": "id", "resource_id": id,
			"type": "https://api.twitter.com/2/problems/resource-not-found",
		}}})
		return
	}
	socialJSON(w, http.StatusOK, map[string]any{"data": xTweetJSON(p)})
}

// xTweetJSON is p in the shape of the X API's tweet object, with
// referenced_tweets for a reply.
func xTweetJSON(p socialPost) map[string]any {
	t := map[string]any{"id": p.ID, "text": p.Text, "edit_history_tweet_ids": []string{p.ID}, "created_at": p.At.UTC().Format("2006-01-02T15:04:05.000Z")}
	if p.ReplyTo != "" {
		t["referenced_tweets"] = []map[string]string{{"type": "replied_to", "id": p.ReplyTo}}
	}
	return t
}

// xLink finds a link in a post's text: http:// or https:// up to the next
// whitespace (xShortenLinks leaves trailing punctuation out, as X does).
var xLink = regexp.MustCompile(`(?i)https?://\S+`)

// xShortenLinks returns text with every link rewritten to a t.co link, as
// X stores posts: https://t.co/ and 10 letters or digits derived from the
// link, so the same link always gets the same t.co link.
func xShortenLinks(text string) string {
	return xLink.ReplaceAllStringFunc(text, func(link string) string {
		trimmed := strings.TrimRight(link, `.,;:!?'")]}`)
		if trimmed == "" || strings.HasSuffix(trimmed, "://") {
			return link
		}
		const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
		sum := sha256.Sum256([]byte(trimmed))
		code := make([]byte, 10)
		for i := range code {
			code[i] = alphabet[int(sum[i])%len(alphabet)]
		}
		return "https://t.co/" + string(code) + link[len(trimmed):]
	})
}

// xError writes an error in X's shape; params, when set, become an
// invalid-request "errors" entry.
func xError(w http.ResponseWriter, status int, title, detail string, params map[string]string) {
	body := map[string]any{"title": title, "detail": detail, "type": "about:blank", "status": status}
	if status == http.StatusBadRequest {
		body["type"] = "https://api.twitter.com/2/problems/invalid-request"
	}
	if len(params) > 0 {
		var errs []map[string]any
		for k, v := range params {
			errs = append(errs, map[string]any{"parameters": map[string][]string{k: {v}}, "message": v})
		}
		body["errors"] = errs
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// socialHTMLError writes a proxy's 502 page.
func socialHTMLError(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadGateway)
	_, _ = w.Write([]byte("<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"))
}

// socialJSON writes v as a JSON answer with status.
func socialJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
