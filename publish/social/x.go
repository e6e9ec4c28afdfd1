package social

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish"
)

// XConfig configures an X publisher.
type XConfig struct {
	// Endpoint is the API root; "" means https://api.x.com.
	Endpoint string
	// Token is the OAuth 2.0 user access token (tweet.write, tweet.read,
	// users.read scopes), sent as a bearer token. Required.
	Token string
	// TokenExpiresAt, when set and past, makes every call AuthExpired
	// without a request.
	TokenExpiresAt time.Time
	// Client sends the requests; nil means a client with a 30 s timeout.
	Client *http.Client
	// Keys journals deliveries; nil means a new MemoryKeyStore.
	Keys KeyStore
	// Rates, if set, receives the headers of every answer to a post
	// (x-rate-limit-limit/remaining/reset), under publish.RateKey of the
	// delivery.
	Rates publish.RateObserver
	// Audience is the follower count preview estimates start from.
	Audience int
	// LookupDepth is how many recent posts Lookup searches (at most 100,
	// the API's page size); 0 means 100.
	LookupDepth int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// X publishes posts and threads through the X API v2 (POST /2/tweets).
//
// Idempotency: X has no idempotency key, so X journals each delivery in
// its KeyStore (the texts before sending, each part's id after) and
// sends the key as Idempotency-Key anyway (per part: KEY, KEY.2, KEY.3,
// ...; mock.X honours it). To reconcile a part whose outcome is unknown,
// it lists the account's recent posts (GET /2/users/me, then GET
// /2/users/{id}/tweets) and matches the journalled text as X returns it:
// X rewrites every link to a t.co link, so every http:// or https:// URL
// (up to the next whitespace) stands for any URL on both sides, runs of
// whitespace count as one space, leading and trailing whitespace none,
// and X's HTML escapes (&amp;, &lt;, &gt;) are read as the characters
// they stand for. Everything else must be equal: a post worded
// differently is not a match (posts differing only in their links look
// alike; of those, the newest wins), nor is a first part posted before
// the delivery began to send (Record.Began, less five minutes of clock
// skew; X's created_at): last week's post with another link is not this
// week's. A post whose link has no scheme (a
// bare domain such as example.com, which X also rewrites) is not
// recognised; Lookup then reports not found and the delivery stays for a
// person to reconcile, as the engine does with any OutcomeUnknown it
// cannot resolve.
type X struct {
	cfg   XConfig
	base  string
	keys  KeyStore
	locks keyLocks

	mu     sync.Mutex
	userID string
}

var _ publish.Publisher = (*X)(nil)

// NewX returns an X publisher, or an error when cfg has no token or a bad
// endpoint.
func NewX(cfg XConfig) (*X, error) {
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, fmt.Errorf("social: x: a token is required")
	}
	base := cfg.Endpoint
	if base == "" {
		base = "https://api.x.com"
	}
	if !httpURL(base) {
		return nil, fmt.Errorf("social: x: endpoint %q is not an http(s) URL", base)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.LookupDepth <= 0 || cfg.LookupDepth > 100 {
		cfg.LookupDepth = 100
	}
	keys := cfg.Keys
	if keys == nil {
		keys = &MemoryKeyStore{}
	}
	return &X{cfg: cfg, base: strings.TrimRight(base, "/"), keys: keys}, nil
}

// Name returns "x".
func (x *X) Name() string { return "x" }

// Channel returns content.ChannelTwitter.
func (x *X) Channel() content.Channel { return content.ChannelTwitter }

// Validate checks the bundle's X post: every thread part at most 280
// weighted characters, the hashtag cap, http(s) media URLs.
func (x *X) Validate(_ context.Context, b *content.Bundle) []content.Issue {
	return validatePost(b, content.PlatformTwitter, true)
}

// xParts returns the texts to post: the thread, or the text alone.
func xParts(sp content.SocialPost) []string {
	if len(sp.Thread) > 0 {
		return sp.Thread
	}
	return []string{sp.Text}
}

// xBody is the JSON of POST /2/tweets.
type xBody struct {
	Text  string  `json:"text"`
	Reply *xReply `json:"reply,omitempty"`
}

type xReply struct {
	InReplyToTweetID string `json:"in_reply_to_tweet_id"`
}

// Preview returns the bodies Publish would send: one object, or for a
// thread a JSON array with one object per part (reply ids are known only
// once the previous part is posted and show as "<id of part N>").
func (x *X) Preview(ctx context.Context, d publish.Delivery) (publish.Preview, error) {
	const op = "x: preview"
	if err := checkDelivery(op, d); err != nil {
		return publish.Preview{}, err
	}
	if err := invalid(op, x.Validate(ctx, d.Bundle)); err != nil {
		return publish.Preview{}, err
	}
	sp, _ := postFor(d.Bundle, content.PlatformTwitter)
	parts := xParts(sp)
	bodies := make([]xBody, len(parts))
	for i, t := range parts {
		bodies[i].Text = t
		if i > 0 {
			bodies[i].Reply = &xReply{InReplyToTweetID: fmt.Sprintf("<id of part %d>", i)}
		}
	}
	var payload []byte
	var err error
	if len(bodies) == 1 {
		payload, err = json.Marshal(bodies[0])
	} else {
		payload, err = json.Marshal(bodies)
	}
	if err != nil {
		return publish.Preview{}, &content.Error{Class: content.Permanent, Op: op, Err: err}
	}
	// Organic reach on X is a few percent of followers; engagement about
	// 1% of those reached.
	return publish.Preview{Channel: content.ChannelTwitter, Platform: content.PlatformTwitter, Payload: payload,
		Estimates: estimates(x.cfg.Audience, 0.05, 0.01, len(parts))}, nil
}

// partKey is the idempotency key of part i (0-based) of a delivery.
func partKey(key string, i int) string {
	if i == 0 {
		return key
	}
	return key + "." + strconv.Itoa(i+1)
}

// Publish posts the delivery's text, or its thread part by part, each a
// reply to the previous. A key already published returns the first
// receipt; a thread broken off resumes after its last posted part.
func (x *X) Publish(ctx context.Context, d publish.Delivery) (publish.Receipt, error) {
	const op = "x: publish"
	if err := checkDelivery(op, d); err != nil {
		return publish.Receipt{}, err
	}
	if err := invalid(op, x.Validate(ctx, d.Bundle)); err != nil {
		return publish.Receipt{}, err
	}
	if d.DryRun {
		return dryReceipt(x.cfg.Now()), nil
	}
	if err := x.tokenValid(op); err != nil {
		return publish.Receipt{}, err
	}
	if err := ctxErr(op, ctx); err != nil {
		return publish.Receipt{}, err
	}
	unlock, err := x.locks.lock(ctx, d.IdempotencyKey)
	if err != nil {
		return publish.Receipt{}, ctxErr(op, ctx)
	}
	defer unlock()

	key := d.IdempotencyKey
	rec, ok, err := x.keys.Get(ctx, key)
	if err != nil {
		return publish.Receipt{}, &content.Error{Class: content.Retryable, Op: op, Err: fmt.Errorf("journal: %w", err)}
	}
	if ok && rec.Done {
		return receiptOf(rec), nil
	}
	if !ok {
		sp, _ := postFor(d.Bundle, content.PlatformTwitter)
		rec = Record{Texts: xParts(sp)}
		if err := x.put(ctx, op, key, rec); err != nil {
			return publish.Receipt{}, err
		}
	}
	if rec.Unsure {
		if rec, err = x.reconcile(ctx, op, key, rec); err != nil {
			return publish.Receipt{}, err
		}
	}
	for i := len(rec.IDs); i < len(rec.Texts); i++ {
		body := xBody{Text: rec.Texts[i]}
		if i > 0 {
			body.Reply = &xReply{InReplyToTweetID: rec.IDs[i-1]}
		}
		rec.Unsure = true
		if rec.Began.IsZero() {
			rec.Began = x.cfg.Now().UTC()
		}
		if err := x.put(ctx, op, key, rec); err != nil {
			return publish.Receipt{}, err
		}
		id, err := x.post(ctx, op, partKey(key, i), publish.RateKey(d), body)
		if err != nil {
			if content.ClassOf(err) != content.OutcomeUnknown {
				rec.Unsure = false
				// Best effort: if this write fails the record stays Unsure, and the
				// next attempt looks the post up before sending: safe, only slower.
				_ = x.keys.Put(context.WithoutCancel(ctx), key, rec)
			}
			return publish.Receipt{}, err
		}
		rec.IDs = append(rec.IDs, id)
		rec.Unsure = false
		rec.At = x.cfg.Now()
		if err := x.put(context.WithoutCancel(ctx), op, key, rec); err != nil {
			return publish.Receipt{}, err
		}
	}
	rec.Done = true
	rec.URL = "https://x.com/i/web/status/" + rec.IDs[0]
	if err := x.put(context.WithoutCancel(ctx), op, key, rec); err != nil {
		return publish.Receipt{}, err
	}
	return receiptOf(rec), nil
}

// put journals rec under key.
func (x *X) put(ctx context.Context, op, key string, rec Record) error {
	if err := x.keys.Put(ctx, key, rec); err != nil {
		return &content.Error{Class: content.Retryable, Op: op, Err: fmt.Errorf("journal: %w", err)}
	}
	return nil
}

// tokenValid fails with AuthExpired when the configured expiry is past.
func (x *X) tokenValid(op string) error {
	if !x.cfg.TokenExpiresAt.IsZero() && !x.cfg.Now().Before(x.cfg.TokenExpiresAt) {
		return &content.Error{Class: content.AuthExpired, Op: op, Err: fmt.Errorf("token expired at %s", x.cfg.TokenExpiresAt.Format(time.RFC3339))}
	}
	return nil
}

// header returns the headers of a request, with key as Idempotency-Key
// when not "".
func (x *X) header(key string) http.Header {
	h := http.Header{}
	h.Set("Authorization", "Bearer "+x.cfg.Token)
	h.Set("Accept", "application/json")
	if key != "" {
		h.Set("Idempotency-Key", key)
		h.Set("Content-Type", "application/json")
	}
	return h
}

// post sends one POST /2/tweets and returns the new post's id. The
// answer's headers go to the RateObserver under rateKey.
func (x *X) post(ctx context.Context, op, key, rateKey string, body xBody) (string, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return "", &content.Error{Class: content.Permanent, Op: op, Err: err}
	}
	r, err := do(ctx, x.cfg.Client, op, http.MethodPost, x.base+"/2/tweets", x.header(key), data)
	if err != nil {
		return "", err
	}
	if x.cfg.Rates != nil {
		x.cfg.Rates.ObserveRateHeaders(rateKey, r.header)
	}
	if r.status < 200 || r.status > 299 {
		return "", classify(op, r, parseXError, x.cfg.Now(), "x-rate-limit-reset")
	}
	var out struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil {
		return "", unreadable(op, err)
	}
	if out.Data.ID == "" {
		return "", unreadable(op, errNoBody)
	}
	return out.Data.ID, nil
}

// parseXError reads X's error shape: {"title","detail","type","status"}
// and, for invalid requests, "errors":[{"parameters":{field:[...]},
// "message"}].
func parseXError(body []byte) (string, string) {
	var e struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
		Errors []struct {
			Parameters map[string]json.RawMessage `json:"parameters"`
			Message    string                     `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &e) != nil {
		return "", ""
	}
	msg := strings.TrimSpace(e.Title + ": " + e.Detail)
	field := ""
	for _, er := range e.Errors {
		if er.Message != "" {
			msg += "; " + er.Message
		}
		for k := range er.Parameters {
			// The least name, so the answer does not depend on map order; an
			// empty name names no field.
			if k != "" && (field == "" || k < field) {
				field = k
			}
		}
	}
	return strings.Trim(msg, ": "), field
}

// Lookup finds a delivery by key: from the journal when complete, else by
// searching the account's recent posts for the journalled texts (see X).
// A thread is found only when every part is; the parts found are
// journalled, so a later Publish posts only the rest.
func (x *X) Lookup(ctx context.Context, key string) (publish.Receipt, bool, error) {
	const op = "x: lookup"
	if err := x.tokenValid(op); err != nil {
		return publish.Receipt{}, false, err
	}
	unlock, err := x.locks.lock(ctx, key)
	if err != nil {
		return publish.Receipt{}, false, ctxErr(op, ctx)
	}
	defer unlock()
	rec, ok, err := x.keys.Get(ctx, key)
	if err != nil {
		return publish.Receipt{}, false, &content.Error{Class: content.Retryable, Op: op, Err: fmt.Errorf("journal: %w", err)}
	}
	if !ok {
		return publish.Receipt{}, false, nil
	}
	if !rec.Done {
		if rec, err = x.reconcile(ctx, op, key, rec); err != nil {
			return publish.Receipt{}, false, err
		}
	}
	if !rec.Done {
		return publish.Receipt{}, false, nil
	}
	return receiptOf(rec), true, nil
}

// xClockSkew is how far X's clock and ours may disagree when reconcile
// tells a post made for this delivery from an older one.
const xClockSkew = 5 * time.Minute

// reconcile searches the recent posts for the parts of rec not yet
// journalled as posted, journals those found in order, and marks rec done
// when all are. Callers hold the key's lock.
func (x *X) reconcile(ctx context.Context, op, key string, rec Record) (Record, error) {
	recent, err := x.recent(ctx, op)
	if err != nil {
		return rec, err
	}
	for i := len(rec.IDs); i < len(rec.Texts); i++ {
		id := ""
		want := xComparable(rec.Texts[i])
		for _, t := range recent { // newest first: the latest match wins
			if i == 0 && !rec.Began.IsZero() && !t.CreatedAt.IsZero() && t.CreatedAt.Before(rec.Began.Add(-xClockSkew)) {
				continue // an older post alike (last week's, with another link)
			}
			if xSameText(want, t.Text) && (i == 0 || t.replyTo() == rec.IDs[i-1]) {
				id = t.ID
				break
			}
		}
		if id == "" {
			break
		}
		rec.IDs = append(rec.IDs, id)
		rec.At = x.cfg.Now()
	}
	rec.Unsure = false
	if len(rec.IDs) == len(rec.Texts) {
		rec.Done = true
		rec.URL = "https://x.com/i/web/status/" + rec.IDs[0]
	}
	if err := x.put(context.WithoutCancel(ctx), op, key, rec); err != nil {
		return rec, err
	}
	return rec, nil
}

// xURL matches a URL as reconciliation sees it: http:// or https:// up to
// the next whitespace.
var xURL = regexp.MustCompile(`(?i)https?://\S+`)

// xURLPlaceholder stands for every URL in a comparable text. It holds a
// character no post contains, so no text without a URL can produce it.
const xURLPlaceholder = "\x00url\x00"

// xComparable returns text as reconciliation compares it: every URL
// replaced by one placeholder (X rewrites links to t.co), whitespace runs
// made one space and the ends trimmed.
func xComparable(text string) string {
	return strings.Join(strings.Fields(xURL.ReplaceAllLiteralString(text, xURLPlaceholder)), " ")
}

// xSameText reports whether a post's text as X returns it, got, is the
// text whose comparable form is want. X returns "&", "<" and ">" escaped
// as HTML entities, so got matches either as it is or unescaped.
func xSameText(want, got string) bool {
	return xComparable(got) == want || xComparable(html.UnescapeString(got)) == want
}

// xTweet is a post as listed by GET /2/users/{id}/tweets.
type xTweet struct {
	ID               string    `json:"id"`
	Text             string    `json:"text"`
	CreatedAt        time.Time `json:"created_at"`
	ReferencedTweets []struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	} `json:"referenced_tweets"`
}

// replyTo returns the id the post replies to, or "".
func (t xTweet) replyTo() string {
	for _, r := range t.ReferencedTweets {
		if r.Type == "replied_to" {
			return r.ID
		}
	}
	return ""
}

// recent lists the account's latest posts, newest first.
func (x *X) recent(ctx context.Context, op string) ([]xTweet, error) {
	uid, err := x.me(ctx, op)
	if err != nil {
		return nil, err
	}
	q := url.Values{"max_results": {strconv.Itoa(x.cfg.LookupDepth)}, "tweet.fields": {"referenced_tweets,created_at"}}
	r, err := do(ctx, x.cfg.Client, op, http.MethodGet, x.base+"/2/users/"+url.PathEscape(uid)+"/tweets?"+q.Encode(), x.header(""), nil)
	if err != nil {
		return nil, err
	}
	if r.status != http.StatusOK {
		return nil, classify(op, r, parseXError, x.cfg.Now(), "x-rate-limit-reset")
	}
	var out struct {
		Data []xTweet `json:"data"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil {
		return nil, &content.Error{Class: content.Retryable, Op: op, Err: fmt.Errorf("unreadable timeline: %w", err)}
	}
	return out.Data, nil
}

// me returns the authenticated user's id (GET /2/users/me), cached.
func (x *X) me(ctx context.Context, op string) (string, error) {
	x.mu.Lock()
	uid := x.userID
	x.mu.Unlock()
	if uid != "" {
		return uid, nil
	}
	r, err := do(ctx, x.cfg.Client, op, http.MethodGet, x.base+"/2/users/me", x.header(""), nil)
	if err != nil {
		return "", err
	}
	if r.status != http.StatusOK {
		return "", classify(op, r, parseXError, x.cfg.Now(), "x-rate-limit-reset")
	}
	var out struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil || out.Data.ID == "" {
		return "", &content.Error{Class: content.Retryable, Op: op, Err: fmt.Errorf("unreadable users/me answer: %s", snippet(r.body))}
	}
	x.mu.Lock()
	x.userID = out.Data.ID
	x.mu.Unlock()
	return out.Data.ID, nil
}
