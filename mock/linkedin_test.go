package mock_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/mock"
)

func ugcBody(author, text, category, visibility string) string {
	return `{"author":"` + author + `","lifecycleState":"PUBLISHED","specificContent":{"com.linkedin.ugc.ShareContent":{"shareCommentary":{"text":"` +
		text + `"},"shareMediaCategory":"` + category + `"}},"visibility":{"com.linkedin.ugc.MemberNetworkVisibility":"` + visibility + `"}}`
}

var liHeaders = map[string]string{"Authorization": "Bearer tok", "X-Restli-Protocol-Version": "2.0.0", "Content-Type": "application/json"}

func TestLinkedInFakeCreateAndList(t *testing.T) {
	l := mock.StartLinkedIn(t, "tok")
	hdr := map[string]string{"Idempotency-Key": "k1"}
	for k, v := range liHeaders {
		hdr[k] = v
	}
	st, h, body := socialCall(t, t.Context(), http.MethodPost, l.URL()+"/v2/ugcPosts", hdr, ugcBody("urn:li:organization:1", "hello", "NONE", "PUBLIC"))
	require.Equal(t, http.StatusCreated, st)
	urn := h.Get("x-restli-id")
	assert.True(t, strings.HasPrefix(urn, "urn:li:share:"))
	assert.Equal(t, urn, body["id"])

	st, h, _ = socialCall(t, t.Context(), http.MethodPost, l.URL()+"/v2/ugcPosts", hdr, ugcBody("urn:li:organization:1", "hello", "NONE", "PUBLIC"))
	require.Equal(t, http.StatusCreated, st)
	assert.Equal(t, urn, h.Get("x-restli-id"))
	assert.Equal(t, 1, l.Posts())
	assert.Equal(t, 1, l.Duplicates())

	q := "q=authors&authors=List(" + url.QueryEscape("urn:li:organization:1") + ")&count=10"
	st, _, list := socialCall(t, t.Context(), http.MethodGet, l.URL()+"/v2/ugcPosts?"+q, liHeaders, "")
	require.Equal(t, http.StatusOK, st)
	els := list["elements"].([]any)
	require.Len(t, els, 1)
	assert.Equal(t, urn, els[0].(map[string]any)["id"])
	require.Len(t, l.LinkedInPosts(), 1)
	assert.Equal(t, "hello", l.LinkedInPosts()[0].Text)
}

func TestLinkedInFakeRefusals(t *testing.T) {
	long := strings.Repeat("a", 3001)
	tests := []struct {
		name   string
		hdr    map[string]string
		body   string
		status int
	}{
		{"no protocol header", map[string]string{"Authorization": "Bearer tok"}, ugcBody("urn:li:person:1", "a", "NONE", "PUBLIC"), 400},
		{"bad token", map[string]string{"Authorization": "Bearer x", "X-Restli-Protocol-Version": "2.0.0"}, ugcBody("urn:li:person:1", "a", "NONE", "PUBLIC"), 401},
		{"bad author", nil, ugcBody("acme", "a", "NONE", "PUBLIC"), 422},
		{"bad visibility", nil, ugcBody("urn:li:person:1", "a", "NONE", "SECRET"), 422},
		{"too long", nil, ugcBody("urn:li:person:1", long, "NONE", "PUBLIC"), 422},
		{"article without media", nil, ugcBody("urn:li:person:1", "a", "ARTICLE", "PUBLIC"), 422},
		{"error marker", nil, ugcBody("urn:li:person:1", "an error here", "NONE", "PUBLIC"), 500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := mock.StartLinkedIn(t, "tok")
			hdr := tc.hdr
			if hdr == nil {
				hdr = liHeaders
			}
			st, _, body := socialCall(t, t.Context(), http.MethodPost, l.URL()+"/v2/ugcPosts", hdr, tc.body)
			assert.Equal(t, tc.status, st)
			assert.EqualValues(t, tc.status, body["status"])
			assert.NotEmpty(t, body["message"])
			assert.Zero(t, l.Posts())
		})
	}
}

func TestLinkedInFakeExpiredToken(t *testing.T) {
	l := mock.StartLinkedIn(t, "")
	l.ExpireToken(true)
	st, _, body := socialCall(t, t.Context(), http.MethodPost, l.URL()+"/v2/ugcPosts", liHeaders, ugcBody("urn:li:person:1", "a", "NONE", "PUBLIC"))
	assert.Equal(t, http.StatusUnauthorized, st)
	assert.EqualValues(t, 65601, body["serviceErrorCode"])
}
