package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/publish/publishtest"
	"github.com/halcytone/halcytone/publish/web"
)

const (
	platformToken = "platform-token"
	cdnToken      = "cdn-token"
	zone          = "zone-1"
	indexURL      = "https://www.example.com/blog/"
	feedURL       = "https://www.example.com/blog/feed.xml"
)

// sampleBundle returns a bundle with a valid web post.
func sampleBundle() *content.Bundle {
	return &content.Bundle{Title: "Breathing better at work", Hash: "h1", Channels: []content.Channel{content.ChannelWebsite},
		WebPost: &content.WebPost{
			Title:          "Breathing better at work this winter",
			Slug:           "breathing-better-at-work",
			HTML:           `<h2 id="why">Why it matters</h2><p>Slow breathing calms the nervous system and helps focus.</p>`,
			Excerpt:        "Slow breathing calms the nervous system and helps focus.",
			Tags:           []string{"breathing", "work"},
			SEOTitle:       "Breathing better at work this winter | Halcytone",
			SEODescription: strings.Repeat("Slow breathing calms the nervous system. ", 3),
			SchemaMarkup:   `{"@context":"https://schema.org","@type":"BlogPosting"}`,
		}}
}

// platformFake adapts mock.Platform to publishtest.Fake.
type platformFake struct{ *mock.Platform }

func (f platformFake) FailNext(k publishtest.FailureKind, n int) {
	switch k {
	case publishtest.ServerError:
		f.Platform.FailNext(n, http.StatusInternalServerError, 0)
	case publishtest.RateLimit:
		f.Platform.FailNext(n, http.StatusTooManyRequests, 7*time.Second)
	case publishtest.ExpiredToken:
		f.Platform.FailNext(n, http.StatusUnauthorized, 0)
	case publishtest.AcceptThenTimeout:
		f.Platform.AcceptThenTimeout(n)
	case publishtest.MalformedJSON:
		f.Platform.FailNextMalformed(n)
	case publishtest.HTMLErrorPage:
		f.Platform.FailNextHTML(n)
	}
}

// recordingInvalidator records the keys it is told to drop.
type recordingInvalidator struct {
	mu   sync.Mutex
	keys [][]string
	err  error
}

func (r *recordingInvalidator) Invalidate(_ context.Context, keys ...string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keys = append(r.keys, keys)
	return r.err
}

func (r *recordingInvalidator) calls() [][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]string(nil), r.keys...)
}

type env struct {
	pub      *web.Publisher
	platform *mock.Platform
	cdn      *mock.CDN
	inv      *recordingInvalidator
}

func newEnv(t testing.TB, edit func(*web.Config)) env {
	t.Helper()
	e := env{platform: mock.StartPlatform(t, platformToken), cdn: mock.StartCDN(t, cdnToken), inv: &recordingInvalidator{}}
	cfg := web.Config{Endpoint: e.platform.URL(), Token: platformToken,
		CDN:       web.CDN{Endpoint: e.cdn.URL(), Zone: zone, Token: cdnToken},
		PurgeURLs: []string{indexURL, feedURL}, Invalidator: e.inv, Logger: slog.New(slog.DiscardHandler)}
	if edit != nil {
		edit(&cfg)
	}
	p, err := web.New(cfg)
	require.NoError(t, err)
	e.pub = p
	return e
}

func delivery(key string, b *content.Bundle) publish.Delivery {
	return publish.Delivery{IdempotencyKey: key, JobID: "job-" + key, Channel: content.ChannelWebsite, Bundle: b}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestConformance(t *testing.T) {
	publishtest.Run(t, publishtest.Harness{
		New: func(t *testing.T) (publish.Publisher, publishtest.Fake) {
			e := newEnv(t, nil)
			return e.pub, platformFake{e.platform}
		},
		Bundle: sampleBundle,
		Invalid: func() *content.Bundle {
			b := sampleBundle()
			b.WebPost.Slug = "Not A Slug"
			return b
		},
		Timeout: 3 * time.Second,
	})
}

func TestCreateUpdateArchive(t *testing.T) {
	e := newEnv(t, nil)
	b := sampleBundle()
	first, err := e.pub.Publish(ctx(t), delivery("k1", b))
	require.NoError(t, err)
	assert.Equal(t, "published", first.Status)
	assert.Equal(t, indexURL+"breathing-better-at-work", first.URL)
	assert.False(t, web.PurgeFailed(first))

	// New content under the same slug: an update, a new version.
	b2 := sampleBundle()
	b2.WebPost.HTML += "<p>Updated with a new section.</p>"
	second, err := e.pub.Publish(ctx(t), delivery("k2", b2))
	require.NoError(t, err)
	assert.Equal(t, first.ExternalID, second.ExternalID)
	post, ok := e.platform.Post(first.ExternalID)
	require.True(t, ok)
	assert.Equal(t, 2, post.Version)
	assert.Equal(t, b2.WebPost.HTML, post.HTML)
	assert.Equal(t, 1, e.platform.Posts())

	// The same update again is answered from its key: nothing changes.
	again, err := e.pub.Publish(ctx(t), delivery("k2", b2))
	require.NoError(t, err)
	assert.Equal(t, second.ExternalID, again.ExternalID)
	post, _ = e.platform.Post(first.ExternalID)
	assert.Equal(t, 2, post.Version)
	assert.Equal(t, 1, e.platform.Duplicates())

	archived, err := e.pub.Archive(ctx(t), first.ExternalID)
	require.NoError(t, err)
	assert.Equal(t, mock.PostArchived, archived.Status)
	post, _ = e.platform.Post(first.ExternalID)
	assert.Equal(t, mock.PostArchived, post.Status)

	// Every publish and the archive purged the post, the index and the feed.
	want := []string{first.URL, indexURL, feedURL}
	purges := e.cdn.Purges()
	require.Len(t, purges, 4)
	for _, p := range purges {
		assert.Equal(t, zone, p.Zone)
		assert.Equal(t, want, p.Files)
		assert.False(t, p.Everything)
	}
	calls := e.inv.calls()
	require.Len(t, calls, 4)
	assert.Equal(t, want, calls[0])

	_, err = e.pub.Archive(ctx(t), "post_missing")
	assert.Equal(t, content.NotFound, content.ClassOf(err), "%v", err)
}

func TestSchedule(t *testing.T) {
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	e := newEnv(t, nil)
	at := time.Now().Add(48 * time.Hour).Truncate(time.Second)
	r, err := e.pub.Schedule(ctx(t), delivery("k1", sampleBundle()), at)
	require.NoError(t, err)
	assert.Equal(t, mock.PostScheduled, r.Status)
	post, ok := e.platform.Post(r.ExternalID)
	require.True(t, ok)
	assert.Equal(t, at.UTC().Format(time.RFC3339), post.PublishAt)
	assert.Empty(t, e.cdn.Purges(), "a scheduled post was purged")

	_, err = e.pub.Schedule(ctx(t), delivery("k2", sampleBundle()), time.Now().Add(-time.Hour))
	var ce *content.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, content.InvalidContent, ce.Class)
	assert.Equal(t, "publish_at", ce.Field)

	// The publisher's own clock decides what is in the past.
	fixed := newEnv(t, func(c *web.Config) { c.Now = func() time.Time { return now } })
	_, err = fixed.pub.Schedule(ctx(t), delivery("k3", sampleBundle()), now)
	assert.Equal(t, content.InvalidContent, content.ClassOf(err))
	assert.Empty(t, fixed.platform.Requests(), "an invalid schedule was sent")
}

func TestSlugOfAnotherAuthorIsInvalidContent(t *testing.T) {
	e := newEnv(t, nil)
	e.platform.SeedPost("someone-else", mock.PlatformPostInput{Title: "Their post", Slug: "breathing-better-at-work", HTML: "<p>x</p>"})
	_, err := e.pub.Publish(ctx(t), delivery("k1", sampleBundle()))
	var ce *content.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, content.InvalidContent, ce.Class)
	assert.Equal(t, "slug", ce.Field)
	assert.Equal(t, 1, e.platform.Posts())
	assert.Empty(t, e.cdn.Purges())
}

func TestPurgeFailureDoesNotFailDelivery(t *testing.T) {
	tests := []struct {
		name  string
		setup func(e env)
	}{
		{"cdn 500", func(e env) { e.cdn.FailNext(1, http.StatusInternalServerError, 0) }},
		{"cdn 429", func(e env) { e.cdn.FailNext(1, http.StatusTooManyRequests, time.Second) }},
		{"cdn 401", func(e env) { e.cdn.FailNext(1, http.StatusUnauthorized, 0) }},
		{"invalidator error", func(e env) { e.inv.err = errors.New("cache down") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			tt.setup(e)
			r, err := e.pub.Publish(ctx(t), delivery("k1", sampleBundle()))
			require.NoError(t, err)
			assert.True(t, web.PurgeFailed(r), "status %q", r.Status)
			assert.Equal(t, "published"+web.PurgeFailedSuffix, r.Status)
			assert.NotEmpty(t, r.ExternalID)
			assert.Equal(t, 1, e.platform.Posts())
		})
	}
}

func TestPurgeBatchesOf30(t *testing.T) {
	var extra []string
	for i := range 35 {
		extra = append(extra, fmt.Sprintf("https://www.example.com/tag/%d", i))
	}
	e := newEnv(t, func(c *web.Config) { c.PurgeURLs = extra })
	r, err := e.pub.Publish(ctx(t), delivery("k1", sampleBundle()))
	require.NoError(t, err)
	purges := e.cdn.Purges()
	require.Len(t, purges, 2)
	assert.Len(t, purges[0].Files, 30)
	assert.Len(t, purges[1].Files, 6)
	assert.Equal(t, append([]string{r.URL}, extra...), e.cdn.PurgedFiles())

	require.NoError(t, e.pub.PurgeEverything(ctx(t)))
	purges = e.cdn.Purges()
	assert.True(t, purges[len(purges)-1].Everything)
}

func TestNoCDNConfigured(t *testing.T) {
	e := newEnv(t, func(c *web.Config) { c.CDN = web.CDN{}; c.Invalidator = nil })
	r, err := e.pub.Publish(ctx(t), delivery("k1", sampleBundle()))
	require.NoError(t, err)
	assert.Equal(t, "published", r.Status)
	assert.Empty(t, e.cdn.Requests())
	assert.Equal(t, content.Permanent, content.ClassOf(e.pub.PurgeEverything(ctx(t))))
}

func TestDryRunSendsNothing(t *testing.T) {
	e := newEnv(t, nil)
	d := delivery("k1", sampleBundle())
	d.DryRun = true
	r, err := e.pub.Publish(ctx(t), d)
	require.NoError(t, err)
	assert.True(t, r.DryRun)
	assert.Empty(t, e.platform.Requests())
	assert.Empty(t, e.cdn.Requests())
}

func TestPreview(t *testing.T) {
	e := newEnv(t, nil)
	b := sampleBundle()
	pv, err := e.pub.Preview(ctx(t), delivery("k1", b))
	require.NoError(t, err)
	var body map[string]any
	require.NoError(t, json.Unmarshal(pv.Payload, &body))
	assert.Equal(t, map[string]any{
		"title": b.WebPost.Title, "slug": b.WebPost.Slug, "html": b.WebPost.HTML, "excerpt": b.WebPost.Excerpt,
		"tags": []any{"breathing", "work"}, "seo_title": b.WebPost.SEOTitle, "seo_description": b.WebPost.SEODescription,
		"schema_markup": b.WebPost.SchemaMarkup, "status": "published",
	}, body)
	score, ok := pv.Estimates["seo_score_estimate"]
	require.True(t, ok)
	assert.InDelta(t, float64(web.SEOScoreEstimate(b.WebPost)), score, 0)
	assert.Empty(t, e.platform.Requests())

	// What Publish sends is exactly the previewed body.
	_, err = e.pub.Publish(ctx(t), delivery("k1", b))
	require.NoError(t, err)
	var sent []byte
	for _, r := range e.platform.Requests() {
		if r.Method == http.MethodPost {
			sent = r.Body
		}
	}
	assert.JSONEq(t, string(pv.Payload), string(sent))
	assert.Equal(t, "k1", e.platform.Requests()[1].Header.Get("Idempotency-Key"))

	_, err = e.pub.Preview(ctx(t), delivery("k2", &content.Bundle{}))
	assert.Equal(t, content.InvalidContent, content.ClassOf(err))
}

func TestSEOScoreEstimate(t *testing.T) {
	tests := []struct {
		name string
		w    *content.WebPost
		want int
	}{
		{"nil", nil, 0},
		{"empty", &content.WebPost{}, 0},
		{"sample", sampleBundle().WebPost, 20 + 20 + 10 + 10 + 0 + 10 + 10},
		{"long text", &content.WebPost{HTML: "<p>" + strings.Repeat("word ", 300) + "</p>"}, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, web.SEOScoreEstimate(tt.w))
		})
	}
}

func TestValidate(t *testing.T) {
	e := newEnv(t, func(c *web.Config) { c.MaxHTMLBytes = 1000 })
	edit := func(f func(w *content.WebPost)) *content.Bundle {
		b := sampleBundle()
		f(b.WebPost)
		return b
	}
	tests := []struct {
		name  string
		b     *content.Bundle
		field string
		code  string
	}{
		{"valid", sampleBundle(), "", ""},
		{"no bundle", nil, "web_update", content.CodeRequired},
		{"no web post", &content.Bundle{}, "web_update", content.CodeRequired},
		{"title empty", edit(func(w *content.WebPost) { w.Title = " " }), "web_update.title", content.CodeRequired},
		{"title short", edit(func(w *content.WebPost) { w.Title = "Short" }), "web_update.title", content.CodeTooShort},
		{"title long", edit(func(w *content.WebPost) { w.Title = strings.Repeat("é", 101) }), "web_update.title", content.CodeTooLong},
		{"slug empty", edit(func(w *content.WebPost) { w.Slug = "" }), "web_update.slug", content.CodeRequired},
		{"slug pattern", edit(func(w *content.WebPost) { w.Slug = "Breathe_Well" }), "web_update.slug", content.CodePattern},
		{"slug long", edit(func(w *content.WebPost) { w.Slug = strings.Repeat("a", 101) }), "web_update.slug", content.CodeTooLong},
		{"html empty", edit(func(w *content.WebPost) { w.HTML = "" }), "web_update.html", content.CodeRequired},
		{"html over cap", edit(func(w *content.WebPost) { w.HTML = strings.Repeat("x", 1001) }), "web_update.html", content.CodeTooLong},
		{"too many tags", edit(func(w *content.WebPost) { w.Tags = make([]string, content.MaxWebTags+1) }), "web_update.tags", content.CodeTooMany},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			issues := e.pub.Validate(ctx(t), tt.b)
			if tt.field == "" {
				assert.Empty(t, issues)
				return
			}
			require.Len(t, issues, 1, "%v", issues)
			assert.Equal(t, tt.field, issues[0].Field)
			assert.Equal(t, tt.code, issues[0].Code)
			assert.Equal(t, content.SeverityError, issues[0].Severity)

			if tt.b != nil {
				_, err := e.pub.Publish(ctx(t), delivery("k-"+tt.name, tt.b))
				var ce *content.Error
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, content.InvalidContent, ce.Class)
				assert.Equal(t, tt.field, ce.Field)
			}
		})
	}
	assert.Empty(t, e.platform.Requests(), "invalid posts were sent")

	_, err := e.pub.Publish(ctx(t), delivery("", sampleBundle()))
	assert.Equal(t, content.InvalidContent, content.ClassOf(err))
}

func TestNew(t *testing.T) {
	tests := []struct {
		name string
		cfg  web.Config
	}{
		{"no endpoint", web.Config{Token: "t"}},
		{"no token", web.Config{Endpoint: "https://api.example.com"}},
		{"bad endpoint", web.Config{Endpoint: "ftp://x", Token: "t"}},
		{"partial cdn", web.Config{Endpoint: "https://api.example.com", Token: "t", CDN: web.CDN{Zone: "z"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := web.New(tt.cfg)
			assert.Error(t, err)
		})
	}
	p, err := web.New(web.Config{Endpoint: "https://api.example.com/", Token: "t"})
	require.NoError(t, err)
	assert.Equal(t, "web", p.Name())
	assert.Equal(t, content.ChannelWebsite, p.Channel())
}
