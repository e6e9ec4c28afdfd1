package social

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish"
)

// GraphConfig configures a Facebook Page or Instagram publisher, both
// of which speak Meta's Graph API.
type GraphConfig struct {
	// Endpoint is the API root with its version; "" means
	// https://graph.facebook.com/v21.0.
	Endpoint string
	// Token is the Page access token (Facebook) or the access token of
	// the Instagram professional account's Page. Required.
	Token string
	// TokenExpiresAt, when set and past, makes every call AuthExpired
	// without a request.
	TokenExpiresAt time.Time
	// ID is the Page ID (Facebook) or the Instagram user ID. Required.
	ID string
	// Client sends the requests; nil means a client with a 30 s timeout.
	Client *http.Client
	// Keys journals deliveries; nil means a new MemoryKeyStore.
	Keys KeyStore
	// Audience is the follower count preview estimates start from.
	Audience int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// graph is what Facebook and Instagram share.
type graph struct {
	cfg  GraphConfig
	base string
	j    journal
	name string
}

func newGraph(name string, cfg GraphConfig) (*graph, error) {
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, fmt.Errorf("social: %s: a token is required", name)
	}
	if strings.TrimSpace(cfg.ID) == "" || strings.ContainsAny(cfg.ID, "/?#") {
		return nil, fmt.Errorf("social: %s: id %q is not a Graph node id", name, cfg.ID)
	}
	base := cfg.Endpoint
	if base == "" {
		base = "https://graph.facebook.com/v21.0"
	}
	if !httpURL(base) {
		return nil, fmt.Errorf("social: %s: endpoint %q is not an http(s) URL", name, base)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	keys := cfg.Keys
	if keys == nil {
		keys = &MemoryKeyStore{}
	}
	return &graph{cfg: cfg, base: strings.TrimRight(base, "/"), j: journal{keys: keys, now: cfg.Now}, name: name}, nil
}

// form posts form to /{id}/{edge} with key as Idempotency-Key and
// returns the "id" of the answer.
func (g *graph) form(ctx context.Context, op, edge, key string, form url.Values) (string, error) {
	form = cloneValues(form)
	form.Set("access_token", g.cfg.Token)
	h := http.Header{}
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	h.Set("Accept", "application/json")
	h.Set("Idempotency-Key", key)
	r, err := do(ctx, g.cfg.Client, op, http.MethodPost, g.base+"/"+url.PathEscape(g.cfg.ID)+"/"+edge, h, []byte(form.Encode()))
	if err != nil {
		return "", err
	}
	if r.status < 200 || r.status > 299 {
		return "", classifyGraph(op, r, g.cfg.Now())
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil {
		return "", unreadable(op, err)
	}
	if out.ID == "" {
		return "", unreadable(op, errNoBody)
	}
	return out.ID, nil
}

// search lists the latest 50 nodes of edge (fields id, text field and
// link field) and finds the one whose text field is text.
func (g *graph) search(op, edge, textField, linkField string, fallback func(id string) string) searchFunc {
	return func(ctx context.Context, text string) (found, bool, error) {
		q := url.Values{"fields": {"id," + textField + "," + linkField}, "limit": {"50"}}
		h := http.Header{}
		h.Set("Authorization", "Bearer "+g.cfg.Token)
		h.Set("Accept", "application/json")
		r, err := do(ctx, g.cfg.Client, op, http.MethodGet, g.base+"/"+url.PathEscape(g.cfg.ID)+"/"+edge+"?"+q.Encode(), h, nil)
		if err != nil {
			return found{}, false, err
		}
		if r.status != http.StatusOK {
			return found{}, false, classifyGraph(op, r, g.cfg.Now())
		}
		var out struct {
			Data []map[string]any `json:"data"`
		}
		if err := json.Unmarshal(r.body, &out); err != nil {
			return found{}, false, &content.Error{Class: content.Retryable, Op: op, Err: fmt.Errorf("unreadable %s list: %w", edge, err)}
		}
		for _, n := range out.Data {
			if t, _ := n[textField].(string); t == text {
				id, _ := n["id"].(string)
				link, _ := n[linkField].(string)
				if link == "" {
					link = fallback(id)
				}
				return found{id: id, url: link}, id != "", nil
			}
		}
		return found{}, false, nil
	}
}

func (g *graph) refuse(op string, d publish.Delivery, issues []content.Issue) error {
	if err := checkDelivery(op, d); err != nil {
		return err
	}
	return invalid(op, issues)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// classifyGraph reads Graph's {"error":{"message","type","code",
// "error_subcode","fbtrace_id"}}: code 190 is AuthExpired; 4, 17, 32 and
// 613 are RateLimited (waiting Retry-After, else the
// estimated_time_to_regain_access of X-Business-Use-Case-Usage); 100 is
// InvalidContent; 1 and 2 are Retryable; 368 and 506 (blocked or
// duplicate post) are Permanent; other answers are classified by status.
func classifyGraph(op string, r *response, now time.Time) error {
	var e struct {
		Error struct {
			Message   string `json:"message"`
			Type      string `json:"type"`
			Code      int    `json:"code"`
			Subcode   int    `json:"error_subcode"`
			FBTraceID string `json:"fbtrace_id"`
		} `json:"error"`
	}
	if !looksJSON(r.body) || json.Unmarshal(r.body, &e) != nil || e.Error.Code == 0 {
		return classify(op, r, nil, now, "")
	}
	ge := e.Error
	cause := fmt.Errorf("status %d: %s (%s code %d, subcode %d, fbtrace_id %s)", r.status, ge.Message, ge.Type, ge.Code, ge.Subcode, ge.FBTraceID)
	switch ge.Code {
	case 190, 102:
		return &content.Error{Class: content.AuthExpired, Op: op, Err: cause}
	case 4, 17, 32, 613:
		wait := retryAfter(r.header, now, "")
		if wait == 0 {
			wait = regainAccess(r.header)
		}
		return &content.Error{Class: content.RateLimited, Op: op, RetryAfter: wait, Err: cause}
	case 100:
		return &content.Error{Class: content.InvalidContent, Op: op, Field: graphField(ge.Message), Err: cause}
	case 1, 2:
		return &content.Error{Class: content.Retryable, Op: op, Err: cause}
	case 368, 506:
		return &content.Error{Class: content.Permanent, Op: op, Err: cause}
	}
	return classify(op, r, nil, now, "")
}

// graphField maps the parameter a Graph error names to the post's field.
func graphField(msg string) string {
	switch {
	case strings.Contains(msg, "image_url"), strings.Contains(msg, "link"), strings.Contains(msg, "creation_id"):
		return "media_urls"
	default:
		return "text"
	}
}

// regainAccess reads the longest estimated_time_to_regain_access
// (minutes) of X-Business-Use-Case-Usage.
func regainAccess(h http.Header) time.Duration {
	var usage map[string][]struct {
		Minutes json.Number `json:"estimated_time_to_regain_access"`
	}
	if json.Unmarshal([]byte(h.Get("X-Business-Use-Case-Usage")), &usage) != nil {
		return 0
	}
	var most time.Duration
	for _, list := range usage {
		for _, u := range list {
			if m, err := strconv.ParseInt(u.Minutes.String(), 10, 64); err == nil {
				most = max(most, time.Duration(min(m, int64(math.MaxInt64/time.Minute)))*time.Minute) // cut, not overflowed
			}
		}
	}
	return most
}

// Facebook publishes Page posts through the Graph API: POST
// /{page-id}/feed with message, link (the post's first media URL, if
// any) and access_token, answered {"id"}.
//
// Idempotency: the key goes out as Idempotency-Key (mock.Graph honours
// it; Graph ignores it) and the delivery is journalled; Lookup of a
// delivery whose outcome is unknown lists the Page's latest posts (GET
// /{page-id}/feed) and matches the message exactly.
type Facebook struct{ g *graph }

var _ publish.Publisher = (*Facebook)(nil)

// NewFacebook returns a Facebook Page publisher, or an error when cfg
// lacks a token or a Page ID.
func NewFacebook(cfg GraphConfig) (*Facebook, error) {
	g, err := newGraph("facebook", cfg)
	if err != nil {
		return nil, err
	}
	return &Facebook{g: g}, nil
}

// Name returns "facebook".
func (f *Facebook) Name() string { return "facebook" }

// Channel returns content.ChannelFacebook.
func (f *Facebook) Channel() content.Channel { return content.ChannelFacebook }

// Validate checks the bundle's Facebook post: at most 63,206 characters,
// the hashtag cap, http(s) media URLs.
func (f *Facebook) Validate(_ context.Context, b *content.Bundle) []content.Issue {
	return validatePost(b, content.PlatformFacebook, false)
}

func (f *Facebook) form(sp content.SocialPost) url.Values {
	v := url.Values{"message": {sp.Text}}
	if len(sp.MediaURLs) > 0 {
		v.Set("link", sp.MediaURLs[0])
	}
	return v
}

// Preview returns the form Publish would send, without the token.
func (f *Facebook) Preview(ctx context.Context, d publish.Delivery) (publish.Preview, error) {
	const op = "facebook: preview"
	if err := f.g.refuse(op, d, f.Validate(ctx, d.Bundle)); err != nil {
		return publish.Preview{}, err
	}
	sp, _ := postFor(d.Bundle, content.PlatformFacebook)
	// Organic Page reach runs near 5% of followers, engagement about 1%
	// of those reached.
	return publish.Preview{Channel: content.ChannelFacebook, Platform: content.PlatformFacebook,
		Payload: []byte(f.form(sp).Encode()), Estimates: estimates(f.g.cfg.Audience, 0.05, 0.01, 1)}, nil
}

// Publish posts the delivery once (see Facebook).
func (f *Facebook) Publish(ctx context.Context, d publish.Delivery) (publish.Receipt, error) {
	const op = "facebook: publish"
	if err := f.g.refuse(op, d, f.Validate(ctx, d.Bundle)); err != nil {
		return publish.Receipt{}, err
	}
	if d.DryRun {
		return dryReceipt(f.g.cfg.Now()), nil
	}
	if err := expired(op, f.g.cfg.TokenExpiresAt, f.g.cfg.Now()); err != nil {
		return publish.Receipt{}, err
	}
	sp, _ := postFor(d.Bundle, content.PlatformFacebook)
	send := func(ctx context.Context, _ *Record, _ func() error) (string, string, error) {
		id, err := f.g.form(ctx, op, "feed", d.IdempotencyKey, f.form(sp))
		return id, facebookURL(id), err
	}
	return f.g.j.publish(ctx, op, d.IdempotencyKey, sp.Text, send, f.search(op))
}

// Lookup finds a delivery by key (see Facebook).
func (f *Facebook) Lookup(ctx context.Context, key string) (publish.Receipt, bool, error) {
	const op = "facebook: lookup"
	if err := expired(op, f.g.cfg.TokenExpiresAt, f.g.cfg.Now()); err != nil {
		return publish.Receipt{}, false, err
	}
	return f.g.j.lookup(ctx, op, key, f.search(op))
}

func (f *Facebook) search(op string) searchFunc {
	return f.g.search(op, "feed", "message", "permalink_url", facebookURL)
}

func facebookURL(id string) string {
	if id == "" {
		return ""
	}
	return "https://www.facebook.com/" + id
}

// Instagram publishes single-image posts through the Graph API: a media
// container (POST /{ig-user-id}/media with image_url, the post's first
// media URL, and caption), then POST /{ig-user-id}/media_publish with
// its creation_id, answered {"id"}. A post without media is refused
// (InvalidContent, field media_urls); carousels are not supported.
//
// Idempotency: the container is journalled once made, so a retry
// publishes it rather than making another; the key goes out as
// Idempotency-Key (KEY.container for the container); Lookup of a
// delivery whose outcome is unknown lists the account's latest media (GET
// /{ig-user-id}/media) and matches the caption exactly. A container
// whose creation failed in any way is only Retryable: a container is not
// visible and expires unused.
type Instagram struct{ g *graph }

var _ publish.Publisher = (*Instagram)(nil)

// NewInstagram returns an Instagram publisher, or an error when cfg lacks
// a token or an Instagram user ID.
func NewInstagram(cfg GraphConfig) (*Instagram, error) {
	g, err := newGraph("instagram", cfg)
	if err != nil {
		return nil, err
	}
	return &Instagram{g: g}, nil
}

// Name returns "instagram".
func (in *Instagram) Name() string { return "instagram" }

// Channel returns content.ChannelInstagram.
func (in *Instagram) Channel() content.Channel { return content.ChannelInstagram }

// Validate checks the bundle's Instagram post: at most 2,200 characters,
// 30 hashtags, at least one http(s) media URL.
func (in *Instagram) Validate(_ context.Context, b *content.Bundle) []content.Issue {
	return validatePost(b, content.PlatformInstagram, false)
}

func (in *Instagram) container(sp content.SocialPost) url.Values {
	return url.Values{"image_url": {sp.MediaURLs[0]}, "caption": {sp.Text}}
}

// Preview returns the container form Publish would send first, without
// the token.
func (in *Instagram) Preview(ctx context.Context, d publish.Delivery) (publish.Preview, error) {
	const op = "instagram: preview"
	if err := in.g.refuse(op, d, in.Validate(ctx, d.Bundle)); err != nil {
		return publish.Preview{}, err
	}
	sp, _ := postFor(d.Bundle, content.PlatformInstagram)
	// Organic reach near 10% of followers, engagement about 3% of those.
	return publish.Preview{Channel: content.ChannelInstagram, Platform: content.PlatformInstagram,
		Payload: []byte(in.container(sp).Encode()), Estimates: estimates(in.g.cfg.Audience, 0.10, 0.03, 1)}, nil
}

// Publish makes the media container, if not made yet, and publishes it,
// once (see Instagram).
func (in *Instagram) Publish(ctx context.Context, d publish.Delivery) (publish.Receipt, error) {
	const op = "instagram: publish"
	if err := in.g.refuse(op, d, in.Validate(ctx, d.Bundle)); err != nil {
		return publish.Receipt{}, err
	}
	if d.DryRun {
		return dryReceipt(in.g.cfg.Now()), nil
	}
	if err := expired(op, in.g.cfg.TokenExpiresAt, in.g.cfg.Now()); err != nil {
		return publish.Receipt{}, err
	}
	sp, _ := postFor(d.Bundle, content.PlatformInstagram)
	send := func(ctx context.Context, rec *Record, save func() error) (string, string, error) {
		if rec.Container == "" {
			id, err := in.g.form(ctx, op+": media", "media", d.IdempotencyKey+".container", in.container(sp))
			if err != nil {
				if content.ClassOf(err) == content.OutcomeUnknown {
					err = &content.Error{Class: content.Retryable, Op: op + ": media", Err: err}
				}
				return "", "", err
			}
			rec.Container = id
			if err := save(); err != nil {
				return "", "", err
			}
		}
		id, err := in.g.form(ctx, op+": media_publish", "media_publish", d.IdempotencyKey, url.Values{"creation_id": {rec.Container}})
		return id, "", err
	}
	return in.g.j.publish(ctx, op, d.IdempotencyKey, sp.Text, send, in.search(op))
}

// Lookup finds a delivery by key (see Instagram).
func (in *Instagram) Lookup(ctx context.Context, key string) (publish.Receipt, bool, error) {
	const op = "instagram: lookup"
	if err := expired(op, in.g.cfg.TokenExpiresAt, in.g.cfg.Now()); err != nil {
		return publish.Receipt{}, false, err
	}
	return in.g.j.lookup(ctx, op, key, in.search(op))
}

func (in *Instagram) search(op string) searchFunc {
	return in.g.search(op, "media", "caption", "permalink", func(string) string { return "" })
}
