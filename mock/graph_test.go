package mock_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/mock"
)

func graphPost(t *testing.T, g *mock.Graph, path, key string, form url.Values) (int, map[string]any) {
	t.Helper()
	hdr := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	if key != "" {
		hdr["Idempotency-Key"] = key
	}
	st, _, body := socialCall(t, t.Context(), http.MethodPost, g.URL()+path, hdr, form.Encode())
	return st, body
}

func TestGraphFakeFeed(t *testing.T) {
	g := mock.StartGraph(t, "tok")
	st, body := graphPost(t, g, "/v21.0/123/feed", "k", url.Values{"message": {"hi"}, "link": {"https://example.com"}, "access_token": {"tok"}})
	require.Equal(t, http.StatusOK, st)
	id := body["id"].(string)
	assert.Equal(t, "123_100001", id)
	st, again := graphPost(t, g, "/v21.0/123/feed", "k", url.Values{"message": {"hi"}, "access_token": {"tok"}})
	require.Equal(t, http.StatusOK, st)
	assert.Equal(t, id, again["id"])
	assert.Equal(t, 1, g.Duplicates())

	st, _, list := socialCall(t, t.Context(), http.MethodGet, g.URL()+"/123/feed?fields=id,message&access_token=tok", nil, "")
	require.Equal(t, http.StatusOK, st)
	data := list["data"].([]any)
	require.Len(t, data, 1)
	assert.Equal(t, "hi", data[0].(map[string]any)["message"])
}

func TestGraphFakeInstagramFlow(t *testing.T) {
	g := mock.StartGraph(t, "tok")
	st, c := graphPost(t, g, "/v21.0/178/media", "kc", url.Values{"image_url": {"https://example.com/a.jpg"}, "caption": {"cap"}, "access_token": {"tok"}})
	require.Equal(t, http.StatusOK, st)
	cid := c["id"].(string)
	assert.Zero(t, g.Posts(), "a container is not a post")

	st, m := graphPost(t, g, "/v21.0/178/media_publish", "k", url.Values{"creation_id": {cid}, "access_token": {"tok"}})
	require.Equal(t, http.StatusOK, st)
	assert.NotEmpty(t, m["id"])
	assert.Equal(t, 1, g.Posts())

	st, e := graphPost(t, g, "/v21.0/178/media_publish", "other", url.Values{"creation_id": {cid}, "access_token": {"tok"}})
	assert.Equal(t, http.StatusBadRequest, st, "a container publishes once")
	assert.EqualValues(t, 100, e["error"].(map[string]any)["code"])
}

func TestGraphFakeErrors(t *testing.T) {
	tests := []struct {
		name   string
		path   string
		form   url.Values
		script func(g *mock.Graph)
		status int
		code   float64
	}{
		{"no token", "/1/feed", url.Values{"message": {"a"}}, nil, 400, 190},
		{"expired", "/1/feed", url.Values{"message": {"a"}, "access_token": {"tok"}}, func(g *mock.Graph) { g.ExpireToken(true) }, 400, 190},
		{"scripted 401", "/1/feed", url.Values{"message": {"a"}, "access_token": {"tok"}}, func(g *mock.Graph) { g.FailNext(1, 401, 0) }, 400, 190},
		{"rate limit", "/1/feed", url.Values{"message": {"a"}, "access_token": {"tok"}}, func(g *mock.Graph) { g.FailNext(1, 429, 0) }, 400, 4},
		{"empty message", "/1/feed", url.Values{"access_token": {"tok"}}, nil, 400, 100},
		{"bad image url", "/1/media", url.Values{"image_url": {"ftp://a"}, "access_token": {"tok"}}, nil, 400, 100},
		{"unknown container", "/1/media_publish", url.Values{"creation_id": {"9"}, "access_token": {"tok"}}, nil, 400, 100},
		{"unknown edge", "/1/photos", url.Values{"access_token": {"tok"}}, nil, 400, 100},
		{"error marker", "/1/feed", url.Values{"message": {"error"}, "access_token": {"tok"}}, nil, 500, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := mock.StartGraph(t, "tok")
			if tc.script != nil {
				tc.script(g)
			}
			st, body := graphPost(t, g, tc.path, "", tc.form)
			assert.Equal(t, tc.status, st)
			e, ok := body["error"].(map[string]any)
			require.True(t, ok, "%v", body)
			assert.Equal(t, tc.code, e["code"])
			assert.NotEmpty(t, e["fbtrace_id"])
			assert.Zero(t, g.Posts())
		})
	}
}
