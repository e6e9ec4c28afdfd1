package source_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/source"
)

func TestSample(t *testing.T) {
	doc, err := source.ParseMarkdown(source.Sample())
	require.NoError(t, err)
	assert.Empty(t, doc.Warnings, "the sample parses cleanly")
	assert.Equal(t, "Breathscape Living Document", doc.Title)

	cats := map[content.Category]int{}
	for _, s := range doc.Sections {
		cats[s.Category] += len(s.Items)
	}
	for _, c := range []content.Category{content.CategoryBreathscape, content.CategoryHardware, content.CategoryTips, content.CategoryVision} {
		assert.GreaterOrEqual(t, cats[c], 2, "category %s", c)
	}
	items := doc.Items()
	require.GreaterOrEqual(t, len(items), 10)
	var launch, long, blog, featured, minimal, channels, priority int
	for _, it := range items {
		assert.NotEmpty(t, it.Title)
		assert.GreaterOrEqual(t, content.WordCount(it.Body), 10, "item %q", it.Title)
		assert.False(t, it.Date.IsZero(), "item %q is dated", it.Title)
		assert.NotContains(t, it.Body, "<!--", "flags are cut from %q", it.Title)
		if strings.Contains(it.Title, "🎉") {
			launch++
		}
		if utf8.RuneCountInString(it.Body) > 600 {
			long++
		}
		if it.Flags.Type == content.TypeBlog {
			blog++
		}
		if it.Flags.Featured && it.Flags.Published {
			featured++
		}
		if it.Flags.Template == content.TemplateMinimal {
			minimal++
		}
		if len(it.Flags.Channels) > 0 {
			channels++
		}
		if it.Flags.Priority == content.PriorityHigh {
			priority++
		}
	}
	assert.Equal(t, 1, launch, "one launch announcement")
	assert.GreaterOrEqual(t, long, 1, "an item long enough for an X thread")
	assert.GreaterOrEqual(t, blog, 2)
	assert.GreaterOrEqual(t, featured, 1)
	assert.GreaterOrEqual(t, minimal, 1)
	assert.GreaterOrEqual(t, channels, 2)
	assert.GreaterOrEqual(t, priority, 1)

	launchItem := items[0]
	assert.Equal(t, "🎉 Launching Breathscape 3.0", launchItem.Title)
	assert.Equal(t, []content.Channel{content.ChannelEmail, content.ChannelWebsite, content.ChannelTwitter, content.ChannelLinkedIn}, launchItem.Flags.Channels)
	assert.Contains(t, launchItem.Body, "The new **Breathe Now** screen")
}

func TestSampleIsACopy(t *testing.T) {
	a := source.Sample()
	a[0] = 'X'
	assert.Equal(t, byte('#'), source.Sample()[0])
}

func TestSampleSource(t *testing.T) {
	doc, err := source.SampleSource{}.Fetch(context.Background(), "sample:")
	require.NoError(t, err)
	assert.Equal(t, "sample:", doc.Source)
	assert.False(t, doc.FetchedAt.IsZero())
	_, err = source.SampleSource{}.Fetch(context.Background(), "sample:other")
	assert.Equal(t, content.NotFound, content.ClassOf(err))
}
