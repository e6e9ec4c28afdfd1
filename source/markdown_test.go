package source_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/source"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// A living document as a team writes it: dated ### items under
// ## [Category] sections, with - **Content:** fields.
const livingDoc = `# Breathscape News

## [App] Breathscape app

### 2026-11-20 — Adaptive pacer
- **Date:** 2026-11-20
- **Content:** The pacer now follows your exhale.
  It slows down when you lose the rhythm.

### Offline mode
- **Title:** Offline sessions arrive
- **Date:** November 4, 2026
- **Content:** Save any session for a flight.

## [Hardware] Sensors

### 2026-11-12 — Pulse HRV sensor
Pulse is a chest band that streams HRV to the app.

It charges over USB-C.

## [Tips] Techniques

### 12 Oct 2026 — Box breathing
- **Content:** In for four, hold four, out for four, hold four.

## [Vision] Company

### 2026-09-30: Our first year
- **Content:** Forty-one thousand people breathed with us.
`

func TestParseMarkdownLivingDocument(t *testing.T) {
	doc, err := source.ParseMarkdown([]byte(livingDoc))
	require.NoError(t, err)
	assert.Equal(t, "Breathscape News", doc.Title)
	assert.Equal(t, content.FormatMarkdown, doc.Format)
	assert.Equal(t, doc.ContentHash(), doc.Hash)
	assert.Empty(t, doc.Warnings)

	type want struct {
		title, body string
		date        time.Time
		cat         content.Category
	}
	wants := []want{
		{"Adaptive pacer", "The pacer now follows your exhale.\nIt slows down when you lose the rhythm.", day(2026, 11, 20), content.CategoryBreathscape},
		{"Offline sessions arrive", "Save any session for a flight.", day(2026, 11, 4), content.CategoryBreathscape},
		{"Pulse HRV sensor", "Pulse is a chest band that streams HRV to the app.\n\nIt charges over USB-C.", day(2026, 11, 12), content.CategoryHardware},
		{"Box breathing", "In for four, hold four, out for four, hold four.", day(2026, 10, 12), content.CategoryTips},
		{"Our first year", "Forty-one thousand people breathed with us.", day(2026, 9, 30), content.CategoryVision},
	}
	items := doc.Items()
	require.Len(t, items, len(wants))
	for i, w := range wants {
		assert.Equal(t, w.title, items[i].Title, "item %d title", i)
		assert.Equal(t, w.body, items[i].Body, "item %d body", i)
		assert.True(t, w.date.Equal(items[i].Date), "item %d date: got %v, want %v", i, items[i].Date, w.date)
		assert.Equal(t, w.cat, items[i].Category, "item %d category", i)
	}
	require.Len(t, doc.Sections, 4)
	assert.Equal(t, "Breathscape app", doc.Sections[0].Heading)
	assert.Equal(t, content.CategoryBreathscape, doc.Sections[0].Category)
}

func TestParseMarkdownSections(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		heading  string
		category content.Category
	}{
		{"bracket known word", "## [Sensor News] Devices\n### A\nbody text", "Devices", content.CategoryHardware},
		{"bracket custom label", "## [Community  Events] Meetups\n### A\nbody text", "Meetups", "community events"},
		{"bracket only", "## [Tips]\n### A\nbody text", "Tips", content.CategoryTips},
		{"words pick category", "## Our mission\n### A\nbody text", "Our mission", content.CategoryVision},
		{"no category words", "## Miscellany\n### A\nbody text", "Miscellany", content.CategoryGeneral},
		{"setext heading", "Software news\n-------------\n### A\nbody text", "Software news", content.CategoryBreathscape},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := source.ParseMarkdown([]byte(tt.in))
			require.NoError(t, err)
			require.Len(t, doc.Sections, 1)
			assert.Equal(t, tt.heading, doc.Sections[0].Heading)
			assert.Equal(t, tt.category, doc.Sections[0].Category)
			require.Len(t, doc.Sections[0].Items, 1)
			assert.Equal(t, tt.category, doc.Sections[0].Items[0].Category)
		})
	}
}

func TestParseMarkdownItems(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		title string
		body  string
		date  time.Time
	}{
		{"paragraph body keeps markdown", "### Note\nSome *emphasis* and a [link](https://e.example).\n\n- one\n- two\n",
			"Note", "Some *emphasis* and a [link](https://e.example).\n\n- one\n- two", time.Time{}},
		{"content continues over paragraphs and list items", "### N\n- **Content:** First.\n- second point\n\nThird paragraph.\n",
			"N", "First.\n- second point\n\nThird paragraph.", time.Time{}},
		{"label colon outside bold", "### N\n- **Date**: 2026-01-02\n- **Content**: Body here.\n",
			"N", "Body here.", day(2026, 1, 2)},
		{"case-insensitive labels", "### N\n- **DATE:** 2026-01-02\n- **content:** Body here.\n",
			"N", "Body here.", day(2026, 1, 2)},
		{"fields as lines of a paragraph", "### N\n**Title:** Real\n**Date:** 2 January 2026\n**Content:** Body here.\n",
			"Real", "Body here.", day(2026, 1, 2)},
		{"mixed fields and paragraphs", "### N\n- **Date:** 2026-01-02\n\nPlain body.\n",
			"N", "Plain body.", day(2026, 1, 2)},
		{"rfc 3339 date", "### N\n- **Date:** 2026-01-02T15:04:05Z\n\nBody.",
			"N", "Body.", time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)},
		{"heading date with en dash", "### Jan 2, 2026 – Launch\nBody.", "Launch", "Body.", day(2026, 1, 2)},
		{"heading that is only a date", "### 2026-01-02\n- **Title:** T\n- **Content:** Body.", "T", "Body.", day(2026, 1, 2)},
		{"ambiguous numeric date stays in title", "### 02/01/2026 - Launch\nBody.", "02/01/2026 - Launch", "Body.", time.Time{}},
		{"unknown bold label is body", "### N\n**Note:** keep me.\n", "N", "**Note:** keep me.", time.Time{}},
		{"fourth level heading is body", "### N\n#### Detail\nText.\n", "N", "#### Detail\nText.", time.Time{}},
		{"code block kept", "### N\n```\n<!-- not a flag -->\n```\n", "N", "```\n<!-- not a flag -->\n```", time.Time{}},
		{"thematic break dropped", "### N\nBody.\n\n---\n\n### M\nMore.", "N", "Body.", time.Time{}},
		{"emphasis in heading is plain", "### The *new* `pacer`\nBody.", "The new pacer", "Body.", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := source.ParseMarkdown([]byte(tt.in))
			require.NoError(t, err)
			items := doc.Items()
			require.NotEmpty(t, items)
			assert.Equal(t, tt.title, items[0].Title)
			assert.Equal(t, tt.body, items[0].Body)
			assert.True(t, tt.date.Equal(items[0].Date), "date: got %v, want %v", items[0].Date, tt.date)
		})
	}
}

func TestParseMarkdownFlags(t *testing.T) {
	in := `## [App] Updates

### Launch
<!-- type: announcement; published -->
<!--
channels: email, web
priority: 2
-->
Body text <!-- featured --> here.
- **Template:** minimal

### Later
<!-- scheduled_for: 2026-12-01T10:00:00Z; dry_run; template: classic -->
Another body.
`
	doc, err := source.ParseMarkdown([]byte(in))
	require.NoError(t, err)
	assert.Empty(t, doc.Warnings)
	items := doc.Items()
	require.Len(t, items, 2)
	assert.Equal(t, content.Flags{
		Type:      content.TypeAnnouncement,
		Published: true,
		Channels:  []content.Channel{content.ChannelEmail, content.ChannelWebsite},
		Priority:  content.PriorityHigh,
		Template:  content.TemplateMinimal,
		Featured:  true,
	}, items[0].Flags)
	assert.Equal(t, "Body text  here.", items[0].Body, "comments are cut from the body")
	assert.Equal(t, content.Flags{
		ScheduledFor: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC),
		DryRun:       true,
		Template:     content.TemplateModern,
	}, items[1].Flags)
	assert.Equal(t, "Another body.", items[1].Body)
}

func TestParseMarkdownWarnings(t *testing.T) {
	tests := []struct {
		name, in, field, code string
	}{
		{"unknown flag", "## A\n### X\n<!-- sparkle -->\nBody.", "sections[0].items[0].flags", "unknown_flag"},
		{"priority out of range", "## A\n### X\n<!-- priority: 9 -->\nBody.", "sections[0].items[0].flags.priority", "invalid_flag"},
		{"bad channel", "## A\n### X\n<!-- channels: email, fax -->\nBody.", "sections[0].items[0].flags.channels", "invalid_flag"},
		{"bad type", "## A\n### X\n<!-- type: poem -->\nBody.", "sections[0].items[0].flags.type", "invalid_flag"},
		{"bad schedule", "## A\n### X\n<!-- scheduled_for: soon -->\nBody.", "sections[0].items[0].flags.scheduled_for", "invalid_flag"},
		{"bad boolean", "## A\n### X\n<!-- featured: maybe -->\nBody.", "sections[0].items[0].flags.featured", "invalid_flag"},
		{"missing value", "## A\n### X\n<!-- priority -->\nBody.", "sections[0].items[0].flags.priority", "invalid_flag"},
		{"bad date field", "## A\n### X\n- **Date:** someday\n- **Content:** Body.", "sections[0].items[0].date", "invalid_date"},
		{"bad flag field", "## A\n### X\n- **Priority:** top\n- **Content:** Body.", "sections[0].items[0].flags.priority", "invalid_flag"},
		{"missing title", "## A\n### <!-- featured -->\nBody.", "sections[0].items[0].title", "missing_title"},
		{"intro before items", "## A\nIntro.\n### X\nBody.", "sections[0]", "ignored_text"},
		{"no items", "# Only a title", "sections", "no_items"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := source.ParseMarkdown([]byte(tt.in))
			require.NoError(t, err)
			require.NotEmpty(t, doc.Warnings, "a problem must not vanish silently")
			var got []string
			for _, w := range doc.Warnings {
				got = append(got, w.Field+" "+w.Code)
			}
			assert.Contains(t, got, tt.field+" "+tt.code)
		})
	}
}

func TestParseMarkdownStructure(t *testing.T) {
	t.Run("items before any section go to a general section", func(t *testing.T) {
		doc, err := source.ParseMarkdown([]byte("# T\n### First\nBody one.\n## [Tips] Tips\n### Second\nBody two."))
		require.NoError(t, err)
		require.Len(t, doc.Sections, 2)
		assert.Equal(t, "", doc.Sections[0].Heading)
		assert.Equal(t, content.CategoryGeneral, doc.Sections[0].Category)
		assert.Equal(t, "First", doc.Sections[0].Items[0].Title)
		assert.Equal(t, content.CategoryTips, doc.Sections[1].Category)
	})
	t.Run("section without items becomes one item", func(t *testing.T) {
		doc, err := source.ParseMarkdown([]byte("## [Vision] Our mission\n<!-- type: blog -->\nWe help people breathe.\n\nSecond paragraph."))
		require.NoError(t, err)
		items := doc.Items()
		require.Len(t, items, 1)
		assert.Equal(t, "Our mission", items[0].Title)
		assert.Equal(t, "We help people breathe.\n\nSecond paragraph.", items[0].Body)
		assert.Equal(t, content.TypeBlog, items[0].Flags.Type)
		assert.Equal(t, content.CategoryVision, items[0].Category)
	})
	t.Run("plain markdown without headings is one item", func(t *testing.T) {
		doc, err := source.ParseMarkdown([]byte("- a point\n- another point\n"))
		require.NoError(t, err)
		items := doc.Items()
		require.Len(t, items, 1)
		assert.Equal(t, "- a point\n- another point", items[0].Body)
	})
	t.Run("item category label", func(t *testing.T) {
		doc, err := source.ParseMarkdown([]byte("## [App] Updates\n### [Sensor] New band\nBody."))
		require.NoError(t, err)
		assert.Equal(t, content.CategoryHardware, doc.Items()[0].Category)
		assert.Equal(t, "New band", doc.Items()[0].Title)
	})
	t.Run("crlf line endings", func(t *testing.T) {
		doc, err := source.ParseMarkdown([]byte("## [App] A\r\n### X\r\n- **Content:** one\r\n  two\r\n"))
		require.NoError(t, err)
		assert.Equal(t, "one\ntwo", doc.Items()[0].Body)
	})
	t.Run("same text hashes the same, an edit changes it", func(t *testing.T) {
		a, err := source.ParseMarkdown([]byte(livingDoc))
		require.NoError(t, err)
		b, err := source.ParseMarkdown([]byte(livingDoc))
		require.NoError(t, err)
		c, err := source.ParseMarkdown([]byte(strings.Replace(livingDoc, "four", "five", 1)))
		require.NoError(t, err)
		assert.Equal(t, a.Hash, b.Hash)
		assert.NotEqual(t, a.Hash, c.Hash)
	})
}

func TestParseInputErrors(t *testing.T) {
	parsers := map[string]func([]byte) (*content.Document, error){
		"markdown": source.ParseMarkdown,
		"json":     source.ParseJSON,
		"text":     source.ParseText,
	}
	inputs := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, source.ErrEmpty},
		{"blank", []byte(" \n\t\r\n "), source.ErrEmpty},
		{"byte order mark only", []byte("\uFEFF\n"), source.ErrEmpty},
		{"invalid utf-8", []byte("# Title\n\xff\xfe broken"), source.ErrInvalidEncoding},
		{"too large", []byte(strings.Repeat("a", source.MaxDocumentSize+1)), source.ErrTooLarge},
	}
	for pname, parse := range parsers {
		for _, in := range inputs {
			t.Run(pname+"/"+in.name, func(t *testing.T) {
				doc, err := parse(in.in)
				require.Error(t, err)
				assert.Nil(t, doc)
				assert.ErrorIs(t, err, in.want)
				var ce *content.Error
				require.True(t, errors.As(err, &ce))
				assert.Equal(t, content.InvalidContent, ce.Class)
			})
		}
	}
}

func TestParseMarkdownHostileInput(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error // nil: parses
	}{
		{"nested list markers", "### X\n" + strings.Repeat("- ", 10000) + "deep\n", source.ErrMalformed},
		{"nested ordered markers", "### X\n" + strings.Repeat("1. ", 10000) + "deep\n", source.ErrMalformed},
		{"nested indented list", "### X\n" + nestedList(2000, "- "), source.ErrMalformed},
		{"nested quotes", "### X\n" + strings.Repeat(">", 10000) + " deep\n", source.ErrMalformed},
		{"nesting within the limit", "### X\n" + nestedList(16, "* "), nil},
		{"deeply indented code is not nesting", "### X\n```\n" + strings.Repeat(" ", 500) + "code\n```\n", nil},
		{"nested emphasis", "### X\n" + strings.Repeat("*", 10000) + "x" + strings.Repeat("*", 10000), nil},
		{"unclosed comment", "### X\n<!-- type: blog\n" + strings.Repeat("text\n", 1000), nil},
		{"many brackets", "## " + strings.Repeat("[", 10000) + "\n### X\nbody", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := source.ParseMarkdown([]byte(tt.in))
			if tt.want != nil {
				assert.ErrorIs(t, err, tt.want)
				assert.Equal(t, content.InvalidContent, content.ClassOf(err))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, doc.ContentHash(), doc.Hash)
			assert.NotEmpty(t, doc.Items())
		})
	}
	t.Run("large document", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("# Big\n## [Tips] Tips\n")
		for i := 0; b.Len() < 4<<20; i++ {
			b.WriteString("### 2026-01-02 — Item\n- **Content:** Breathe in, breathe out, and <!-- featured --> rest a while.\n\n")
		}
		doc, err := source.ParseMarkdown([]byte(b.String()))
		require.NoError(t, err)
		items := doc.Items()
		require.Greater(t, len(items), 10000)
		assert.True(t, items[len(items)-1].Flags.Featured)
	})
	t.Run("ten megabytes", func(t *testing.T) {
		_, err := source.ParseMarkdown([]byte(strings.Repeat("### x\nbody\n", 10<<20/11+1)))
		assert.ErrorIs(t, err, source.ErrTooLarge)
	})
}

// nestedList returns a list nested depth levels deep by indentation.
func nestedList(depth int, marker string) string {
	var b strings.Builder
	for i := range depth {
		b.WriteString(strings.Repeat("  ", i))
		b.WriteString(marker + "level\n")
	}
	return b.String()
}

// TestParseMarkdownTitleResolvesEscapesAndReferences: a title is plain
// text, so its character references and backslash escapes are resolved
// (it is escaped once, where it is put into HTML).
func TestParseMarkdownTitleResolvesEscapesAndReferences(t *testing.T) {
	doc, err := source.ParseMarkdown([]byte("# Notes\n\n## [Tips] Tips\n\n### AT&amp;T \\*calm\\* hours &#8212; new\n\nBreathe in for four counts and out for six.\n"))
	require.NoError(t, err)
	require.NotEmpty(t, doc.Sections)
	require.NotEmpty(t, doc.Sections[0].Items)
	assert.Equal(t, "AT&T *calm* hours — new", doc.Sections[0].Items[0].Title)
}
