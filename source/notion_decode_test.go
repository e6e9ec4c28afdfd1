package source_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/source"
)

// notionQueryJSON is a database query response in the API's shape.
const notionQueryJSON = `{
  "object": "list",
  "results": [
    {
      "object": "page",
      "id": "59833787-2cf9-4fdf-8782-e53db20768a5",
      "archived": false,
      "in_trash": false,
      "properties": {
        "Name": {"id": "title", "type": "title", "title": [
          {"type": "text", "text": {"content": "New  sensor", "link": null},
           "annotations": {"bold": false, "italic": false, "strikethrough": false, "underline": false, "code": false, "color": "default"},
           "plain_text": "New  sensor", "href": null}
        ]},
        "Description": {"id": "d", "type": "rich_text", "rich_text": [
          {"type": "text", "text": {"content": "Reads ", "link": null}, "annotations": {"bold": false}, "plain_text": "Reads ", "href": null},
          {"type": "text", "text": {"content": "HRV", "link": null}, "annotations": {"bold": true}, "plain_text": "HRV", "href": null},
          {"type": "text", "text": {"content": " live", "link": {"url": "https://example.com/hrv"}}, "annotations": {"italic": true}, "plain_text": " live", "href": "https://example.com/hrv"}
        ]},
        "Type": {"id": "t", "type": "multi_select", "multi_select": [{"id": "1", "name": "Hardware", "color": "red"}, {"id": "2", "name": "Tips"}]},
        "Date": {"id": "dt", "type": "date", "date": {"start": "2026-11-20", "end": null, "time_zone": null}},
        "Published": {"id": "p", "type": "checkbox", "checkbox": true},
        "Channels": {"id": "c", "type": "multi_select", "multi_select": [{"name": "email"}, {"name": "linkedin"}]},
        "Priority": {"id": "pr", "type": "number", "number": 2},
        "Template": {"id": "tp", "type": "select", "select": {"name": "bogus"}}
      }
    },
    {
      "object": "page",
      "id": "archived-page",
      "archived": true,
      "properties": {"Name": {"type": "title", "title": [{"plain_text": "Old"}]}}
    },
    {
      "object": "page",
      "id": "2",
      "properties": {
        "Headline": {"type": "title", "title": [{"plain_text": "Custom title column"}]},
        "Category": {"type": "select", "select": {"name": "Vision"}},
        "Date": {"type": "date", "date": {"start": "2026-11-21T09:30:00.000+01:00"}}
      }
    }
  ],
  "next_cursor": "e6c6f8ff-c70e-4970-91ba-98f03e0d7fc6",
  "has_more": true,
  "type": "page_or_database",
  "page_or_database": {}
}`

func TestDecodeNotionQuery(t *testing.T) {
	pages, next, err := source.DecodeNotionQuery([]byte(notionQueryJSON))
	require.NoError(t, err)
	assert.Equal(t, "e6c6f8ff-c70e-4970-91ba-98f03e0d7fc6", next)
	require.Len(t, pages, 2, "the archived page is skipped")

	p := pages[0]
	assert.Equal(t, "59833787-2cf9-4fdf-8782-e53db20768a5", p.ID)
	assert.Equal(t, "New sensor", p.Title)
	assert.Equal(t, "Reads **HRV** [*live*](https://example.com/hrv)", p.Body)
	assert.Equal(t, "Hardware", p.Category)
	assert.Equal(t, time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), p.Date)
	assert.True(t, p.Flags.Published)
	assert.Equal(t, []content.Channel{content.ChannelEmail, content.ChannelLinkedIn}, p.Flags.Channels)
	assert.Equal(t, content.PriorityHigh, p.Flags.Priority)
	require.Len(t, p.Warnings, 1)
	assert.Equal(t, "properties.Template", p.Warnings[0].Field)
	assert.Equal(t, "invalid_flag", p.Warnings[0].Code)

	q := pages[1]
	assert.Equal(t, "Custom title column", q.Title)
	assert.Equal(t, "Vision", q.Category)
	assert.True(t, q.Date.Equal(time.Date(2026, 11, 21, 8, 30, 0, 0, time.UTC)))
}

func TestDecodeNotionErrors(t *testing.T) {
	tests := []struct {
		name string
		data string
		want error
	}{
		{"not json", "nope", source.ErrMalformed},
		{"not a list", `{"object":"error","status":400}`, source.ErrMalformed},
		{"more without cursor", `{"object":"list","results":[],"has_more":true,"next_cursor":null}`, source.ErrMalformed},
		{"results not objects", `{"object":"list","results":[1,2]}`, source.ErrMalformed},
		{"property of wrong shape", `{"object":"list","results":[{"object":"page","properties":{"Name":{"type":"title","title":"x"}}}]}`, source.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := source.DecodeNotionQuery([]byte(tt.data))
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.want)
			assert.Equal(t, content.InvalidContent, content.ClassOf(err))
			_, _, err = source.DecodeNotionBlocks([]byte(tt.data))
			if tt.name != "property of wrong shape" {
				assert.ErrorIs(t, err, tt.want)
			}
		})
	}
}

const notionBlocksJSON = `{
  "object": "list",
  "results": [
    {"object": "block", "id": "b1", "type": "heading_2", "has_children": false,
     "heading_2": {"rich_text": [{"plain_text": "How it works", "annotations": {}}], "is_toggleable": false}},
    {"object": "block", "id": "b2", "type": "paragraph", "has_children": false,
     "paragraph": {"rich_text": [{"plain_text": "Breathe *slowly* for 4 counts.", "annotations": {}}]}},
    {"object": "block", "id": "b3", "type": "bulleted_list_item", "has_children": true,
     "bulleted_list_item": {"rich_text": [{"plain_text": "inhale", "annotations": {"bold": true}}]}},
    {"object": "block", "id": "b4", "type": "numbered_list_item", "has_children": false,
     "numbered_list_item": {"rich_text": [{"plain_text": "exhale", "annotations": {}}]}},
    {"object": "block", "id": "b5", "type": "to_do", "has_children": false,
     "to_do": {"rich_text": [{"plain_text": "practise daily", "annotations": {}}], "checked": true}},
    {"object": "block", "id": "b6", "type": "quote", "has_children": false,
     "quote": {"rich_text": [{"plain_text": "Calm is a skill.", "annotations": {}}]}},
    {"object": "block", "id": "b7", "type": "code", "has_children": false,
     "code": {"rich_text": [{"plain_text": "inhale()\n` + "```" + `\nexhale()", "annotations": {}}], "language": "go"}},
    {"object": "block", "id": "b8", "type": "divider", "has_children": false, "divider": {}},
    {"object": "block", "id": "b9", "type": "image", "has_children": false, "image": {"type": "external", "external": {"url": "https://x"}}},
    {"object": "block", "id": "b10", "type": "paragraph", "archived": true, "paragraph": {"rich_text": [{"plain_text": "gone"}]}},
    {"object": "block", "id": "b11", "type": "paragraph", "paragraph": {"rich_text": [{"plain_text": "<!-- featured -->"}]}}
  ],
  "next_cursor": null,
  "has_more": false,
  "type": "block",
  "block": {}
}`

func TestDecodeNotionBlocksMarkdown(t *testing.T) {
	blocks, next, err := source.DecodeNotionBlocks([]byte(notionBlocksJSON))
	require.NoError(t, err)
	assert.Empty(t, next)
	require.Len(t, blocks, 10, "the archived block is skipped")
	assert.True(t, blocks[2].HasChildren)
	assert.True(t, blocks[4].Checked)
	assert.Equal(t, "go", blocks[6].Language)

	blocks[2].Children = []source.NotionBlock{{Type: "bulleted_list_item", Text: "through the nose"}}
	want := "## How it works\n\n" +
		"Breathe \\*slowly\\* for 4 counts.\n\n" +
		"- **inhale**\n" +
		"    - through the nose\n" +
		"1. exhale\n" +
		"- [x] practise daily\n\n" +
		"> Calm is a skill.\n\n" +
		"````go\ninhale()\n```\nexhale()\n````\n\n" +
		"---"
	assert.Equal(t, want, source.NotionMarkdown(blocks))
}
