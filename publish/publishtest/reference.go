package publishtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish"
)

// ReferenceMaxText is the longest title the reference publisher accepts.
const ReferenceMaxText = 280

// LoggedRequest is one request the reference fake received.
type LoggedRequest struct {
	Method string
	Path   string
	Key    string    // the Idempotency-Key header, or the looked-up key
	At     time.Time // when it arrived
	Status int       // the status answered; 0 for a stalled request
}

// ReferenceFake is a small HTTP service with the shape of a social
// platform's API, for testing middleware and the suite itself:
//
//	POST /v1/posts  {"text": "..."} with an Idempotency-Key header
//	     → 201 {"id","url","status","created_at"}; a known key → 200 and
//	       the first result, counted in Duplicates
//	GET  /v1/posts?idempotency_key=K → 200 the post, or 404
//
// It fails on cue: FailNext, FailAlways and SetFailureRate pick the
// FailureKind answers of publishing requests (lookups never fail). It is
// safe for concurrent use; the zero value is ready.
type ReferenceFake struct {
	mu         sync.Mutex
	posts      map[string]referencePost
	seq        int
	duplicates int
	next       []FailureKind
	always     FailureKind
	rate       float64
	rateKinds  []FailureKind
	rnd        *rand.Rand
	log        []LoggedRequest
	srv        *httptest.Server
	closing    chan struct{}
}

type referencePost struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Status    string    `json:"status"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
}

var _ Fake = (*ReferenceFake)(nil)

// StartReferenceFake starts a reference fake on a loopback port and closes
// it when tb ends.
func StartReferenceFake(tb testing.TB) *ReferenceFake {
	tb.Helper()
	f := &ReferenceFake{}
	f.Start()
	tb.Cleanup(f.Close)
	return f
}

// Start serves the fake on a loopback port (once) and returns its URL.
func (f *ReferenceFake) Start() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.initLocked()
	if f.srv == nil {
		f.srv = httptest.NewServer(f)
	}
	return f.srv.URL
}

// URL returns the base URL, or "" before Start.
func (f *ReferenceFake) URL() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.srv == nil {
		return ""
	}
	return f.srv.URL
}

// Close releases stalled requests and stops the listener.
func (f *ReferenceFake) Close() {
	f.mu.Lock()
	f.initLocked()
	srv := f.srv
	f.srv = nil
	select {
	case <-f.closing:
	default:
		close(f.closing)
	}
	f.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

func (f *ReferenceFake) initLocked() {
	if f.posts == nil {
		f.posts = map[string]referencePost{}
		f.closing = make(chan struct{})
		f.rnd = rand.New(rand.NewPCG(1, 2))
	}
}

// Posts returns how many distinct posts the fake created.
func (f *ReferenceFake) Posts() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.posts)
}

// Duplicates returns how many publishing requests carried a known key.
func (f *ReferenceFake) Duplicates() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.duplicates
}

// FailNext makes the next n publishing requests fail as k.
func (f *ReferenceFake) FailNext(k FailureKind, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.next = append(f.next, k)
	}
}

// FailAlways makes every publishing request fail as k until Heal.
func (f *ReferenceFake) FailAlways(k FailureKind) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.always = k
}

// Heal ends FailAlways and SetFailureRate; queued FailNext failures stay.
func (f *ReferenceFake) Heal() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.always, f.rate = "", 0
}

// SetFailureRate makes each publishing request fail with probability p
// (0 to 1), as one of kinds picked at random from a generator seeded with
// seed, so that runs repeat.
func (f *ReferenceFake) SetFailureRate(p float64, seed uint64, kinds ...FailureKind) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.initLocked()
	f.rate, f.rateKinds = p, slices.Clone(kinds)
	f.rnd = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// Requests returns a copy of the request log.
func (f *ReferenceFake) Requests() []LoggedRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.log)
}

// ServeHTTP answers the fake's API.
func (f *ReferenceFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/v1/posts" && r.Method == http.MethodPost:
		f.create(w, r)
	case r.URL.Path == "/v1/posts" && r.Method == http.MethodGet:
		f.lookup(w, r)
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such endpoint"})
	}
}

func (f *ReferenceFake) record(method, path, key string) int {
	f.log = append(f.log, LoggedRequest{Method: method, Path: path, Key: key, At: time.Now()})
	return len(f.log) - 1
}

func (f *ReferenceFake) answered(i, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log[i].Status = status
}

func (f *ReferenceFake) create(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Idempotency-Key")
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	f.mu.Lock()
	f.initLocked()
	i := f.record(r.Method, r.URL.Path, key)
	var req struct {
		Text string `json:"text"`
	}
	switch {
	case key == "":
		f.mu.Unlock()
		f.answer(w, i, http.StatusBadRequest, map[string]string{"error": "missing idempotency key", "field": "idempotency_key"})
		return
	case json.Unmarshal(body, &req) != nil || req.Text == "":
		f.mu.Unlock()
		f.answer(w, i, http.StatusBadRequest, map[string]string{"error": "text is required", "field": "text"})
		return
	}
	if p, ok := f.posts[key]; ok {
		f.duplicates++
		f.mu.Unlock()
		f.answer(w, i, http.StatusOK, p)
		return
	}
	kind := f.pickFailureLocked()
	if kind == "" || kind == AcceptThenTimeout {
		f.seq++
		base := ""
		if f.srv != nil {
			base = f.srv.URL
		}
		f.posts[key] = referencePost{ID: "ref-" + strconv.Itoa(f.seq), URL: fmt.Sprintf("%s/p/ref-%d", base, f.seq),
			Status: "published", Text: req.Text, CreatedAt: time.Now().UTC()}
	}
	p, closing := f.posts[key], f.closing
	f.mu.Unlock()

	switch kind {
	case "":
		f.answer(w, i, http.StatusCreated, p)
	case ServerError:
		f.answer(w, i, http.StatusInternalServerError, map[string]string{"error": "internal error"})
	case RateLimit:
		w.Header().Set("Retry-After", "1")
		f.answer(w, i, http.StatusTooManyRequests, map[string]string{"error": "too many requests"})
	case ExpiredToken:
		f.answer(w, i, http.StatusUnauthorized, map[string]string{"error": "token expired"})
	case AcceptThenTimeout:
		select {
		case <-r.Context().Done():
		case <-closing:
		}
	case MalformedJSON:
		f.answered(i, http.StatusOK)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"id": "ref-trunc`)
	case HTMLErrorPage:
		f.answered(i, http.StatusBadGateway)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1></body></html>")
	}
}

func (f *ReferenceFake) pickFailureLocked() FailureKind {
	if len(f.next) > 0 {
		k := f.next[0]
		f.next = f.next[1:]
		return k
	}
	if f.always != "" {
		return f.always
	}
	if f.rate > 0 && len(f.rateKinds) > 0 && f.rnd.Float64() < f.rate {
		return f.rateKinds[f.rnd.IntN(len(f.rateKinds))]
	}
	return ""
}

func (f *ReferenceFake) lookup(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Query().Get("idempotency_key")
	f.mu.Lock()
	f.initLocked()
	i := f.record(r.Method, r.URL.Path, key)
	p, ok := f.posts[key]
	f.mu.Unlock()
	if !ok {
		f.answer(w, i, http.StatusNotFound, map[string]string{"error": "not found"})
		return
	}
	f.answer(w, i, http.StatusOK, p)
}

func (f *ReferenceFake) answer(w http.ResponseWriter, i, status int, v any) {
	f.answered(i, status)
	writeJSON(w, status, v)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// ReferencePublisher publishes a bundle's title to a ReferenceFake. It is
// the smallest real HTTP publisher that passes the suite, and a model for
// the error handling the suite expects.
type ReferencePublisher struct {
	// BaseURL is the fake's URL.
	BaseURL string
	// Client sends the requests; nil means http.DefaultClient.
	Client *http.Client
	// Account names the account, for rate-limit keys; "" is the default.
	Account string
}

var _ publish.Publisher = (*ReferencePublisher)(nil)

// Name returns "reference".
func (p *ReferencePublisher) Name() string { return "reference" }

// Channel returns the X channel, whose rules the title follows.
func (p *ReferencePublisher) Channel() content.Channel { return content.ChannelTwitter }

// Validate requires a title of 1 to ReferenceMaxText characters.
func (p *ReferencePublisher) Validate(_ context.Context, b *content.Bundle) []content.Issue {
	switch {
	case b == nil || b.Title == "":
		return []content.Issue{{Severity: content.SeverityError, Field: "title", Code: content.CodeRequired, Message: "a title is required"}}
	case utf8.RuneCountInString(b.Title) > ReferenceMaxText:
		return []content.Issue{{Severity: content.SeverityError, Field: "title", Code: content.CodeTooLong,
			Message: fmt.Sprintf("title is %d characters, at most %d", utf8.RuneCountInString(b.Title), ReferenceMaxText)}}
	}
	return nil
}

// Preview returns the JSON body Publish would send.
func (p *ReferencePublisher) Preview(ctx context.Context, d publish.Delivery) (publish.Preview, error) {
	if issues := p.Validate(ctx, d.Bundle); len(issues) > 0 {
		return publish.Preview{}, &content.Error{Class: content.InvalidContent, Op: "reference: preview", Field: issues[0].Field, Err: issues[0]}
	}
	body, err := json.Marshal(map[string]string{"text": d.Bundle.Title})
	if err != nil {
		return publish.Preview{}, &content.Error{Class: content.Permanent, Op: "reference: preview", Err: err}
	}
	return publish.Preview{Channel: d.Channel, Platform: d.Platform, Payload: body}, nil
}

// Publish posts the title with the delivery's idempotency key.
func (p *ReferencePublisher) Publish(ctx context.Context, d publish.Delivery) (publish.Receipt, error) {
	const op = "reference: publish"
	pv, err := p.Preview(ctx, d)
	if err != nil {
		return publish.Receipt{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.BaseURL+"/v1/posts", bytes.NewReader(pv.Payload))
	if err != nil {
		return publish.Receipt{}, &content.Error{Class: content.Permanent, Op: op, Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", d.IdempotencyKey)
	return p.do(req, op)
}

// Lookup asks the fake for the post of key.
func (p *ReferencePublisher) Lookup(ctx context.Context, key string) (publish.Receipt, bool, error) {
	const op = "reference: lookup"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.BaseURL+"/v1/posts?idempotency_key="+url.QueryEscape(key), nil)
	if err != nil {
		return publish.Receipt{}, false, &content.Error{Class: content.Permanent, Op: op, Err: err}
	}
	r, err := p.do(req, op)
	if content.ClassOf(err) == content.NotFound {
		return publish.Receipt{}, false, nil
	}
	if err != nil {
		return publish.Receipt{}, false, err
	}
	return r, true, nil
}

func (p *ReferencePublisher) do(req *http.Request, op string) (publish.Receipt, error) {
	client := p.Client
	if client == nil {
		client = http.DefaultClient
	}
	req, sent := publish.TrackSent(req)
	resp, err := client.Do(req)
	if err != nil {
		return publish.Receipt{}, publish.ClassifyHTTP(op, nil, nil, err, sent() && req.Method != http.MethodGet)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err == nil && resp.StatusCode/100 == 2 {
		var post referencePost
		if err = json.Unmarshal(body, &post); err == nil && post.ID == "" {
			err = fmt.Errorf("answer has no id")
		}
		if err == nil {
			return publish.Receipt{ExternalID: post.ID, URL: post.URL, Status: post.Status, Sent: 1, At: post.CreatedAt}, nil
		}
	}
	return publish.Receipt{}, publish.ClassifyHTTP(op, resp, body, err, true)
}

// ReferenceHarness returns the Harness of the reference publisher and
// fake.
func ReferenceHarness() Harness {
	return Harness{
		New: func(t *testing.T) (publish.Publisher, Fake) {
			f := StartReferenceFake(t)
			return &ReferencePublisher{BaseURL: f.URL(), Client: &http.Client{}}, f
		},
		Bundle: func() *content.Bundle {
			return &content.Bundle{Title: "Morning breathing session: five minutes", Hash: "sample",
				Channels: []content.Channel{content.ChannelTwitter}}
		},
		Invalid: func() *content.Bundle {
			return &content.Bundle{Title: string(bytes.Repeat([]byte("x"), ReferenceMaxText+1)), Hash: "oversize"}
		},
		Timeout: 500 * time.Millisecond,
	}
}
