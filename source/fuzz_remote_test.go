package source_test

import (
	"testing"
	"unicode/utf8"

	"github.com/halcytone/halcytone/source"
)

// FuzzGoogleDocsDecode feeds arbitrary documents.get responses to the
// decoder: it must never panic, and what it returns must be consistent.
func FuzzGoogleDocsDecode(f *testing.F) {
	f.Add([]byte(`{"title":"T","body":{"content":[{"paragraph":{"elements":[{"textRun":{"content":"# Hi *there*\n"}}],"paragraphStyle":{"namedStyleType":"HEADING_3"}}}]}}`))
	f.Add([]byte(`{"body":{"content":[{"paragraph":{"elements":[{"textRun":{"content":"x\u000by","textStyle":{"bold":true,"link":{"url":"https://e.com/(a)"}}}}],"bullet":{"listId":"l","nestingLevel":99}}}]},"lists":{"l":{"listProperties":{"nestingLevels":[{"glyphType":"DECIMAL"}]}}}}`))
	f.Add([]byte(`{"body":{"content":[{"table":{}},{"paragraph":{"elements":[{"richLink":{"richLinkProperties":{"title":"t","uri":"javascript:x"}}},{"person":{"personProperties":{"name":"Ann"}}}]}}]}}`))
	f.Add([]byte(`{"body":{"content":[{"paragraph":{"elements":[{"textRun":{"content":"<!-- type: blog -->\n"}}]}}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := source.DecodeGoogleDoc(data)
		if err != nil {
			if doc != nil {
				t.Fatalf("document and error both returned: %v", err)
			}
			return
		}
		if doc.Hash != doc.ContentHash() {
			t.Fatalf("hash not sealed")
		}
		for _, it := range doc.Items() {
			if !utf8.ValidString(it.Title) || !utf8.ValidString(it.Body) {
				t.Fatalf("invalid UTF-8 in item %q", it.Title)
			}
		}
	})
}

// FuzzNotionDecode feeds arbitrary list responses to the Notion
// decoders and renders what they return: nothing may panic.
func FuzzNotionDecode(f *testing.F) {
	f.Add([]byte(`{"object":"list","results":[{"object":"page","id":"1","properties":{"Name":{"type":"title","title":[{"plain_text":"T"}]},"Priority":{"type":"number","number":9},"Type":{"type":"multi_select","multi_select":[{"name":"a"}]},"Date":{"type":"date","date":{"start":"2026-01-02"}}}}],"has_more":true,"next_cursor":"c"}`))
	f.Add([]byte(`{"object":"list","results":[{"object":"block","id":"b","type":"code","code":{"rich_text":[{"plain_text":"` + "````" + `"}],"language":"a b"}},{"object":"block","type":"to_do","to_do":{"rich_text":[{"plain_text":"- x","annotations":{"code":true}}],"checked":true}}]}`))
	f.Add([]byte(`{"object":"list","results":[{"object":"block","type":"paragraph","paragraph":{"rich_text":[{"plain_text":"<!-- featured -->","href":"mailto:a@b"}]}},{"object":"block","type":"heading_3","heading_3":{"rich_text":[{"text":{"content":"h\n2","link":{"url":"https://x"}}}]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pages, next, err := source.DecodeNotionQuery(data)
		if err == nil {
			_ = next
			for _, p := range pages {
				if !utf8.ValidString(p.Title) || !utf8.ValidString(p.Body) {
					t.Fatalf("invalid UTF-8 in page %q", p.ID)
				}
			}
		}
		blocks, _, err := source.DecodeNotionBlocks(data)
		if err != nil {
			return
		}
		nested := append([]source.NotionBlock(nil), blocks...)
		for i := range nested {
			nested[i].Children = blocks
		}
		md := source.NotionMarkdown(nested)
		if !utf8.ValidString(md) {
			t.Fatalf("invalid UTF-8 in Markdown")
		}
	})
}
