package content_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
)

func TestEnrichCounts(t *testing.T) {
	u := &content.Update{Base: content.Base{
		Title: "Hello",
		Body:  "## Heading here\n\nSome **bold** words and a [link](https://example.com/x).\n\n```\ncode is left out\n```\n\n- item one\n- item two",
	}}
	e := content.Enrich(u, testNow, nil)
	require.NotNil(t, e)
	// heading here (2) + some bold words and a link (6) + item one item two (4)
	assert.Equal(t, 12, e.WordCount)
	assert.Equal(t, 1, e.ReadingTime)
	assert.Equal(t, "Heading here Some bold words and a link. item one item two", e.Excerpt)

	long := &content.Update{Base: content.Base{Title: "x", Body: nWords(401)}}
	e = content.Enrich(long, testNow, nil)
	assert.Equal(t, 401, e.WordCount)
	assert.Equal(t, 3, e.ReadingTime)
	assert.LessOrEqual(t, utf8.RuneCountInString(e.Excerpt), content.MaxExcerptLength)
	assert.True(t, strings.HasSuffix(e.Excerpt, "…"))

	b := &content.Blog{Base: content.Base{Title: "x", Body: nWords(10)}, ReadingTime: 9}
	assert.Equal(t, 9, content.Enrich(b, testNow, nil).ReadingTime, "a blog's own reading time wins")
}

func TestEnrichComplexity(t *testing.T) {
	sentence := func(n int) string { return nWords(n) + ". " }
	tests := []struct {
		body string
		want string
	}{
		{strings.Repeat(sentence(14), 3), content.ComplexitySimple},
		{strings.Repeat(sentence(15), 3), content.ComplexityModerate},
		{strings.Repeat(sentence(24), 3), content.ComplexityModerate},
		{strings.Repeat(sentence(25), 3), content.ComplexityComplex},
		{"# " + nWords(5) + "\n\n" + nWords(25), content.ComplexityModerate}, // a heading is a sentence: 30/2
		{"", content.ComplexitySimple},
	}
	for _, tc := range tests {
		e := content.Enrich(&content.Update{Base: content.Base{Body: tc.body}}, testNow, nil)
		assert.Equal(t, tc.want, e.Complexity, "%.40q", tc.body)
	}
}

func TestEnrichSEOScore(t *testing.T) {
	full := &content.Blog{
		Base: content.Base{
			Title: "Box breathing: a calm mind in four steps", // 40 runes
			Body:  "## Why\n\nSee [the study](https://example.com). " + nWords(300),
		},
		SEODescription: nRunes(140),
		TargetKeywords: []string{"Box Breathing"},
	}
	assert.Equal(t, 100, content.Enrich(full, testNow, nil).SEOScore)

	tests := []struct {
		name string
		c    content.Content
		want int
	}{
		{"nothing", &content.Update{Base: content.Base{Title: "Hi", Body: "one two three"}}, 0},
		{"title 30-60", &content.Update{Base: content.Base{Title: nRunes(30), Body: "x"}}, 20},
		{"title 61", &content.Update{Base: content.Base{Title: nRunes(61), Body: "x"}}, 10},
		{"title 71", &content.Update{Base: content.Base{Title: nRunes(71), Body: "x"}}, 0},
		{"update excerpt as description", &content.Update{Base: content.Base{Title: "Hi"}, Excerpt: nRunes(120)}, 20},
		{"short description", &content.Blog{Base: content.Base{Title: "Hi"}, SEODescription: nRunes(60)}, 10},
		{"150 words", &content.Update{Base: content.Base{Title: "Hi", Body: nWords(150)}}, 10},
		{"heading", &content.Update{Base: content.Base{Title: "Hi", Body: "# Title"}}, 15},
		{"tag in title", &content.Update{Base: content.Base{Title: "Hi sleep"}, Tags: []string{"Sleep"}}, 15},
		{"link", &content.Update{Base: content.Base{Title: "Hi", Body: "<https://example.com>"}}, 10},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, content.Enrich(tc.c, testNow, nil).SEOScore, tc.name)
	}
}

func TestEnrichSuggestedChannels(t *testing.T) {
	tests := []struct {
		name string
		c    content.Content
		want []content.Channel
	}{
		{"update", &content.Update{Base: content.Base{Body: nWords(60)}}, []content.Channel{"website", "twitter", "linkedin"}},
		{"urgent update", &content.Update{Base: content.Base{Body: nWords(10), Priority: 1}}, []content.Channel{"email", "website", "twitter", "linkedin"}},
		{"featured update", &content.Update{Base: content.Base{Body: nWords(60), Featured: true}}, []content.Channel{"email", "website", "twitter", "linkedin", "facebook"}},
		{"blog", &content.Blog{Base: content.Base{Body: nWords(60)}}, []content.Channel{"email", "website", "linkedin"}},
		{"short blog", &content.Blog{Base: content.Base{Body: nWords(49)}}, []content.Channel{"website", "linkedin"}},
		{"announcement", &content.Announcement{Base: content.Base{Body: nWords(60)}}, []content.Channel{"email", "website", "twitter", "linkedin", "facebook"}},
		{"session", &content.Session{Base: content.Base{Body: nWords(60)}}, []content.Channel{"email", "website", "facebook", "instagram"}},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, content.Enrich(tc.c, testNow, nil).SuggestedChannels, tc.name)
	}
}

func TestEnrichOptimalPublishTime(t *testing.T) {
	utcMinus5 := time.FixedZone("UTC-5", -5*3600)
	tests := []struct {
		name     string
		now      time.Time
		loc      *time.Location
		priority content.Priority
		want     string
	}{
		{"wednesday 09:59", time.Date(2026, 3, 4, 9, 59, 0, 0, time.UTC), nil, 0, "2026-03-04T10:00:00Z"},
		{"wednesday 10:00", time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC), nil, 0, "2026-03-05T10:00:00Z"},
		{"friday 11:00", time.Date(2026, 3, 6, 11, 0, 0, 0, time.UTC), nil, 3, "2026-03-09T10:00:00Z"},
		{"saturday", time.Date(2026, 3, 7, 8, 0, 0, 0, time.UTC), nil, 2, "2026-03-09T10:00:00Z"},
		{"in UTC-5", time.Date(2026, 3, 4, 14, 0, 0, 0, time.UTC), utcMinus5, 0, "2026-03-04T15:00:00Z"},
		{"late in UTC-5", time.Date(2026, 3, 4, 16, 0, 0, 0, time.UTC), utcMinus5, 0, "2026-03-05T15:00:00Z"},
		{"urgent is now", time.Date(2026, 3, 7, 3, 4, 5, 0, utcMinus5), nil, 1, "2026-03-07T08:04:05Z"},
	}
	for _, tc := range tests {
		u := &content.Update{Base: content.Base{Priority: tc.priority}}
		assert.Equal(t, tc.want, content.Enrich(u, tc.now, tc.loc).OptimalPublishTime, tc.name)
	}
}

func TestEnrichNil(t *testing.T) {
	assert.Nil(t, content.Enrich(nil, testNow, nil))
	assert.Nil(t, content.Enrich((*content.Update)(nil), testNow, nil))
}

func TestDetectCategory(t *testing.T) {
	tests := []struct{ title, body, want string }{
		{"New research on breathing", "", content.BlogCategoryResearch},
		{"The science of HRV", "", content.BlogCategoryScience},
		{"How to breathe: a guide", "", content.BlogCategoryTechnique},
		{"Our app gets a sensor", "", content.BlogCategoryTechnology},
		{"Meet the team", "", content.BlogCategoryCompany},
		{"Sleep better tonight", "", content.BlogCategoryWellness},
		{"Thoughts", "", content.BlogCategoryWellness},
		{"Thoughts", "The app now pairs with the sensor and the device.", content.BlogCategoryTechnology},
		// The title outweighs the body: 3 against 2.
		{"A study", "Use the app on your device.", content.BlogCategoryResearch},
		// Ties go to the earlier category.
		{"Research and science", "", content.BlogCategoryResearch},
		{"Hrvatska", "", content.BlogCategoryWellness},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, content.DetectCategory(tc.title, tc.body), "%q / %q", tc.title, tc.body)
	}
}

func TestDetectUrgency(t *testing.T) {
	tests := []struct {
		title, body string
		want        content.Urgency
	}{
		{"Urgent: update your app", "", content.UrgencyCritical},
		{"Security fix released", "", content.UrgencyCritical},
		{"Sync outage", "", content.UrgencyCritical},
		{"Launching Breathscape 3", "", content.UrgencyHigh},
		{"Important change to plans", "", content.UrgencyHigh},
		{"A partnership with Calm Labs", "", content.UrgencyMedium},
		{"New sessions", "", content.UrgencyMedium},
		{"Spring meetup", "", content.UrgencyLow},
		{"Spring meetup", "We fixed a security issue.", content.UrgencyCritical},
		{"Spring meetup", "Sessions are available now.", content.UrgencyMedium},
		// The title decides when it holds a keyword.
		{"New colours", "A breaking change in security.", content.UrgencyMedium},
		{"Renewal", "", content.UrgencyLow},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, content.DetectUrgency(tc.title, tc.body), "%q / %q", tc.title, tc.body)
	}
}

func TestEnrichLargeBody(t *testing.T) {
	// Past the Markdown budget the body counts as plain text: every word
	// and sentence still counts.
	body := "## Start\n\n" + strings.Repeat("Breathe in slowly and calmly. ", 2000) + "\n\n" + strings.Repeat("Hold the breath for four counts now. ", 1000)
	e := content.Enrich(&content.Update{Base: content.Base{Title: "x", Body: body}}, testNow, nil)
	assert.Equal(t, 1+10000+7000, e.WordCount)
	assert.Equal(t, content.ComplexitySimple, e.Complexity)
	assert.True(t, strings.HasPrefix(e.Excerpt, "Start Breathe in slowly"))

	// A rune is never split at the budget's edge.
	e = content.Enrich(&content.Update{Base: content.Base{Body: strings.Repeat("é", 10000)}}, testNow, nil)
	assert.Equal(t, 1, e.WordCount)
}

func TestEnrichAdversarialMarkdownIsBounded(t *testing.T) {
	// Unclosed links make goldmark superlinear; 200 KB of them took minutes
	// before the Markdown budget. The assertion is on the result, not the
	// time: the test's own timeout catches a regression.
	for body, words := range map[string]int{
		strings.Repeat("[a](", 50000):           1,
		strings.Repeat("[a]( ", 50000):          50000,
		strings.Repeat("[a](\n", 50000):         50000,
		strings.Repeat("*a_ ", 50000):           50000,
		strings.Repeat("- ", 10000) + "x":       1,
		strings.Repeat("> ", 10000) + "x\n\nyz": 2,
	} {
		e := content.Enrich(&content.Update{Base: content.Base{Body: body}}, testNow, nil)
		assert.Equal(t, words, e.WordCount, "%.20q", body)
	}
}
