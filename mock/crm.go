package mock

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/halcytone/halcytone/content"
)

// CRM limits.
const (
	crmMaxLimit      = 1000 // subscribers per page
	crmMaxRecipients = 1000 // recipients per batch
	crmDefaultLimit  = 100
	crmDefaultStall  = 30 * time.Second // how long "accept then time out" stalls at most
	crmSlowLatency   = 200 * time.Millisecond
)

// CRM is a fake of a newsletter CRM's bulk API. Its REST shape, all JSON,
// every request authenticated with "Authorization: Bearer <api key>":
//
//	GET  /v1/subscribers?cursor=&limit=
//	     200 {"subscribers":[{"id","name","email","test"}],"next_cursor":"..."}
//	     Subscribers are listed in ID order; cursor is the ID after which to
//	     list (exclusive), next_cursor the last ID returned, "" at the end;
//	     limit is 1-1000, default 100.
//	POST /v1/campaigns/{id}/batches   (header Idempotency-Key required)
//	     {"subject","html","text","recipients":[{"email","merge":{"name",
//	      "unsubscribe_url","preferences_url"}}]}
//	     201 {"batch_id","accepted"}; a known key answers 200 with the first
//	     result and counts a duplicate.
//	GET  /v1/campaigns/{id}
//	     200 {"id","accepted","batches":[{"batch_id","idempotency_key",
//	      "accepted","created_at"}]}; 404 when no batch was sent.
//
// Errors are {"error":{"code","message"}} with status 400 (bad JSON, no
// Idempotency-Key), 401 (bad or expired key), 404, 422 (invalid field,
// named in "field"), 429 (with Retry-After) or 5xx.
//
// It fails on cue: FailNext (scripted statuses), FailNextBatch (the same,
// for batch posts only), SetFailureRate (random
// 503s before anything is recorded), SetLatency, ExpireKey (401
// "token_expired"), TimeoutNext (the batch is recorded, then the answer
// stalls until the client gives up). Subjects act as markers: one holding
// "error" is answered 500 (nothing recorded), "timeout" is accepted then
// stalls, "slow" is answered after a delay. It is safe for concurrent use.
type CRM struct {
	fake
	apiKey string

	dmu         sync.Mutex // guards everything below
	subscribers []CRMSubscriber
	campaigns   map[string]*crmCampaign
	byKey       map[string]CRMBatch
	rng         *rand.Rand
	failRate    float64
	latency     time.Duration
	stall       time.Duration
	timeouts    int
	batchFails  []crmFault
	expired     bool
	delivered   int
	duplicates  int
}

// CRMSubscriber is a subscriber of the fake CRM.
type CRMSubscriber struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	Test  bool   `json:"test"`
}

// CRMRecipient is one recipient of a batch, with its merge variables.
type CRMRecipient struct {
	Email string            `json:"email"`
	Merge map[string]string `json:"merge"`
}

// CRMBatch is a batch the fake CRM accepted.
type CRMBatch struct {
	ID             string         `json:"batch_id"`
	Campaign       string         `json:"-"`
	IdempotencyKey string         `json:"idempotency_key"`
	Accepted       int            `json:"accepted"`
	CreatedAt      time.Time      `json:"created_at"`
	Subject        string         `json:"-"`
	HTML           string         `json:"-"`
	Text           string         `json:"-"`
	Recipients     []CRMRecipient `json:"-"`
}

type crmCampaign struct {
	batches []CRMBatch
}

// crmBatchRequest is the body of POST /v1/campaigns/{id}/batches.
type crmBatchRequest struct {
	Subject    string         `json:"subject"`
	HTML       string         `json:"html"`
	Text       string         `json:"text"`
	Recipients []CRMRecipient `json:"recipients"`
}

// NewCRM returns a fake that accepts the API key apiKey, or any non-empty
// bearer token when apiKey is "". It is not listening; use Start, or
// serve it as an http.Handler.
func NewCRM(apiKey string) *CRM {
	return &CRM{
		apiKey:    apiKey,
		campaigns: map[string]*crmCampaign{},
		byKey:     map[string]CRMBatch{},
		rng:       rand.New(rand.NewPCG(1, 2)),
		stall:     crmDefaultStall,
	}
}

// StartCRM returns a started CRM that tb closes at cleanup.
func StartCRM(tb testing.TB, apiKey string) *CRM {
	tb.Helper()
	c := NewCRM(apiKey)
	c.Start()
	tb.Cleanup(c.Close)
	return c
}

// Start serves the fake on a loopback port (once) and returns its base URL.
func (c *CRM) Start() string { return c.start(c) }

// URL returns the base URL, or "" when not started.
func (c *CRM) URL() string { return c.url() }

// Close stops the listener, if started.
func (c *CRM) Close() { c.close() }

// Requests returns the requests received so far.
func (c *CRM) Requests() []Request { return c.requests() }

// FailNext makes the next count requests fail with status (such as 429,
// 500 or 401), sending Retry-After when retryAfter is positive.
func (c *CRM) FailNext(count, status int, retryAfter time.Duration) {
	c.failNext(count, status, retryAfter)
}

// FailNextBatch makes the next count batch posts (only those) fail with
// status before anything is recorded, sending Retry-After when retryAfter
// is positive.
func (c *CRM) FailNextBatch(count, status int, retryAfter time.Duration) {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	for range count {
		c.batchFails = append(c.batchFails, crmFault{failure: failure{status: status, retryAfter: retryAfter}})
	}
}

// GarbleNextBatch makes the next count batch posts be answered, without
// recording anything, with a truncated JSON body and status 200 (html
// false), or with a 502 text/html error page as a proxy sends (html true).
func (c *CRM) GarbleNextBatch(count int, html bool) {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	f := crmFault{failure: failure{status: http.StatusOK}, ctype: "application/json", body: `{"batch_id":"bat_`}
	if html {
		f = crmFault{failure: failure{status: http.StatusBadGateway}, ctype: "text/html; charset=utf-8",
			body: "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"}
	}
	for range count {
		c.batchFails = append(c.batchFails, f)
	}
}

// crmFault is a scripted answer to a batch post: a CRM error, or a raw
// body when body is set.
type crmFault struct {
	failure
	ctype, body string
}

// SetFailureRate makes a fraction p (0-1) of requests fail with 503
// before anything is recorded. The draw is seeded, so runs repeat.
func (c *CRM) SetFailureRate(p float64) {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	c.failRate = p
}

// SetLatency delays every answer by d.
func (c *CRM) SetLatency(d time.Duration) {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	c.latency = d
}

// SetStall sets how long an accepted-then-timed-out batch stalls at most
// (default 30 s); the stall also ends when the client goes away.
func (c *CRM) SetStall(d time.Duration) {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	c.stall = d
}

// TimeoutNext makes the next n batches be recorded and then stall instead
// of answering, as a platform that accepted a request and then timed out.
func (c *CRM) TimeoutNext(n int) {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	c.timeouts += n
}

// ExpireKey makes every request fail with 401 "token_expired" (expired
// true) or clears it.
func (c *CRM) ExpireKey(expired bool) {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	c.expired = expired
}

// AddSubscribers adds subscribers; those without an ID get one
// ("sub_000001", ...), which orders them after the existing ones.
func (c *CRM) AddSubscribers(subs ...CRMSubscriber) {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	for _, s := range subs {
		if s.ID == "" {
			s.ID = fmt.Sprintf("sub_%06d", len(c.subscribers)+1)
		}
		c.subscribers = append(c.subscribers, s)
	}
	sort.Slice(c.subscribers, func(i, j int) bool { return c.subscribers[i].ID < c.subscribers[j].ID })
}

// Seed adds n subscribers named "Subscriber N" at "subscriberN@example.com";
// every testEvery-th one (when testEvery > 0) is a test recipient.
func (c *CRM) Seed(n, testEvery int) {
	subs := make([]CRMSubscriber, n)
	for i := range subs {
		subs[i] = CRMSubscriber{
			Name:  fmt.Sprintf("Subscriber %d", i+1),
			Email: fmt.Sprintf("subscriber%d@example.com", i+1),
			Test:  testEvery > 0 && (i+1)%testEvery == 0,
		}
	}
	c.AddSubscribers(subs...)
}

// Delivered returns the number of recipients accepted, each batch counted
// once however often it was posted.
func (c *CRM) Delivered() int {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	return c.delivered
}

// Campaigns returns the number of campaigns holding at least one batch.
func (c *CRM) Campaigns() int {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	return len(c.campaigns)
}

// Duplicates returns how many batch posts repeated a known idempotency key.
func (c *CRM) Duplicates() int {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	return c.duplicates
}

// Batches returns the batches of a campaign in the order they were
// accepted.
func (c *CRM) Batches(campaign string) []CRMBatch {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	camp := c.campaigns[campaign]
	if camp == nil {
		return nil
	}
	out := make([]CRMBatch, len(camp.batches))
	copy(out, camp.batches)
	return out
}

// ServeHTTP answers the CRM API.
func (c *CRM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i, body, fl := c.begin(r)
	rec := &statusRecorder{ResponseWriter: w}
	defer func() { c.answered(i, rec.status) }()

	c.dmu.Lock()
	latency, expired := c.latency, c.expired
	random := c.failRate > 0 && c.rng.Float64() < c.failRate
	c.dmu.Unlock()
	if latency > 0 && !sleepCtx(r, latency) {
		return
	}
	if fl != nil {
		setRetryAfter(rec, fl.retryAfter)
		crmError(rec, fl.status, crmCode(fl.status), "", "scripted failure")
		return
	}
	tok, ok := bearer(r)
	if !ok || (c.apiKey != "" && tok != c.apiKey) {
		crmError(rec, http.StatusUnauthorized, "unauthorized", "", "invalid API key")
		return
	}
	if expired {
		crmError(rec, http.StatusUnauthorized, "token_expired", "", "the API key has expired")
		return
	}
	if random {
		crmError(rec, http.StatusServiceUnavailable, "unavailable", "", "random failure")
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(parts) == 2 && parts[0] == "v1" && parts[1] == "subscribers" && r.Method == http.MethodGet:
		c.list(rec, r)
	case len(parts) == 4 && parts[0] == "v1" && parts[1] == "campaigns" && parts[3] == "batches" && r.Method == http.MethodPost:
		c.post(rec, r, parts[2], body)
	case len(parts) == 3 && parts[0] == "v1" && parts[1] == "campaigns" && r.Method == http.MethodGet:
		c.campaign(rec, parts[2])
	default:
		crmError(rec, http.StatusNotFound, "not_found", "", "no such endpoint")
	}
}

// list answers GET /v1/subscribers.
func (c *CRM) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := crmDefaultLimit
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > crmMaxLimit {
			crmError(w, http.StatusUnprocessableEntity, "invalid", "limit", "limit must be 1-1000")
			return
		}
		limit = n
	}
	cursor := q.Get("cursor")
	c.dmu.Lock()
	start := sort.Search(len(c.subscribers), func(i int) bool { return c.subscribers[i].ID > cursor })
	end := min(start+limit, len(c.subscribers))
	page := append([]CRMSubscriber{}, c.subscribers[start:end]...)
	more := end < len(c.subscribers)
	c.dmu.Unlock()
	next := ""
	if more && len(page) > 0 {
		next = page[len(page)-1].ID
	}
	writeJSON(w, map[string]any{"subscribers": page, "next_cursor": next})
}

// post answers POST /v1/campaigns/{id}/batches.
func (c *CRM) post(w http.ResponseWriter, r *http.Request, campaign string, body []byte) {
	c.dmu.Lock()
	var fl *crmFault
	if len(c.batchFails) > 0 {
		first := c.batchFails[0]
		fl = &first
		c.batchFails = c.batchFails[1:]
	}
	c.dmu.Unlock()
	switch {
	case fl != nil && fl.body != "":
		w.Header().Set("Content-Type", fl.ctype)
		w.WriteHeader(fl.status)
		_, _ = w.Write([]byte(fl.body))
		return
	case fl != nil:
		setRetryAfter(w, fl.retryAfter)
		code := crmCode(fl.status)
		if fl.status == http.StatusUnauthorized {
			code = "token_expired"
		}
		crmError(w, fl.status, code, "", "scripted batch failure")
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		crmError(w, http.StatusBadRequest, "missing_idempotency_key", "", "the Idempotency-Key header is required")
		return
	}
	var req crmBatchRequest
	if err := json.Unmarshal(body, &req); err != nil {
		crmError(w, http.StatusBadRequest, "bad_json", "", "the body is not valid JSON")
		return
	}
	switch {
	case strings.TrimSpace(req.Subject) == "":
		crmError(w, http.StatusUnprocessableEntity, "invalid", "subject", "subject is required")
		return
	case req.HTML == "" && req.Text == "":
		crmError(w, http.StatusUnprocessableEntity, "invalid", "html", "html or text is required")
		return
	case len(req.Recipients) == 0 || len(req.Recipients) > crmMaxRecipients:
		crmError(w, http.StatusUnprocessableEntity, "invalid", "recipients", "1-1000 recipients are required")
		return
	}
	for i, rc := range req.Recipients {
		if !strings.Contains(rc.Email, "@") {
			crmError(w, http.StatusUnprocessableEntity, "invalid", fmt.Sprintf("recipients[%d].email", i), "invalid email")
			return
		}
	}
	subject := strings.ToLower(req.Subject)
	if strings.Contains(subject, "error") {
		crmError(w, http.StatusInternalServerError, "internal", "", "marker: error")
		return
	}
	if strings.Contains(subject, "slow") && !sleepCtx(r, crmSlowLatency) {
		return
	}

	c.dmu.Lock()
	if first, ok := c.byKey[key]; ok {
		c.duplicates++
		c.dmu.Unlock()
		writeJSON(w, map[string]any{"batch_id": first.ID, "accepted": first.Accepted})
		return
	}
	camp := c.campaigns[campaign]
	if camp == nil {
		camp = &crmCampaign{}
		c.campaigns[campaign] = camp
	}
	b := CRMBatch{
		ID:             fmt.Sprintf("bat_%06d", len(c.byKey)+1),
		Campaign:       campaign,
		IdempotencyKey: key,
		Accepted:       len(req.Recipients),
		CreatedAt:      time.Now().UTC(),
		Subject:        req.Subject, HTML: req.HTML, Text: req.Text,
		Recipients: req.Recipients,
	}
	camp.batches = append(camp.batches, b)
	c.byKey[key] = b
	c.delivered += b.Accepted
	stall := c.timeouts > 0 || strings.Contains(subject, "timeout")
	if c.timeouts > 0 {
		c.timeouts--
	}
	stallFor := c.stall
	c.dmu.Unlock()

	if stall {
		sleepCtx(r, stallFor)
		crmError(w, http.StatusGatewayTimeout, "timeout", "", "accepted, then timed out")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{"batch_id": b.ID, "accepted": b.Accepted})
}

// campaign answers GET /v1/campaigns/{id}.
func (c *CRM) campaign(w http.ResponseWriter, id string) {
	c.dmu.Lock()
	camp := c.campaigns[id]
	var batches []CRMBatch
	total := 0
	if camp != nil {
		batches = append(batches, camp.batches...)
		for _, b := range batches {
			total += b.Accepted
		}
	}
	c.dmu.Unlock()
	if camp == nil {
		crmError(w, http.StatusNotFound, "not_found", "", "no such campaign")
		return
	}
	writeJSON(w, map[string]any{"id": id, "accepted": total, "batches": batches})
}

// sleepCtx waits d or until the client goes away; it reports whether the
// full delay passed.
func sleepCtx(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// crmCode names the error code of a scripted status.
func crmCode(status int) string {
	switch status {
	case http.StatusTooManyRequests:
		return "rate_limited"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return "invalid"
	}
	return "internal"
}

// crmError writes the CRM's error shape.
func crmError(w http.ResponseWriter, status int, code, field, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	e := map[string]any{"code": code, "message": msg}
	if field != "" {
		e["field"] = field
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"error": e})
}

// Render returns the message recipient i of the batch receives, its merge
// variables filled as a CRM fills them (content.Merge, HTML-escaped in
// the HTML part). It returns "" for an index out of range.
func (b CRMBatch) Render(i int) (html, text string) {
	if i < 0 || i >= len(b.Recipients) {
		return "", ""
	}
	vars := b.Recipients[i].Merge
	return content.Merge(b.HTML, vars, true), content.Merge(b.Text, vars, false)
}
