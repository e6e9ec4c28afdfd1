package mock_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/mock"
)

func TestCDNPurge(t *testing.T) {
	files := func(n int) string {
		var s []string
		for range n {
			s = append(s, `"https://www.example.com/x"`)
		}
		return `{"files":[` + strings.Join(s, ",") + `]}`
	}
	tests := []struct {
		name       string
		method     string
		path       string
		token      string
		body       string
		status     int
		everything bool
	}{
		{"files", http.MethodPost, "/client/v4/zones/z1/purge_cache", "tok", `{"files":["https://www.example.com/a","https://www.example.com/feed.xml"]}`, 200, false},
		{"everything", http.MethodPost, "/client/v4/zones/z1/purge_cache", "tok", `{"purge_everything":true}`, 200, true},
		{"30 files", http.MethodPost, "/client/v4/zones/z1/purge_cache", "tok", files(30), 200, false},
		{"31 files", http.MethodPost, "/client/v4/zones/z1/purge_cache", "tok", files(31), 400, false},
		{"both", http.MethodPost, "/client/v4/zones/z1/purge_cache", "tok", `{"files":["https://a.example/"],"purge_everything":true}`, 400, false},
		{"neither", http.MethodPost, "/client/v4/zones/z1/purge_cache", "tok", `{}`, 400, false},
		{"not a url", http.MethodPost, "/client/v4/zones/z1/purge_cache", "tok", `{"files":["/relative"]}`, 400, false},
		{"not json", http.MethodPost, "/client/v4/zones/z1/purge_cache", "tok", `{`, 400, false},
		{"wrong token", http.MethodPost, "/client/v4/zones/z1/purge_cache", "nope", `{"purge_everything":true}`, 401, false},
		{"no token", http.MethodPost, "/client/v4/zones/z1/purge_cache", "", `{"purge_everything":true}`, 401, false},
		{"wrong path", http.MethodPost, "/client/v4/zones/z1/purge", "tok", `{"purge_everything":true}`, 404, false},
		{"get", http.MethodGet, "/client/v4/zones/z1/purge_cache", "tok", "", 405, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mock.StartCDN(t, "tok")
			resp, out := getJSON(t, tt.method, c.URL()+tt.path, tt.token, nil, strings.NewReader(tt.body))
			assert.Equal(t, tt.status, resp.StatusCode, "%v", out)
			purges := c.Purges()
			if tt.status != http.StatusOK {
				assert.Equal(t, false, out["success"])
				assert.NotEmpty(t, out["errors"])
				assert.Empty(t, purges)
				return
			}
			assert.Equal(t, true, out["success"])
			require.Len(t, purges, 1)
			assert.Equal(t, "z1", purges[0].Zone)
			assert.Equal(t, tt.everything, purges[0].Everything)
			assert.Equal(t, purges[0].ID, out["result"].(map[string]any)["id"])
		})
	}
}

func TestCDNRecordsFilesAndFailsOnCue(t *testing.T) {
	c := mock.StartCDN(t, "")
	c.FailNext(1, http.StatusTooManyRequests, 2*time.Second)
	resp, _ := getJSON(t, http.MethodPost, c.URL()+"/client/v4/zones/z/purge_cache", "any", nil, strings.NewReader(`{"files":["https://a.example/1"]}`))
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Equal(t, "2", resp.Header.Get("Retry-After"))
	resp, _ = getJSON(t, http.MethodPost, c.URL()+"/client/v4/zones/z/purge_cache", "any", nil, strings.NewReader(`{"files":["https://a.example/1","https://a.example/2"]}`))
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, []string{"https://a.example/1", "https://a.example/2"}, c.PurgedFiles())
	reqs := c.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, http.StatusTooManyRequests, reqs[0].Status)
	assert.Equal(t, http.StatusOK, reqs[1].Status)
}
