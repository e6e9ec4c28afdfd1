package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish"
)

// SlackMaxText is the longest message text Slack takes, in characters;
// Slack cuts longer text, so Validate refuses it instead.
const SlackMaxText = 40_000

// SlackEventType is the message metadata event type that carries a
// delivery's idempotency key, so that Lookup can find the message again.
const SlackEventType = "halcytone_delivery"

// maxAnswer bounds how much of an answer is read.
const maxAnswer = 1 << 20

// SlackConfig configures a Slack publisher.
type SlackConfig struct {
	// WebhookURL is the incoming webhook, such as
	// https://hooks.slack.com/services/T000/B000/XXXX. Required.
	WebhookURL string
	// APIURL is the Web API root; "" means https://slack.com/api. Lookup
	// reads conversations.history there.
	APIURL string
	// Token is a bot token allowed to read the channel's history
	// (channels:history), for Lookup. Without it Lookup knows only what
	// this process delivered.
	Token string
	// SlackChannel is the ID of the Slack channel the webhook posts to
	// (C0123...), for Lookup.
	SlackChannel string
	// LookupDepth is how many of the channel's latest messages Lookup
	// searches; 0 means 200.
	LookupDepth int
	// Channel is the Halcytone channel whose variant the publisher
	// announces: the newsletter's subject and preview for email, else the
	// web post's title and excerpt. "" means content.ChannelWebsite. An
	// Engine holds one publisher per channel.
	Channel content.Channel
	// Client sends the requests; nil means a client with a 30 s timeout.
	Client *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Slack is a publish.Publisher that announces a bundle in a Slack channel
// through an incoming webhook: POST {"text": ...} to the webhook URL,
// answered "ok".
//
// Idempotency: a webhook takes no idempotency key and returns no message
// ID, so the publisher keeps the keys it delivered (a repeated key
// returns the first receipt and sends nothing) and sends each message
// with its key in Slack message metadata. Lookup, and a Publish that
// follows an attempt whose outcome is unknown, search the channel's
// history for that key before anything is sent again. The receipt's
// ExternalID is the key itself, since the webhook names no message. The
// delivered keys live in memory for the publisher's life; with an Engine,
// the store's delivery records are what survive a restart (a delivery
// recorded as sent is never published again), and the history search
// covers the rest.
//
// Without a Token nothing can be looked up: a key whose send has an
// unknown outcome is refused again (OutcomeUnknown) rather than risk a
// second message, for a person to check the channel.
//
// Errors are the content.Error taxonomy, through publish.ClassifyHTTP.
// It is safe for concurrent use.
type Slack struct {
	cfg SlackConfig

	mu        sync.Mutex
	delivered map[string]publish.Receipt // keys known to be in the channel
	unsure    map[string]bool            // keys whose last send has an unknown outcome
	inflight  map[string]bool            // keys being sent now
}

var _ publish.Publisher = (*Slack)(nil)

// NewSlack returns a Slack publisher, or an error when cfg has no valid
// webhook URL.
func NewSlack(cfg SlackConfig) (*Slack, error) {
	u, err := url.Parse(cfg.WebhookURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("slack: webhook URL %q is not an absolute http(s) URL", cfg.WebhookURL)
	}
	if cfg.APIURL == "" {
		cfg.APIURL = "https://slack.com/api"
	}
	cfg.APIURL = strings.TrimSuffix(cfg.APIURL, "/")
	if cfg.LookupDepth <= 0 {
		cfg.LookupDepth = 200
	}
	if cfg.Channel == "" {
		cfg.Channel = content.ChannelWebsite
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Slack{cfg: cfg, delivered: map[string]publish.Receipt{}, unsure: map[string]bool{}, inflight: map[string]bool{}}, nil
}

// Name returns "slack".
func (s *Slack) Name() string { return "slack" }

// Channel returns the Halcytone channel the publisher serves.
func (s *Slack) Channel() content.Channel { return s.cfg.Channel }

// Validate reports what Slack would refuse or cut: an empty message, or
// one longer than SlackMaxText characters.
func (s *Slack) Validate(_ context.Context, b *content.Bundle) []content.Issue {
	text, field := messageText(s.cfg.Channel, b)
	switch n := utf8.RuneCountInString(text); {
	case strings.TrimSpace(text) == "":
		return []content.Issue{{Severity: content.SeverityError, Field: field, Code: content.CodeRequired,
			Message: "slack: the message has no text"}}
	case n > SlackMaxText:
		return []content.Issue{{Severity: content.SeverityError, Field: field, Code: content.CodeTooLong,
			Message: fmt.Sprintf("slack: the message is %d characters, at most %d", n, SlackMaxText)}}
	}
	return nil
}

// slackMessage is the webhook's request body.
type slackMessage struct {
	Text     string         `json:"text"`
	Metadata *slackMetadata `json:"metadata,omitempty"`
}

// slackMetadata is Slack's message metadata.
type slackMetadata struct {
	EventType    string            `json:"event_type"`
	EventPayload map[string]string `json:"event_payload"`
}

// Preview returns the JSON body Publish would send, sending nothing.
func (s *Slack) Preview(ctx context.Context, d publish.Delivery) (publish.Preview, error) {
	const op = "slack: preview"
	if issues := s.Validate(ctx, d.Bundle); len(issues) > 0 {
		return publish.Preview{}, &content.Error{Class: content.InvalidContent, Op: op, Field: issues[0].Field, Err: issues[0]}
	}
	text, _ := messageText(s.cfg.Channel, d.Bundle)
	body, err := json.Marshal(slackMessage{Text: text, Metadata: &slackMetadata{EventType: SlackEventType,
		EventPayload: map[string]string{"idempotency_key": d.IdempotencyKey, "job_id": d.JobID}}})
	if err != nil {
		return publish.Preview{}, &content.Error{Class: content.Permanent, Op: op, Err: err}
	}
	return publish.Preview{Channel: d.Channel, Platform: d.Platform, Payload: body,
		Estimates: map[string]float64{"characters": float64(utf8.RuneCountInString(text))}}, nil
}

// Publish posts the delivery's message once per idempotency key: a key
// delivered before returns its first receipt; a key whose last send
// has an unknown outcome is looked up in the channel's history first.
func (s *Slack) Publish(ctx context.Context, d publish.Delivery) (publish.Receipt, error) {
	const op = "slack: publish"
	pv, err := s.Preview(ctx, d)
	if err != nil {
		return publish.Receipt{}, err
	}
	if d.DryRun {
		return publish.Receipt{Status: "dry_run", DryRun: true, At: s.cfg.Now()}, nil
	}
	if err := ctx.Err(); err != nil {
		return publish.Receipt{}, &content.Error{Class: content.Retryable, Op: op, Err: err}
	}
	key := d.IdempotencyKey
	if key == "" {
		return publish.Receipt{}, &content.Error{Class: content.InvalidContent, Op: op, Field: "idempotency_key",
			Err: errors.New("a delivery needs an idempotency key")}
	}

	s.mu.Lock()
	if r, ok := s.delivered[key]; ok {
		s.mu.Unlock()
		return r, nil
	}
	if s.inflight[key] {
		s.mu.Unlock()
		return publish.Receipt{}, &content.Error{Class: content.Retryable, Op: op, Err: fmt.Errorf("key %s is being sent", key)}
	}
	s.inflight[key] = true
	unsure := s.unsure[key]
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.inflight, key)
		s.mu.Unlock()
	}()

	if unsure {
		if s.cfg.Token == "" {
			return publish.Receipt{}, &content.Error{Class: content.OutcomeUnknown, Op: op,
				Err: fmt.Errorf("an earlier send of %s may have been posted, and without a token the channel cannot be checked", key)}
		}
		r, found, err := s.search(ctx, key)
		if err != nil {
			return publish.Receipt{}, err
		}
		if found {
			return s.remember(key, r), nil
		}
	}
	if err := s.post(ctx, op, pv.Payload); err != nil {
		if content.ClassOf(err) == content.OutcomeUnknown {
			s.mu.Lock()
			s.unsure[key] = true
			s.mu.Unlock()
		}
		return publish.Receipt{}, err
	}
	return s.remember(key, publish.Receipt{ExternalID: key, Status: "posted", Sent: 1, At: s.cfg.Now().UTC()}), nil
}

// Lookup finds a delivery by key: among those this publisher delivered,
// else in the channel's latest LookupDepth messages (with a Token).
func (s *Slack) Lookup(ctx context.Context, key string) (publish.Receipt, bool, error) {
	s.mu.Lock()
	r, ok := s.delivered[key]
	s.mu.Unlock()
	if ok {
		return r, true, nil
	}
	if s.cfg.Token == "" {
		return publish.Receipt{}, false, nil
	}
	r, ok, err := s.search(ctx, key)
	if err != nil || !ok {
		return publish.Receipt{}, false, err
	}
	return s.remember(key, r), true, nil
}

// remember records r as the receipt of key and returns the receipt kept.
func (s *Slack) remember(key string, r publish.Receipt) publish.Receipt {
	s.mu.Lock()
	defer s.mu.Unlock()
	if first, ok := s.delivered[key]; ok {
		return first
	}
	s.delivered[key] = r
	delete(s.unsure, key)
	return r
}

// post sends one message to the webhook, which answers "ok".
func (s *Slack) post(ctx context.Context, op string, payload []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.WebhookURL, bytes.NewReader(payload))
	if err != nil {
		return &content.Error{Class: content.Permanent, Op: op, Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req, sent := publish.TrackSent(req)
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return publish.ClassifyHTTP(op, nil, nil, err, sent())
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err == nil && resp.StatusCode/100 == 2 && strings.TrimSpace(string(body)) != "ok" {
		err = errors.New(`the webhook did not answer "ok"`)
	}
	return publish.ClassifyHTTP(op, resp, body, err, true)
}

// historyAnswer is the part of conversations.history that search reads.
type historyAnswer struct {
	OK       bool   `json:"ok"`
	Error    string `json:"error"`
	Messages []struct {
		TS       string         `json:"ts"`
		Metadata *slackMetadata `json:"metadata"`
	} `json:"messages"`
}

// search looks for the message carrying key in the channel's history.
func (s *Slack) search(ctx context.Context, key string) (publish.Receipt, bool, error) {
	const op = "slack: conversations.history"
	if s.cfg.Token == "" {
		return publish.Receipt{}, false, nil
	}
	q := url.Values{"channel": {s.cfg.SlackChannel}, "limit": {strconv.Itoa(s.cfg.LookupDepth)}, "include_all_metadata": {"true"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.cfg.APIURL+"/conversations.history?"+q.Encode(), nil)
	if err != nil {
		return publish.Receipt{}, false, &content.Error{Class: content.Permanent, Op: op, Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+s.cfg.Token)
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return publish.Receipt{}, false, publish.ClassifyHTTP(op, nil, nil, err, false) // a read: safe to retry
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	var ans historyAnswer
	if err == nil && resp.StatusCode/100 == 2 {
		err = json.Unmarshal(body, &ans)
	}
	if err := publish.ClassifyHTTP(op, resp, body, err, false); err != nil {
		if content.ClassOf(err) == content.OutcomeUnknown { // an unreadable answer to a read
			err = &content.Error{Class: content.Retryable, Op: op, Err: err}
		}
		return publish.Receipt{}, false, err
	}
	if !ans.OK {
		return publish.Receipt{}, false, apiError(op, ans.Error)
	}
	for _, m := range ans.Messages {
		if m.Metadata != nil && m.Metadata.EventType == SlackEventType && m.Metadata.EventPayload["idempotency_key"] == key {
			return publish.Receipt{ExternalID: key, Status: "posted", Sent: 1, At: tsTime(m.TS)}, true, nil
		}
	}
	return publish.Receipt{}, false, nil
}

// apiError classifies a Web API answer {"ok": false, "error": code}.
func apiError(op, code string) error {
	class := content.Permanent
	switch code {
	case "invalid_auth", "not_authed", "token_expired", "token_revoked", "account_inactive":
		class = content.AuthExpired
	case "ratelimited":
		class = content.RateLimited
	case "internal_error", "fatal_error", "service_unavailable", "request_timeout":
		class = content.Retryable
	}
	return &content.Error{Class: class, Op: op, Err: fmt.Errorf("slack error %q", code)}
}

// tsTime reads a Slack message timestamp ("1732000000.000100").
func tsTime(ts string) time.Time {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}
	}
	us, _ := strconv.ParseInt((frac + "000000")[:6], 10, 64)
	return time.Unix(s, us*1000).UTC()
}

// messageText is the Slack message of a bundle for channel ch, in
// Slack's mrkdwn, and the bundle field it comes from: the newsletter's
// subject and preview for email, else the web post's title and excerpt,
// falling back on the other variant, then on the bundle's title.
func messageText(ch content.Channel, b *content.Bundle) (text, field string) {
	if b == nil {
		return "", "bundle"
	}
	title, summary, field := b.Title, "", "title"
	web, nl := b.WebPost != nil, b.Newsletter != nil
	switch {
	case nl && (ch == content.ChannelEmail || !web):
		title, summary, field = b.Newsletter.Subject, b.Newsletter.PreviewText, "newsletter.preview_text"
	case web:
		title, summary, field = b.WebPost.Title, b.WebPost.Excerpt, "web_update.excerpt"
	}
	if strings.TrimSpace(title) == "" && strings.TrimSpace(summary) == "" {
		return "", field
	}
	text = "*" + slackEscape(title) + "*"
	if summary != "" {
		text += "\n" + slackEscape(summary)
	}
	return text, field
}

// slackEscape escapes the three characters Slack's mrkdwn reserves.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
