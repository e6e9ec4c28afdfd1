package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish/web"
)

// scripted is a platform on loopback that finds no post by slug and
// answers every write with one canned response.
func scripted(t *testing.T, status int, header map[string]string, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Method == http.MethodGet && r.URL.Query().Get("slug") != "" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"data":[]}`)
			return
		}
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestErrorClassification(t *testing.T) {
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	html := map[string]string{"Content-Type": "text/html"}
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		class      content.ErrorClass
		field      string
		retryAfter time.Duration
	}{
		{"429 seconds", 429, map[string]string{"Retry-After": "12"}, `{"error":{"code":"rate_limited"}}`, content.RateLimited, "", 12 * time.Second},
		{"429 http date", 429, map[string]string{"Retry-After": now.Add(90 * time.Second).Format(http.TimeFormat)}, `{}`, content.RateLimited, "", 90 * time.Second},
		{"429 unreadable retry-after", 429, map[string]string{"Retry-After": "soon"}, ``, content.RateLimited, "", 0},
		{"401", 401, nil, `{"error":{"code":"token_expired","message":"expired"}}`, content.AuthExpired, "", 0},
		{"400 with field", 400, nil, `{"error":{"code":"invalid_field","field":"tags"}}`, content.InvalidContent, "tags", 0},
		{"422 with field", 422, nil, `{"error":{"code":"invalid_field","field":"publish_at"}}`, content.InvalidContent, "publish_at", 0},
		{"409 slug", 409, nil, `{"error":{"code":"slug_conflict"}}`, content.InvalidContent, "slug", 0},
		{"404", 404, nil, `{"error":{"code":"not_found"}}`, content.NotFound, "", 0},
		{"403", 403, nil, `{"error":{"code":"forbidden"}}`, content.Permanent, "", 0},
		{"503", 503, nil, `{"error":{"code":"unavailable"}}`, content.Retryable, "", 0},
		{"502 html page", 502, html, `<html><body><h1>502 Bad Gateway</h1></body></html>`, content.Retryable, "", 0},
		{"200 truncated json", 200, nil, `{"id":"post_1","url":"ht`, content.OutcomeUnknown, "", 0},
		{"200 html page", 200, html, `<html><body>Welcome</body></html>`, content.OutcomeUnknown, "", 0},
		{"201 without id", 201, nil, `{"status":"published"}`, content.OutcomeUnknown, "", 0},
		{"201 empty body", 201, nil, ``, content.OutcomeUnknown, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := web.New(web.Config{Endpoint: scripted(t, tt.status, tt.header, tt.body), Token: "t",
				Now: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler)})
			require.NoError(t, err)
			_, err = p.Publish(ctx(t), delivery("k1", sampleBundle()))
			var ce *content.Error
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.class, ce.Class, "%v", err)
			assert.Equal(t, tt.field, ce.Field)
			assert.Equal(t, tt.retryAfter, ce.RetryAfter)
		})
	}
}

func TestLookupMalformedIsClassified(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		class  content.ErrorClass
	}{
		{"truncated json", 200, `{"data":[{"id":`, content.Permanent},
		{"html page", 200, `<html>login</html>`, content.Permanent},
		{"html 502", 502, `<html>bad gateway</html>`, content.Retryable},
		{"401", 401, `{"error":{"code":"token_expired"}}`, content.AuthExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			t.Cleanup(srv.Close)
			p, err := web.New(web.Config{Endpoint: srv.URL, Token: "t"})
			require.NoError(t, err)
			_, ok, err := p.Lookup(ctx(t), "k1")
			assert.False(t, ok)
			assert.Equal(t, tt.class, content.ClassOf(err), "%v", err)
		})
	}
}

func TestNetworkFailureBeforeSendIsRetryable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now
	p, err := web.New(web.Config{Endpoint: url, Token: "t"})
	require.NoError(t, err)
	_, err = p.Publish(ctx(t), delivery("k1", sampleBundle()))
	assert.Equal(t, content.Retryable, content.ClassOf(err), "%v", err)
}

func TestMalformedCDNAnswerMarksPurgeFailed(t *testing.T) {
	tests := []struct {
		name  string
		h     http.HandlerFunc
		class content.ErrorClass
	}{
		{"truncated json", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, `{"success":tr`) }, content.Retryable},
		{"html 502", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, "<html>502</html>")
		}, content.Retryable},
		{"success false", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, `{"success":false,"errors":[{"code":1012,"message":"bad"}]}`)
		}, content.Permanent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			cdn := httptest.NewServer(tt.h)
			t.Cleanup(cdn.Close)
			p, err := web.New(web.Config{Endpoint: e.platform.URL(), Token: platformToken,
				CDN: web.CDN{Endpoint: cdn.URL, Zone: zone, Token: cdnToken}, Logger: slog.New(slog.DiscardHandler)})
			require.NoError(t, err)
			r, err := p.Publish(ctx(t), delivery("k1", sampleBundle()))
			require.NoError(t, err)
			assert.True(t, web.PurgeFailed(r))
			assert.Equal(t, tt.class, content.ClassOf(p.PurgeEverything(ctx(t))))
		})
	}
}
