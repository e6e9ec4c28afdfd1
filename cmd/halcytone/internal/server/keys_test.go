package server

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKeysCreateListRevoke(t *testing.T) {
	ts := newTestServer(t)

	res := ts.do(t, "POST", "/api/v2/keys", ts.Admin, map[string]any{"name": "ci", "scopes": []string{"write", "read"}, "rate_limit": 600})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	var created CreatedKeyBody
	res.JSON(t, &created)
	require.NotEmpty(t, created.Key)
	assert.Equal(t, "ci", created.Name)
	assert.Equal(t, []string{"read", "write"}, created.Scopes)
	assert.Equal(t, 600, created.RateLimit)
	assert.Equal(t, created.Key[:len(created.Prefix)], created.Prefix)
	assert.NotContains(t, string(res.Body), "hash")

	// The created key works, within its scopes.
	got := ts.do(t, "GET", "/api/v2/jobs", created.Key, nil)
	assert.Equal(t, http.StatusOK, got.Status, "%s", got.Body)
	assert.Equal(t, "600", got.Header.Get("X-RateLimit-Limit"))
	got = ts.do(t, "GET", "/api/v2/keys", created.Key, nil)
	assert.Equal(t, http.StatusForbidden, got.Status, "key management needs admin: %s", got.Body)

	// Without rate_limit, the default applies.
	res = ts.do(t, "POST", "/api/v2/keys", ts.Admin, map[string]any{"name": "dashboard", "scopes": []string{"read"}})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	var dash CreatedKeyBody
	res.JSON(t, &dash)
	assert.Equal(t, DefaultKeyLimit, dash.RateLimit)

	list := ts.do(t, "GET", "/api/v2/keys", ts.Admin, nil)
	require.Equal(t, http.StatusOK, list.Status, "%s", list.Body)
	assert.NotContains(t, string(list.Body), created.Key, "plain keys are never listed")
	assert.NotContains(t, string(list.Body), HashKey(created.Key), "hashes are never listed")
	assert.NotContains(t, string(list.Body), "null")
	var lb struct {
		Keys []KeyBody `json:"keys"`
	}
	list.JSON(t, &lb)
	require.Len(t, lb.Keys, 3, "the bootstrap admin key, ci and dashboard")
	assert.Equal(t, "admin", lb.Keys[0].Name)
	assert.Equal(t, created.ID, lb.Keys[1].ID)
	assert.False(t, lb.Keys[1].Revoked)

	// A revoked key is refused at once.
	rev := ts.do(t, "DELETE", "/api/v2/keys/"+created.ID, ts.Admin, nil)
	require.Equal(t, http.StatusOK, rev.Status, "%s", rev.Body)
	assert.JSONEq(t, `{"revoked":true,"id":"`+created.ID+`"}`, string(rev.Body))
	got = ts.do(t, "GET", "/api/v2/jobs", created.Key, nil)
	assert.Equal(t, http.StatusForbidden, got.Status, "%s", got.Body)
	list = ts.do(t, "GET", "/api/v2/keys", ts.Admin, nil)
	list.JSON(t, &lb)
	assert.True(t, lb.Keys[1].Revoked)

	rev = ts.do(t, "DELETE", "/api/v2/keys/key_missing", ts.Admin, nil)
	assert.Equal(t, http.StatusNotFound, rev.Status, "%s", rev.Body)
}

func TestKeysScopesAndValidation(t *testing.T) {
	ts := newTestServer(t)
	reader := ts.key(t, "reader", 0, ScopeRead)
	writer := ts.key(t, "writer", 0, ScopeWrite, ScopeRead)

	for _, key := range []string{reader, writer} {
		res := ts.do(t, "POST", "/api/v2/keys", key, map[string]any{"name": "sneaky", "scopes": []string{"admin"}})
		assert.Equal(t, http.StatusForbidden, res.Status, "%s", res.Body)
		res = ts.do(t, "GET", "/api/v2/keys", key, nil)
		assert.Equal(t, http.StatusForbidden, res.Status, "%s", res.Body)
		res = ts.do(t, "DELETE", "/api/v2/keys/key_any", key, nil)
		assert.Equal(t, http.StatusForbidden, res.Status, "%s", res.Body)
	}
	res := ts.do(t, "GET", "/api/v2/keys", "", nil)
	assert.Equal(t, http.StatusUnauthorized, res.Status, "%s", res.Body)

	for name, body := range map[string]map[string]any{
		"unknown scope":  {"name": "x", "scopes": []string{"superuser"}},
		"no scopes":      {"name": "x", "scopes": []string{}},
		"empty name":     {"name": "", "scopes": []string{"read"}},
		"negative limit": {"name": "x", "scopes": []string{"read"}, "rate_limit": -1},
		"unknown field":  {"name": "x", "scopes": []string{"read"}, "hash": "abc"},
	} {
		res := ts.do(t, "POST", "/api/v2/keys", ts.Admin, body)
		assert.Equal(t, http.StatusUnprocessableEntity, res.Status, "%s: %s", name, res.Body)
		assert.Equal(t, problemType, res.Header.Get("Content-Type"), name)
	}

	// An unlimited key.
	res = ts.do(t, "POST", "/api/v2/keys", ts.Admin, map[string]any{"name": "bulk", "scopes": []string{"read"}, "rate_limit": 0})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	var k CreatedKeyBody
	res.JSON(t, &k)
	assert.Equal(t, 0, k.RateLimit)
	assert.Contains(t, string(res.Body), `"rate_limit":0`)
}
