package mock_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2/google"

	"github.com/halcytone/halcytone/mock"
)

func TestOAuthIssuesTokensForItsKeys(t *testing.T) {
	o := mock.StartOAuth(t)
	key, err := o.ServiceAccountKey("svc@mock.iam.gserviceaccount.com")
	require.NoError(t, err)
	var k map[string]string
	require.NoError(t, json.Unmarshal(key, &k))
	assert.Equal(t, "service_account", k["type"])
	assert.Equal(t, o.TokenURL(), k["token_uri"])

	cfg, err := google.JWTConfigFromJSON(key, "scope-a", "scope-b")
	require.NoError(t, err)
	tok, err := cfg.TokenSource(context.Background()).Token()
	require.NoError(t, err)
	assert.True(t, o.Valid(tok.AccessToken))
	assert.Equal(t, "Bearer", tok.TokenType)
	assert.WithinDuration(t, time.Now().Add(time.Hour), tok.Expiry, 5*time.Minute)

	issued := o.Issued()
	require.Len(t, issued, 1)
	assert.Equal(t, "scope-a scope-b", issued[0].Scope)
	assert.Equal(t, "svc@mock.iam.gserviceaccount.com", issued[0].Issuer)

	o.RevokeAll()
	assert.False(t, o.Valid(tok.AccessToken))
	assert.False(t, o.Valid("made-up"))
}

func TestOAuthRefusals(t *testing.T) {
	o := mock.StartOAuth(t)
	other := mock.StartOAuth(t)
	foreignKey, err := other.ServiceAccountKey("svc@elsewhere")
	require.NoError(t, err)
	cfg, err := google.JWTConfigFromJSON(foreignKey, "s")
	require.NoError(t, err)
	cfg.TokenURL = o.TokenURL()
	_, err = cfg.TokenSource(context.Background()).Token()
	require.Error(t, err, "a key the endpoint did not issue is refused")
	assert.Contains(t, err.Error(), "invalid_grant")

	tests := []struct {
		name   string
		method string
		path   string
		form   url.Values
		want   int
		code   string
	}{
		{"wrong grant", http.MethodPost, "/token", url.Values{"grant_type": {"client_credentials"}}, 400, "unsupported_grant_type"},
		{"not a jwt", http.MethodPost, "/token", url.Values{"grant_type": {mock.JWTBearerGrant}, "assertion": {"abc"}}, 400, "invalid_grant"},
		{"forged jwt", http.MethodPost, "/token", url.Values{"grant_type": {mock.JWTBearerGrant},
			"assertion": {"eyJhbGciOiJSUzI1NiIsImtpZCI6IngifQ.eyJpc3MiOiJ4In0.c2ln"}}, 400, "invalid_grant"},
		{"get", http.MethodGet, "/token", nil, 405, "invalid_request"},
		{"other path", http.MethodPost, "/other", nil, 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, o.URL()+tt.path, strings.NewReader(tt.form.Encode()))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			assert.Equal(t, tt.want, resp.StatusCode)
			var body map[string]string
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
			assert.Equal(t, tt.code, body["error"])
		})
	}
	assert.Empty(t, o.Issued())
}

func TestOAuthScriptedFailures(t *testing.T) {
	o := mock.StartOAuth(t)
	o.FailNext(1, http.StatusTooManyRequests, 2*time.Second)
	resp, err := http.PostForm(o.TokenURL(), url.Values{"grant_type": {mock.JWTBearerGrant}})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Equal(t, "2", resp.Header.Get("Retry-After"))
	reqs := o.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, http.StatusTooManyRequests, reqs[0].Status)
	assert.Contains(t, string(reqs[0].Body), "grant_type")
}

func TestOAuthKeyNeedsStart(t *testing.T) {
	_, err := mock.NewOAuth().ServiceAccountKey("x@y")
	assert.Error(t, err)
}
