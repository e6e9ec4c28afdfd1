package social_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/publish/publishtest"
	"github.com/halcytone/halcytone/publish/social"
)

const orgURN = "urn:li:organization:5515715"

func liBundle(text string, media ...string) *content.Bundle {
	return &content.Bundle{Title: "Spring update", Hash: "h1", Social: []content.SocialPost{{
		Platform: content.PlatformLinkedIn, Text: text, MediaURLs: media, Hashtags: []string{"#breathe"},
	}}}
}

func newLinkedIn(t *testing.T, mod func(*social.LinkedInConfig)) (*social.LinkedIn, *mock.LinkedIn) {
	t.Helper()
	f := mock.StartLinkedIn(t, "tok")
	cfg := social.LinkedInConfig{Endpoint: f.URL(), Token: "tok", Author: orgURN}
	if mod != nil {
		mod(&cfg)
	}
	p, err := social.NewLinkedIn(cfg)
	require.NoError(t, err)
	return p, f
}

func liDelivery(key string, b *content.Bundle) publish.Delivery {
	return publish.Delivery{IdempotencyKey: key, Channel: content.ChannelLinkedIn, Platform: content.PlatformLinkedIn, Bundle: b}
}

func TestLinkedInConformance(t *testing.T) {
	publishtest.Run(t, publishtest.Harness{
		New: func(t *testing.T) (publish.Publisher, publishtest.Fake) {
			p, f := newLinkedIn(t, nil)
			return p, conformant{f}
		},
		Bundle:  func() *content.Bundle { return liBundle("Our breathing sessions are back on Tuesdays. #breathe") },
		Invalid: func() *content.Bundle { return liBundle(strings.Repeat("a", 3001)) },
		Timeout: time.Second,
	})
}

func TestLinkedInSendsUGCShape(t *testing.T) {
	p, f := newLinkedIn(t, nil)
	r, err := p.Publish(t.Context(), liDelivery("k", liBundle("hello world", "https://example.com/a.png")))
	require.NoError(t, err)

	posts := f.LinkedInPosts()
	require.Len(t, posts, 1)
	assert.Equal(t, posts[0].URN, r.ExternalID)
	assert.Equal(t, "https://www.linkedin.com/feed/update/"+posts[0].URN, r.URL)
	assert.Equal(t, orgURN, posts[0].Author)
	assert.Equal(t, []string{"https://example.com/a.png"}, posts[0].Media)

	req := f.Requests()[0]
	assert.Equal(t, "2.0.0", req.Header.Get("X-Restli-Protocol-Version"))
	assert.Equal(t, "Bearer tok", req.Header.Get("Authorization"))
	assert.Equal(t, "k", req.Header.Get("Idempotency-Key"))
	var body map[string]any
	require.NoError(t, json.Unmarshal(req.Body, &body))
	assert.Equal(t, "PUBLIC", body["visibility"].(map[string]any)["com.linkedin.ugc.MemberNetworkVisibility"])
	share := body["specificContent"].(map[string]any)["com.linkedin.ugc.ShareContent"].(map[string]any)
	assert.Equal(t, "ARTICLE", share["shareMediaCategory"])
	assert.Equal(t, "hello world", share["shareCommentary"].(map[string]any)["text"])
}

func TestLinkedInTokenExpiry(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		expires  time.Time
		expire   bool // the fake answers 401 expired
		requests int
	}{
		{"configured expiry past: no request", now.Add(-time.Minute), false, 0},
		{"platform says expired", now.Add(59 * 24 * time.Hour), true, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, f := newLinkedIn(t, func(c *social.LinkedInConfig) {
				c.TokenExpiresAt = tc.expires
				c.Now = func() time.Time { return now }
			})
			f.ExpireToken(tc.expire)
			_, err := p.Publish(t.Context(), liDelivery("k", liBundle("hi")))
			assert.Equal(t, content.AuthExpired, content.ClassOf(err), "%v", err)
			assert.Len(t, f.Requests(), tc.requests)
			_, _, err = p.Lookup(t.Context(), "k")
			if tc.requests == 0 {
				assert.Equal(t, content.AuthExpired, content.ClassOf(err))
			}
		})
	}
}

func TestLinkedInRefusals(t *testing.T) {
	tests := []struct {
		name  string
		b     *content.Bundle
		field string
	}{
		{"too long", liBundle(strings.Repeat("é", 3001)), "text"},
		{"media not http", liBundle("hi", "javascript:alert(1)"), "media_urls[0]"},
		{"thread", &content.Bundle{Social: []content.SocialPost{{Platform: content.PlatformLinkedIn, Text: "a", Thread: []string{"a", "b"}}}}, "thread"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, f := newLinkedIn(t, nil)
			_, err := p.Publish(t.Context(), liDelivery("k", tc.b))
			var ce *content.Error
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, content.InvalidContent, ce.Class)
			assert.Equal(t, tc.field, ce.Field)
			assert.Empty(t, f.Requests())
		})
	}
}

func TestLinkedInErrorsAreClassified(t *testing.T) {
	tests := []struct {
		name  string
		serve http.HandlerFunc
		class content.ErrorClass
		field string
	}{
		{"422 text", status(422, nil, `{"serviceErrorCode":100,"message":"/specificContent/com.linkedin.ugc.ShareContent/shareCommentary/text is too long","status":422}`), content.InvalidContent, "text"},
		{"401", status(401, nil, `{"serviceErrorCode":65601,"message":"expired","status":401}`), content.AuthExpired, ""},
		{"429", status(429, map[string]string{"Retry-After": "30"}, `{"status":429}`), content.RateLimited, ""},
		{"503 html", status(503, nil, `<html>down</html>`), content.Retryable, ""},
		{"201 without id", status(201, nil, `not json`), content.OutcomeUnknown, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := social.NewLinkedIn(social.LinkedInConfig{Endpoint: startServer(t, tc.serve), Token: "tok", Author: orgURN})
			require.NoError(t, err)
			_, err = p.Publish(t.Context(), liDelivery("k", liBundle("hi")))
			var ce *content.Error
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tc.class, ce.Class, "%v", err)
			assert.Equal(t, tc.field, ce.Field)
		})
	}
}

func TestLinkedInTimeoutThenRepublishPostsOnce(t *testing.T) {
	p, f := newLinkedIn(t, nil)
	d := liDelivery("k", liBundle("a post that times out"))
	f.TimeoutNext(1)
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	_, err := p.Publish(ctx, d)
	require.Equal(t, content.OutcomeUnknown, content.ClassOf(err), "%v", err)
	r, err := p.Publish(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, f.LinkedInPosts()[0].URN, r.ExternalID)
	assert.Equal(t, 1, f.Posts())
	assert.Zero(t, f.Duplicates())
}

func TestNewLinkedInRejectsBadConfig(t *testing.T) {
	for _, cfg := range []social.LinkedInConfig{
		{Author: orgURN},
		{Token: "t", Author: "acme"},
		{Token: "t", Author: orgURN, Endpoint: "ftp://x"},
	} {
		_, err := social.NewLinkedIn(cfg)
		assert.Error(t, err, "%+v", cfg)
	}
}
