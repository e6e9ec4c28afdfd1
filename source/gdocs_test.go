package source_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/source"
)

// fastRetry retries quickly: tests never wait for real backoff.
func fastRetry(attempts int) source.Retry {
	return source.Retry{Attempts: attempts, Base: time.Microsecond, Max: time.Millisecond, MaxRetryAfter: time.Millisecond}
}

// googleFixture is a fake token endpoint, a fake Docs API holding one
// living document, and a GoogleDocs source using a service account key.
type googleFixture struct {
	oauth *mock.OAuth
	docs  *mock.GoogleDocs
	src   *source.GoogleDocs
}

// googleAuth is a fake token endpoint and a service account key it
// knows. Generating the RSA key is slow, so subtests share one.
type googleAuth struct {
	oauth *mock.OAuth
	key   []byte
}

func newGoogleAuth(t *testing.T) googleAuth {
	t.Helper()
	o := mock.StartOAuth(t)
	key, err := o.ServiceAccountKey("reader@halcytone-mock.iam.gserviceaccount.com")
	require.NoError(t, err)
	return googleAuth{oauth: o, key: key}
}

func newGoogleFixture(t *testing.T, auth googleAuth, retry source.Retry) *googleFixture {
	t.Helper()
	o := auth.oauth
	d := mock.StartGoogleDocs(t, o.Valid)
	d.AddDocument("1AbCdEf", "Living document",
		mock.DocHeading(0, "Halcytone News"),
		mock.DocHeading(2, "[Hardware] Devices"),
		mock.DocHeading(3, "2026-11-20 — New sensor"),
		mock.DocText(mock.DocRun{Text: "Channels: ", Bold: true}, mock.DocRun{Text: "email, web"}),
		mock.DocText(mock.DocRun{Text: "The new sensor reads "}, mock.DocRun{Text: "heart rate variability", Bold: true},
			mock.DocRun{Text: " every second; "}, mock.DocRun{Text: "details", Link: "https://example.com/sensor"}, mock.DocRun{Text: "."}),
		mock.DocBullet(0, mock.DocRun{Text: "ships in December"}),
		mock.DocBullet(1, mock.DocRun{Text: "pre-orders open"}),
		mock.DocHeading(2, "Wellness tips"),
		mock.DocHeading(3, "Box breathing"),
		mock.DocText(mock.DocRun{Text: "Breathe in for four counts, hold for four, and breathe out for four."}),
	)
	src, err := source.NewGoogleDocs(source.GoogleDocsConfig{
		CredentialsJSON: auth.key,
		Endpoint:        d.URL(),
		Retry:           retry,
	})
	require.NoError(t, err)
	return &googleFixture{oauth: o, docs: d, src: src}
}

func TestGoogleDocsFetch(t *testing.T) {
	f := newGoogleFixture(t, newGoogleAuth(t), fastRetry(3))
	doc, err := f.src.Fetch(context.Background(), "gdocs:1AbCdEf")
	require.NoError(t, err)

	assert.Equal(t, "Halcytone News", doc.Title)
	assert.Equal(t, "gdocs:1AbCdEf", doc.Source)
	assert.Equal(t, content.FormatGoogleDocs, doc.Format)
	assert.Equal(t, doc.ContentHash(), doc.Hash)
	require.Len(t, doc.Sections, 2)
	assert.Equal(t, content.CategoryHardware, doc.Sections[0].Category)
	assert.Equal(t, content.CategoryTips, doc.Sections[1].Category)
	sensor := doc.Sections[0].Items[0]
	assert.Equal(t, "New sensor", sensor.Title)
	assert.Equal(t, time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), sensor.Date)
	assert.Equal(t, []content.Channel{content.ChannelEmail, content.ChannelWebsite}, sensor.Flags.Channels)
	assert.Contains(t, sensor.Body, "**heart rate variability**")
	assert.Contains(t, sensor.Body, "[details](https://example.com/sensor)")
	assert.Contains(t, sensor.Body, "- ships in December\n    - pre-orders open")
	assert.Equal(t, "Box breathing", doc.Sections[1].Items[0].Title)

	// The token came from the JWT-bearer exchange, with the read-only scope.
	issued := f.oauth.Issued()
	require.Len(t, issued, 1)
	assert.Equal(t, source.GoogleDocsScope, issued[0].Scope)
	assert.Equal(t, "reader@halcytone-mock.iam.gserviceaccount.com", issued[0].Issuer)
	reqs := f.docs.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "/v1/documents/1AbCdEf", reqs[0].Path)
	assert.Equal(t, "Bearer "+issued[0].AccessToken, reqs[0].Header.Get("Authorization"))

	// The token is reused.
	_, err = f.src.Fetch(context.Background(), "gdocs:1AbCdEf")
	require.NoError(t, err)
	assert.Len(t, f.oauth.Issued(), 1)
}

func TestGoogleDocsFailures(t *testing.T) {
	tests := []struct {
		name      string
		script    func(f *googleFixture)
		ref       string
		wantClass content.ErrorClass // "" means success
		wantCalls int                // requests to the Docs API
	}{
		{"429 then success", func(f *googleFixture) { f.docs.FailNext(2, http.StatusTooManyRequests, time.Second) },
			"gdocs:1AbCdEf", "", 3},
		{"503 then success", func(f *googleFixture) { f.docs.FailNext(1, http.StatusServiceUnavailable, 0) },
			"gdocs:1AbCdEf", "", 2},
		{"500 every time", func(f *googleFixture) { f.docs.FailNext(10, http.StatusInternalServerError, 0) },
			"gdocs:1AbCdEf", content.Retryable, 4},
		{"429 every time", func(f *googleFixture) { f.docs.FailNext(10, http.StatusTooManyRequests, time.Second) },
			"gdocs:1AbCdEf", content.RateLimited, 4},
		{"401 is not retried", func(f *googleFixture) { f.docs.FailNext(1, http.StatusUnauthorized, 0) },
			"gdocs:1AbCdEf", content.AuthExpired, 1},
		{"revoked token", func(f *googleFixture) { f.oauth.RevokeAll() },
			"gdocs:1AbCdEf", content.AuthExpired, 1},
		{"404", func(*googleFixture) {}, "gdocs:missing", content.NotFound, 1},
		{"token endpoint down then up", func(f *googleFixture) { f.oauth.FailNext(1, http.StatusServiceUnavailable, 0) },
			"gdocs:1AbCdEf", "", 1},
		{"token refused", func(f *googleFixture) { f.oauth.FailNext(1, http.StatusBadRequest, 0) },
			"gdocs:1AbCdEf", content.AuthExpired, 0},
		{"bad reference", func(*googleFixture) {}, "gdocs:../../etc", content.InvalidContent, 0},
		{"wrong scheme", func(*googleFixture) {}, "notion:abc", content.InvalidContent, 0},
	}
	auth := newGoogleAuth(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newGoogleFixture(t, auth, fastRetry(4))
			if tt.name == "revoked token" {
				// Fetch once so that a token is cached, then revoke it.
				_, err := f.src.Fetch(context.Background(), "gdocs:1AbCdEf")
				require.NoError(t, err)
				tt.wantCalls++
			}
			tt.script(f)
			doc, err := f.src.Fetch(context.Background(), tt.ref)
			if tt.wantClass == "" {
				require.NoError(t, err)
				assert.NotEmpty(t, doc.Items())
			} else {
				require.Error(t, err)
				assert.Equal(t, tt.wantClass, content.ClassOf(err), "%v", err)
			}
			assert.Len(t, f.docs.Requests(), tt.wantCalls)
		})
	}
}

func TestGoogleDocsContext(t *testing.T) {
	auth := newGoogleAuth(t)
	t.Run("deadline shorter than retry-after", func(t *testing.T) {
		f := newGoogleFixture(t, auth, source.Retry{Attempts: 5, MaxRetryAfter: time.Hour})
		f.docs.FailNext(1, http.StatusTooManyRequests, 30*time.Minute)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, err := f.src.Fetch(ctx, "gdocs:1AbCdEf")
		require.Error(t, err)
		assert.Equal(t, content.RateLimited, content.ClassOf(err))
		assert.Len(t, f.docs.Requests(), 1)
	})
	t.Run("expired deadline", func(t *testing.T) {
		f := newGoogleFixture(t, auth, fastRetry(3))
		ctx, cancel := context.WithTimeout(context.Background(), -time.Second)
		defer cancel()
		_, err := f.src.Fetch(ctx, "gdocs:1AbCdEf")
		require.Error(t, err)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Empty(t, f.docs.Requests())
	})
}

func TestGoogleDocsStalledServer(t *testing.T) {
	base, _, _ := loopback(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	src, err := source.NewGoogleDocs(source.GoogleDocsConfig{
		TokenSource: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "static"}),
		Endpoint:    base,
		Retry:       fastRetry(1),
	})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = src.Fetch(ctx, "gdocs:1AbCdEf")
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, content.Retryable, content.ClassOf(err))
}

func TestNewGoogleDocsConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  source.GoogleDocsConfig
		want content.ErrorClass
	}{
		{"no credentials", source.GoogleDocsConfig{}, content.AuthExpired},
		{"not a key", source.GoogleDocsConfig{CredentialsJSON: []byte(`{"type":"authorized_user"}`)}, content.AuthExpired},
		{"not json", source.GoogleDocsConfig{CredentialsJSON: []byte(`key`)}, content.AuthExpired},
		{"bad endpoint", source.GoogleDocsConfig{
			TokenSource: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "x"}), Endpoint: "ftp://x"}, content.InvalidContent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := source.NewGoogleDocs(tt.cfg)
			require.Error(t, err)
			assert.Equal(t, tt.want, content.ClassOf(err))
		})
	}
}
