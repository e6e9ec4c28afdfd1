package mock_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/mock"
)

func crmDo(t *testing.T, method, url, key, idem, body string) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	require.NoError(t, err)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp, out
}

const crmBatch = `{"subject":"Hi","html":"<p>Hi {{name}}</p>","text":"Hi {{name}}","recipients":[{"email":"a@example.com","merge":{"name":"A"}},{"email":"b@example.com","merge":{"name":"B"}}]}`

func TestCRMPaginates(t *testing.T) {
	c := mock.StartCRM(t, "k")
	c.Seed(25, 10)
	var ids []string
	cursor := ""
	for {
		resp, out := crmDo(t, http.MethodGet, c.URL()+"/v1/subscribers?limit=10&cursor="+cursor, "k", "", "")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		for _, s := range out["subscribers"].([]any) {
			ids = append(ids, s.(map[string]any)["id"].(string))
		}
		cursor = out["next_cursor"].(string)
		if cursor == "" {
			break
		}
	}
	assert.Len(t, ids, 25)
	assert.Equal(t, "sub_000001", ids[0])
	assert.Equal(t, "sub_000025", ids[24])
}

func TestCRMIdempotentBatches(t *testing.T) {
	c := mock.StartCRM(t, "k")
	url := c.URL() + "/v1/campaigns/camp1/batches"
	resp, first := crmDo(t, http.MethodPost, url, "k", "camp1:1", crmBatch)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.InDelta(t, 2, first["accepted"], 0)
	resp, again := crmDo(t, http.MethodPost, url, "k", "camp1:1", crmBatch)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, first, again)
	assert.Equal(t, 1, c.Duplicates())
	assert.Equal(t, 2, c.Delivered())

	resp, camp := crmDo(t, http.MethodGet, c.URL()+"/v1/campaigns/camp1", "k", "", "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.InDelta(t, 2, camp["accepted"], 0)
	require.Len(t, camp["batches"], 1)
	assert.Equal(t, "camp1:1", camp["batches"].([]any)[0].(map[string]any)["idempotency_key"])

	html, text := c.Batches("camp1")[0].Render(1)
	assert.Equal(t, "<p>Hi B</p>", html)
	assert.Equal(t, "Hi B", text)
}

func TestCRMErrors(t *testing.T) {
	tests := []struct {
		name, method, path, key, idem, body string
		setup                               func(*mock.CRM)
		status                              int
		code, field                         string
	}{
		{"no key", "GET", "/v1/subscribers", "", "", "", nil, 401, "unauthorized", ""},
		{"wrong key", "GET", "/v1/subscribers", "x", "", "", nil, 401, "unauthorized", ""},
		{"expired", "GET", "/v1/subscribers", "k", "", "", func(c *mock.CRM) { c.ExpireKey(true) }, 401, "token_expired", ""},
		{"bad limit", "GET", "/v1/subscribers?limit=0", "k", "", "", nil, 422, "invalid", "limit"},
		{"no idempotency key", "POST", "/v1/campaigns/c/batches", "k", "", crmBatch, nil, 400, "missing_idempotency_key", ""},
		{"truncated json", "POST", "/v1/campaigns/c/batches", "k", "i", `{"subject":`, nil, 400, "bad_json", ""},
		{"no subject", "POST", "/v1/campaigns/c/batches", "k", "i", `{"html":"x","recipients":[{"email":"a@b"}]}`, nil, 422, "invalid", "subject"},
		{"bad email", "POST", "/v1/campaigns/c/batches", "k", "i", `{"subject":"s","html":"x","recipients":[{"email":"nope"}]}`, nil, 422, "invalid", "recipients[0].email"},
		{"error marker", "POST", "/v1/campaigns/c/batches", "k", "i", `{"subject":"an ERROR","html":"x","recipients":[{"email":"a@b"}]}`, nil, 500, "internal", ""},
		{"unknown campaign", "GET", "/v1/campaigns/none", "k", "", "", nil, 404, "not_found", ""},
		{"scripted 429", "GET", "/v1/subscribers", "k", "", "", func(c *mock.CRM) { c.FailNext(1, 429, 2*time.Second) }, 429, "rate_limited", ""},
		{"failure rate", "GET", "/v1/subscribers", "k", "", "", func(c *mock.CRM) { c.SetFailureRate(1) }, 503, "unavailable", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mock.StartCRM(t, "k")
			if tt.setup != nil {
				tt.setup(c)
			}
			resp, out := crmDo(t, tt.method, c.URL()+tt.path, tt.key, tt.idem, tt.body)
			assert.Equal(t, tt.status, resp.StatusCode)
			e, _ := out["error"].(map[string]any)
			require.NotNil(t, e)
			assert.Equal(t, tt.code, e["code"])
			field, _ := e["field"].(string)
			assert.Equal(t, tt.field, field)
			if tt.status == 429 {
				assert.Equal(t, "2", resp.Header.Get("Retry-After"))
			}
			assert.Zero(t, c.Delivered())
		})
	}
}

func TestCRMAcceptThenTimeout(t *testing.T) {
	c := mock.StartCRM(t, "k")
	c.SetStall(time.Hour) // ends when the client goes away
	c.TimeoutNext(1)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, c.URL()+"/v1/campaigns/c/batches", strings.NewReader(crmBatch))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer k")
	req.Header.Set("Idempotency-Key", "c:1")
	client := &http.Client{Timeout: 200 * time.Millisecond}
	_, err = client.Do(req)
	require.Error(t, err)
	assert.Equal(t, 2, c.Delivered(), "the batch was recorded before the stall")
	require.Len(t, c.Batches("c"), 1)
}
