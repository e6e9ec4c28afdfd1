package source_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/source"
)

const notionToken = "secret_mock_integration_token"

// notionFixture is a fake Notion with one database of seven rows, and a
// source reading it.
type notionFixture struct {
	fake *mock.Notion
	db   string
	src  *source.Notion
}

func newNotionFixture(t *testing.T, cfg source.NotionConfig) *notionFixture {
	t.Helper()
	n := mock.StartNotion(t, notionToken)
	db := n.AddDatabase("", "Halcytone Living Document")
	rows := []mock.NotionPage{
		{Title: "New sensor", Category: "Hardware", Date: "2026-11-20",
			Content: "The sensor reads heart rate variability every second.",
			Properties: map[string]any{
				"Published": map[string]any{"type": "checkbox", "checkbox": true},
				"Channels": map[string]any{"type": "multi_select", "multi_select": []any{
					map[string]any{"name": "email"}, map[string]any{"name": "web"}}},
			},
			Blocks: []mock.NotionBlock{
				{Type: "heading_2", Text: "Specs"},
				{Type: "paragraph", Text: "Battery lasts a week.", Bold: true},
				{Type: "bulleted_list_item", Text: "Bluetooth", Children: []mock.NotionBlock{
					{Type: "bulleted_list_item", Text: "low energy"},
				}},
				{Type: "bulleted_list_item", Text: "USB-C"},
				{Type: "to_do", Text: "ship it", Checked: true},
				{Type: "paragraph", Text: "<!-- featured; priority: 2 -->"},
			}},
		{Title: "Box breathing", Category: "Tips", Date: "2026-11-18",
			Content: "Breathe in for four counts, hold for four, out for four."},
		{Title: "App 2.0", Categories: []string{"Breathscape"}, Date: "2026-11-19",
			Blocks: []mock.NotionBlock{{Type: "paragraph", Text: "A calmer home screen and guided sessions."}}},
		{Title: "Our mission", Category: "Vision", Content: "Make calm a daily habit for everyone."},
		{Title: "Coherent breathing", Category: "Tips", Content: "Five and a half breaths a minute."},
		{Title: "Sensor firmware", Category: "Hardware", Content: "Firmware 1.2 improves accuracy."},
		{Title: "Untagged news", Content: "Something without a category."},
	}
	for _, r := range rows {
		_, err := n.AddPage(db, r)
		require.NoError(t, err)
	}
	cfg.Token = notionToken
	cfg.Endpoint = n.URL()
	if cfg.Retry.Attempts == 0 {
		cfg.Retry = fastRetry(4)
	}
	src, err := source.NewNotion(cfg)
	require.NoError(t, err)
	return &notionFixture{fake: n, db: db, src: src}
}

func TestNotionFetch(t *testing.T) {
	f := newNotionFixture(t, source.NotionConfig{})
	f.fake.SetMaxPageSize(2) // 7 rows: 4 query pages; 6 blocks: 3 children pages
	doc, err := f.src.Fetch(context.Background(), "notion:"+f.db)
	require.NoError(t, err)

	assert.Equal(t, "Halcytone Living Document", doc.Title)
	assert.Equal(t, "notion:"+f.db, doc.Source)
	assert.Equal(t, content.FormatNotion, doc.Format)
	assert.Equal(t, doc.ContentHash(), doc.Hash)
	assert.Empty(t, doc.Warnings)

	var cats []content.Category
	var counts []int
	for _, s := range doc.Sections {
		cats = append(cats, s.Category)
		counts = append(counts, len(s.Items))
	}
	assert.Equal(t, []content.Category{content.CategoryHardware, content.CategoryTips,
		content.CategoryBreathscape, content.CategoryVision, content.CategoryGeneral}, cats)
	assert.Equal(t, []int{2, 2, 1, 1, 1}, counts)

	sensor := doc.Sections[0].Items[0]
	assert.Equal(t, "New sensor", sensor.Title)
	assert.Equal(t, content.CategoryHardware, sensor.Category)
	assert.Equal(t, time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), sensor.Date)
	assert.Equal(t, "The sensor reads heart rate variability every second.\n\n"+
		"## Specs\n\n"+
		"**Battery lasts a week.**\n\n"+
		"- Bluetooth\n"+
		"    - low energy\n"+
		"- USB-C\n"+
		"- [x] ship it", sensor.Body)
	assert.True(t, sensor.Flags.Published)
	assert.True(t, sensor.Flags.Featured)
	assert.Equal(t, content.PriorityHigh, sensor.Flags.Priority)
	assert.Equal(t, []content.Channel{content.ChannelEmail, content.ChannelWebsite}, sensor.Flags.Channels)

	app := doc.Sections[2].Items[0]
	assert.Equal(t, "A calmer home screen and guided sessions.", app.Body)

	// The wire: headers on every request, cursors followed.
	var queries []map[string]any
	childrenCalls := 0
	for _, r := range f.fake.Requests() {
		assert.Equal(t, source.NotionVersion, r.Header.Get("Notion-Version"), r.Path)
		assert.Equal(t, "Bearer "+notionToken, r.Header.Get("Authorization"), r.Path)
		assert.Equal(t, http.StatusOK, r.Status, r.Path)
		switch {
		case r.Method == http.MethodPost:
			var q map[string]any
			require.NoError(t, json.Unmarshal(r.Body, &q))
			queries = append(queries, q)
		case r.Method == http.MethodGet && len(r.Query) > 0:
			childrenCalls++
		}
	}
	require.Len(t, queries, 4)
	assert.NotContains(t, queries[0], "start_cursor")
	for i, q := range queries {
		assert.EqualValues(t, 100, q["page_size"], "query %d", i)
		if i > 0 {
			assert.NotEmpty(t, q["start_cursor"], "query %d", i)
		}
	}
	// 7 pages, the first with 3 children pages, plus the nested list.
	assert.Equal(t, 7+2+1, childrenCalls)
}

func TestNotionFailures(t *testing.T) {
	tests := []struct {
		name      string
		script    func(f *notionFixture)
		ref       func(f *notionFixture) string
		wantClass content.ErrorClass
		wantCalls int // -1: do not check
	}{
		{"429 then success", func(f *notionFixture) { f.fake.FailNext(2, http.StatusTooManyRequests, time.Second) },
			nil, "", -1},
		{"500 every time", func(f *notionFixture) { f.fake.FailNext(100, http.StatusInternalServerError, 0) },
			nil, content.Retryable, 4},
		{"429 every time", func(f *notionFixture) { f.fake.FailNext(100, http.StatusTooManyRequests, time.Second) },
			nil, content.RateLimited, 4},
		{"401", func(f *notionFixture) { f.fake.FailNext(1, http.StatusUnauthorized, 0) },
			nil, content.AuthExpired, 1},
		{"404", func(*notionFixture) {}, func(*notionFixture) string { return "notion:" + "0123456789abcdef0123456789abcdef" },
			content.NotFound, 1},
		{"bad id", func(*notionFixture) {}, func(*notionFixture) string { return "notion:../../v1/users" },
			content.InvalidContent, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newNotionFixture(t, source.NotionConfig{})
			tt.script(f)
			ref := "notion:" + f.db
			if tt.ref != nil {
				ref = tt.ref(f)
			}
			doc, err := f.src.Fetch(context.Background(), ref)
			if tt.wantClass == "" {
				require.NoError(t, err)
				assert.Len(t, doc.Items(), 7)
			} else {
				require.Error(t, err)
				assert.Equal(t, tt.wantClass, content.ClassOf(err), "%v", err)
			}
			if tt.wantCalls >= 0 {
				assert.Len(t, f.fake.Requests(), tt.wantCalls)
			}
		})
	}
}

func TestNotionWrongToken(t *testing.T) {
	f := newNotionFixture(t, source.NotionConfig{})
	src, err := source.NewNotion(source.NotionConfig{Token: "secret_wrong", Endpoint: f.fake.URL(), Retry: fastRetry(3)})
	require.NoError(t, err)
	_, err = src.Fetch(context.Background(), "notion:"+f.db)
	require.Error(t, err)
	assert.Equal(t, content.AuthExpired, content.ClassOf(err))
	assert.Len(t, f.fake.Requests(), 1, "auth failures are not retried")
}

func TestNotionBounds(t *testing.T) {
	t.Run("max pages", func(t *testing.T) {
		f := newNotionFixture(t, source.NotionConfig{MaxPages: 3})
		f.fake.SetMaxPageSize(2)
		doc, err := f.src.Fetch(context.Background(), "notion:"+f.db)
		require.NoError(t, err)
		assert.Len(t, doc.Items(), 3)
		require.Len(t, doc.Warnings, 1)
		assert.Equal(t, "truncated", doc.Warnings[0].Code)
		assert.Equal(t, "pages", doc.Warnings[0].Field)
	})
	t.Run("max blocks", func(t *testing.T) {
		f := newNotionFixture(t, source.NotionConfig{MaxBlocks: 2})
		doc, err := f.src.Fetch(context.Background(), "notion:"+f.db)
		require.NoError(t, err)
		assert.Len(t, doc.Items(), 7)
		sensor := doc.Sections[0].Items[0]
		assert.Contains(t, sensor.Body, "Battery lasts a week.")
		assert.NotContains(t, sensor.Body, "Bluetooth")
		require.NotEmpty(t, doc.Warnings)
		assert.Equal(t, "truncated", doc.Warnings[0].Code)
	})
}

func TestNotionContext(t *testing.T) {
	t.Run("deadline shorter than retry-after", func(t *testing.T) {
		f := newNotionFixture(t, source.NotionConfig{Retry: source.Retry{Attempts: 5, MaxRetryAfter: time.Hour}})
		f.fake.FailNext(1, http.StatusTooManyRequests, 20*time.Minute)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, err := f.src.Fetch(ctx, "notion:"+f.db)
		require.Error(t, err)
		assert.Equal(t, content.RateLimited, content.ClassOf(err))
		assert.Len(t, f.fake.Requests(), 1)
	})
	t.Run("stalled server", func(t *testing.T) {
		base, _, _ := loopback(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
		src, err := source.NewNotion(source.NotionConfig{Token: "t", Endpoint: base, Retry: fastRetry(1)})
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err = src.Fetch(ctx, "notion:0123456789abcdef0123456789abcdef")
		require.Error(t, err)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
}

func TestNotionEmptyDatabase(t *testing.T) {
	n := mock.StartNotion(t, "")
	db := n.AddDatabase("", "Empty")
	src, err := source.NewNotion(source.NotionConfig{Token: "any", Endpoint: n.URL()})
	require.NoError(t, err)
	_, err = src.Fetch(context.Background(), "notion:"+db)
	require.Error(t, err)
	assert.ErrorIs(t, err, source.ErrEmpty)
}

func TestNewNotionConfig(t *testing.T) {
	for i, cfg := range []source.NotionConfig{
		{},
		{Token: "  "},
		{Token: "t", Endpoint: "file:///etc"},
	} {
		_, err := source.NewNotion(cfg)
		assert.Error(t, err, fmt.Sprint(i))
	}
}

// TestNotionCursorCycle: a server whose cursors go round in a cycle of
// empty pages ends the fetch with ErrMalformed after a bounded number of
// requests, not when the caller's deadline comes.
func TestNotionCursorCycle(t *testing.T) {
	var queries atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/databases/"):
			fmt.Fprint(w, `{"object":"database","title":[{"plain_text":"News"}]}`)
		case strings.HasSuffix(r.URL.Path, "/query"):
			fmt.Fprintf(w, `{"object":"list","results":[],"has_more":true,"next_cursor":"c%d"}`, queries.Add(1)%3)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	src, err := source.NewNotion(source.NotionConfig{Token: "t", Endpoint: srv.URL, MaxPages: 10, MaxBlocks: 10})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = src.Fetch(ctx, "notion:0123456789abcdef0123456789abcdef")
	require.ErrorIs(t, err, source.ErrMalformed)
	assert.Contains(t, err.Error(), "cursors do not end")
	assert.LessOrEqual(t, queries.Load(), int64(10+2*10+16))
}
