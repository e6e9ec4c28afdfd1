package mock_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/mock"
)

// platformCall sends a request to the platform fake and returns the status,
// the headers and the raw body.
func platformCall(t *testing.T, ctx context.Context, method, url, token, key, body string) (int, http.Header, []byte, error) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, b, nil
}

func platformPostBody(title, slug string) string {
	b, _ := json.Marshal(mock.PlatformPostInput{Title: title, Slug: slug, HTML: "<p>Hello</p>", Status: mock.PostPublished})
	return string(b)
}

func TestPlatformCreateUpdateArchiveLookup(t *testing.T) {
	p := mock.StartPlatform(t, "tok")
	ctx := t.Context()
	status, _, body, err := platformCall(t, ctx, http.MethodPost, p.URL()+"/v1/posts", "tok", "k1", platformPostBody("Hello world", "hello-world"))
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, status, string(body))
	var created mock.PlatformPost
	require.NoError(t, json.Unmarshal(body, &created))
	assert.NotEmpty(t, created.ID)
	assert.Equal(t, "https://www.example.com/blog/hello-world", created.URL)
	assert.Equal(t, 1, created.Version)
	assert.Equal(t, mock.PostPublished, created.Status)

	// The same key again: the first result, counted as a duplicate.
	status, _, body, err = platformCall(t, ctx, http.MethodPost, p.URL()+"/v1/posts", "tok", "k1", platformPostBody("Hello world", "hello-world"))
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status)
	var dup mock.PlatformPost
	require.NoError(t, json.Unmarshal(body, &dup))
	assert.Equal(t, created.ID, dup.ID)
	assert.Equal(t, 1, p.Duplicates())
	assert.Equal(t, 1, p.Posts())

	status, _, body, err = platformCall(t, ctx, http.MethodPut, p.URL()+"/v1/posts/"+created.ID, "tok", "k2", platformPostBody("Hello again world", "hello-world"))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, string(body))
	got, ok := p.Post(created.ID)
	require.True(t, ok)
	assert.Equal(t, 2, got.Version)
	assert.Equal(t, "Hello again world", got.Title)

	for _, q := range []string{"idempotency_key=k1", "idempotency_key=k2", "slug=hello-world"} {
		status, _, body, err = platformCall(t, ctx, http.MethodGet, p.URL()+"/v1/posts?"+q, "tok", "", "")
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status)
		var list struct{ Data []mock.PlatformPost }
		require.NoError(t, json.Unmarshal(body, &list))
		require.Len(t, list.Data, 1, q)
		assert.Equal(t, created.ID, list.Data[0].ID)
	}
	status, _, body, err = platformCall(t, ctx, http.MethodGet, p.URL()+"/v1/posts?idempotency_key=unknown", "tok", "", "")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"data":[]}`, string(body))

	status, _, _, err = platformCall(t, ctx, http.MethodPost, p.URL()+"/v1/posts/"+created.ID+"/archive", "tok", "", "")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status)
	got, _ = p.Post(created.ID)
	assert.Equal(t, mock.PostArchived, got.Status)

	status, _, _, err = platformCall(t, ctx, http.MethodPost, p.URL()+"/v1/posts/post_missing/archive", "tok", "", "")
	require.NoError(t, err)
	assert.Equal(t, http.StatusNotFound, status)
	assert.Len(t, p.All(), 1)
	reqs := p.Requests()
	require.NotEmpty(t, reqs)
	assert.Equal(t, http.StatusCreated, reqs[0].Status)
}

func TestPlatformRefusals(t *testing.T) {
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	body := func(edit func(*mock.PlatformPostInput)) string {
		in := mock.PlatformPostInput{Title: "A title", Slug: "a-slug", HTML: "<p>x</p>", Status: mock.PostPublished}
		edit(&in)
		b, _ := json.Marshal(in)
		return string(b)
	}
	tests := []struct {
		name   string
		token  string
		body   string
		status int
		code   string
		field  string
	}{
		{"no token", "", body(func(*mock.PlatformPostInput) {}), 401, "unauthorized", ""},
		{"wrong token", "other", body(func(*mock.PlatformPostInput) {}), 401, "unauthorized", ""},
		{"not json", "tok", "{", 400, "invalid_json", ""},
		{"no title", "tok", body(func(in *mock.PlatformPostInput) { in.Title = "" }), 422, "invalid_field", "title"},
		{"bad slug", "tok", body(func(in *mock.PlatformPostInput) { in.Slug = "A Slug" }), 422, "invalid_field", "slug"},
		{"no html", "tok", body(func(in *mock.PlatformPostInput) { in.HTML = "" }), 422, "invalid_field", "html"},
		{"bad status", "tok", body(func(in *mock.PlatformPostInput) { in.Status = "draft" }), 422, "invalid_field", "status"},
		{"scheduled without time", "tok", body(func(in *mock.PlatformPostInput) { in.Status = mock.PostScheduled }), 422, "invalid_field", "publish_at"},
		{"scheduled in the past", "tok", body(func(in *mock.PlatformPostInput) { in.Status, in.PublishAt = mock.PostScheduled, past }), 422, "invalid_field", "publish_at"},
		{"slug of another author", "tok", body(func(in *mock.PlatformPostInput) { in.Slug = "taken" }), 409, "slug_conflict", "slug"},
		{"scheduled", "tok", body(func(in *mock.PlatformPostInput) { in.Status, in.PublishAt = mock.PostScheduled, future }), 201, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mock.StartPlatform(t, "tok")
			p.SeedPost("someone-else", mock.PlatformPostInput{Title: "Theirs", Slug: "taken", HTML: "<p>x</p>"})
			status, _, b, err := platformCall(t, t.Context(), http.MethodPost, p.URL()+"/v1/posts", tt.token, "k", tt.body)
			require.NoError(t, err)
			assert.Equal(t, tt.status, status, string(b))
			if tt.code != "" {
				var e struct{ Error struct{ Code, Field string } }
				require.NoError(t, json.Unmarshal(b, &e))
				assert.Equal(t, tt.code, e.Error.Code)
				assert.Equal(t, tt.field, e.Error.Field)
				assert.Equal(t, 1, p.Posts(), "a refused post was stored")
			}
		})
	}
}

func TestPlatformFailuresOnCue(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(p *mock.Platform)
		title  string
		status int
		stored int
		check  func(t *testing.T, h http.Header, body []byte)
	}{
		{"429 retry-after", func(p *mock.Platform) { p.FailNext(1, 429, 3*time.Second) }, "Hello world", 429, 0,
			func(t *testing.T, h http.Header, _ []byte) { assert.Equal(t, "3", h.Get("Retry-After")) }},
		{"401 scripted", func(p *mock.Platform) { p.FailNext(1, 401, 0) }, "Hello world", 401, 0, nil},
		{"expired token", func(p *mock.Platform) { p.ExpireToken() }, "Hello world", 401, 0,
			func(t *testing.T, _ http.Header, b []byte) { assert.Contains(t, string(b), "token_expired") }},
		{"renewed token", func(p *mock.Platform) { p.ExpireToken(); p.RenewToken() }, "Hello world", 201, 1, nil},
		{"malformed", func(p *mock.Platform) { p.FailNextMalformed(1) }, "Hello world", 200, 0,
			func(t *testing.T, _ http.Header, b []byte) { assert.False(t, json.Valid(b)) }},
		{"html page", func(p *mock.Platform) { p.FailNextHTML(1) }, "Hello world", 502, 0,
			func(t *testing.T, h http.Header, _ []byte) { assert.Contains(t, h.Get("Content-Type"), "text/html") }},
		{"failure rate 1", func(p *mock.Platform) { p.SetFailureRate(1, 7) }, "Hello world", 503, 0, nil},
		{"failure rate 0", func(p *mock.Platform) { p.SetFailureRate(0, 7) }, "Hello world", 201, 1, nil},
		{"latency", func(p *mock.Platform) { p.SetLatency(time.Millisecond) }, "Hello world", 201, 1, nil},
		{"error marker", func(*mock.Platform) {}, "An Error in the title", 500, 0, nil},
		{"marker inside a word", func(*mock.Platform) {}, "Terrors and errors", 201, 1, nil},
		{"slow marker", func(p *mock.Platform) { p.SetSlowDelay(time.Millisecond) }, "A slow post", 201, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mock.StartPlatform(t, "tok")
			tt.setup(p)
			status, h, b, err := platformCall(t, t.Context(), http.MethodPost, p.URL()+"/v1/posts", "tok", "k1", platformPostBody(tt.title, "a-post"))
			require.NoError(t, err)
			assert.Equal(t, tt.status, status, string(b))
			assert.Equal(t, tt.stored, p.Posts())
			if tt.check != nil {
				tt.check(t, h, b)
			}
		})
	}
}

func TestPlatformScriptedFailuresSpareReads(t *testing.T) {
	p := mock.StartPlatform(t, "tok")
	p.FailNext(1, 500, 0)
	status, _, _, err := platformCall(t, t.Context(), http.MethodGet, p.URL()+"/v1/posts?slug=a-post", "tok", "", "")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status)
	status, _, _, err = platformCall(t, t.Context(), http.MethodPost, p.URL()+"/v1/posts", "tok", "k1", platformPostBody("Hello world", "a-post"))
	require.NoError(t, err)
	assert.Equal(t, http.StatusInternalServerError, status)
}

func TestPlatformAcceptThenTimeout(t *testing.T) {
	for _, tt := range []struct {
		name  string
		setup func(p *mock.Platform)
		title string
	}{
		{"scripted", func(p *mock.Platform) { p.AcceptThenTimeout(1) }, "Hello world"},
		{"timeout marker", func(*mock.Platform) {}, "A timeout demo"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := mock.StartPlatform(t, "tok")
			tt.setup(p)
			ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
			defer cancel()
			_, _, _, err := platformCall(t, ctx, http.MethodPost, p.URL()+"/v1/posts", "tok", "k1", platformPostBody(tt.title, "a-post"))
			require.ErrorIs(t, err, context.DeadlineExceeded)
			assert.Equal(t, 1, p.Posts(), "the post was accepted before the stall")
			status, _, b, err := platformCall(t, t.Context(), http.MethodGet, p.URL()+"/v1/posts?idempotency_key=k1", "tok", "", "")
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, status)
			assert.Contains(t, string(b), `"a-post"`)
		})
	}
}

func TestPlatformCloseReleasesStalledRequests(t *testing.T) {
	p := mock.NewPlatform("tok")
	url := p.Start()
	p.AcceptThenTimeout(1)
	done := make(chan error, 1)
	go func() {
		_, _, _, err := platformCall(t, context.Background(), http.MethodPost, url+"/v1/posts", "tok", "k1", platformPostBody("Hello world", "a-post"))
		done <- err
	}()
	// Wait until the fake holds the post, then close: the stalled request
	// must end.
	require.Eventually(t, func() bool { return p.Posts() == 1 }, 10*time.Second, time.Millisecond)
	p.Close()
	assert.Error(t, <-done)
	assert.Empty(t, p.URL())
}
