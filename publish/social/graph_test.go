package social_test

import (
	"context"
	"net/http"
	"net/url"
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

const (
	pageID = "104857600"
	igID   = "17841400000000001"
)

func graphBundle(p content.Platform, text string, media ...string) *content.Bundle {
	return &content.Bundle{Title: "Spring update", Hash: "h1", Social: []content.SocialPost{{
		Platform: p, Text: text, MediaURLs: media, Hashtags: []string{"#breathe"},
	}}}
}

func graphCfg(f *mock.Graph, id string) social.GraphConfig {
	return social.GraphConfig{Endpoint: f.URL() + "/v21.0", Token: "tok", ID: id}
}

func newFacebook(t *testing.T) (*social.Facebook, *mock.Graph) {
	t.Helper()
	f := mock.StartGraph(t, "tok")
	p, err := social.NewFacebook(graphCfg(f, pageID))
	require.NoError(t, err)
	return p, f
}

func newInstagram(t *testing.T) (*social.Instagram, *mock.Graph) {
	t.Helper()
	f := mock.StartGraph(t, "tok")
	p, err := social.NewInstagram(graphCfg(f, igID))
	require.NoError(t, err)
	return p, f
}

func graphDelivery(p content.Platform, key string, b *content.Bundle) publish.Delivery {
	return publish.Delivery{IdempotencyKey: key, Channel: content.Channel(p), Platform: p, Bundle: b}
}

func TestFacebookConformance(t *testing.T) {
	publishtest.Run(t, publishtest.Harness{
		New: func(t *testing.T) (publish.Publisher, publishtest.Fake) {
			p, f := newFacebook(t)
			return p, conformant{f}
		},
		Bundle: func() *content.Bundle {
			return graphBundle(content.PlatformFacebook, "Breathing sessions are back. #breathe", "https://example.com/spring")
		},
		Invalid: func() *content.Bundle { return graphBundle(content.PlatformFacebook, "hi", "file:///etc/passwd") },
		Timeout: time.Second,
	})
}

func TestInstagramConformance(t *testing.T) {
	publishtest.Run(t, publishtest.Harness{
		New: func(t *testing.T) (publish.Publisher, publishtest.Fake) {
			p, f := newInstagram(t)
			return p, conformant{f}
		},
		Bundle: func() *content.Bundle {
			return graphBundle(content.PlatformInstagram, "Breathe with us. #breathe", "https://example.com/a.jpg")
		},
		Invalid: func() *content.Bundle { return graphBundle(content.PlatformInstagram, "no image") },
		Timeout: time.Second,
	})
}

func TestFacebookPostsMessageAndLink(t *testing.T) {
	p, f := newFacebook(t)
	r, err := p.Publish(t.Context(), graphDelivery(content.PlatformFacebook, "k", graphBundle(content.PlatformFacebook, "hello", "https://example.com/post")))
	require.NoError(t, err)
	posts := f.GraphPosts()
	require.Len(t, posts, 1)
	assert.Equal(t, posts[0].ID, r.ExternalID)
	assert.Equal(t, "https://www.facebook.com/"+posts[0].ID, r.URL)
	assert.Equal(t, pageID, posts[0].Node)
	assert.Equal(t, "feed", posts[0].Edge)
	assert.Equal(t, "https://example.com/post", posts[0].Link)

	req := f.Requests()[0]
	assert.Equal(t, "/v21.0/"+pageID+"/feed", req.Path)
	form, err := url.ParseQuery(string(req.Body))
	require.NoError(t, err)
	assert.Equal(t, "hello", form.Get("message"))
	assert.Equal(t, "tok", form.Get("access_token"))
}

func TestInstagramContainerThenPublish(t *testing.T) {
	p, f := newInstagram(t)
	b := graphBundle(content.PlatformInstagram, "caption here", "https://example.com/a.jpg")
	r, err := p.Publish(t.Context(), graphDelivery(content.PlatformInstagram, "k", b))
	require.NoError(t, err)
	posts := f.GraphPosts()
	require.Len(t, posts, 1)
	assert.Equal(t, posts[0].ID, r.ExternalID)
	assert.Equal(t, "media", posts[0].Edge)
	assert.Equal(t, "https://example.com/a.jpg", posts[0].ImageURL)
	assert.Equal(t, "caption here", posts[0].Text)
	reqs := f.Requests()
	require.Len(t, reqs, 2)
	assert.True(t, strings.HasSuffix(reqs[0].Path, "/media"))
	assert.True(t, strings.HasSuffix(reqs[1].Path, "/media_publish"))
}

func TestInstagramRetryReusesContainer(t *testing.T) {
	p, f := newInstagram(t)
	d := graphDelivery(content.PlatformInstagram, "k", graphBundle(content.PlatformInstagram, "caption", "https://example.com/a.jpg"))
	f.FailNext(1, http.StatusServiceUnavailable, 0) // the publish step
	_, err := p.Publish(t.Context(), d)
	require.Equal(t, content.Retryable, content.ClassOf(err), "%v", err)
	_, err = p.Publish(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, 1, f.Containers(), "the journalled container is published, not a new one")
	assert.Equal(t, 1, f.Posts())
	assert.Zero(t, f.Duplicates())
}

func TestInstagramWithoutMediaIsRefused(t *testing.T) {
	p, f := newInstagram(t)
	_, err := p.Publish(t.Context(), graphDelivery(content.PlatformInstagram, "k", graphBundle(content.PlatformInstagram, "no image")))
	var ce *content.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, content.InvalidContent, ce.Class)
	assert.Equal(t, "media_urls", ce.Field)
	assert.Empty(t, f.Requests())
}

func TestGraphErrorsAreClassified(t *testing.T) {
	tests := []struct {
		name  string
		serve http.HandlerFunc
		class content.ErrorClass
		field string
		retry time.Duration
	}{
		{"190 expired", status(400, nil, `{"error":{"message":"Session has expired","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"A"}}`), content.AuthExpired, "", 0},
		{"4 with usage header", status(400, map[string]string{"X-Business-Use-Case-Usage": `{"1":[{"type":"pages","estimated_time_to_regain_access":5}]}`}, `{"error":{"message":"(#4) limit","type":"OAuthException","code":4}}`), content.RateLimited, "", 5 * time.Minute},
		{"613 with Retry-After", status(400, map[string]string{"Retry-After": "20"}, `{"error":{"message":"limit","code":613}}`), content.RateLimited, "", 20 * time.Second},
		{"17", status(400, nil, `{"error":{"message":"user limit","code":17}}`), content.RateLimited, "", 0},
		{"32", status(400, nil, `{"error":{"message":"page limit","code":32}}`), content.RateLimited, "", 0},
		{"100 link", status(400, nil, `{"error":{"message":"(#100) param link must be a valid URL","code":100}}`), content.InvalidContent, "media_urls", 0},
		{"100 message", status(400, nil, `{"error":{"message":"(#100) param message must be non-empty","code":100}}`), content.InvalidContent, "text", 0},
		{"506 duplicate", status(400, nil, `{"error":{"message":"Duplicate status message","code":506}}`), content.Permanent, "", 0},
		{"2 service", status(500, nil, `{"error":{"message":"unexpected","code":2}}`), content.Retryable, "", 0},
		{"502 html", status(502, nil, `<html>bad gateway</html>`), content.Retryable, "", 0},
		{"truncated 200", status(200, nil, `{"id":"1`), content.OutcomeUnknown, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := social.NewFacebook(social.GraphConfig{Endpoint: startServer(t, tc.serve), Token: "tok", ID: pageID})
			require.NoError(t, err)
			_, err = p.Publish(t.Context(), graphDelivery(content.PlatformFacebook, "k", graphBundle(content.PlatformFacebook, "hi")))
			var ce *content.Error
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tc.class, ce.Class, "%v", err)
			assert.Equal(t, tc.field, ce.Field)
			assert.Equal(t, tc.retry, ce.RetryAfter)
		})
	}
}

func TestGraphFakeExpiredTokenAndTimeoutLookup(t *testing.T) {
	p, f := newFacebook(t)
	f.ExpireToken(true)
	d := graphDelivery(content.PlatformFacebook, "k", graphBundle(content.PlatformFacebook, "hello"))
	_, err := p.Publish(t.Context(), d)
	require.Equal(t, content.AuthExpired, content.ClassOf(err), "%v", err)
	f.ExpireToken(false)

	f.TimeoutNext(1)
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	_, err = p.Publish(ctx, d)
	require.Equal(t, content.OutcomeUnknown, content.ClassOf(err), "%v", err)
	r, ok, err := p.Lookup(t.Context(), "k")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, f.GraphPosts()[0].ID, r.ExternalID)
	assert.Equal(t, "https://www.facebook.com/"+r.ExternalID, r.URL)
}

func TestNewGraphRejectsBadConfig(t *testing.T) {
	for _, cfg := range []social.GraphConfig{
		{ID: pageID},
		{Token: "t"},
		{Token: "t", ID: "a/b"},
		{Token: "t", ID: pageID, Endpoint: "graph.facebook.com"},
	} {
		_, err := social.NewFacebook(cfg)
		assert.Error(t, err, "%+v", cfg)
		_, err = social.NewInstagram(cfg)
		assert.Error(t, err, "%+v", cfg)
	}
}
