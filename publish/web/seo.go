package web

import (
	"strings"
	"unicode/utf8"

	"github.com/halcytone/halcytone/content"
)

// SEOScoreEstimate estimates, from 0 to 100, how well w meets common
// search-engine guidelines. It is an estimate, not a measurement: no
// search engine is asked. Points: an SEO title of 30-60 characters (20,
// 10 when present but outside the range), an SEO description of 120-160
// characters (20, or 10), a slug of at most 60 characters with at least
// two words (10), at least one heading in the HTML (10), at least 300
// words of text (20, or 10 for 150), schema.org markup (10), and tags
// (10).
func SEOScoreEstimate(w *content.WebPost) int {
	if w == nil {
		return 0
	}
	score := 0
	score += rangePoints(utf8.RuneCountInString(strings.TrimSpace(w.SEOTitle)), 30, 60, 20)
	score += rangePoints(utf8.RuneCountInString(strings.TrimSpace(w.SEODescription)), 120, 160, 20)
	if w.Slug != "" && len(w.Slug) <= 60 && strings.Contains(w.Slug, "-") {
		score += 10
	}
	lower := strings.ToLower(w.HTML)
	if strings.Contains(lower, "<h2") || strings.Contains(lower, "<h3") {
		score += 10
	}
	switch words := countWords(w.HTML); {
	case words >= 300:
		score += 20
	case words >= 150:
		score += 10
	}
	if strings.TrimSpace(w.SchemaMarkup) != "" {
		score += 10
	}
	if len(w.Tags) > 0 {
		score += 10
	}
	return score
}

// rangePoints gives full points for n within [lo, hi], half for any other
// positive n, and none for 0.
func rangePoints(n, lo, hi, full int) int {
	switch {
	case n >= lo && n <= hi:
		return full
	case n > 0:
		return full / 2
	}
	return 0
}

// countWords counts the words of html's text, skipping tags.
func countWords(html string) int {
	var b strings.Builder
	b.Grow(len(html))
	inTag := false
	for _, r := range html {
		switch {
		case r == '<':
			inTag = true
			b.WriteByte(' ')
		case r == '>':
			inTag = false
		case !inTag:
			b.WriteRune(r)
		}
	}
	return len(strings.Fields(b.String()))
}
