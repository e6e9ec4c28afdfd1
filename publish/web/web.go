// Package web publishes the website variant of a bundle through a
// platform's REST API and purges the CDN afterwards.
//
// A Publisher creates a post (POST /v1/posts), or, when a post of this
// account already has the slug, updates it (PUT /v1/posts/{id}, a new
// version); Schedule sends it with status "scheduled" and a future
// publish_at; Archive archives a post. Every write carries the delivery's
// idempotency key in the Idempotency-Key header, and Lookup asks the
// platform for the post written under a key (GET
// /v1/posts?idempotency_key=), so a publish whose outcome is unknown is
// reconciled rather than sent twice.
//
// Guarantees:
//
//   - Errors are *content.Error values: 429 RateLimited (Retry-After in
//     seconds or as an HTTP date), 401 AuthExpired, 400/422 InvalidContent
//     with the field the platform names, 409 (the slug belongs to another
//     author's post) InvalidContent with field "slug", 404 NotFound, 5xx
//     and network failures before sending Retryable, a timeout or lost
//     answer after a write was sent OutcomeUnknown, anything else
//     Permanent. A malformed answer (truncated JSON, an HTML page) to a
//     write is OutcomeUnknown, to a read Permanent; it never panics.
//   - A cancelled context is honoured: the error wraps ctx.Err().
//   - After a successful publish or archive, the CDN is purged for the
//     post's URL and the configured index and feed URLs (Cloudflare's
//     POST /client/v4/zones/{zone}/purge_cache, at most 30 files per
//     request), and the local cache entries are invalidated through the
//     Invalidator. Scheduled posts are not purged: nothing visible
//     changed yet. A purge or invalidation failure does not fail the
//     delivery: it is logged, and the receipt's Status carries
//     PurgeFailedSuffix (see PurgeFailed).
//   - Nothing is sent for a DryRun delivery, nor by Preview.
//
// A Publisher is safe for concurrent use.
package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish"
)

// DefaultMaxHTMLBytes is the default cap on a post's HTML.
const DefaultMaxHTMLBytes = 512 << 10

// PurgeFailedSuffix is appended to a receipt's Status when the post was
// published but the CDN purge or the cache invalidation failed, as in
// "published; purge failed".
const PurgeFailedSuffix = "; purge failed"

// PurgeFailed reports whether r is the receipt of a publish whose CDN
// purge or cache invalidation failed.
func PurgeFailed(r publish.Receipt) bool { return strings.HasSuffix(r.Status, PurgeFailedSuffix) }

// Invalidator drops local cache entries; the server's cache implements
// it.
type Invalidator interface {
	Invalidate(ctx context.Context, keys ...string) error
}

// CDN configures the Cloudflare-style cache purge. A zero CDN disables it.
type CDN struct {
	Endpoint string // API root, such as https://api.cloudflare.com
	Zone     string // zone ID
	Token    string // API token with cache purge permission
}

// Config configures a Publisher.
type Config struct {
	// Name identifies the publisher; "" means "web".
	Name string
	// Endpoint is the platform API's root, such as https://api.example.com
	// (requests go to Endpoint + "/v1/posts"). Required.
	Endpoint string
	// Token is the platform's bearer token. Required.
	Token string
	// HTTPClient sends the requests; nil means a client with a 30 s
	// timeout.
	HTTPClient *http.Client
	// CDN is the cache to purge after publishing; zero disables purging.
	CDN CDN
	// PurgeURLs are purged with every post's URL: the blog index, the
	// feed and the like.
	PurgeURLs []string
	// Invalidator, when set, is told to drop the cache keys of a
	// published post.
	Invalidator Invalidator
	// CacheKeys returns the local cache keys of a post at postURL; nil
	// means the purged URLs (the post's URL and PurgeURLs).
	CacheKeys func(postURL, slug string) []string
	// MaxHTMLBytes caps a post's HTML; 0 means DefaultMaxHTMLBytes.
	MaxHTMLBytes int
	// Logger receives purge failures; nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Publisher publishes web posts. Create one with New.
type Publisher struct {
	cfg    Config
	client *http.Client
	log    *slog.Logger
	now    func() time.Time
}

var _ publish.Publisher = (*Publisher)(nil)

// New returns a Publisher for cfg, or an error naming what is missing.
func New(cfg Config) (*Publisher, error) {
	if cfg.Endpoint == "" || cfg.Token == "" {
		return nil, errors.New("web: endpoint and token are required")
	}
	if u, err := url.Parse(cfg.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("web: endpoint %q is not an http(s) URL", cfg.Endpoint)
	}
	if cfg.CDN != (CDN{}) && (cfg.CDN.Endpoint == "" || cfg.CDN.Zone == "" || cfg.CDN.Token == "") {
		return nil, errors.New("web: cdn needs an endpoint, a zone and a token")
	}
	cfg.Endpoint = strings.TrimRight(cfg.Endpoint, "/")
	cfg.CDN.Endpoint = strings.TrimRight(cfg.CDN.Endpoint, "/")
	if cfg.Name == "" {
		cfg.Name = "web"
	}
	if cfg.MaxHTMLBytes <= 0 {
		cfg.MaxHTMLBytes = DefaultMaxHTMLBytes
	}
	p := &Publisher{cfg: cfg, client: cfg.HTTPClient, log: cfg.Logger, now: cfg.Now}
	if p.client == nil {
		p.client = &http.Client{Timeout: 30 * time.Second}
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	if p.now == nil {
		p.now = time.Now
	}
	return p, nil
}

// Name returns the publisher's name.
func (p *Publisher) Name() string { return p.cfg.Name }

// Channel returns content.ChannelWebsite.
func (p *Publisher) Channel() content.Channel { return content.ChannelWebsite }

// postBody is the JSON body of a create or update.
type postBody struct {
	Title          string   `json:"title"`
	Slug           string   `json:"slug"`
	HTML           string   `json:"html"`
	Excerpt        string   `json:"excerpt"`
	Tags           []string `json:"tags"`
	SEOTitle       string   `json:"seo_title"`
	SEODescription string   `json:"seo_description"`
	SchemaMarkup   string   `json:"schema_markup"`
	Status         string   `json:"status"`
	PublishAt      string   `json:"publish_at,omitempty"`
}

// post is the platform's answer for one post.
type post struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Slug      string    `json:"slug"`
	Version   int       `json:"version"`
	Status    string    `json:"status"`
	UpdatedAt time.Time `json:"updated_at"`
}

// payload returns the body that publishing w at publishAt (zero: now)
// sends.
func payload(w *content.WebPost, publishAt time.Time) ([]byte, error) {
	b := postBody{Title: w.Title, Slug: w.Slug, HTML: w.HTML, Excerpt: w.Excerpt, Tags: w.Tags,
		SEOTitle: w.SEOTitle, SEODescription: w.SEODescription, SchemaMarkup: w.SchemaMarkup, Status: "published"}
	if b.Tags == nil {
		b.Tags = []string{}
	}
	if !publishAt.IsZero() {
		b.Status, b.PublishAt = "scheduled", publishAt.UTC().Format(time.RFC3339)
	}
	return json.Marshal(b)
}

// Preview returns the JSON body Publish would send (to POST /v1/posts, or
// PUT /v1/posts/{id} when the slug exists) and the estimate
// "seo_score_estimate" (0-100, see SEOScoreEstimate). It sends nothing.
func (p *Publisher) Preview(_ context.Context, d publish.Delivery) (publish.Preview, error) {
	const op = "web: preview"
	if d.Bundle == nil || d.Bundle.WebPost == nil {
		return publish.Preview{}, &content.Error{Class: content.InvalidContent, Op: op, Field: "web_update", Err: errors.New("the bundle has no web post")}
	}
	body, err := payload(d.Bundle.WebPost, time.Time{})
	if err != nil {
		return publish.Preview{}, &content.Error{Class: content.Permanent, Op: op, Err: err}
	}
	return publish.Preview{Channel: content.ChannelWebsite, Payload: body,
		Estimates: map[string]float64{"seo_score_estimate": float64(SEOScoreEstimate(d.Bundle.WebPost))}}, nil
}

// Publish creates or updates the post now. See the package doc.
func (p *Publisher) Publish(ctx context.Context, d publish.Delivery) (publish.Receipt, error) {
	return p.send(ctx, d, time.Time{})
}

// Schedule creates or updates the post with status "scheduled", for the
// platform to publish at at, which must be in the future. The CDN is not
// purged.
func (p *Publisher) Schedule(ctx context.Context, d publish.Delivery, at time.Time) (publish.Receipt, error) {
	if !at.After(p.now()) {
		return publish.Receipt{}, &content.Error{Class: content.InvalidContent, Op: "web: schedule", Field: "publish_at",
			Err: fmt.Errorf("publish time %s is not in the future", at.Format(time.RFC3339))}
	}
	return p.send(ctx, d, at)
}

// send publishes d, at publishAt when it is not zero.
func (p *Publisher) send(ctx context.Context, d publish.Delivery, publishAt time.Time) (publish.Receipt, error) {
	const op = "web: publish"
	if err := ctx.Err(); err != nil {
		return publish.Receipt{}, &content.Error{Class: content.Retryable, Op: op, Err: err}
	}
	if d.IdempotencyKey == "" {
		return publish.Receipt{}, &content.Error{Class: content.InvalidContent, Op: op, Field: "idempotency_key", Err: errors.New("the delivery has no idempotency key")}
	}
	for _, is := range p.Validate(ctx, d.Bundle) {
		if is.Severity == content.SeverityError {
			return publish.Receipt{}, &content.Error{Class: content.InvalidContent, Op: op, Field: is.Field, Err: is}
		}
	}
	if d.DryRun {
		return publish.Receipt{Status: "dry_run", Sent: 0, At: p.now().UTC(), DryRun: true}, nil
	}
	w := d.Bundle.WebPost
	body, err := payload(w, publishAt)
	if err != nil {
		return publish.Receipt{}, &content.Error{Class: content.Permanent, Op: op, Err: err}
	}
	existing, err := p.findOne(ctx, "slug", w.Slug)
	if err != nil {
		return publish.Receipt{}, err
	}
	c := call{op: "web: create post", method: http.MethodPost, url: p.cfg.Endpoint + "/v1/posts",
		token: p.cfg.Token, body: body, write: true, header: map[string]string{"Idempotency-Key": d.IdempotencyKey}}
	if existing != nil {
		c.op, c.method, c.url = "web: update post", http.MethodPut, p.cfg.Endpoint+"/v1/posts/"+url.PathEscape(existing.ID)
	}
	got, err := p.write(ctx, c)
	if err != nil {
		return publish.Receipt{}, err
	}
	r := p.receipt(got)
	if publishAt.IsZero() {
		p.afterChange(ctx, &r, got.URL, got.Slug)
	}
	return r, nil
}

// Archive archives the post with the platform's ID externalID, then purges
// the CDN and the local cache as a publish does.
func (p *Publisher) Archive(ctx context.Context, externalID string) (publish.Receipt, error) {
	if externalID == "" {
		return publish.Receipt{}, &content.Error{Class: content.InvalidContent, Op: "web: archive post", Field: "id", Err: errors.New("no post id")}
	}
	got, err := p.write(ctx, call{op: "web: archive post", method: http.MethodPost, token: p.cfg.Token, write: true,
		url: p.cfg.Endpoint + "/v1/posts/" + url.PathEscape(externalID) + "/archive"})
	if err != nil {
		return publish.Receipt{}, err
	}
	r := p.receipt(got)
	p.afterChange(ctx, &r, got.URL, got.Slug)
	return r, nil
}

// write sends a write and reads the post it answers.
func (p *Publisher) write(ctx context.Context, c call) (*post, error) {
	resp, err := do(ctx, p.client, c)
	if err != nil {
		return nil, err
	}
	if resp.status < 200 || resp.status > 299 {
		field := ""
		if resp.status == http.StatusConflict {
			field = "slug"
		}
		return nil, statusError(c.op, resp, field, p.now())
	}
	var got post
	if err := decode(c, resp, &got); err != nil {
		return nil, err
	}
	if got.ID == "" {
		return nil, &content.Error{Class: content.OutcomeUnknown, Op: c.op, Err: fmt.Errorf("answer (http %d) holds no post id", resp.status)}
	}
	return &got, nil
}

// Lookup finds the post written under key.
func (p *Publisher) Lookup(ctx context.Context, key string) (publish.Receipt, bool, error) {
	got, err := p.findOne(ctx, "idempotency_key", key)
	if err != nil || got == nil {
		return publish.Receipt{}, false, err
	}
	return p.receipt(got), true, nil
}

// findOne returns the first of this account's posts whose field is value,
// or nil.
func (p *Publisher) findOne(ctx context.Context, field, value string) (*post, error) {
	c := call{op: "web: find post by " + field, method: http.MethodGet, token: p.cfg.Token,
		url: p.cfg.Endpoint + "/v1/posts?" + url.Values{field: {value}}.Encode()}
	resp, err := do(ctx, p.client, c)
	if err != nil {
		return nil, err
	}
	if resp.status < 200 || resp.status > 299 {
		return nil, statusError(c.op, resp, field, p.now())
	}
	var list struct {
		Data []post `json:"data"`
	}
	if err := decode(c, resp, &list); err != nil {
		return nil, err
	}
	for i := range list.Data {
		if list.Data[i].ID != "" {
			return &list.Data[i], nil
		}
	}
	return nil, nil
}

// receipt turns a post into a receipt.
func (p *Publisher) receipt(got *post) publish.Receipt {
	at := got.UpdatedAt
	if at.IsZero() {
		at = p.now()
	}
	return publish.Receipt{ExternalID: got.ID, URL: got.URL, Status: got.Status, Sent: 1, At: at.UTC()}
}

// afterChange purges the CDN and invalidates the local cache for a post
// at postURL; a failure is logged and marked in r.Status.
func (p *Publisher) afterChange(ctx context.Context, r *publish.Receipt, postURL, slug string) {
	var urls []string
	if postURL != "" {
		urls = append(urls, postURL)
	}
	urls = append(urls, p.cfg.PurgeURLs...)
	var errs []error
	if err := p.purge(ctx, urls); err != nil {
		errs = append(errs, err)
	}
	if p.cfg.Invalidator != nil {
		keys := urls
		if p.cfg.CacheKeys != nil {
			keys = p.cfg.CacheKeys(postURL, slug)
		}
		if len(keys) > 0 {
			if err := p.cfg.Invalidator.Invalidate(ctx, keys...); err != nil {
				errs = append(errs, fmt.Errorf("web: invalidate cache: %w", err))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		p.log.WarnContext(ctx, "web: published, but the cache was not purged", "post", r.ExternalID, "url", postURL, "error", err)
		r.Status += PurgeFailedSuffix
	}
}
