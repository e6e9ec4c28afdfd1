package social

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish"
)

// LinkedInConfig configures a LinkedIn publisher.
type LinkedInConfig struct {
	// Endpoint is the API root; "" means https://api.linkedin.com.
	Endpoint string
	// Token is the OAuth 2.0 access token (w_member_social or
	// w_organization_social). Required.
	Token string
	// TokenExpiresAt is when the token expires (LinkedIn tokens last 60
	// days). When set and past, every call is AuthExpired without a
	// request.
	TokenExpiresAt time.Time
	// Author is the URN posts are made as: urn:li:organization:ID or
	// urn:li:person:ID. Required.
	Author string
	// Client sends the requests; nil means a client with a 30 s timeout.
	Client *http.Client
	// Keys journals deliveries; nil means a new MemoryKeyStore.
	Keys KeyStore
	// Audience is the follower count preview estimates start from.
	Audience int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// LinkedIn publishes posts through the UGC Posts API (POST /v2/ugcPosts
// with X-Restli-Protocol-Version 2.0.0), visible to the public. Media
// URLs are shared as an article link (shareMediaCategory ARTICLE); image
// uploads are not supported. The post's URN comes from the x-restli-id
// header.
//
// Idempotency: the key goes out as Idempotency-Key (mock.LinkedIn honours
// it; LinkedIn ignores it) and the delivery is journalled; Lookup of a
// delivery whose outcome is unknown lists the author's recent posts (GET
// /v2/ugcPosts?q=authors) and matches the text exactly.
type LinkedIn struct {
	cfg  LinkedInConfig
	base string
	j    journal
}

var _ publish.Publisher = (*LinkedIn)(nil)

// NewLinkedIn returns a LinkedIn publisher, or an error when cfg lacks a
// token or a valid author URN.
func NewLinkedIn(cfg LinkedInConfig) (*LinkedIn, error) {
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, fmt.Errorf("social: linkedin: a token is required")
	}
	if !strings.HasPrefix(cfg.Author, "urn:li:organization:") && !strings.HasPrefix(cfg.Author, "urn:li:person:") {
		return nil, fmt.Errorf("social: linkedin: author %q is not an organization or person URN", cfg.Author)
	}
	base := cfg.Endpoint
	if base == "" {
		base = "https://api.linkedin.com"
	}
	if !httpURL(base) {
		return nil, fmt.Errorf("social: linkedin: endpoint %q is not an http(s) URL", base)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	keys := cfg.Keys
	if keys == nil {
		keys = &MemoryKeyStore{}
	}
	return &LinkedIn{cfg: cfg, base: strings.TrimRight(base, "/"), j: journal{keys: keys, now: cfg.Now}}, nil
}

// Name returns "linkedin".
func (l *LinkedIn) Name() string { return "linkedin" }

// Channel returns content.ChannelLinkedIn.
func (l *LinkedIn) Channel() content.Channel { return content.ChannelLinkedIn }

// Validate checks the bundle's LinkedIn post: at most 3,000 characters,
// the hashtag cap, http(s) media URLs.
func (l *LinkedIn) Validate(_ context.Context, b *content.Bundle) []content.Issue {
	return validatePost(b, content.PlatformLinkedIn, false)
}

// ugcPost is the JSON of POST /v2/ugcPosts.
type ugcPost struct {
	Author          string         `json:"author"`
	LifecycleState  string         `json:"lifecycleState"`
	SpecificContent map[string]any `json:"specificContent"`
	Visibility      map[string]any `json:"visibility"`
}

func (l *LinkedIn) body(sp content.SocialPost) ([]byte, error) {
	share := map[string]any{
		"shareCommentary":    map[string]string{"text": sp.Text},
		"shareMediaCategory": "NONE",
	}
	if len(sp.MediaURLs) > 0 {
		share["shareMediaCategory"] = "ARTICLE"
		media := make([]map[string]string, len(sp.MediaURLs))
		for i, u := range sp.MediaURLs {
			media[i] = map[string]string{"status": "READY", "originalUrl": u}
		}
		share["media"] = media
	}
	return json.Marshal(ugcPost{
		Author:          l.cfg.Author,
		LifecycleState:  "PUBLISHED",
		SpecificContent: map[string]any{"com.linkedin.ugc.ShareContent": share},
		Visibility:      map[string]any{"com.linkedin.ugc.MemberNetworkVisibility": "PUBLIC"},
	})
}

// Preview returns the UGC JSON Publish would send.
func (l *LinkedIn) Preview(ctx context.Context, d publish.Delivery) (publish.Preview, error) {
	const op = "linkedin: preview"
	if err := checkDelivery(op, d); err != nil {
		return publish.Preview{}, err
	}
	if err := invalid(op, l.Validate(ctx, d.Bundle)); err != nil {
		return publish.Preview{}, err
	}
	sp, _ := postFor(d.Bundle, content.PlatformLinkedIn)
	payload, err := l.body(sp)
	if err != nil {
		return publish.Preview{}, &content.Error{Class: content.Permanent, Op: op, Err: err}
	}
	// Organic reach on LinkedIn pages runs near 10% of followers, with
	// about 2% of those engaging.
	return publish.Preview{Channel: content.ChannelLinkedIn, Platform: content.PlatformLinkedIn, Payload: payload,
		Estimates: estimates(l.cfg.Audience, 0.10, 0.02, 1)}, nil
}

func (l *LinkedIn) header(key string) http.Header {
	h := http.Header{}
	h.Set("Authorization", "Bearer "+l.cfg.Token)
	h.Set("X-Restli-Protocol-Version", "2.0.0")
	h.Set("Accept", "application/json")
	if key != "" {
		h.Set("Content-Type", "application/json")
		h.Set("Idempotency-Key", key)
	}
	return h
}

// Publish posts the delivery once (see LinkedIn).
func (l *LinkedIn) Publish(ctx context.Context, d publish.Delivery) (publish.Receipt, error) {
	const op = "linkedin: publish"
	if err := checkDelivery(op, d); err != nil {
		return publish.Receipt{}, err
	}
	if err := invalid(op, l.Validate(ctx, d.Bundle)); err != nil {
		return publish.Receipt{}, err
	}
	if d.DryRun {
		return dryReceipt(l.cfg.Now()), nil
	}
	if err := expired(op, l.cfg.TokenExpiresAt, l.cfg.Now()); err != nil {
		return publish.Receipt{}, err
	}
	sp, _ := postFor(d.Bundle, content.PlatformLinkedIn)
	body, err := l.body(sp)
	if err != nil {
		return publish.Receipt{}, &content.Error{Class: content.Permanent, Op: op, Err: err}
	}
	send := func(ctx context.Context, _ *Record, _ func() error) (string, string, error) {
		r, err := do(ctx, l.cfg.Client, op, http.MethodPost, l.base+"/v2/ugcPosts", l.header(d.IdempotencyKey), body)
		if err != nil {
			return "", "", err
		}
		if r.status < 200 || r.status > 299 {
			return "", "", classify(op, r, parseLinkedInError, l.cfg.Now(), "")
		}
		id := r.header.Get("x-restli-id")
		if id == "" {
			var out struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(r.body, &out); err != nil {
				return "", "", unreadable(op, err)
			}
			id = out.ID
		}
		if id == "" {
			return "", "", unreadable(op, errNoBody)
		}
		return id, linkedInURL(id), nil
	}
	return l.j.publish(ctx, op, d.IdempotencyKey, sp.Text, send, l.search(op))
}

// Lookup finds a delivery by key (see LinkedIn).
func (l *LinkedIn) Lookup(ctx context.Context, key string) (publish.Receipt, bool, error) {
	const op = "linkedin: lookup"
	if err := expired(op, l.cfg.TokenExpiresAt, l.cfg.Now()); err != nil {
		return publish.Receipt{}, false, err
	}
	return l.j.lookup(ctx, op, key, l.search(op))
}

func linkedInURL(urn string) string { return "https://www.linkedin.com/feed/update/" + urn }

// search lists the author's latest 50 posts and finds text.
func (l *LinkedIn) search(op string) searchFunc {
	return func(ctx context.Context, text string) (found, bool, error) {
		q := "q=authors&authors=List(" + url.QueryEscape(l.cfg.Author) + ")&count=50&sortBy=CREATED"
		r, err := do(ctx, l.cfg.Client, op, http.MethodGet, l.base+"/v2/ugcPosts?"+q, l.header(""), nil)
		if err != nil {
			return found{}, false, err
		}
		if r.status != http.StatusOK {
			return found{}, false, classify(op, r, parseLinkedInError, l.cfg.Now(), "")
		}
		var out struct {
			Elements []struct {
				ID              string `json:"id"`
				SpecificContent struct {
					Share struct {
						ShareCommentary struct {
							Text string `json:"text"`
						} `json:"shareCommentary"`
					} `json:"com.linkedin.ugc.ShareContent"`
				} `json:"specificContent"`
			} `json:"elements"`
		}
		if err := json.Unmarshal(r.body, &out); err != nil {
			return found{}, false, &content.Error{Class: content.Retryable, Op: op, Err: fmt.Errorf("unreadable post list: %w", err)}
		}
		for _, e := range out.Elements {
			if e.SpecificContent.Share.ShareCommentary.Text == text {
				return found{id: e.ID, url: linkedInURL(e.ID)}, true, nil
			}
		}
		return found{}, false, nil
	}
}

// parseLinkedInError reads {"serviceErrorCode","message","status"}; a
// message naming "/specificContent/.../text" points at the text.
func parseLinkedInError(body []byte) (string, string) {
	var e struct {
		Message string `json:"message"`
		Code    int    `json:"serviceErrorCode"`
	}
	if json.Unmarshal(body, &e) != nil {
		return "", ""
	}
	field := ""
	switch {
	case strings.Contains(e.Message, "shareCommentary"):
		field = "text"
	case strings.Contains(e.Message, "media"):
		field = "media_urls"
	case strings.Contains(e.Message, "author"):
		field = "author"
	}
	return fmt.Sprintf("%s (serviceErrorCode %d)", e.Message, e.Code), field
}
