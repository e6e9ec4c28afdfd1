package email

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish"
)

// CRM defaults.
const (
	DefaultBatchSize    = 100
	DefaultBatchRate    = 10 // batches per second
	DefaultMaxTries     = 5
	DefaultMaxRetryWait = time.Minute
	defaultPageSize     = 500
	defaultBackoff      = 100 * time.Millisecond
	maxBackoff          = 5 * time.Second
)

// CRMConfig configures a CRM publisher. Zero fields take the defaults.
type CRMConfig struct {
	// Endpoint is the API's base URL, such as "https://crm.example.com".
	Endpoint string
	// APIKey is sent as "Authorization: Bearer <APIKey>".
	APIKey string
	// Name is the publisher's name; default "email-crm".
	Name string
	// HTTPClient sends the requests; default a client with a 30 s timeout.
	// Its timeout bounds each request: a batch that times out after it
	// was sent is OutcomeUnknown.
	HTTPClient *http.Client
	// BatchSize is the number of recipients per batch, 1-1000; default 100.
	BatchSize int
	// PageSize is the number of subscribers asked for per page, 1-1000;
	// default 500.
	PageSize int
	// Rate is the number of batches sent per second; default 10. Burst is
	// the limiter's burst; default 1.
	Rate  rate.Limit
	Burst int
	// MaxTries bounds the attempts of one request answered 429 or 5xx;
	// default 5. MaxRetryWait is the longest Retry-After honoured in
	// place (longer ones are returned as RateLimited); default 1 min.
	MaxTries     int
	MaxRetryWait time.Duration
	// Backoff is the first wait after a 5xx (doubled per try, at most
	// 5 s), and after a 429 without Retry-After; default 100 ms.
	Backoff time.Duration
	// Checkpoint records progress per batch; default an in-memory one,
	// which survives a failed Publish but not a restart.
	Checkpoint Checkpoint
	// UnsubscribeURL and PreferencesURL are templates of each recipient's
	// links: "{{email}}" and "{{id}}" are replaced by the subscriber's
	// address and ID, query-escaped. Empty: no such merge variable.
	UnsubscribeURL string
	PreferencesURL string
	// TestMode sends only to subscribers flagged as test recipients.
	// Give test sends their own delivery (another account), so that their
	// idempotency keys differ from the real send's.
	TestMode bool
}

// CRM publishes newsletters through a CRM's bulk API (the shape of
// mock.CRM): it lists subscribers page by page, sends them in batches at
// the configured rate, each batch under the idempotency key "<key>:<n>",
// and checkpoints after every batch. The campaign ID at the CRM is the
// delivery's idempotency key. It is safe for concurrent use.
type CRM struct {
	cfg     CRMConfig
	base    *url.URL
	client  *http.Client
	limiter *rate.Limiter
	cp      Checkpoint
	now     func() time.Time
}

var _ publish.Publisher = (*CRM)(nil)

// NewCRM returns a CRM publisher, or an error when the configuration is
// invalid.
func NewCRM(cfg CRMConfig) (*CRM, error) {
	base, err := url.Parse(strings.TrimRight(cfg.Endpoint, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("email: crm endpoint %q is not an http(s) URL", cfg.Endpoint)
	}
	if cfg.APIKey == "" {
		return nil, errors.New("email: crm api key is empty")
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	if cfg.BatchSize < 1 || cfg.BatchSize > 1000 {
		return nil, fmt.Errorf("email: crm batch size %d is outside 1-1000", cfg.BatchSize)
	}
	if cfg.PageSize == 0 {
		cfg.PageSize = defaultPageSize
	}
	if cfg.PageSize < 1 || cfg.PageSize > 1000 {
		return nil, fmt.Errorf("email: crm page size %d is outside 1-1000", cfg.PageSize)
	}
	if cfg.Rate <= 0 {
		cfg.Rate = DefaultBatchRate
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 1
	}
	if cfg.MaxTries <= 0 {
		cfg.MaxTries = DefaultMaxTries
	}
	if cfg.MaxRetryWait <= 0 {
		cfg.MaxRetryWait = DefaultMaxRetryWait
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = defaultBackoff
	}
	if cfg.Name == "" {
		cfg.Name = "email-crm"
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	cp := cfg.Checkpoint
	if cp == nil {
		cp = &MemoryCheckpoint{}
	}
	return &CRM{cfg: cfg, base: base, client: client, limiter: rate.NewLimiter(cfg.Rate, cfg.Burst), cp: cp, now: time.Now}, nil
}

// Name returns the publisher's name.
func (c *CRM) Name() string { return c.cfg.Name }

// Channel returns content.ChannelEmail.
func (c *CRM) Channel() content.Channel { return content.ChannelEmail }

// Validate reports a missing newsletter, subject or body.
func (c *CRM) Validate(_ context.Context, b *content.Bundle) []content.Issue {
	return validateNewsletter(b)
}

// validateNewsletter is the validation both email publishers share.
func validateNewsletter(b *content.Bundle) []content.Issue {
	if b == nil || b.Newsletter == nil {
		return []content.Issue{{Severity: content.SeverityError, Field: "newsletter", Code: content.CodeRequired, Message: "the bundle has no newsletter"}}
	}
	var out []content.Issue
	if strings.TrimSpace(b.Newsletter.Subject) == "" {
		out = append(out, content.Issue{Severity: content.SeverityError, Field: "newsletter.subject", Code: content.CodeRequired, Message: "the subject is empty"})
	}
	if strings.TrimSpace(b.Newsletter.HTML) == "" && strings.TrimSpace(b.Newsletter.Text) == "" {
		out = append(out, content.Issue{Severity: content.SeverityError, Field: "newsletter.html", Code: content.CodeRequired, Message: "the newsletter has neither HTML nor text"})
	}
	return out
}

// checkDelivery returns d's newsletter, or InvalidContent.
func checkDelivery(op string, d publish.Delivery) (*content.Newsletter, error) {
	if d.IdempotencyKey == "" {
		return nil, &content.Error{Class: content.InvalidContent, Op: op, Field: "idempotency_key", Err: errors.New("the delivery has no idempotency key")}
	}
	if issues := validateNewsletter(d.Bundle); len(issues) > 0 {
		return nil, &content.Error{Class: content.InvalidContent, Op: op, Field: issues[0].Field, Err: issues[0]}
	}
	return d.Bundle.Newsletter, nil
}

// Preview returns the body of the first batch's request for one sample
// recipient, and the estimates "html_bytes" and "batch_size" (labelled as
// estimates: the recipient count is known only when sending).
func (c *CRM) Preview(_ context.Context, d publish.Delivery) (publish.Preview, error) {
	nl, err := checkDelivery("email-crm: preview", d)
	if err != nil {
		return publish.Preview{}, err
	}
	sample := subscriber{ID: "sample", Name: "Sample Subscriber", Email: "subscriber@example.com"}
	body, err := json.Marshal(c.batchRequest(nl, []subscriber{sample}))
	if err != nil {
		return publish.Preview{}, &content.Error{Class: content.Permanent, Op: "email-crm: preview", Err: err}
	}
	return publish.Preview{Channel: content.ChannelEmail, Payload: body, Estimates: map[string]float64{
		"html_bytes": float64(len(nl.HTML)), "batch_size": float64(c.cfg.BatchSize),
		"estimated_deliverability_score": DeliverabilityEstimate(nl),
	}}, nil
}

// subscriber is one entry of GET /v1/subscribers.
type subscriber struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	Test  bool   `json:"test"`
}

// recipient is one recipient of a batch request.
type recipient struct {
	Email string            `json:"email"`
	Merge map[string]string `json:"merge"`
}

// batchRequest is the body of POST /v1/campaigns/{id}/batches.
type batchRequest struct {
	Recipients []recipient `json:"recipients"`
	Subject    string      `json:"subject"`
	HTML       string      `json:"html"`
	Text       string      `json:"text"`
}

// progress is the checkpointed state of a send.
type progress struct {
	Batches int       `json:"batches"` // batches done
	Sent    int       `json:"sent"`    // recipients accepted
	After   string    `json:"after"`   // the last subscriber ID handled
	Done    bool      `json:"done"`
	At      time.Time `json:"at,omitzero"`
}

func (c *CRM) batchRequest(nl *content.Newsletter, subs []subscriber) batchRequest {
	req := batchRequest{Subject: nl.Subject, HTML: nl.HTML, Text: nl.Text, Recipients: make([]recipient, len(subs))}
	for i, s := range subs {
		req.Recipients[i] = recipient{Email: s.Email, Merge: c.mergeVars(s)}
	}
	return req
}

// mergeVars returns the merge variables of s.
func (c *CRM) mergeVars(s subscriber) map[string]string {
	return mergeVars(s.ID, s.Name, s.Email, c.cfg.UnsubscribeURL, c.cfg.PreferencesURL)
}

// mergeVars fills the merge variables of one recipient; URL templates take
// "{{email}}" and "{{id}}", query-escaped.
func mergeVars(id, name, addr, unsubscribe, preferences string) map[string]string {
	m := map[string]string{"name": name}
	r := strings.NewReplacer("{{email}}", url.QueryEscape(addr), "{{id}}", url.QueryEscape(id))
	if unsubscribe != "" {
		m["unsubscribe_url"] = r.Replace(unsubscribe)
	}
	if preferences != "" {
		m["preferences_url"] = r.Replace(preferences)
	}
	return m
}

// Publish sends the newsletter of d to every subscriber (only test
// recipients in test mode), resuming after the last checkpointed batch. A
// delivery already completed returns its receipt and sends nothing. It
// asks the CRM for the campaign first and does not post again a batch the
// CRM holds under its key (one taken just before a crash, before its
// checkpoint was saved, or all of them when the checkpoint is lost).
func (c *CRM) Publish(ctx context.Context, d publish.Delivery) (publish.Receipt, error) {
	const op = "email-crm: publish"
	nl, err := checkDelivery(op, d)
	if err != nil {
		return publish.Receipt{}, err
	}
	if d.DryRun {
		return publish.Receipt{Status: "dry_run", DryRun: true, At: c.now()}, nil
	}
	if err := ctx.Err(); err != nil {
		return publish.Receipt{}, &content.Error{Class: content.Retryable, Op: op, Err: err}
	}
	key := d.IdempotencyKey
	p, err := c.load(ctx, key)
	if err != nil {
		return publish.Receipt{}, err
	}
	if p.Done {
		return c.receipt(key, p, "sent"), nil
	}
	var known *campaignState
	err = c.retry(ctx, false, func() (err error) {
		known, err = c.campaign(ctx, key)
		return err
	})
	if err != nil && content.ClassOf(err) != content.NotFound {
		return publish.Receipt{}, err
	}
	err = c.eachBatch(ctx, p, func(n int, subs []subscriber) (bool, error) {
		bkey := batchKey(key, n)
		accepted, ok := known.accepted(bkey)
		if !ok {
			body, err := json.Marshal(c.batchRequest(nl, subs))
			if err != nil {
				return false, &content.Error{Class: content.Permanent, Op: op, Err: err}
			}
			err = c.retry(ctx, true, func() (err error) {
				accepted, err = c.post(ctx, key, bkey, body)
				return err
			})
			if err != nil {
				return false, err
			}
		}
		p.Batches, p.Sent, p.After = n, p.Sent+accepted, subs[len(subs)-1].ID
		return true, c.save(ctx, key, p)
	})
	if err != nil {
		return publish.Receipt{}, err
	}
	p.Done, p.At = true, c.now().UTC()
	if err := c.save(ctx, key, p); err != nil {
		return publish.Receipt{}, err
	}
	return c.receipt(key, p, "sent"), nil
}

func (c *CRM) receipt(key string, p progress, status string) publish.Receipt {
	return publish.Receipt{ExternalID: key, Status: status, Sent: p.Sent, At: p.At}
}

// batchKey is the idempotency key of the n-th batch (from 1) of the send
// under key. Batches are numbered in subscriber ID order, so a resumed
// send, and Lookup, give every batch the key its first attempt had.
func batchKey(key string, n int) string { return key + ":" + strconv.Itoa(n) }

// eachBatch walks the batches of a send that come after the checkpoint p:
// it lists the subscribers after p.After page by page (only test ones in
// test mode) and calls fn with the number and recipients of each batch in
// order, numbered from p.Batches+1, until fn returns false or an error, or
// the list ends. It returns fn's error or a listing failure.
func (c *CRM) eachBatch(ctx context.Context, p progress, fn func(n int, subs []subscriber) (bool, error)) error {
	n := p.Batches + 1
	var pending []subscriber
	cursor := p.After
	for {
		var page []subscriber
		var next string
		err := c.retry(ctx, false, func() (err error) {
			page, next, err = c.list(ctx, cursor)
			return err
		})
		if err != nil {
			return err
		}
		for _, s := range page {
			if !c.cfg.TestMode || s.Test {
				pending = append(pending, s)
			}
		}
		for len(pending) >= c.cfg.BatchSize {
			more, err := fn(n, pending[:c.cfg.BatchSize:c.cfg.BatchSize])
			if err != nil || !more {
				return err
			}
			n++
			pending = pending[c.cfg.BatchSize:]
		}
		if next == "" || len(page) == 0 {
			break
		}
		cursor = next
	}
	if len(pending) > 0 {
		_, err := fn(n, pending)
		return err
	}
	return nil
}

// load reads the checkpoint of key.
func (c *CRM) load(ctx context.Context, key string) (progress, error) {
	var p progress
	s, err := c.cp.Load(ctx, key)
	if err != nil {
		return p, &content.Error{Class: content.Retryable, Op: "email-crm: load checkpoint", Err: err}
	}
	if s == "" {
		return p, nil
	}
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		return p, &content.Error{Class: content.Permanent, Op: "email-crm: load checkpoint", Err: fmt.Errorf("malformed checkpoint: %w", err)}
	}
	return p, nil
}

// save writes the checkpoint of key. A failure is Retryable: the batch is
// at the CRM under its key, so a resumed send finds it and skips it.
func (c *CRM) save(ctx context.Context, key string, p progress) error {
	b, err := json.Marshal(p)
	if err == nil {
		err = c.cp.Save(ctx, key, string(b))
	}
	if err != nil {
		return &content.Error{Class: content.Retryable, Op: "email-crm: save checkpoint", Err: err}
	}
	return nil
}

// retry runs fn, waiting for the rate limiter first when limit is set,
// and runs it again (at most MaxTries in all) after a 429, honouring its
// Retry-After up to MaxRetryWait, or after a Retryable failure, backing
// off exponentially. Other failures return at once.
func (c *CRM) retry(ctx context.Context, limit bool, fn func() error) error {
	backoff := c.cfg.Backoff
	for try := 1; ; try++ {
		if limit {
			if err := c.limiter.Wait(ctx); err != nil {
				return &content.Error{Class: content.Retryable, Op: "email-crm: rate limit", Err: err}
			}
		}
		err := fn()
		if err == nil {
			return nil
		}
		var ce *content.Error
		if !errors.As(err, &ce) || try >= c.cfg.MaxTries || ctx.Err() != nil {
			return err
		}
		wait := backoff
		switch ce.Class {
		case content.RateLimited:
			if ce.RetryAfter > 0 {
				wait = ce.RetryAfter
			}
			if wait > c.cfg.MaxRetryWait {
				return err
			}
		case content.Retryable:
		default:
			return err
		}
		backoff = min(backoff*2, maxBackoff)
		if err := sleep(ctx, wait); err != nil {
			return &content.Error{Class: content.Retryable, Op: "email-crm: retry wait", Err: err}
		}
	}
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// post sends one batch request.
func (c *CRM) post(ctx context.Context, campaign, bkey string, body []byte) (int, error) {
	const op = "email-crm: post batch"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint("v1", "campaigns", campaign, "batches"), bytes.NewReader(body))
	if err != nil {
		return 0, &content.Error{Class: content.Permanent, Op: op, Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", bkey)
	var out struct {
		BatchID  string `json:"batch_id"`
		Accepted *int   `json:"accepted"`
	}
	if err := c.do(req, op, true, &out); err != nil {
		return 0, err
	}
	if out.Accepted == nil {
		// The CRM answered 2xx, so the batch was taken, but not how many.
		return 0, &content.Error{Class: content.OutcomeUnknown, Op: op, Err: errors.New("the response has no accepted count")}
	}
	return *out.Accepted, nil
}

// list fetches one page of subscribers after cursor.
func (c *CRM) list(ctx context.Context, cursor string) ([]subscriber, string, error) {
	const op = "email-crm: list subscribers"
	q := url.Values{"limit": {strconv.Itoa(c.cfg.PageSize)}}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint("v1", "subscribers")+"?"+q.Encode(), nil)
	if err != nil {
		return nil, "", &content.Error{Class: content.Permanent, Op: op, Err: err}
	}
	var out struct {
		Subscribers []subscriber `json:"subscribers"`
		NextCursor  string       `json:"next_cursor"`
	}
	if err := c.do(req, op, false, &out); err != nil {
		return nil, "", err
	}
	if out.NextCursor != "" && out.NextCursor == cursor {
		return nil, "", &content.Error{Class: content.Permanent, Op: op, Err: errors.New("the cursor did not advance")}
	}
	return out.Subscribers, out.NextCursor, nil
}

// campaignState is what the CRM holds of a campaign.
type campaignState struct {
	Accepted int `json:"accepted"`
	Batches  []struct {
		ID             string    `json:"batch_id"`
		IdempotencyKey string    `json:"idempotency_key"`
		Accepted       int       `json:"accepted"`
		CreatedAt      time.Time `json:"created_at"`
	} `json:"batches"`
}

// accepted returns the accepted count of the batch with key bkey, if the
// CRM holds it. A nil state holds nothing.
func (s *campaignState) accepted(bkey string) (int, bool) {
	if s == nil {
		return 0, false
	}
	for _, b := range s.Batches {
		if b.IdempotencyKey == bkey {
			return b.Accepted, true
		}
	}
	return 0, false
}

// campaign fetches the campaign with ID id; NotFound when it has no batch.
func (c *CRM) campaign(ctx context.Context, id string) (*campaignState, error) {
	const op = "email-crm: get campaign"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint("v1", "campaigns", id), nil)
	if err != nil {
		return nil, &content.Error{Class: content.Permanent, Op: op, Err: err}
	}
	var out campaignState
	if err := c.do(req, op, false, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Lookup reports whether the send of key is complete, that is whether
// every batch of it is at the CRM; ok is false for a send never started
// and for one interrupted half way, so that the Engine publishes again
// and Publish resumes it (posting only the batches the CRM does not hold).
// A send the checkpoint records as complete is answered from it, with
// the receipt Publish returned. Otherwise the CRM's campaign is compared
// with the batches the send is made of: those after the checkpoint are
// listed again, as Publish would send them, and the send is complete when
// the CRM holds each of them under its key (the checkpoint missed the
// end: a crash, an answer lost after the CRM took the last batch). The
// receipt then has Status "sent", Sent the recipients the checkpoint and
// those batches account for, and At the time the CRM took the last batch.
// Lookup writes nothing.
func (c *CRM) Lookup(ctx context.Context, key string) (publish.Receipt, bool, error) {
	p, err := c.load(ctx, key)
	if err != nil {
		return publish.Receipt{}, false, err
	}
	if p.Done {
		return c.receipt(key, p, "sent"), true, nil
	}
	var st *campaignState
	err = c.retry(ctx, false, func() (err error) {
		st, err = c.campaign(ctx, key)
		return err
	})
	if content.ClassOf(err) == content.NotFound {
		return publish.Receipt{}, false, nil
	}
	if err != nil {
		return publish.Receipt{}, false, err
	}
	if len(st.Batches) == 0 {
		return publish.Receipt{}, false, nil
	}
	complete, sent := true, p.Sent
	err = c.eachBatch(ctx, p, func(n int, _ []subscriber) (bool, error) {
		accepted, ok := st.accepted(batchKey(key, n))
		if !ok {
			complete = false
			return false, nil
		}
		sent += accepted
		return true, nil
	})
	if err != nil {
		return publish.Receipt{}, false, err
	}
	if !complete {
		return publish.Receipt{}, false, nil
	}
	at := st.Batches[len(st.Batches)-1].CreatedAt
	return publish.Receipt{ExternalID: key, Status: "sent", Sent: sent, At: at}, true, nil
}

// endpoint joins path segments, escaped, to the base URL.
func (c *CRM) endpoint(segs ...string) string {
	u := *c.base
	for _, s := range segs {
		u.Path += "/" + url.PathEscape(s)
	}
	return u.String()
}

// do sends req with the API key, classifies failures, and decodes a 2xx
// JSON body into out. sent marks requests that may take effect (POST):
// their timeouts and undecodable 2xx answers are OutcomeUnknown.
func (c *CRM) do(req *http.Request, op string, sent bool, out any) error {
	req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return classifyTransport(op, err, sent)
	}
	defer resp.Body.Close()
	body, err := readBody(resp.Body)
	if err != nil {
		if resp.StatusCode/100 == 2 && sent {
			return &content.Error{Class: content.OutcomeUnknown, Op: op, Err: err}
		}
		return &content.Error{Class: content.Retryable, Op: op, Err: err}
	}
	if resp.StatusCode/100 != 2 {
		ce := classifyStatus(op, resp, body, c.now())
		if ce.Class == content.OutcomeUnknown && !sent {
			// A read that timed out changed nothing: try it again.
			ce.Class = content.Retryable
		}
		return ce
	}
	if err := json.Unmarshal(body, out); err != nil {
		class := content.Retryable
		if sent {
			class = content.OutcomeUnknown
		}
		return &content.Error{Class: class, Op: op, Err: fmt.Errorf("malformed response (%s): %w", snippet(body), err)}
	}
	return nil
}
