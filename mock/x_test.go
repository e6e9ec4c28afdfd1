package mock_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/mock"
)

// socialCall sends one request to a social fake and returns the status,
// headers and decoded JSON body (nil when the body is not JSON).
func socialCall(t *testing.T, ctx context.Context, method, url string, hdr map[string]string, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	require.NoError(t, err)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	_ = json.Unmarshal(data, &out)
	return resp.StatusCode, resp.Header, out
}

func xPost(t *testing.T, x *mock.X, key, body string) (int, http.Header, map[string]any) {
	t.Helper()
	hdr := map[string]string{"Authorization": "Bearer tok", "Content-Type": "application/json"}
	if key != "" {
		hdr["Idempotency-Key"] = key
	}
	return socialCall(t, t.Context(), http.MethodPost, x.URL()+"/2/tweets", hdr, body)
}

func TestXFakeIdempotencyAndTimeline(t *testing.T) {
	x := mock.StartX(t, "tok")
	st, h, first := xPost(t, x, "k1", `{"text":"hello"}`)
	require.Equal(t, http.StatusCreated, st)
	assert.Equal(t, "300", h.Get("x-rate-limit-limit"))
	assert.Equal(t, "299", h.Get("x-rate-limit-remaining"), "this post counted, as on X")
	id := first["data"].(map[string]any)["id"].(string)

	st, _, again := xPost(t, x, "k1", `{"text":"hello"}`)
	require.Equal(t, http.StatusCreated, st)
	assert.Equal(t, first, again)
	assert.Equal(t, 1, x.Posts())
	assert.Equal(t, 1, x.Duplicates())

	st, _, _ = xPost(t, x, "k2", `{"text":"reply","reply":{"in_reply_to_tweet_id":"`+id+`"}}`)
	require.Equal(t, http.StatusCreated, st)

	st, _, tl := socialCall(t, t.Context(), http.MethodGet, x.URL()+"/2/users/2244994945/tweets?max_results=5", map[string]string{"Authorization": "Bearer tok"}, "")
	require.Equal(t, http.StatusOK, st)
	data := tl["data"].([]any)
	require.Len(t, data, 2)
	assert.Equal(t, "reply", data[0].(map[string]any)["text"], "newest first")
	assert.Equal(t, id, data[0].(map[string]any)["referenced_tweets"].([]any)[0].(map[string]any)["id"])
}

func TestXFakeRateWindow(t *testing.T) {
	x := mock.StartX(t, "tok")
	// Windows are aligned on multiples of their length: take one that does
	// not end during the test.
	window := time.Hour
	for time.Until(time.Now().Truncate(window).Add(window)) < time.Minute {
		window *= 2
	}
	x.SetRateWindow(2, window)
	reset := strconv.FormatInt(time.Now().Truncate(window).Add(window).Unix(), 10)
	for i, want := range []string{"1", "0", "0"} {
		st, h, _ := xPost(t, x, fmt.Sprintf("k%d", i), fmt.Sprintf(`{"text":"post %d"}`, i))
		require.Equal(t, http.StatusCreated, st, "the fake does not refuse posts over the limit")
		assert.Equal(t, "2", h.Get("x-rate-limit-limit"))
		assert.Equal(t, want, h.Get("x-rate-limit-remaining"), "post %d", i)
		assert.Equal(t, reset, h.Get("x-rate-limit-reset"))
	}
}

func TestXFakeRefusals(t *testing.T) {
	tests := []struct {
		name   string
		hdr    map[string]string
		body   string
		status int
		title  string
	}{
		{"no token", map[string]string{}, `{"text":"a"}`, 401, "Unauthorized"},
		{"wrong token", map[string]string{"Authorization": "Bearer nope"}, `{"text":"a"}`, 401, "Unauthorized"},
		{"not json", nil, `{`, 400, "Invalid Request"},
		{"empty text", nil, `{"text":""}`, 400, "Invalid Request"},
		{"over 280 weighted", nil, `{"text":"` + strings.Repeat("界", 141) + `"}`, 400, "Invalid Request"},
		{"reply to unknown", nil, `{"text":"a","reply":{"in_reply_to_tweet_id":"1"}}`, 400, "Invalid Request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := mock.StartX(t, "tok")
			hdr := tc.hdr
			if hdr == nil {
				hdr = map[string]string{"Authorization": "Bearer tok"}
			}
			st, _, body := socialCall(t, t.Context(), http.MethodPost, x.URL()+"/2/tweets", hdr, tc.body)
			assert.Equal(t, tc.status, st)
			assert.Equal(t, tc.title, body["title"])
			assert.EqualValues(t, tc.status, body["status"])
			assert.Zero(t, x.Posts())
		})
	}
}

func TestXFakeFailsOnCue(t *testing.T) {
	tests := []struct {
		name   string
		script func(x *mock.X)
		text   string
		status int
		posts  int
	}{
		{"429 with Retry-After", func(x *mock.X) { x.FailNext(1, 429, 1500*time.Millisecond) }, "a", 429, 0},
		{"401 expired", func(x *mock.X) { x.ExpireToken(true) }, "a", 401, 0},
		{"failure rate 1", func(x *mock.X) { x.SetFailureRate(1) }, "a", 503, 0},
		{"malformed", func(x *mock.X) { x.MalformedNext(1) }, "a", 200, 0},
		{"html", func(x *mock.X) { x.HTMLNext(1) }, "a", 502, 0},
		{"error marker", nil, "this has an error", 500, 0},
		{"slow marker", func(x *mock.X) { x.SetSlowDelay(time.Millisecond) }, "a slow one", 201, 1},
		{"pass then fail", func(x *mock.X) { x.PassNext(1); x.FailNext(1, 500, 0) }, "a", 201, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := mock.StartX(t, "tok")
			if tc.script != nil {
				tc.script(x)
			}
			st, h, _ := xPost(t, x, "", `{"text":"`+tc.text+`"}`)
			assert.Equal(t, tc.status, st)
			assert.Equal(t, tc.posts, x.Posts())
			if tc.status == 429 {
				assert.Equal(t, "2", h.Get("Retry-After"))
				assert.Equal(t, "0", h.Get("x-rate-limit-remaining"))
			}
			log := x.Requests()
			require.NotEmpty(t, log)
			assert.Equal(t, tc.status, log[0].Status)
		})
	}
}

func TestXFakeAcceptThenTimeout(t *testing.T) {
	for _, cue := range []string{"script", "marker"} {
		t.Run(cue, func(t *testing.T) {
			x := mock.StartX(t, "tok")
			text := "a"
			if cue == "script" {
				x.TimeoutNext(1)
			} else {
				text = "this will timeout"
			}
			ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, x.URL()+"/2/tweets", strings.NewReader(`{"text":"`+text+`"}`))
			require.NoError(t, err)
			req.Header.Set("Authorization", "Bearer tok")
			_, err = http.DefaultClient.Do(req)
			require.ErrorIs(t, err, context.DeadlineExceeded)
			assert.Equal(t, 1, x.Posts(), "the post was recorded before the stall")
		})
	}
}

func TestXFakeCloseReleasesStalledRequests(t *testing.T) {
	x := mock.NewX("")
	x.Start()
	x.TimeoutNext(1)
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, x.URL()+"/2/tweets", strings.NewReader(`{"text":"a"}`))
		req.Header.Set("Authorization", "Bearer any")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	for x.Posts() == 0 {
		time.Sleep(time.Millisecond)
	}
	x.Close()
	<-done
	assert.Equal(t, 1, x.Posts())
}

func TestXFakeRewritesLinksToTco(t *testing.T) {
	x := mock.StartX(t, "tok")
	auth := map[string]string{"Authorization": "Bearer tok"}
	tco := `https://t\.co/[A-Za-z0-9]{10}`
	st, _, created := xPost(t, x, "k1", `{"text":"Read https://halcytone.example/spring?a=1 (and http://halcytone.example/b). Then breathe"}`)
	require.Equal(t, http.StatusCreated, st)
	data := created["data"].(map[string]any)
	id := data["id"].(string)
	text := data["text"].(string)
	assert.Regexp(t, `^Read `+tco+` \(and `+tco+`\)\. Then breathe$`, text, "each link rewritten, the punctuation around it kept")

	// Every answer carries the text as stored.
	st, _, tl := socialCall(t, t.Context(), http.MethodGet, x.URL()+"/2/users/2244994945/tweets", auth, "")
	require.Equal(t, http.StatusOK, st)
	assert.Equal(t, text, tl["data"].([]any)[0].(map[string]any)["text"])
	st, _, one := socialCall(t, t.Context(), http.MethodGet, x.URL()+"/2/tweets/"+id, auth, "")
	require.Equal(t, http.StatusOK, st)
	assert.Equal(t, text, one["data"].(map[string]any)["text"])
	assert.Equal(t, text, x.Tweets()[0].Text)

	// The same link always gets the same t.co link, another link another.
	_, _, again := xPost(t, x, "k2", `{"text":"Again: https://halcytone.example/spring?a=1"}`)
	first := strings.Fields(text)[1]
	assert.Equal(t, "Again: "+first, again["data"].(map[string]any)["text"])
	assert.NotEqual(t, first, strings.TrimSuffix(strings.Fields(text)[3], ")."))

	// A text without links is stored as it is.
	_, _, plain := xPost(t, x, "k3", `{"text":"no links here: http:// alone"}`)
	assert.Equal(t, "no links here: http:// alone", plain["data"].(map[string]any)["text"])
}

func TestXFakeGetTweet(t *testing.T) {
	x := mock.StartX(t, "tok")
	auth := map[string]string{"Authorization": "Bearer tok"}
	_, _, root := xPost(t, x, "k1", `{"text":"root"}`)
	rootID := root["data"].(map[string]any)["id"].(string)
	_, _, reply := xPost(t, x, "k2", `{"text":"reply","reply":{"in_reply_to_tweet_id":"`+rootID+`"}}`)
	replyID := reply["data"].(map[string]any)["id"].(string)

	st, _, got := socialCall(t, t.Context(), http.MethodGet, x.URL()+"/2/tweets/"+replyID, auth, "")
	require.Equal(t, http.StatusOK, st)
	data := got["data"].(map[string]any)
	assert.Equal(t, replyID, data["id"])
	assert.Equal(t, "reply", data["text"])
	assert.Equal(t, rootID, data["referenced_tweets"].([]any)[0].(map[string]any)["id"])

	// An unknown id is a 200 with the failure in "errors", as on X.
	st, _, missing := socialCall(t, t.Context(), http.MethodGet, x.URL()+"/2/tweets/1", auth, "")
	require.Equal(t, http.StatusOK, st)
	assert.Nil(t, missing["data"])
	require.Len(t, missing["errors"], 1)
	assert.Equal(t, "Not Found Error", missing["errors"].([]any)[0].(map[string]any)["title"])
}
