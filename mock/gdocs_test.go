package mock_test

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/mock"
)

func getJSON(t *testing.T, method, url, token string, hdr map[string]string, body io.Reader) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp, out
}

func TestGoogleDocsDocumentShape(t *testing.T) {
	g := mock.StartGoogleDocs(t, nil)
	g.AddDocument("doc1", "Title",
		mock.DocHeading(1, "Héllo"),
		mock.DocText(mock.DocRun{Text: "bold ", Bold: true}, mock.DocRun{Text: "link", Link: "https://e.com"}),
		mock.DocParagraph{Runs: []mock.DocRun{{Text: "item"}}, Bullet: true, Ordered: true, Level: 2},
	)
	resp, doc := getJSON(t, http.MethodGet, g.URL()+"/v1/documents/doc1", "any", nil, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "doc1", doc["documentId"])
	assert.Equal(t, "Title", doc["title"])
	contentList := doc["body"].(map[string]any)["content"].([]any)
	require.Len(t, contentList, 4, "a section break and three paragraphs")
	assert.Contains(t, contentList[0], "sectionBreak")

	h := contentList[1].(map[string]any)
	assert.EqualValues(t, 1, h["startIndex"])
	assert.EqualValues(t, 7, h["endIndex"], "Héllo plus the newline, in UTF-16 units")
	para := h["paragraph"].(map[string]any)
	assert.Equal(t, "HEADING_1", para["paragraphStyle"].(map[string]any)["namedStyleType"])
	run := para["elements"].([]any)[0].(map[string]any)["textRun"].(map[string]any)
	assert.Equal(t, "Héllo\n", run["content"])

	p := contentList[2].(map[string]any)["paragraph"].(map[string]any)
	els := p["elements"].([]any)
	assert.Equal(t, true, els[0].(map[string]any)["textRun"].(map[string]any)["textStyle"].(map[string]any)["bold"])
	link := els[1].(map[string]any)["textRun"].(map[string]any)["textStyle"].(map[string]any)["link"].(map[string]any)
	assert.Equal(t, "https://e.com", link["url"])

	li := contentList[3].(map[string]any)["paragraph"].(map[string]any)["bullet"].(map[string]any)
	assert.EqualValues(t, 2, li["nestingLevel"])
	lists := doc["lists"].(map[string]any)
	levels := lists[li["listId"].(string)].(map[string]any)["listProperties"].(map[string]any)["nestingLevels"].([]any)
	assert.Equal(t, "DECIMAL", levels[2].(map[string]any)["glyphType"])
}

func TestGoogleDocsAuthAndErrors(t *testing.T) {
	g := mock.StartGoogleDocs(t, func(tok string) bool { return tok == "good" })
	g.AddRawDocument("raw", []byte(`{"documentId":"raw","title":"Raw","body":{"content":[]}}`))

	tests := []struct {
		name, method, path, token string
		want                      int
		status                    string
	}{
		{"ok", http.MethodGet, "/v1/documents/raw", "good", 200, ""},
		{"no token", http.MethodGet, "/v1/documents/raw", "", 401, "UNAUTHENTICATED"},
		{"bad token", http.MethodGet, "/v1/documents/raw", "bad", 401, "UNAUTHENTICATED"},
		{"missing", http.MethodGet, "/v1/documents/nope", "good", 404, "NOT_FOUND"},
		{"other path", http.MethodGet, "/v2/other", "good", 404, "NOT_FOUND"},
		{"post", http.MethodPost, "/v1/documents/raw", "good", 405, "UNKNOWN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := getJSON(t, tt.method, g.URL()+tt.path, tt.token, nil, nil)
			assert.Equal(t, tt.want, resp.StatusCode)
			if tt.status != "" {
				e := body["error"].(map[string]any)
				assert.EqualValues(t, tt.want, e["code"])
				assert.Equal(t, tt.status, e["status"])
			} else {
				assert.Equal(t, "Raw", body["title"])
			}
		})
	}
}

func TestGoogleDocsScriptedFailures(t *testing.T) {
	g := mock.StartGoogleDocs(t, nil)
	g.AddDocument("d", "D", mock.DocText(mock.DocRun{Text: "hello"}))
	g.FailNext(2, http.StatusTooManyRequests, 1500*time.Millisecond)
	g.FailNext(1, http.StatusInternalServerError, 0)

	var statuses []int
	for range 4 {
		resp, _ := getJSON(t, http.MethodGet, g.URL()+"/v1/documents/d", "t", nil, nil)
		statuses = append(statuses, resp.StatusCode)
		if resp.StatusCode == http.StatusTooManyRequests {
			assert.Equal(t, "2", resp.Header.Get("Retry-After"))
		}
	}
	assert.Equal(t, []int{429, 429, 500, 200}, statuses)
	reqs := g.Requests()
	require.Len(t, reqs, 4)
	for i, r := range reqs {
		assert.Equal(t, statuses[i], r.Status)
		assert.Equal(t, "/v1/documents/d", r.Path)
		assert.Equal(t, "Bearer t", r.Header.Get("Authorization"))
	}
}

func TestGoogleDocsHandlerWithoutStart(t *testing.T) {
	g := mock.NewGoogleDocs(nil)
	assert.Empty(t, g.URL())
	g.Close() // closing an unstarted fake is harmless
	var _ http.Handler = g
	url := g.Start()
	assert.Equal(t, url, g.Start(), "Start is idempotent")
	g.Close()
	assert.Empty(t, g.URL())
}
