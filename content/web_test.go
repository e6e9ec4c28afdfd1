package content_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
)

func TestWebPostBlog(t *testing.T) {
	b := assemble(t, blogDoc(), content.Options{BaseURL: "https://halcytone.example", Brand: "Halcytone"})
	w := b.WebPost
	require.NotNil(t, w)
	assert.Equal(t, "The science of coherent breathing", w.Title)
	assert.Equal(t, "the-science-of-coherent-breathing", w.Slug)
	assert.Equal(t, "What six breaths a minute does to your heart, and how to practise it.", w.Excerpt)
	assert.Equal(t, []string{"heart rate variability", "breathing science", "coherence", "coherent breathing", "research"}, w.Tags)
	assert.Equal(t, "The science of coherent breathing | Halcytone", w.SEOTitle)
	assert.Equal(t, []content.Heading{
		{Level: 2, Text: "What is coherence", Anchor: "what-is-coherence"},
		{Level: 2, Text: "How to practise", Anchor: "how-to-practise"},
	}, w.TOC)
	assert.Contains(t, w.HTML, `<h2 id="what-is-coherence">What is coherence</h2>`)
	assert.Equal(t, 1, w.ReadingTime)
	assert.Greater(t, w.SEOScore, 0)

	var ld map[string]any
	require.NoError(t, json.Unmarshal([]byte(w.SchemaMarkup), &ld))
	assert.Equal(t, "https://schema.org", ld["@context"])
	assert.Equal(t, "BlogPosting", ld["@type"])
	assert.Equal(t, w.Title, ld["headline"])
	assert.Equal(t, w.SEODescription, ld["description"])
	assert.Equal(t, "2026-11-10T09:00:00Z", ld["datePublished"])
	assert.Equal(t, map[string]any{"@type": "Person", "name": "Dr. Ada Breath"}, ld["author"])
	assert.Equal(t, map[string]any{"@type": "Organization", "name": "Halcytone"}, ld["publisher"])
	assert.Equal(t, "https://halcytone.example/blog/the-science-of-coherent-breathing", ld["url"])
	assert.Equal(t, float64(content.WordCount(blogDoc().Items()[0].Body)), ld["wordCount"])
	assert.Equal(t, strings.Join(w.Tags, ", "), ld["keywords"])
	assertWithinRules(t, b)
}

func TestWebPostSEODescription(t *testing.T) {
	good := strings.Repeat("x", 60) + " " + strings.Repeat("y", 70) // 131 runes
	tests := []struct {
		name    string
		seoDesc string
		body    string
		want    string // exact when set
	}{
		{"typed description within range is kept", good, "Body text that is long enough to read.", good},
		{"short description is padded from the body", "Short.", strings.Repeat("Breathe in and breathe out slowly. ", 10), ""},
		{"long description is cut at a word", strings.Repeat("calm ", 60), "Body text.", ""},
		{"tiny body is padded with the brand line", "", "Tiny.", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bl := &content.Blog{Base: content.Base{Title: "Breathing for beginners", Body: tt.body}, SEODescription: tt.seoDesc}
			b := assemble(t, content.DocumentOf(bl), content.Options{Channels: []content.Channel{content.ChannelWebsite}})
			d := b.WebPost.SEODescription
			if tt.want != "" {
				assert.Equal(t, tt.want, d)
			}
			assert.True(t, utf8.RuneCountInString(d) >= 120 && utf8.RuneCountInString(d) <= 160, "%d: %q", utf8.RuneCountInString(d), d)
			assert.False(t, strings.HasSuffix(d, "cal…"), "cut at a word boundary: %q", d)
			assertWithinRules(t, b)
		})
	}
}

func TestWebPostTitleAndSlug(t *testing.T) {
	tests := []struct {
		name, title, slugPrefix string
	}{
		{"short title, not padded as the web title is", "Hi", "hi"},
		{"accented", "Über café breathing", "uber-cafe-breathing"},
		{"non-Latin title falls back to a hash slug", "呼吸とマインドフルネスのニュース", "post-"},
		{"short non-Latin title falls back to a hash slug", "呼吸のニュース", "post-"},
		{"long title", strings.Repeat("Breathing well ", 20), "breathing-well"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := &content.Update{Base: content.Base{Title: tt.title, Body: "Body text that is long enough for a post."}}
			b := assemble(t, content.DocumentOf(u), content.Options{Channels: []content.Channel{content.ChannelWebsite}})
			assert.True(t, strings.HasPrefix(b.WebPost.Slug, tt.slugPrefix), b.WebPost.Slug)
			assertWithinRules(t, b)
		})
	}
}

// TestWebPostSlugsOfShortNonLatinTitlesDiffer: two posts whose short
// titles Slugify cannot spell get two slugs, not the brand padding's one.
func TestWebPostSlugsOfShortNonLatinTitlesDiffer(t *testing.T) {
	slug := func(title string) string {
		u := &content.Update{Base: content.Base{Title: title, Body: "Body text that is long enough for a post."}}
		return assemble(t, content.DocumentOf(u), content.Options{Channels: []content.Channel{content.ChannelWebsite}}).WebPost.Slug
	}
	assert.NotEqual(t, slug("新機能"), slug("お知らせ"))
	assert.Equal(t, "hi", slug("Hi"))
}

func TestWebPostTagsCapped(t *testing.T) {
	var tags []string
	for i := range 15 {
		tags = append(tags, "tag number "+strings.Repeat("x", i))
	}
	tags = append(tags, strings.Repeat("long", 20))
	bl := &content.Blog{Base: content.Base{Title: "A blog with many tags", Body: "Body text that is long enough."}, Tags: tags}
	b := assemble(t, content.DocumentOf(bl), content.Options{})
	assert.Len(t, b.WebPost.Tags, 10)
	for _, tag := range b.WebPost.Tags {
		assert.LessOrEqual(t, utf8.RuneCountInString(tag), 50)
	}
	assertWithinRules(t, b)
}
