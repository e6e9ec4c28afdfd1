// Package social publishes social posts to X (API v2), LinkedIn (UGC
// posts), Facebook Pages and Instagram (Graph API).
//
// Every publisher here satisfies publish.Publisher and is safe for
// concurrent use. Guarantees:
//
//   - Errors are *content.Error values of the closed taxonomy: 429 is
//     RateLimited with the Retry-After (seconds or HTTP date, else the
//     platform's reset header); 401 or an expired token is AuthExpired;
//     400/422 is InvalidContent with the field; 404 is NotFound; 5xx, and
//     network failures before the request was fully written, are
//     Retryable; a failure after the request was written (a timeout, a
//     reset connection, an unreadable 2xx answer) is OutcomeUnknown;
//     anything else is Permanent. Malformed answers (truncated JSON, HTML
//     error pages) are classified, never a panic.
//   - Idempotency. Each publisher sends the delivery's key to the
//     platform as an Idempotency-Key header (the fakes in package mock
//     honour it; the real platforms ignore it), and journals every
//     delivery in a KeyStore before sending: the key, the texts it is
//     about to post and, as they come back, the ids of the posts made. A
//     key already completed is answered from the journal without a
//     request. Lookup answers from the journal, and for a delivery whose
//     outcome is unknown it searches the account's recent posts on the
//     platform for the journalled text, so that the engine can reconcile
//     instead of resending. The default KeyStore is in memory; give a
//     durable one to survive restarts.
//   - Threads (X) are posted part by part, each a reply to the previous;
//     every posted part is journalled, so a thread broken off half way
//     resumes from the last posted part and never reposts one.
//   - Validation before sending: a post that breaks its platform's rules
//     (length as the platform counts it, X weighted 280 per part; the
//     hashtag cap; media URLs that are not absolute http(s) URLs;
//     Instagram without media) is refused with InvalidContent and nothing
//     is sent.
//   - The headers of X's answers to posts (x-rate-limit-*) go to an
//     optional publish.RateObserver (the rate-limit middleware) under
//     publish.RateKey of the delivery.
//
// Preview estimates (reach, engagement) are rough, documented estimates
// from the configured audience size; they are labelled "estimated_*".
package social

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish"
)

// Record is the journal entry of one delivery in a KeyStore.
type Record struct {
	// Texts are the texts the delivery posts, in order (one per part of an
	// X thread, else one).
	Texts []string
	// IDs are the platform ids of the parts posted so far, in order.
	IDs []string
	// URL is where the result can be seen, once done.
	URL string
	// Done is true once every part was posted.
	Done bool
	// At is when the platform accepted the last part.
	At time.Time
	// Container is, on Instagram, the media container made for the post
	// and not yet published.
	Container string
	// Unsure is true while a part was sent without a known outcome: the
	// next attempt searches the platform for it before sending again.
	Unsure bool
	// Began is when the first part was first sent: a post made before it
	// (less a clock skew) is not this delivery's, however alike.
	Began time.Time `json:",omitzero"`
}

// KeyStore journals deliveries by idempotency key. Implementations must
// be safe for concurrent use; Get returns a copy the caller may keep.
type KeyStore interface {
	// Get returns the record of key; ok is false when there is none.
	Get(ctx context.Context, key string) (r Record, ok bool, err error)
	// Put stores r under key, replacing any record.
	Put(ctx context.Context, key string, r Record) error
}

// MemoryKeyStore is a KeyStore in memory. The zero value is ready to use.
type MemoryKeyStore struct {
	mu   sync.Mutex
	recs map[string]Record
}

var _ KeyStore = (*MemoryKeyStore)(nil)

// Get returns the record of key.
func (m *MemoryKeyStore) Get(_ context.Context, key string) (Record, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.recs[key]
	r.Texts, r.IDs = slices.Clone(r.Texts), slices.Clone(r.IDs)
	return r, ok, nil
}

// Put stores r under key.
func (m *MemoryKeyStore) Put(_ context.Context, key string, r Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.recs == nil {
		m.recs = map[string]Record{}
	}
	r.Texts, r.IDs = slices.Clone(r.Texts), slices.Clone(r.IDs)
	m.recs[key] = r
	return nil
}

// keyLocks serialises publishes of the same key within one process, so
// that two concurrent calls cannot both post it.
type keyLocks struct {
	mu    sync.Mutex
	locks map[string]*keyLock
}

type keyLock struct {
	ch   chan struct{}
	refs int
}

// lock takes the lock of key, or fails when ctx ends first. The returned
// func releases it.
func (k *keyLocks) lock(ctx context.Context, key string) (func(), error) {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyLock{}
	}
	l := k.locks[key]
	if l == nil {
		l = &keyLock{ch: make(chan struct{}, 1)}
		k.locks[key] = l
	}
	l.refs++
	k.mu.Unlock()
	release := func() {
		k.mu.Lock()
		l.refs--
		if l.refs == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
	select {
	case l.ch <- struct{}{}:
		return func() { <-l.ch; release() }, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}

// postFor returns the bundle's post for platform p and its index in
// b.Social; i is -1 when there is none.
func postFor(b *content.Bundle, p content.Platform) (content.SocialPost, int) {
	if b == nil {
		return content.SocialPost{}, -1
	}
	for i, sp := range b.Social {
		if sp.Platform == p {
			return sp, i
		}
	}
	return content.SocialPost{}, -1
}

// hashtagRE is the pattern of one hashtag.
var hashtagRE = regexp.MustCompile(content.HashtagPattern)

// validatePost checks the bundle's post for platform p against the
// platform's rules. Fields are JSON paths such as "social_posts[0].text".
// thread says whether the platform posts Thread part by part.
func validatePost(b *content.Bundle, p content.Platform, thread bool) []content.Issue {
	rules, _ := content.RulesFor(p)
	sp, i := postFor(b, p)
	if i < 0 {
		return []content.Issue{{Severity: content.SeverityError, Field: "social_posts", Code: content.CodeRequired,
			Message: fmt.Sprintf("the bundle has no %s post", p)}}
	}
	path := fmt.Sprintf("social_posts[%d]", i)
	var out []content.Issue
	add := func(field, code, format string, args ...any) {
		out = append(out, content.Issue{Severity: content.SeverityError, Field: path + "." + field, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	parts := []string{sp.Text}
	if thread && len(sp.Thread) > 0 {
		parts = sp.Thread
	}
	for j, t := range parts {
		field := "text"
		if thread && len(sp.Thread) > 0 {
			field = fmt.Sprintf("thread[%d]", j)
		}
		switch n := content.Length(p, t); {
		case strings.TrimSpace(t) == "":
			add(field, content.CodeRequired, "is empty")
		case n > rules.MaxLength:
			add(field, content.CodeTooLong, "is %d long as %s counts, allows at most %d", n, p, rules.MaxLength)
		}
	}
	if !thread && len(sp.Thread) > 1 {
		add("thread", content.CodeConflict, "%s does not post threads", p)
	}
	if len(sp.Hashtags) > rules.MaxHashtags {
		add("hashtags", content.CodeTooMany, "has %d hashtags, %s allows at most %d", len(sp.Hashtags), p, rules.MaxHashtags)
	}
	for j, h := range sp.Hashtags {
		if !hashtagRE.MatchString(h) {
			add(fmt.Sprintf("hashtags[%d]", j), content.CodePattern, "%q must match %s", h, content.HashtagPattern)
		}
	}
	for j, u := range sp.MediaURLs {
		if !httpURL(u) {
			add(fmt.Sprintf("media_urls[%d]", j), content.CodeInvalidURL, "%q is not an absolute http or https URL", u)
		}
	}
	if rules.NeedsMedia && len(sp.MediaURLs) == 0 {
		add("media_urls", content.CodeRequired, "%s needs at least one image", p)
	}
	return out
}

// httpURL reports whether s is an absolute http or https URL with a host.
func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// invalid returns the InvalidContent error of the first issue, with the
// field relative to the post ("text", "media_urls", "thread[2]").
func invalid(op string, issues []content.Issue) error {
	if len(issues) == 0 {
		return nil
	}
	is := issues[0]
	field := is.Field
	if _, after, ok := strings.Cut(field, "]."); ok && strings.HasPrefix(field, "social_posts[") {
		field = after
	}
	return &content.Error{Class: content.InvalidContent, Op: op, Field: field, Err: fmt.Errorf("%s", is.Message)}
}

// checkDelivery refuses a delivery that cannot be published.
func checkDelivery(op string, d publish.Delivery) error {
	if d.IdempotencyKey == "" {
		return &content.Error{Class: content.InvalidContent, Op: op, Field: "idempotency_key", Err: fmt.Errorf("a delivery needs an idempotency key")}
	}
	if d.Bundle == nil {
		return &content.Error{Class: content.InvalidContent, Op: op, Field: "bundle", Err: fmt.Errorf("a delivery needs a bundle")}
	}
	return nil
}

// dryReceipt is the receipt of a delivery marked DryRun.
func dryReceipt(now time.Time) publish.Receipt {
	return publish.Receipt{Status: "dry_run", Sent: 0, At: now, DryRun: true}
}

// receiptOf turns a completed record into a receipt.
func receiptOf(r Record) publish.Receipt {
	id := ""
	if len(r.IDs) > 0 {
		id = r.IDs[0]
	}
	return publish.Receipt{ExternalID: id, URL: r.URL, Status: "published", Sent: 1, At: r.At}
}

// estimates computes the labelled preview estimates: reach is the
// audience times the platform's typical organic reach share, engagement
// the reach times a typical engagement rate. Both are rough estimates.
func estimates(audience int, reachShare, engageRate float64, parts int) map[string]float64 {
	reach := float64(audience) * reachShare
	return map[string]float64{
		"estimated_reach":      reach,
		"estimated_engagement": reach * engageRate,
		"parts":                float64(parts),
	}
}
