package social_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"sync"
	"sync/atomic"
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

// socialFake is what the X, LinkedIn and Graph fakes share.
type socialFake interface {
	Posts() int
	Duplicates() int
	FailNext(n, status int, retryAfter time.Duration)
	TimeoutNext(n int)
	MalformedNext(n int)
	HTMLNext(n int)
}

// conformant adapts a social fake to publishtest.Fake.
type conformant struct{ socialFake }

func (c conformant) FailNext(k publishtest.FailureKind, n int) {
	switch k {
	case publishtest.ServerError:
		c.socialFake.FailNext(n, http.StatusInternalServerError, 0)
	case publishtest.RateLimit:
		c.socialFake.FailNext(n, http.StatusTooManyRequests, 3*time.Second)
	case publishtest.ExpiredToken:
		c.socialFake.FailNext(n, http.StatusUnauthorized, 0)
	case publishtest.AcceptThenTimeout:
		c.socialFake.TimeoutNext(n)
	case publishtest.MalformedJSON:
		c.socialFake.MalformedNext(n)
	case publishtest.HTMLErrorPage:
		c.socialFake.HTMLNext(n)
	}
}

func xBundle(text string, thread ...string) *content.Bundle {
	return &content.Bundle{Title: "Spring update", Hash: "h1", Social: []content.SocialPost{{
		Platform: content.PlatformTwitter, Text: text, Thread: thread, Hashtags: []string{"#breathe"},
	}}}
}

func newX(t *testing.T, mod func(*social.XConfig)) (*social.X, *mock.X) {
	t.Helper()
	f := mock.StartX(t, "tok")
	cfg := social.XConfig{Endpoint: f.URL(), Token: "tok"}
	if mod != nil {
		mod(&cfg)
	}
	p, err := social.NewX(cfg)
	require.NoError(t, err)
	return p, f
}

func xDelivery(key string, b *content.Bundle) publish.Delivery {
	return publish.Delivery{IdempotencyKey: key, Channel: content.ChannelTwitter, Platform: content.PlatformTwitter, Bundle: b}
}

func TestXConformance(t *testing.T) {
	publishtest.Run(t, publishtest.Harness{
		New: func(t *testing.T) (publish.Publisher, publishtest.Fake) {
			p, f := newX(t, nil)
			return p, conformant{f}
		},
		Bundle:  func() *content.Bundle { return xBundle("Breathing sessions are back on Tuesdays #breathe") },
		Invalid: func() *content.Bundle { return xBundle(strings.Repeat("long ", 80)) },
		Timeout: time.Second,
	})
}

func TestXThreadPostsRepliesInOrder(t *testing.T) {
	p, f := newX(t, nil)
	parts := []string{"1/3 the first part", "2/3 the second part", "3/3 the third part"}
	r, err := p.Publish(t.Context(), xDelivery("k-thread", xBundle(parts[0], parts...)))
	require.NoError(t, err)

	tw := f.Tweets()
	require.Len(t, tw, 3)
	assert.Equal(t, tw[0].ID, r.ExternalID)
	assert.Equal(t, "https://x.com/i/web/status/"+tw[0].ID, r.URL)
	for i, want := range parts {
		assert.Equal(t, want, tw[i].Text)
	}
	assert.Empty(t, tw[0].ReplyTo)
	assert.Equal(t, tw[0].ID, tw[1].ReplyTo)
	assert.Equal(t, tw[1].ID, tw[2].ReplyTo)
	assert.Equal(t, []string{"k-thread", "k-thread.2", "k-thread.3"}, []string{tw[0].Key, tw[1].Key, tw[2].Key})
}

func TestXThreadResumesAfterLastPostedPart(t *testing.T) {
	tests := []struct {
		name   string
		script func(f *mock.X)
		class  content.ErrorClass
	}{
		{"server error on part 2", func(f *mock.X) { f.PassNext(1); f.FailNext(1, http.StatusServiceUnavailable, 0) }, content.Retryable},
		{"rate limit on part 3", func(f *mock.X) { f.PassNext(2); f.FailNext(1, http.StatusTooManyRequests, time.Second) }, content.RateLimited},
		{"accept then time out on part 2", func(f *mock.X) { f.PassNext(1); f.TimeoutNext(1) }, content.OutcomeUnknown},
		{"malformed answer on part 2", func(f *mock.X) { f.PassNext(1); f.MalformedNext(1) }, content.OutcomeUnknown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, f := newX(t, nil)
			parts := []string{"1/3 first", "2/3 second", "3/3 third"}
			d := xDelivery("k-resume", xBundle(parts[0], parts...))
			tc.script(f)
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			defer cancel()
			_, err := p.Publish(ctx, d)
			require.Error(t, err)
			assert.Equal(t, tc.class, content.ClassOf(err), "%v", err)

			r, err := p.Publish(t.Context(), d)
			require.NoError(t, err)
			tw := f.Tweets()
			require.Len(t, tw, 3, "every part posted exactly once")
			assert.Equal(t, tw[0].ID, r.ExternalID)
			assert.Equal(t, tw[0].ID, tw[1].ReplyTo)
			assert.Equal(t, tw[1].ID, tw[2].ReplyTo)
			assert.Zero(t, f.Duplicates())
		})
	}
}

func TestXErrorsAreClassified(t *testing.T) {
	date := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name      string
		serve     http.HandlerFunc
		class     content.ErrorClass
		field     string
		minRetry  time.Duration
		wantRetry bool
	}{
		{"429 seconds", status(429, map[string]string{"Retry-After": "7"}, `{"title":"Too Many Requests","status":429}`), content.RateLimited, "", 7 * time.Second, true},
		{"429 http date", status(429, map[string]string{"Retry-After": date}, `{}`), content.RateLimited, "", 60 * time.Second, true},
		{"429 reset header", status(429, map[string]string{"x-rate-limit-reset": "9999999999"}, `{}`), content.RateLimited, "", time.Hour, true},
		{"401", status(401, nil, `{"title":"Unauthorized","detail":"Unauthorized","type":"about:blank","status":401}`), content.AuthExpired, "", 0, false},
		{"400 with parameter", status(400, nil, `{"errors":[{"parameters":{"text":["too long"]},"message":"too long"}],"title":"Invalid Request"}`), content.InvalidContent, "text", 0, false},
		{"403", status(403, nil, `{"title":"Forbidden","detail":"duplicate content"}`), content.Permanent, "", 0, false},
		{"404", status(404, nil, `{"title":"Not Found Error"}`), content.NotFound, "", 0, false},
		{"502 html", status(502, nil, `<html><body>Bad gateway</body></html>`), content.Retryable, "", 0, false},
		{"200 truncated", status(200, nil, `{"data":{"id":`), content.OutcomeUnknown, "", 0, false},
		{"201 without id", status(201, nil, `{"data":{}}`), content.OutcomeUnknown, "", 0, false},
		{"200 html", status(200, nil, `<html>hello</html>`), content.OutcomeUnknown, "", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := startServer(t, tc.serve)
			p, err := social.NewX(social.XConfig{Endpoint: srv, Token: "tok"})
			require.NoError(t, err)
			_, err = p.Publish(t.Context(), xDelivery("k", xBundle("hello")))
			var ce *content.Error
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tc.class, ce.Class, "%v", err)
			assert.Equal(t, tc.field, ce.Field)
			if tc.wantRetry {
				assert.GreaterOrEqual(t, ce.RetryAfter, tc.minRetry)
			}
		})
	}
}

func TestXRefusesBeforeSending(t *testing.T) {
	past := time.Now().Add(-time.Hour)
	tests := []struct {
		name  string
		cfg   func(*social.XConfig)
		b     *content.Bundle
		class content.ErrorClass
		field string
	}{
		{"part over 280 weighted", nil, xBundle("ok", "ok", strings.Repeat("界", 141)), content.InvalidContent, "thread[1]"},
		{"too many hashtags", nil, &content.Bundle{Social: []content.SocialPost{{Platform: content.PlatformTwitter, Text: "hi", Hashtags: []string{"#a", "#b", "#c"}}}}, content.InvalidContent, "hashtags"},
		{"media not http", nil, &content.Bundle{Social: []content.SocialPost{{Platform: content.PlatformTwitter, Text: "hi", MediaURLs: []string{"ftp://x/y.png"}}}}, content.InvalidContent, "media_urls[0]"},
		{"no x post", nil, &content.Bundle{}, content.InvalidContent, "social_posts"},
		{"token expired", func(c *social.XConfig) { c.TokenExpiresAt = past }, xBundle("hi"), content.AuthExpired, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, f := newX(t, tc.cfg)
			_, err := p.Publish(t.Context(), xDelivery("k", tc.b))
			var ce *content.Error
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tc.class, ce.Class, "%v", err)
			assert.Equal(t, tc.field, ce.Field)
			assert.Empty(t, f.Requests(), "nothing may be sent")
		})
	}
}

func TestXValidateReportsEveryIssue(t *testing.T) {
	p, _ := newX(t, nil)
	b := &content.Bundle{Social: []content.SocialPost{{Platform: content.PlatformTwitter, Text: strings.Repeat("a", 281),
		Hashtags: []string{"#a", "#b", "no"}, MediaURLs: []string{"/relative.png"}}}}
	var fields []string
	for _, is := range p.Validate(t.Context(), b) {
		assert.Equal(t, content.SeverityError, is.Severity)
		fields = append(fields, is.Field)
	}
	assert.ElementsMatch(t, []string{"social_posts[0].text", "social_posts[0].hashtags", "social_posts[0].hashtags[2]", "social_posts[0].media_urls[0]"}, fields)
}

func TestXMarkers(t *testing.T) {
	tests := []struct {
		text  string
		class content.ErrorClass
		posts int
	}{
		{"this one has an error in it", content.Retryable, 0},
		{"this one will timeout", content.OutcomeUnknown, 1},
		{"a slow one", "", 1},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			p, f := newX(t, nil)
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			defer cancel()
			_, err := p.Publish(ctx, xDelivery("k", xBundle(tc.text)))
			assert.Equal(t, tc.class, content.ClassOf(err), "%v", err)
			assert.Equal(t, tc.posts, f.Posts())
		})
	}
}

type rates struct {
	mu  sync.Mutex
	got map[string]string
}

func (r *rates) ObserveRateHeaders(key string, h http.Header) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got[key] = h.Get("x-rate-limit-remaining")
}

func TestXReportsRateHeaders(t *testing.T) {
	obs := &rates{got: map[string]string{}}
	p, _ := newX(t, func(c *social.XConfig) { c.Rates = obs })
	d := xDelivery("k1", xBundle("one"))
	d.Account = "acme"
	_, err := p.Publish(t.Context(), d)
	require.NoError(t, err)
	d = xDelivery("k2", xBundle("two"))
	d.Account = "acme"
	_, err = p.Publish(t.Context(), d)
	require.NoError(t, err)
	obs.mu.Lock()
	defer obs.mu.Unlock()
	assert.Equal(t, "298", obs.got[publish.RateKey(d)], "the answer to the second post counts both posts of the window, as on X")
}

func TestXDryRunAndPreviewSendNothing(t *testing.T) {
	p, f := newX(t, func(c *social.XConfig) { c.Audience = 1000 })
	d := xDelivery("k", xBundle("1/2 a", "1/2 a", "2/2 b"))
	pv, err := p.Preview(t.Context(), d)
	require.NoError(t, err)
	var bodies []map[string]any
	require.NoError(t, json.Unmarshal(pv.Payload, &bodies))
	require.Len(t, bodies, 2)
	assert.Equal(t, "2/2 b", bodies[1]["text"])
	assert.InDelta(t, 50, pv.Estimates["estimated_reach"], 0.001)

	d.DryRun = true
	r, err := p.Publish(t.Context(), d)
	require.NoError(t, err)
	assert.True(t, r.DryRun)
	assert.Empty(t, f.Requests())
}

func TestXLookupFindsTimedOutThreadOnPlatform(t *testing.T) {
	p, f := newX(t, nil)
	parts := []string{"1/2 first", "2/2 second"}
	d := xDelivery("k-lookup", xBundle(parts[0], parts...))
	f.PassNext(1)
	f.TimeoutNext(1)
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	_, err := p.Publish(ctx, d)
	require.Equal(t, content.OutcomeUnknown, content.ClassOf(err), "%v", err)

	r, ok, err := p.Lookup(t.Context(), "k-lookup")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, f.Tweets()[0].ID, r.ExternalID)
	_, err = p.Publish(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, 2, f.Posts())
	assert.Zero(t, f.Duplicates())
}

func TestXConcurrentPublishesOfOneKeyPostOnce(t *testing.T) {
	p, f := newX(t, nil)
	d := xDelivery("k-conc", xBundle("only once"))
	var wg sync.WaitGroup
	ids := make([]string, 8)
	for i := range ids {
		wg.Go(func() {
			r, err := p.Publish(t.Context(), d)
			assert.NoError(t, err)
			ids[i] = r.ExternalID
		})
	}
	wg.Wait()
	assert.Equal(t, 1, f.Posts())
	for _, id := range ids {
		assert.Equal(t, ids[0], id)
	}
}

// status returns a handler answering every request with code, headers and
// body.
func status(code int, headers map[string]string, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range headers {
			w.Header().Set(k, v)
		}
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}
}

// startServer serves h on loopback for the test's life.
func startServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestXLookupFindsTimedOutPostWithLink(t *testing.T) {
	tests := []struct {
		name   string
		parts  []string
		script func(f *mock.X)
	}{
		{"post", []string{"Sessions are back: https://halcytone.example/spring?utm_source=x. See you"},
			func(f *mock.X) { f.TimeoutNext(1) }},
		{"thread", []string{"1/2 read https://halcytone.example/a first", "2/2 then (https://halcytone.example/b)"},
			func(f *mock.X) { f.PassNext(1); f.TimeoutNext(1) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, f := newX(t, nil)
			b := xBundle(tc.parts[0])
			if len(tc.parts) > 1 {
				b = xBundle(tc.parts[0], tc.parts...)
			}
			d := xDelivery("k-link", b)
			tc.script(f)
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			defer cancel()
			_, err := p.Publish(ctx, d)
			require.Equal(t, content.OutcomeUnknown, content.ClassOf(err), "%v", err)
			tw := f.Tweets()
			require.Len(t, tw, len(tc.parts))
			for i, part := range tc.parts {
				assert.NotEqual(t, part, tw[i].Text, "the platform rewrote the link")
				assert.Contains(t, tw[i].Text, "https://t.co/")
			}

			r, ok, err := p.Lookup(t.Context(), "k-link")
			require.NoError(t, err)
			require.True(t, ok, "the post with a t.co link is recognised")
			assert.Equal(t, tw[0].ID, r.ExternalID)

			again, err := p.Publish(t.Context(), d)
			require.NoError(t, err)
			assert.Equal(t, r.ExternalID, again.ExternalID)
			assert.Equal(t, len(tc.parts), f.Posts(), "nothing posted twice")
			assert.Zero(t, f.Duplicates())
		})
	}
}

func TestXLookupMatchesOnlyTheSameWording(t *testing.T) {
	tests := []struct {
		name     string
		onX      string // posted earlier under another key
		unsure   string // then posted with an unknown outcome
		matches  bool
		whyMatch string
	}{
		{"a word differs", "Sessions are back on Tuesdays https://halcytone.example/a",
			"Sessions are back on Thursdays https://halcytone.example/a", false, ""},
		{"words added", "Sessions are back https://halcytone.example/a",
			"Sessions are back https://halcytone.example/a on Tuesdays", false, ""},
		{"a link where there was text", "Sessions are back on Tuesdays",
			"Sessions are back on https://halcytone.example/tuesdays", false, ""},
		{"only whitespace differs", "Sessions are back\non Tuesdays  https://halcytone.example/a",
			"Sessions are back on Tuesdays https://halcytone.example/a", true, "whitespace runs count as one space"},
		{"only the link differs", "Sessions are back https://halcytone.example/a",
			"Sessions are back https://halcytone.example/b", true, "t.co hides which link a post had"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, f := newX(t, nil)
			_, err := p.Publish(t.Context(), xDelivery("k-earlier", xBundle(tc.onX)))
			require.NoError(t, err)
			f.MalformedNext(1) // answered unreadably, recorded nothing
			d := xDelivery("k-unsure", xBundle(tc.unsure))
			_, err = p.Publish(t.Context(), d)
			require.Equal(t, content.OutcomeUnknown, content.ClassOf(err), "%v", err)

			r, ok, err := p.Lookup(t.Context(), "k-unsure")
			require.NoError(t, err)
			if tc.matches {
				require.True(t, ok, tc.whyMatch)
				assert.Equal(t, f.Tweets()[0].ID, r.ExternalID)
				return
			}
			assert.False(t, ok, "%q must not match %q", tc.unsure, f.Tweets()[0].Text)
			_, err = p.Publish(t.Context(), d)
			require.NoError(t, err)
			assert.Equal(t, 2, f.Posts())
			assert.Zero(t, f.Duplicates())
		})
	}
}

func TestXLookupReadsHTMLEscapedText(t *testing.T) {
	srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/2/users/me":
			_, _ = w.Write([]byte(`{"data":{"id":"42"}}`))
		case "/2/users/42/tweets":
			// X escapes &, < and > in the texts it returns.
			_, _ = w.Write([]byte(`{"data":[{"id":"8","text":"Tea &amp; cake &lt;3"},{"id":"7","text":"Tea &amp; cake &lt;3 https://t.co/AbCdEfGhIj"}]}`))
		default:
			http.NotFound(w, r)
		}
	}))
	keys := &social.MemoryKeyStore{}
	require.NoError(t, keys.Put(t.Context(), "k", social.Record{Texts: []string{"Tea & cake <3 https://halcytone.example/menu"}, Unsure: true}))
	p, err := social.NewX(social.XConfig{Endpoint: srv, Token: "tok", Keys: keys})
	require.NoError(t, err)
	r, ok, err := p.Lookup(t.Context(), "k")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "7", r.ExternalID)
}

// dropFirstPost reports the next POST written, then loses the connection
// before it reaches X: the client cannot tell whether X got it.
type dropFirstPost struct {
	armed atomic.Bool
	next  http.RoundTripper
}

func (d *dropFirstPost) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && d.armed.CompareAndSwap(true, false) {
		if tr := httptrace.ContextClientTrace(r.Context()); tr != nil && tr.WroteRequest != nil {
			tr.WroteRequest(httptrace.WroteRequestInfo{})
		}
		return nil, errors.New("connection reset by peer")
	}
	return d.next.RoundTrip(r)
}

// TestXReconcileIgnoresOlderLookAlikes: last week's post differs from
// this week's only in its link, which reconciliation wildcards. When
// this week's post is lost on the way, Lookup must not take last week's
// for it: only posts made since the delivery began count.
func TestXReconcileIgnoresOlderLookAlikes(t *testing.T) {
	fx := mock.StartX(t, "tok")
	keys := &social.MemoryKeyStore{}
	week1, err := social.NewX(social.XConfig{Endpoint: fx.URL(), Token: "tok", Keys: keys})
	require.NoError(t, err)
	bundle := func(text string) *content.Bundle {
		return &content.Bundle{Social: []content.SocialPost{{Platform: content.PlatformTwitter, Text: text}}}
	}
	r1, err := week1.Publish(t.Context(), publish.Delivery{IdempotencyKey: "hc_week1", Channel: content.ChannelTwitter,
		Platform: content.PlatformTwitter, Bundle: bundle("Release notes are out: https://blog.example.com/releases/1")})
	require.NoError(t, err)

	rt := &dropFirstPost{next: http.DefaultTransport}
	rt.armed.Store(true)
	later := func() time.Time { return time.Now().Add(7 * 24 * time.Hour) }
	week2, err := social.NewX(social.XConfig{Endpoint: fx.URL(), Token: "tok", Keys: keys, Now: later, Client: &http.Client{Transport: rt}})
	require.NoError(t, err)
	d2 := publish.Delivery{IdempotencyKey: "hc_week2", Channel: content.ChannelTwitter, Platform: content.PlatformTwitter,
		Bundle: bundle("Release notes are out: https://blog.example.com/releases/2")}
	_, err = week2.Publish(t.Context(), d2)
	require.Equal(t, content.OutcomeUnknown, content.ClassOf(err), "%v", err)

	_, ok, err := week2.Lookup(t.Context(), "hc_week2")
	require.NoError(t, err)
	assert.False(t, ok, "last week's post %s is not this week's", r1.ExternalID)

	r2, err := week2.Publish(t.Context(), d2)
	require.NoError(t, err)
	assert.NotEqual(t, r1.ExternalID, r2.ExternalID)
	assert.Len(t, fx.Tweets(), 2)
}
