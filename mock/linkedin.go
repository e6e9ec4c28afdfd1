package mock

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// LinkedInPost is a post held by the LinkedIn fake.
type LinkedInPost struct {
	URN    string // urn:li:share:N
	Author string
	Text   string
	Media  []string // originalUrl of each media entry
	Key    string   // the Idempotency-Key it was posted with
	At     time.Time
}

// LinkedIn is a fake of LinkedIn's UGC Posts API: POST /v2/ugcPosts
// (201, the post's URN in x-restli-id and {"id"}) and GET
// /v2/ugcPosts?q=authors&authors=List(URN) (newest first, up to count),
// in the real JSON shapes. It requires X-Restli-Protocol-Version 2.0.0
// and the bearer token, checks the author URN, PUBLIC visibility,
// lifecycleState PUBLISHED, shareMediaCategory and the 3,000-character
// text limit (422 otherwise), logs every request, and answers errors in
// LinkedIn's shape ({"serviceErrorCode","message","status"}).
//
// It honours Idempotency-Key (counted in Duplicates) and fails on cue like
// X: FailNext, TimeoutNext, MalformedNext, HTMLNext, PassNext,
// SetFailureRate, SetLatency, ExpireToken and the "error", "timeout" and
// "slow" markers in the text.
type LinkedIn struct {
	fake
	*socialFaults
	*socialState
	token string
	now   func() time.Time
}

// NewLinkedIn returns a LinkedIn fake that accepts the bearer token
// token, or any non-empty token when token is "". It is not listening;
// use Start, or serve it as an http.Handler.
func NewLinkedIn(token string) *LinkedIn {
	return &LinkedIn{socialFaults: newSocialFaults(), socialState: &socialState{}, token: token, now: time.Now}
}

// StartLinkedIn returns a started LinkedIn fake that tb closes at cleanup.
func StartLinkedIn(tb testing.TB, token string) *LinkedIn {
	tb.Helper()
	l := NewLinkedIn(token)
	l.Start()
	tb.Cleanup(l.Close)
	return l
}

// Start serves the fake on a loopback port (once) and returns its base
// URL, the Endpoint of a social.LinkedIn.
func (l *LinkedIn) Start() string { return l.start(l) }

// URL returns the base URL, or "" when not started.
func (l *LinkedIn) URL() string { return l.url() }

// Close releases stalled requests and stops the listener.
func (l *LinkedIn) Close() { l.shutdown(); l.close() }

// Requests returns the requests received so far.
func (l *LinkedIn) Requests() []Request { return l.requests() }

// LinkedInPosts returns the posts made, oldest first.
func (l *LinkedIn) LinkedInPosts() []LinkedInPost {
	ps := l.list()
	out := make([]LinkedInPost, len(ps))
	for i, p := range ps {
		var media []string
		if m := p.Extra["media"]; m != "" {
			media = strings.Split(m, "\n")
		}
		out[len(ps)-1-i] = LinkedInPost{URN: p.ID, Author: p.Extra["author"], Text: p.Text, Media: media, Key: p.Key, At: p.At}
	}
	return out
}

// ServeHTTP answers one request.
func (l *LinkedIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i, body, _ := l.begin(r)
	rec := &statusRecorder{ResponseWriter: w}
	defer func() { l.answered(i, rec.status) }()
	latency, _, expired := l.settings()
	l.wait(r.Context(), latency)
	tok, ok := bearer(r)
	if !ok || (l.token != "" && tok != l.token) {
		linkedInError(rec, http.StatusUnauthorized, 65600, "Invalid access token")
		return
	}
	if expired {
		linkedInError(rec, http.StatusUnauthorized, 65601, "The token used in the request has expired")
		return
	}
	if r.Header.Get("X-Restli-Protocol-Version") != "2.0.0" {
		linkedInError(rec, http.StatusBadRequest, 100, "X-Restli-Protocol-Version 2.0.0 is required")
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v2/ugcPosts":
		l.create(rec, r, body)
	case r.Method == http.MethodGet && r.URL.Path == "/v2/ugcPosts":
		l.byAuthor(rec, r)
	default:
		linkedInError(rec, http.StatusNotFound, 0, "no resource "+r.Method+" "+r.URL.Path)
	}
}

// create answers POST /v2/ugcPosts.
func (l *LinkedIn) create(w http.ResponseWriter, r *http.Request, body []byte) {
	var in struct {
		Author          string `json:"author"`
		LifecycleState  string `json:"lifecycleState"`
		SpecificContent map[string]struct {
			ShareCommentary struct {
				Text string `json:"text"`
			} `json:"shareCommentary"`
			ShareMediaCategory string `json:"shareMediaCategory"`
			Media              []struct {
				OriginalURL string `json:"originalUrl"`
			} `json:"media"`
		} `json:"specificContent"`
		Visibility map[string]string `json:"visibility"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		linkedInError(w, http.StatusBadRequest, 100, "the body is not JSON: "+err.Error())
		return
	}
	share, ok := in.SpecificContent["com.linkedin.ugc.ShareContent"]
	var media []string
	for _, m := range share.Media {
		media = append(media, m.OriginalURL)
	}
	switch {
	case !strings.HasPrefix(in.Author, "urn:li:organization:") && !strings.HasPrefix(in.Author, "urn:li:person:"):
		linkedInError(w, http.StatusUnprocessableEntity, 100, "/author: "+strconv.Quote(in.Author)+" is not a valid author URN")
	case in.LifecycleState != "PUBLISHED":
		linkedInError(w, http.StatusUnprocessableEntity, 100, "/lifecycleState must be PUBLISHED")
	case in.Visibility["com.linkedin.ugc.MemberNetworkVisibility"] != "PUBLIC" && in.Visibility["com.linkedin.ugc.MemberNetworkVisibility"] != "CONNECTIONS":
		linkedInError(w, http.StatusUnprocessableEntity, 100, "/visibility/com.linkedin.ugc.MemberNetworkVisibility must be PUBLIC or CONNECTIONS")
	case !ok || strings.TrimSpace(share.ShareCommentary.Text) == "":
		linkedInError(w, http.StatusUnprocessableEntity, 100, "/specificContent/com.linkedin.ugc.ShareContent/shareCommentary/text is required")
	case utf8.RuneCountInString(share.ShareCommentary.Text) > 3000:
		linkedInError(w, http.StatusUnprocessableEntity, 100, "/specificContent/com.linkedin.ugc.ShareContent/shareCommentary/text is longer than 3000")
	case share.ShareMediaCategory != "NONE" && share.ShareMediaCategory != "ARTICLE" && share.ShareMediaCategory != "IMAGE":
		linkedInError(w, http.StatusUnprocessableEntity, 100, "/specificContent/com.linkedin.ugc.ShareContent/shareMediaCategory is not NONE, ARTICLE or IMAGE")
	case (share.ShareMediaCategory == "NONE") != (len(media) == 0):
		linkedInError(w, http.StatusUnprocessableEntity, 100, "/specificContent/com.linkedin.ugc.ShareContent/media does not match shareMediaCategory")
	default:
		l.accept(r.Context(), w, l.socialState, socialCreate{
			post: socialPost{Text: share.ShareCommentary.Text, Key: r.Header.Get("Idempotency-Key"), At: l.now(),
				Extra: map[string]string{"author": in.Author, "media": strings.Join(media, "\n")}},
			id: func(n int) string { return "urn:li:share:" + strconv.Itoa(7100000000000000000+n) },
			answer: func(p socialPost) []byte {
				b, _ := json.Marshal(map[string]string{"id": p.ID})
				return b
			},
			ok: func(w http.ResponseWriter, a socialAnswer) {
				w.Header().Set("x-restli-id", a.id)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusCreated)
				_, _ = w.Write(a.body)
			},
			fail: func(w http.ResponseWriter, status int, msg string) {
				code := 0
				if status == http.StatusUnauthorized {
					code, msg = 65601, "The token used in the request has expired"
				}
				linkedInError(w, status, code, msg)
			},
		})
	}
}

// byAuthor answers GET /v2/ugcPosts?q=authors&authors=List(URN).
func (l *LinkedIn) byAuthor(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	list := q.Get("authors")
	if q.Get("q") != "authors" || !strings.HasPrefix(list, "List(") || !strings.HasSuffix(list, ")") {
		linkedInError(w, http.StatusBadRequest, 100, "q=authors&authors=List(...) is required")
		return
	}
	author, err := url.QueryUnescape(strings.TrimSuffix(strings.TrimPrefix(list, "List("), ")"))
	if err != nil {
		linkedInError(w, http.StatusBadRequest, 100, "authors: "+err.Error())
		return
	}
	count := 10
	if v := q.Get("count"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 && n <= 100 {
			count = n
		}
	}
	elements := []map[string]any{}
	for _, p := range l.list() {
		if p.Extra["author"] != author {
			continue
		}
		if len(elements) == count {
			break
		}
		elements = append(elements, map[string]any{
			"id": p.ID, "author": author, "lifecycleState": "PUBLISHED",
			"created": map[string]any{"time": p.At.UnixMilli()},
			"specificContent": map[string]any{"com.linkedin.ugc.ShareContent": map[string]any{
				"shareCommentary": map[string]string{"text": p.Text}}},
			"visibility": map[string]string{"com.linkedin.ugc.MemberNetworkVisibility": "PUBLIC"},
		})
	}
	socialJSON(w, http.StatusOK, map[string]any{"elements": elements, "paging": map[string]int{"count": count, "start": 0}})
}

// linkedInError writes an error in LinkedIn's shape.
func linkedInError(w http.ResponseWriter, status, code int, msg string) {
	socialJSON(w, status, map[string]any{"serviceErrorCode": code, "message": msg, "status": status})
}
