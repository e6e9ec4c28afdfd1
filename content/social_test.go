package content_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
)

func socialFor(t *testing.T, b *content.Bundle, p content.Platform) content.SocialPost {
	t.Helper()
	for _, s := range b.Social {
		if s.Platform == p {
			return s
		}
	}
	require.Failf(t, "no post", "platform %s", p)
	return content.SocialPost{}
}

func TestSocialThread(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		verbatim bool // the text survives the tone's budgets unchanged
	}{
		{"sentences", strings.Repeat("Slow breathing calms the mind and steadies the heart. ", 12), true},
		{"one long sentence", strings.Repeat("breathe slowly and ", 40) + "rest.", true},
		{"CJK", strings.Repeat("呼吸を整えると心が落ち着きます。", 30), true},
		{"emoji (dropped by the professional budget)", strings.Repeat("Breathe 🌬️ in and out 👨‍👩‍👧‍👦 together. ", 20), false},
		{"a word longer than a post", strings.Repeat("a", 700), true},
		{"URLs", strings.Repeat("See https://example.com/a/very/long/path/to/a/page for more. ", 12), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := &content.Update{Base: content.Base{Title: "Thread test", Body: tt.body}}
			b := assemble(t, content.DocumentOf(u), content.Options{Platforms: []content.Platform{content.PlatformTwitter}})
			x := socialFor(t, b, content.PlatformTwitter)
			require.Greater(t, len(x.Thread), 1, "long text becomes a thread")
			for i, part := range x.Thread {
				prefix := fmt.Sprintf("%d/%d ", i+1, len(x.Thread))
				assert.True(t, strings.HasPrefix(part, prefix), "part %d: %q", i, part)
				assert.LessOrEqual(t, content.WeightedLength(part), 280, "part %d: %q", i, part)
			}
			assert.Equal(t, x.Thread[0], x.Text)
			assert.Contains(t, x.Thread[len(x.Thread)-1], "#Halcytone", "hashtags close the thread")
			// Nothing is lost between the parts: unnumbered and joined,
			// they hold the text (a single item's summary is capped at 600
			// characters first).
			var joined []string
			for i, part := range x.Thread {
				joined = append(joined, strings.TrimPrefix(part, fmt.Sprintf("%d/%d ", i+1, len(x.Thread))))
			}
			all := strings.Join(joined, " ")
			if tt.verbatim {
				assert.Contains(t, strings.ReplaceAll(all, " ", ""), strings.ReplaceAll(tt.body[:300], " ", ""))
			}
			assert.Contains(t, all, "Read more: https://example.com/blog/thread-test")
			assertWithinRules(t, b)
		})
	}
}

func TestSocialShortTextIsOnePost(t *testing.T) {
	b := assemble(t, blogDoc(), content.Options{Platforms: []content.Platform{content.PlatformTwitter}})
	x := socialFor(t, b, content.PlatformTwitter)
	assert.Equal(t, []string{x.Text}, x.Thread)
	assert.NotRegexp(t, `^1/`, x.Text)
	assert.Equal(t, content.WeightedLength(x.Text), x.WeightedLength)
}

func TestSocialHashtags(t *testing.T) {
	bl := &content.Blog{
		Base:           content.Base{Title: "Heart rate variability explained", Body: "A body that is long enough."},
		Tags:           []string{"heart rate variability", "#already", "Über-calm", "2026", "snake_case tag", "  ", "ÉTÉ"},
		TargetKeywords: []string{"hrv"},
		Category:       "science",
	}
	b := assemble(t, content.DocumentOf(bl), content.Options{Platforms: content.Platforms()})
	want := []string{"#HeartRateVariability", "#Already", "#UberCalm", "#Snake_caseTag", "#ETE", "#Hrv", "#Science", "#Halcytone"}
	caps := map[content.Platform]int{content.PlatformTwitter: 2, content.PlatformLinkedIn: 5, content.PlatformFacebook: 5, content.PlatformInstagram: 30}
	for p, n := range caps {
		s := socialFor(t, b, p)
		assert.Equal(t, want[:min(n, len(want))], s.Hashtags, "%s", p)
		for _, h := range s.Hashtags {
			assert.Contains(t, s.Text, h)
		}
	}
	assertWithinRules(t, b)
}

func TestSocialInstagramMedia(t *testing.T) {
	u := &content.Update{Base: content.Base{Title: "A photo update", Body: "Look at our new cradle in the studio."}}
	b := assemble(t, content.DocumentOf(u), content.Options{Platforms: []content.Platform{content.PlatformInstagram, content.PlatformLinkedIn}})
	require.Len(t, b.Social, 2)
	var warned []string
	for _, i := range content.NewValidator().ValidateBundle(context.Background(), b).Warnings {
		if i.Code == content.CodeMissingMedia {
			assert.Equal(t, content.SeverityWarning, i.Severity)
			warned = append(warned, i.Field)
		}
	}
	assert.Equal(t, []string{"social_posts[0].media_urls"}, warned, "only Instagram needs media")
	assert.NotContains(t, socialFor(t, b, content.PlatformInstagram).Text, "https://", "links do not work on Instagram")

	u.Metadata = map[string]any{"media_urls": []any{"https://cdn.example.com/cradle.jpg", "ftp://nope"}}
	b = assemble(t, content.DocumentOf(u), content.Options{Platforms: []content.Platform{content.PlatformInstagram}})
	assert.Equal(t, []string{"https://cdn.example.com/cradle.jpg"}, b.Social[0].MediaURLs)
	assert.NotContains(t, issueCodes(content.NewValidator().ValidateBundle(context.Background(), b).Warnings), content.CodeMissingMedia)
}

func TestSocialLongPlatformsTruncate(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"Short enough.", 50, "Short enough."},
		{"First sentence here. Second sentence is longer than the limit.", 30, "First sentence here."},
		{"Version 3.14 is out now and it is great", 12, "Version…"},
		{"one two three four five six", 14, "one two three…"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, content.Truncate(tt.in, tt.max), tt.in)
	}
	// LinkedIn, Facebook and Instagram never thread.
	u := &content.Update{Base: content.Base{Title: "Long update", Body: strings.Repeat("A calm sentence about breathing. ", 200)}}
	b := assemble(t, content.DocumentOf(u), content.Options{Platforms: []content.Platform{content.PlatformLinkedIn, content.PlatformFacebook, content.PlatformInstagram}})
	for _, s := range b.Social {
		assert.Len(t, s.Thread, 1)
		assert.Contains(t, s.Text, "A calm sentence about breathing.")
	}
	assertWithinRules(t, b)
}

func TestSocialThreadOfManyParts(t *testing.T) {
	doc := livingDoc()
	doc.Sections[2].Items[0].Title = strings.Repeat("Breathe in slowly, breathe out slower ", 100)
	b := assemble(t, doc, content.Options{Platforms: []content.Platform{content.PlatformTwitter}})
	x := b.Social[0]
	require.Greater(t, len(x.Thread), 10)
	for i, part := range x.Thread {
		assert.True(t, strings.HasPrefix(part, fmt.Sprintf("%d/%d ", i+1, len(x.Thread))), part)
		assert.LessOrEqual(t, content.WeightedLength(part), 280)
	}
	assertWithinRules(t, b)
}

// TestSocialMediaFromBodyImages: a living document carries its pictures as
// Markdown images. Instagram, which needs one, takes those of its items in
// order (each once, at most ten); the other platforms keep their text and
// link card; typed content's metadata image wins over the body's.
func TestSocialMediaFromBodyImages(t *testing.T) {
	img := func(n int) string { return fmt.Sprintf("https://cdn.example/%d.jpg", n) }
	body := func(urls ...string) string {
		var b strings.Builder
		b.WriteString("Breathe in for four and out for six, then rest.\n\n")
		for _, u := range urls {
			fmt.Fprintf(&b, "![a picture](%s)\n\n", u)
		}
		return b.String()
	}
	doc := &content.Document{Title: "Notes", Sections: []content.Section{{Heading: "News", Category: "Breathscape", Items: []content.Item{
		{Title: "First item with pictures", Body: body(img(1), img(2), img(1), "/relative.jpg", "data:image/png;base64,AAAA") + "```\n![in code](https://cdn.example/code.jpg)\n```\n"},
		{Title: "Second item with many pictures", Body: body(img(2), img(3), img(4), img(5), img(6), img(7), img(8), img(9), img(10), img(11), img(12))},
	}}}}
	all := []content.Platform{content.PlatformInstagram, content.PlatformTwitter, content.PlatformLinkedIn, content.PlatformFacebook}
	b := assemble(t, doc, content.Options{Platforms: all})
	ig := socialFor(t, b, content.PlatformInstagram)
	assert.Equal(t, []string{img(1), img(2), img(3), img(4), img(5), img(6), img(7), img(8), img(9), img(10)}, ig.MediaURLs)
	for _, p := range all[1:] {
		assert.Empty(t, socialFor(t, b, p).MediaURLs, "%s keeps its link card", p)
	}

	u := &content.Update{Base: content.Base{Title: "One update with a picture", Body: body(img(1)),
		Metadata: map[string]any{"image": "https://cdn.example/cover.jpg"}}}
	b = assemble(t, content.DocumentOf(u), content.Options{Platforms: all})
	assert.Equal(t, []string{"https://cdn.example/cover.jpg"}, socialFor(t, b, content.PlatformInstagram).MediaURLs)
	assert.Equal(t, []string{"https://cdn.example/cover.jpg"}, socialFor(t, b, content.PlatformFacebook).MediaURLs)

	u.Metadata = nil
	b = assemble(t, content.DocumentOf(u), content.Options{Platforms: all})
	assert.Equal(t, []string{img(1)}, socialFor(t, b, content.PlatformInstagram).MediaURLs)
	assert.Empty(t, socialFor(t, b, content.PlatformFacebook).MediaURLs)
}
