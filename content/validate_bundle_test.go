package content_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
)

func validBundle() *content.Bundle {
	return &content.Bundle{
		ContentType: content.TypeUpdate,
		Title:       "Breathscape 2.3",
		Newsletter: &content.Newsletter{
			Subject:     "Breathscape 2.3 brings calmer reminders",
			PreviewText: "Guided sessions and a quieter home screen.",
			HTML:        "<p>The latest version adds guided sessions.</p>",
			Text:        "The latest version adds guided sessions.",
		},
		WebPost: &content.WebPost{
			Title:          "Breathscape 2.3 brings calmer reminders",
			Slug:           "breathscape-2-3",
			HTML:           "<h2>What is new</h2><p>The latest version adds guided sessions, calmer reminders and a quieter home screen.</p>",
			Excerpt:        "Guided sessions and calmer reminders.",
			Tags:           []string{"app"},
			SEOTitle:       "Breathscape 2.3: calmer reminders",
			SEODescription: nRunes(140),
		},
		Social: []content.SocialPost{
			{Platform: content.PlatformTwitter, Text: "Breathscape 2.3 is here.", Hashtags: []string{"#Breathscape", "#HRV"}},
			{Platform: content.PlatformLinkedIn, Text: "Breathscape 2.3 is here.", Hashtags: []string{"#Breathscape"}},
			{Platform: content.PlatformInstagram, Text: "Breathscape 2.3 is here.", MediaURLs: []string{"https://cdn.example.com/a.png"}},
		},
	}
}

func validateBundle(t *testing.T, b *content.Bundle) *content.Report {
	t.Helper()
	r := testValidator().ValidateBundle(context.Background(), b)
	requireConsistent(t, r)
	return r
}

func TestValidateBundleFixtureIsValid(t *testing.T) {
	r := validateBundle(t, validBundle())
	assert.True(t, r.Valid, "%v", r.Issues)
	assert.Empty(t, r.Warnings)
	assert.Equal(t, content.TypeUpdate, r.Type)
}

func TestValidateBundleRules(t *testing.T) {
	nl := func(f func(n *content.Newsletter)) func(*content.Bundle) {
		return func(b *content.Bundle) { f(b.Newsletter) }
	}
	web := func(f func(w *content.WebPost)) func(*content.Bundle) {
		return func(b *content.Bundle) { f(b.WebPost) }
	}
	post := func(i int, f func(p *content.SocialPost)) func(*content.Bundle) {
		return func(b *content.Bundle) { f(&b.Social[i]) }
	}
	tests := []struct {
		name   string
		mutate func(*content.Bundle)
		field  string
		code   string // "" for no error on field
	}{
		{"subject 9", nl(func(n *content.Newsletter) { n.Subject = nRunes(9) }), "newsletter.subject", content.CodeTooShort},
		{"subject 10", nl(func(n *content.Newsletter) { n.Subject = nRunes(10) }), "newsletter.subject", ""},
		{"subject 100", nl(func(n *content.Newsletter) { n.Subject = nRunes(100) }), "newsletter.subject", ""},
		{"subject 101", nl(func(n *content.Newsletter) { n.Subject = nRunes(101) }), "newsletter.subject", content.CodeTooLong},
		{"subject empty", nl(func(n *content.Newsletter) { n.Subject = "" }), "newsletter.subject", content.CodeRequired},
		{"subject free", nl(func(n *content.Newsletter) { n.Subject = "Get your FREE breathing plan" }), "newsletter.subject", content.CodeSpamTrigger},
		{"subject urgent", nl(func(n *content.Newsletter) { n.Subject = "Urgent: your breathing plan" }), "newsletter.subject", content.CodeSpamTrigger},
		{"subject click now", nl(func(n *content.Newsletter) { n.Subject = "Click  now? No: click now" }), "newsletter.subject", content.CodeSpamTrigger},
		{"subject limited time", nl(func(n *content.Newsletter) { n.Subject = "A Limited Time offer for you" }), "newsletter.subject", content.CodeSpamTrigger},
		{"subject !!!", nl(func(n *content.Newsletter) { n.Subject = "Breathe with us!!!" }), "newsletter.subject", content.CodeSpamTrigger},
		{"subject freedom", nl(func(n *content.Newsletter) { n.Subject = "Freedom in every breath" }), "newsletter.subject", ""},
		{"subject !!", nl(func(n *content.Newsletter) { n.Subject = "Breathe with us!!" }), "newsletter.subject", ""},
		{"preview 150", nl(func(n *content.Newsletter) { n.PreviewText = nRunes(150) }), "newsletter.preview_text", ""},
		{"preview 151", nl(func(n *content.Newsletter) { n.PreviewText = nRunes(151) }), "newsletter.preview_text", content.CodeTooLong},
		{"claim in newsletter text", nl(func(n *content.Newsletter) { n.Text = "This treats insomnia." }), "newsletter.text", content.CodeProhibitedClaim},
		{"claim in newsletter html", nl(func(n *content.Newsletter) { n.Text, n.HTML = "", "<p>A <b>miracle</b> app</p>" }), "newsletter.html", content.CodeProhibitedClaim},

		{"web title 9", web(func(w *content.WebPost) { w.Title = nRunes(9) }), "web_update.title", content.CodeTooShort},
		{"web title 10", web(func(w *content.WebPost) { w.Title = nRunes(10) }), "web_update.title", ""},
		{"web title 100", web(func(w *content.WebPost) { w.Title = nRunes(100) }), "web_update.title", ""},
		{"web title 101", web(func(w *content.WebPost) { w.Title = nRunes(101) }), "web_update.title", content.CodeTooLong},
		{"web body 49 in long markup", web(func(w *content.WebPost) {
			w.HTML = `<div class="` + strings.Repeat("x", 80) + `"><p>` + nRunes(49) + `</p></div>`
		}), "web_update.html", content.CodeTooShort},
		{"web body 50", web(func(w *content.WebPost) { w.HTML = "<p>" + nRunes(50) + "</p>" }), "web_update.html", ""},
		{"web body entities", web(func(w *content.WebPost) { w.HTML = "<p>" + strings.Repeat("&amp;", 49) + "</p>" }), "web_update.html", content.CodeTooShort},
		{"web body script is not text", web(func(w *content.WebPost) { w.HTML = "<script>" + nRunes(60) + "</script>" }), "web_update.html", content.CodeTooShort},
		{"excerpt 19", web(func(w *content.WebPost) { w.Excerpt = nRunes(19) }), "web_update.excerpt", content.CodeTooShort},
		{"excerpt 20", web(func(w *content.WebPost) { w.Excerpt = nRunes(20) }), "web_update.excerpt", ""},
		{"excerpt 300", web(func(w *content.WebPost) { w.Excerpt = nRunes(300) }), "web_update.excerpt", ""},
		{"excerpt 301", web(func(w *content.WebPost) { w.Excerpt = nRunes(301) }), "web_update.excerpt", content.CodeTooLong},
		{"slug empty", web(func(w *content.WebPost) { w.Slug = "" }), "web_update.slug", content.CodeRequired},
		{"slug upper case", web(func(w *content.WebPost) { w.Slug = "Breathe-Well" }), "web_update.slug", content.CodePattern},
		{"slug space", web(func(w *content.WebPost) { w.Slug = "breathe well" }), "web_update.slug", content.CodePattern},
		{"slug 100", web(func(w *content.WebPost) { w.Slug = strings.Repeat("a", 100) }), "web_update.slug", ""},
		{"slug 101", web(func(w *content.WebPost) { w.Slug = strings.Repeat("a", 101) }), "web_update.slug", content.CodeTooLong},
		{"20 tags", web(func(w *content.WebPost) { w.Tags = listOf(20, nRunes) }), "web_update.tags", ""},
		{"21 tags", web(func(w *content.WebPost) { w.Tags = listOf(21, nRunes) }), "web_update.tags", content.CodeTooMany},
		{"seo title 60", web(func(w *content.WebPost) { w.SEOTitle = nRunes(60) }), "web_update.seo_title", ""},
		{"seo title 61", web(func(w *content.WebPost) { w.SEOTitle = nRunes(61) }), "web_update.seo_title", content.CodeTooLong},
		{"seo description 119", web(func(w *content.WebPost) { w.SEODescription = nRunes(119) }), "web_update.seo_description", content.CodeTooShort},
		{"seo description 120", web(func(w *content.WebPost) { w.SEODescription = nRunes(120) }), "web_update.seo_description", ""},
		{"seo description 160", web(func(w *content.WebPost) { w.SEODescription = nRunes(160) }), "web_update.seo_description", ""},
		{"seo description 161", web(func(w *content.WebPost) { w.SEODescription = nRunes(161) }), "web_update.seo_description", content.CodeTooLong},
		{"claim in web html", web(func(w *content.WebPost) { w.HTML = "<p>" + nWords(10) + " guaranteed " + nWords(10) + "</p>" }), "web_update.html", content.CodeProhibitedClaim},

		{"x 280", post(0, func(p *content.SocialPost) { p.Text = strings.Repeat("a", 280) }), "social_posts[0].text", ""},
		{"x 281", post(0, func(p *content.SocialPost) { p.Text = strings.Repeat("a", 281) }), "social_posts[0].text", content.CodeTooLong},
		{"x 141 CJK weighs 282", post(0, func(p *content.SocialPost) { p.Text = strings.Repeat("呼", 141) }), "social_posts[0].text", content.CodeTooLong},
		{"x thread part 281", post(0, func(p *content.SocialPost) {
			p.Thread = []string{p.Text, strings.Repeat("a", 281)}
		}), "social_posts[0].thread[1]", content.CodeTooLong},
		{"linkedin 3000", post(1, func(p *content.SocialPost) { p.Text = strings.Repeat("呼", 3000) }), "social_posts[1].text", ""},
		{"linkedin 3001", post(1, func(p *content.SocialPost) { p.Text = strings.Repeat("呼", 3001) }), "social_posts[1].text", content.CodeTooLong},
		{"instagram 2201", post(2, func(p *content.SocialPost) { p.Text = strings.Repeat("a", 2201) }), "social_posts[2].text", content.CodeTooLong},
		{"x 2 hashtags", post(0, func(p *content.SocialPost) { p.Hashtags = []string{"#a", "#b"} }), "social_posts[0].hashtags", ""},
		{"x 3 hashtags", post(0, func(p *content.SocialPost) { p.Hashtags = []string{"#a", "#b", "#c"} }), "social_posts[0].hashtags", content.CodeTooMany},
		{"linkedin 6 hashtags", post(1, func(p *content.SocialPost) { p.Hashtags = listOf(6, func(int) string { return "#a" }) }), "social_posts[1].hashtags", content.CodeTooMany},
		{"hashtag with hyphen", post(1, func(p *content.SocialPost) { p.Hashtags = []string{"#ok", "#not-ok"} }), "social_posts[1].hashtags[1]", content.CodePattern},
		{"hashtag without #", post(1, func(p *content.SocialPost) { p.Hashtags = []string{"plain"} }), "social_posts[1].hashtags[0]", content.CodePattern},
		{"media ftp", post(2, func(p *content.SocialPost) { p.MediaURLs = []string{"ftp://cdn.example.com/a.png"} }), "social_posts[2].media_urls[0]", content.CodeInvalidURL},
		{"media relative", post(2, func(p *content.SocialPost) { p.MediaURLs = []string{"/a.png"} }), "social_posts[2].media_urls[0]", content.CodeInvalidURL},
		{"media http", post(2, func(p *content.SocialPost) { p.MediaURLs = []string{"http://cdn.example.com/a.png"} }), "social_posts[2].media_urls[0]", ""},
		{"unknown platform", post(1, func(p *content.SocialPost) { p.Platform = "myspace" }), "social_posts[1].platform", content.CodeInvalidEnum},
		{"empty text", post(1, func(p *content.SocialPost) { p.Text = "" }), "social_posts[1].text", content.CodeRequired},
		{"claim in post", post(1, func(p *content.SocialPost) { p.Text = "Breathing can diagnose stress." }), "social_posts[1].text", content.CodeProhibitedClaim},
		{"claim in thread", post(0, func(p *content.SocialPost) { p.Thread = []string{p.Text, "A cure for stress."} }), "social_posts[0].thread[1]", content.CodeProhibitedClaim},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := validBundle()
			tc.mutate(b)
			got := errorCodes(validateBundle(t, b), tc.field)
			if tc.code == "" {
				assert.Empty(t, got)
			} else {
				assert.Contains(t, got, tc.code)
			}
		})
	}
}

func TestValidateBundleInstagramWithoutMedia(t *testing.T) {
	b := validBundle()
	b.Social[2].MediaURLs = nil
	r := validateBundle(t, b)
	assert.True(t, r.Valid)
	assert.Equal(t, []string{content.CodeMissingMedia}, warningCodes(r, "social_posts[2].media_urls"))
}

func TestValidateBundleReportsEveryIssue(t *testing.T) {
	b := validBundle()
	b.Newsletter.Subject = "free"
	b.WebPost.Slug = "Not A Slug"
	b.Social[0].Hashtags = []string{"#a", "#b", "bad"}
	r := validateBundle(t, b)
	assert.ElementsMatch(t, []string{content.CodeTooShort, content.CodeSpamTrigger}, errorCodes(r, "newsletter.subject"))
	assert.Equal(t, []string{content.CodePattern}, errorCodes(r, "web_update.slug"))
	assert.Equal(t, []string{content.CodeTooMany}, errorCodes(r, "social_posts[0].hashtags"))
	assert.Equal(t, []string{content.CodePattern}, errorCodes(r, "social_posts[0].hashtags[2]"))
	assert.Len(t, r.Issues, 5)
}

func TestValidateBundleNilAndEmpty(t *testing.T) {
	r := validateBundle(t, nil)
	assert.False(t, r.Valid)
	require.Len(t, r.Issues, 1)
	assert.Equal(t, content.CodeRequired, r.Issues[0].Code)

	r = validateBundle(t, &content.Bundle{ContentType: content.TypeBlog})
	assert.True(t, r.Valid, "a bundle without variants has nothing to break")
}

func TestValidateBundleInvalidUTF8(t *testing.T) {
	b := validBundle()
	b.Newsletter.Subject = "Calm \xff breathing for all"
	b.Social[1].Text = "\xfe\xff"
	r := validateBundle(t, b)
	assert.Contains(t, errorCodes(r, "newsletter.subject"), content.CodeInvalidEncoding)
	assert.Contains(t, errorCodes(r, "social_posts[1].text"), content.CodeInvalidEncoding)
}
