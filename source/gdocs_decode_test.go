package source_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/source"
)

// gdocPara builds one body.content element of a documents.get response.
func gdocPara(style string, bullet map[string]any, runs ...map[string]any) map[string]any {
	elements := make([]any, len(runs))
	for i, r := range runs {
		elements[i] = map[string]any{"textRun": r}
	}
	p := map[string]any{"elements": elements, "paragraphStyle": map[string]any{"namedStyleType": style}}
	if bullet != nil {
		p["bullet"] = bullet
	}
	return map[string]any{"paragraph": p}
}

func run(text string, style map[string]any) map[string]any {
	if style == nil {
		style = map[string]any{}
	}
	return map[string]any{"content": text, "textStyle": style}
}

func gdocJSON(t *testing.T, title string, content ...map[string]any) []byte {
	t.Helper()
	body := []any{map[string]any{"sectionBreak": map[string]any{}}}
	for _, c := range content {
		body = append(body, c)
	}
	b, err := json.Marshal(map[string]any{
		"documentId": "doc-1",
		"title":      title,
		"body":       map[string]any{"content": body},
		"lists": map[string]any{
			"kix.numbers": map[string]any{"listProperties": map[string]any{"nestingLevels": []any{
				map[string]any{"glyphType": "DECIMAL"}, map[string]any{"glyphType": "ALPHA"},
			}}},
			"kix.bullets": map[string]any{"listProperties": map[string]any{"nestingLevels": []any{
				map[string]any{"glyphSymbol": "●"}, map[string]any{"glyphSymbol": "○"},
			}}},
		},
	})
	require.NoError(t, err)
	return b
}

func TestDecodeGoogleDocStructure(t *testing.T) {
	bold := map[string]any{"bold": true}
	data := gdocJSON(t, "File name",
		gdocPara("TITLE", nil, run("Halcytone Living Document\n", nil)),
		gdocPara("HEADING_2", nil, run("[Tips] Breathing\n", nil)),
		gdocPara("HEADING_3", nil, run("2026-11-20 — Box breathing\n", nil)),
		gdocPara("NORMAL_TEXT", nil, run("Date: ", bold), run("2026-11-21\n", nil)),
		gdocPara("NORMAL_TEXT", nil, run("Breathe in for ", nil), run("four", bold), run(" counts, see ", nil),
			run("the guide", map[string]any{"link": map[string]any{"url": "https://example.com/guide"}}), run(".\n", nil)),
		gdocPara("NORMAL_TEXT", map[string]any{"listId": "kix.bullets"}, run("inhale\n", nil)),
		gdocPara("NORMAL_TEXT", map[string]any{"listId": "kix.bullets", "nestingLevel": 1}, run("through the nose\n", nil)),
		gdocPara("NORMAL_TEXT", map[string]any{"listId": "kix.numbers"}, run("exhale\n", nil)),
		gdocPara("NORMAL_TEXT", nil, run("<!-- type: blog; featured -->\n", nil)),
		map[string]any{"table": map[string]any{"rows": 1, "columns": 1, "tableRows": []any{}}},
		gdocPara("HEADING_1", nil, run("Hardware news\n", nil)),
		gdocPara("HEADING_3", nil, run("New sensor\n", nil)),
		gdocPara("NORMAL_TEXT", nil, run("\n", nil)),
		gdocPara("NORMAL_TEXT", nil, run("The sensor reads *HRV* and costs $5 #launch.\n", nil)),
	)
	doc, err := source.DecodeGoogleDoc(data)
	require.NoError(t, err)
	assert.Equal(t, content.FormatGoogleDocs, doc.Format)
	assert.Equal(t, "Halcytone Living Document", doc.Title)
	assert.Equal(t, doc.ContentHash(), doc.Hash)
	require.Len(t, doc.Sections, 2)

	tips := doc.Sections[0]
	assert.Equal(t, content.CategoryTips, tips.Category)
	require.Len(t, tips.Items, 1)
	box := tips.Items[0]
	assert.Equal(t, "Box breathing", box.Title)
	assert.Equal(t, time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC), box.Date, "the Date field wins over the heading")
	assert.Contains(t, box.Body, "Breathe in for **four** counts, see [the guide](https://example.com/guide).")
	assert.Contains(t, box.Body, "- inhale\n    - through the nose\n1. exhale")
	assert.Equal(t, content.TypeBlog, box.Flags.Type)
	assert.True(t, box.Flags.Featured)
	assert.NotContains(t, box.Body, "<!--")

	hw := doc.Sections[1]
	assert.Equal(t, content.CategoryHardware, hw.Category)
	require.Len(t, hw.Items, 1)
	assert.Equal(t, "New sensor", hw.Items[0].Title)
	assert.Equal(t, `The sensor reads \*HRV\* and costs $5 #launch.`, hw.Items[0].Body)
}

func TestDecodeGoogleDocEscaping(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"heading marker", "# not a heading", `\# not a heading`},
		{"list marker", "- not a list", `\- not a list`},
		{"ordered marker", "1. not a list", `1\. not a list`},
		{"emphasis", "a *b* _c_", `a \*b\* \_c\_`},
		{"code", "use `go test`", "use \\`go test\\`"},
		{"html", "<script>alert(1)</script>", `\<script\>alert(1)\</script\>`},
		{"link syntax", "[x](javascript:alert(1))", `[x\](javascript:alert(1))`},
		{"label kept", "[Tips] stay readable", `[Tips] stay readable`},
		{"entity", "AT&amp;T & co", `AT\&amp;T & co`},
		{"backslash", `C:\path`, `C:\\path`},
		{"soft break", "line one\vline two", "line one\\\nline two"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := gdocJSON(t, "Doc",
				gdocPara("HEADING_3", nil, run("Item\n", nil)),
				gdocPara("NORMAL_TEXT", nil, run(tt.text+"\n", nil)),
			)
			doc, err := source.DecodeGoogleDoc(data)
			require.NoError(t, err)
			items := doc.Items()
			require.Len(t, items, 1)
			assert.Equal(t, tt.want, items[0].Body)
		})
	}
}

func TestDecodeGoogleDocLinksAndStyles(t *testing.T) {
	tests := []struct {
		name string
		runs []map[string]any
		want string
	}{
		{"bold with spaces inside", []map[string]any{run("Note: ", map[string]any{"bold": true}), run("read this", nil)},
			"**Note:** read this"},
		{"bold italic", []map[string]any{run("both", map[string]any{"bold": true, "italic": true})}, "***both***"},
		{"adjacent runs merge", []map[string]any{run("one ", map[string]any{"bold": true}), run("two", map[string]any{"bold": true})},
			"**one two**"},
		{"unsafe link dropped", []map[string]any{run("click", map[string]any{"link": map[string]any{"url": "javascript:alert(1)"}})},
			"click"},
		{"internal link dropped", []map[string]any{run("jump", map[string]any{"link": map[string]any{"url": "#heading=h.abc"}})},
			"jump"},
		{"link with parens", []map[string]any{run("wiki", map[string]any{"link": map[string]any{"url": "https://en.wikipedia.org/wiki/Breath_(x)"}})},
			"[wiki](https://en.wikipedia.org/wiki/Breath_%28x%29)"},
		{"bold link", []map[string]any{run("docs", map[string]any{"bold": true, "link": map[string]any{"url": "https://example.com"}})},
			"[**docs**](https://example.com)"},
		{"strikethrough", []map[string]any{run("old", map[string]any{"strikethrough": true})}, "~~old~~"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.runs[len(tt.runs)-1]["content"] = tt.runs[len(tt.runs)-1]["content"].(string) + "\n"
			data := gdocJSON(t, "Doc",
				gdocPara("HEADING_3", nil, run("Item\n", nil)),
				gdocPara("NORMAL_TEXT", nil, tt.runs...),
			)
			doc, err := source.DecodeGoogleDoc(data)
			require.NoError(t, err)
			require.Len(t, doc.Items(), 1)
			assert.Equal(t, tt.want, doc.Items()[0].Body)
		})
	}
}

func TestDecodeGoogleDocTitleFallback(t *testing.T) {
	data := gdocJSON(t, "Weekly notes",
		gdocPara("HEADING_3", nil, run("Item\n", nil)),
		gdocPara("NORMAL_TEXT", nil, run("Some words to read here.\n", nil)),
	)
	doc, err := source.DecodeGoogleDoc(data)
	require.NoError(t, err)
	assert.Equal(t, "Weekly notes", doc.Title)
}

func TestDecodeGoogleDocErrors(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"not json", []byte("<html>"), source.ErrMalformed},
		{"wrong shape", []byte(`{"body":{"content":"text"}}`), source.ErrMalformed},
		{"empty body", []byte(`{"title":"Empty","body":{"content":[]}}`), source.ErrEmpty},
		{"only blank paragraphs", gdocJSON(t, "Blank", gdocPara("NORMAL_TEXT", nil, run("\n", nil))), source.ErrEmpty},
		{"only a table", []byte(`{"title":"T","body":{"content":[{"table":{"rows":2}}]}}`), source.ErrEmpty},
		{"too large", []byte(`{"title":"` + strings.Repeat("a", source.MaxDocumentSize) + `"}`), source.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := source.DecodeGoogleDoc(tt.data)
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.want)
			assert.Equal(t, content.InvalidContent, content.ClassOf(err))
		})
	}
}

func TestDecodeGoogleDocDeepNesting(t *testing.T) {
	data := gdocJSON(t, "Deep",
		gdocPara("HEADING_3", nil, run("Item\n", nil)),
		gdocPara("NORMAL_TEXT", map[string]any{"listId": "kix.bullets", "nestingLevel": 1 << 30}, run("deep\n", nil)),
		gdocPara("NORMAL_TEXT", map[string]any{"listId": "kix.bullets", "nestingLevel": -5}, run("negative\n", nil)),
	)
	doc, err := source.DecodeGoogleDoc(data)
	require.NoError(t, err)
	require.Len(t, doc.Items(), 1)
	body := doc.Items()[0].Body
	assert.Contains(t, body, "deep")
	assert.Less(t, len(body), 100, "nesting is clamped")
}
