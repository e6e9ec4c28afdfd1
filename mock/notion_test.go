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

var notionHeaders = map[string]string{"Notion-Version": "2022-06-28", "Content-Type": "application/json"}

func TestNotionPagination(t *testing.T) {
	n := mock.StartNotion(t, "tok")
	db := n.AddDatabase("", "News")
	var ids []string
	for i := range 5 {
		id, err := n.AddPage(db, mock.NotionPage{Title: strings.Repeat("x", i+1)})
		require.NoError(t, err)
		ids = append(ids, id)
	}
	n.SetMaxPageSize(2)

	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 5, "pagination must end")
		body := `{"page_size":100}`
		if cursor != "" {
			body = `{"page_size":100,"start_cursor":"` + cursor + `"}`
		}
		resp, list := getJSON(t, http.MethodPost, n.URL()+"/v1/databases/"+db+"/query", "tok", notionHeaders, strings.NewReader(body))
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "list", list["object"])
		for _, r := range list["results"].([]any) {
			page := r.(map[string]any)
			assert.Equal(t, "page", page["object"])
			got = append(got, page["id"].(string))
		}
		if list["has_more"] != true {
			assert.Nil(t, list["next_cursor"])
			break
		}
		cursor = list["next_cursor"].(string)
	}
	assert.Equal(t, ids, got)

	// The dashless spelling of an ID finds the same database.
	resp, _ := getJSON(t, http.MethodGet, n.URL()+"/v1/databases/"+strings.ReplaceAll(db, "-", ""), "tok", notionHeaders, nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestNotionBlocks(t *testing.T) {
	n := mock.StartNotion(t, "")
	db := n.AddDatabase("", "News")
	page, err := n.AddPage(db, mock.NotionPage{Title: "P", Blocks: []mock.NotionBlock{
		{Type: "heading_1", Text: "H"},
		{Type: "bulleted_list_item", Text: "a", Children: []mock.NotionBlock{{Type: "to_do", Text: "b", Checked: true}}},
		{Type: "code", Text: "x := 1", Language: "go"},
	}})
	require.NoError(t, err)
	resp, list := getJSON(t, http.MethodGet, n.URL()+"/v1/blocks/"+page+"/children?page_size=10", "any", notionHeaders, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	results := list["results"].([]any)
	require.Len(t, results, 3)
	h := results[0].(map[string]any)
	assert.Equal(t, "heading_1", h["type"])
	assert.Equal(t, "H", h["heading_1"].(map[string]any)["rich_text"].([]any)[0].(map[string]any)["plain_text"])
	li := results[1].(map[string]any)
	assert.Equal(t, true, li["has_children"])
	code := results[2].(map[string]any)["code"].(map[string]any)
	assert.Equal(t, "go", code["language"])

	resp, kids := getJSON(t, http.MethodGet, n.URL()+"/v1/blocks/"+li["id"].(string)+"/children", "any", notionHeaders, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	todo := kids["results"].([]any)[0].(map[string]any)
	assert.Equal(t, true, todo["to_do"].(map[string]any)["checked"])
}

func TestNotionRefusals(t *testing.T) {
	n := mock.StartNotion(t, "tok")
	db := n.AddDatabase("", "News")
	_, err := n.AddPage("nope", mock.NotionPage{Title: "x"})
	assert.Error(t, err)

	tests := []struct {
		name, method, path, token, version, body string
		want                                     int
		code                                     string
	}{
		{"no version", http.MethodGet, "/v1/databases/" + db, "tok", "", "", 400, "missing_version"},
		{"unknown version", http.MethodGet, "/v1/databases/" + db, "tok", "1999-01-01", "", 400, "validation_error"},
		{"no token", http.MethodGet, "/v1/databases/" + db, "", "2022-06-28", "", 401, "unauthorized"},
		{"wrong token", http.MethodGet, "/v1/databases/" + db, "other", "2022-06-28", "", 401, "unauthorized"},
		{"missing database", http.MethodGet, "/v1/databases/0123", "tok", "2022-06-28", "", 404, "object_not_found"},
		{"page size too big", http.MethodPost, "/v1/databases/" + db + "/query", "tok", "2022-06-28", `{"page_size":101}`, 400, "validation_error"},
		{"bad cursor", http.MethodPost, "/v1/databases/" + db + "/query", "tok", "2022-06-28", `{"start_cursor":"nope"}`, 400, "validation_error"},
		{"bad json", http.MethodPost, "/v1/databases/" + db + "/query", "tok", "2022-06-28", `{`, 400, "invalid_json"},
		{"missing block", http.MethodGet, "/v1/blocks/123/children", "tok", "2022-06-28", "", 404, "object_not_found"},
		{"bad page size", http.MethodGet, "/v1/blocks/123/children?page_size=x", "tok", "2022-06-28", "", 400, "validation_error"},
		{"unknown endpoint", http.MethodGet, "/v1/users", "tok", "2022-06-28", "", 400, "invalid_request_url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tt.version != "" {
				hdr["Notion-Version"] = tt.version
			}
			resp, body := getJSON(t, tt.method, n.URL()+tt.path, tt.token, hdr, strings.NewReader(tt.body))
			assert.Equal(t, tt.want, resp.StatusCode)
			assert.Equal(t, "error", body["object"])
			assert.Equal(t, tt.code, body["code"])
			assert.EqualValues(t, tt.want, body["status"])
		})
	}
}

func TestNotionScriptedFailures(t *testing.T) {
	n := mock.StartNotion(t, "")
	db := n.AddDatabase("", "News")
	n.FailNext(1, http.StatusTooManyRequests, 3*time.Second)
	resp, body := getJSON(t, http.MethodGet, n.URL()+"/v1/databases/"+db, "x", notionHeaders, nil)
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Equal(t, "3", resp.Header.Get("Retry-After"))
	assert.Equal(t, "rate_limited", body["code"])
	resp, _ = getJSON(t, http.MethodGet, n.URL()+"/v1/databases/"+db, "x", notionHeaders, nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	reqs := n.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, []int{429, 200}, []int{reqs[0].Status, reqs[1].Status})
}
