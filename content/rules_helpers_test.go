package content_test

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/halcytone/halcytone/content"
)

var (
	slugRE    = regexp.MustCompile(`^[a-z0-9-]+$`)
	hashtagRE = regexp.MustCompile(`^#\w+$`)
	spamRE    = regexp.MustCompile(`(?i)(\b(free|urgent|click now|limited time)(s|es|ed|d|ing)?\b|!!!)`)
)

// assertWithinRules checks every variant of b against the channel rules
// the validator enforces.
func assertWithinRules(t *testing.T, b *content.Bundle) {
	t.Helper()
	runes := utf8.RuneCountInString
	if n := b.Newsletter; n != nil {
		assert.True(t, runes(n.Subject) >= 10 && runes(n.Subject) <= 100, "subject length %d: %q", runes(n.Subject), n.Subject)
		assert.False(t, spamRE.MatchString(n.Subject), "subject has a spam trigger: %q", n.Subject)
		assert.LessOrEqual(t, runes(n.PreviewText), 150)
		for _, tag := range []string{content.MergeName, content.MergeUnsubscribeURL, content.MergePreferencesURL} {
			assert.Contains(t, n.HTML, tag)
			assert.Contains(t, n.Text, tag)
		}
	}
	if w := b.WebPost; w != nil {
		assert.True(t, runes(w.Title) >= 10 && runes(w.Title) <= 100, "web title length %d: %q", runes(w.Title), w.Title)
		assert.Regexp(t, slugRE, w.Slug)
		assert.LessOrEqual(t, len(w.Slug), 100)
		assert.True(t, runes(w.Excerpt) >= 20 && runes(w.Excerpt) <= 300, "excerpt length %d: %q", runes(w.Excerpt), w.Excerpt)
		assert.LessOrEqual(t, len(w.Tags), 10)
		assert.LessOrEqual(t, runes(w.SEOTitle), 60)
		assert.True(t, runes(w.SEODescription) >= 120 && runes(w.SEODescription) <= 160, "SEO description length %d: %q", runes(w.SEODescription), w.SEODescription)
		assert.True(t, w.SEOScore >= 0 && w.SEOScore <= 100)
		assert.GreaterOrEqual(t, w.ReadingTime, 1)
		assert.True(t, strings.HasPrefix(w.SchemaMarkup, `{"@context":"https://schema.org","@type":"BlogPosting"`), w.SchemaMarkup)
	}
	for i, s := range b.Social {
		rules, ok := content.RulesFor(s.Platform)
		if !assert.True(t, ok) {
			continue
		}
		assert.Equal(t, rules.MaxLength, s.Limit)
		assert.Equal(t, content.Length(s.Platform, s.Text), s.WeightedLength, "social_posts[%d]", i)
		assert.LessOrEqual(t, s.WeightedLength, s.Limit, "social_posts[%d]: %q", i, s.Text)
		if assert.NotEmpty(t, s.Thread) {
			assert.Equal(t, s.Text, s.Thread[0])
		}
		for j, part := range s.Thread {
			assert.LessOrEqual(t, content.Length(s.Platform, part), s.Limit, "social_posts[%d].thread[%d]: %q", i, j, part)
		}
		assert.LessOrEqual(t, len(s.Hashtags), rules.MaxHashtags)
		for _, h := range s.Hashtags {
			assert.Regexp(t, hashtagRE, h)
		}
	}
}
