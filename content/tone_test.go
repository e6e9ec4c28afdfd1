package content_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
)

// countEmoji counts pictographic code points (the test inputs use single
// code point emoji only).
func countEmoji(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x1F000 && r <= 0x1FAFF || r >= 0x2600 && r <= 0x27BF {
			n++
		}
	}
	return n
}

func loudDoc() *content.Document {
	u := &content.Update{Base: content.Base{
		Title: "Big launch!!! 🎉🎉🎉 Breathscape is here!",
		Body:  "It improves focus! 😀😀😀 Try it today! It reduces stress! Paced breathing helps everyone.",
	}, Excerpt: "Amazing!!! 🎉 It improves focus and boosts calm!"}
	return content.DocumentOf(u)
}

func TestTonesChangeTheOutput(t *testing.T) {
	subjects, greetings, ctas, social := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, tone := range content.Tones() {
		b := assemble(t, livingDoc(), content.Options{Tone: tone})
		assert.Equal(t, tone, b.Tone)
		subjects[b.Newsletter.Subject] = true
		html := b.Newsletter.HTML
		greetings[html[strings.Index(html, "<p>"+"Hello")+1:][:0]+greetingOf(html)] = true
		ctas[ctaOf(b.Newsletter.Text)] = true
		social[b.Social[1].Text] = true
		assert.Equal(t, tone, b.Social[0].Tone)
		assertWithinRules(t, b)
	}
	assert.Len(t, subjects, 3, "subjects: %v", subjects)
	assert.Len(t, greetings, 3, "greetings: %v", greetings)
	assert.Len(t, ctas, 3, "calls to action: %v", ctas)
	assert.Len(t, social, 3, "social posts: %v", social)
}

func greetingOf(html string) string {
	for _, g := range []string{"Hello {{name}},", "Hi {{name}}, great to have you here!", "Dear {{name}},"} {
		if strings.Contains(html, g) {
			return g
		}
	}
	return ""
}

func ctaOf(text string) string {
	for _, c := range []string{"Read the full update:", "Dive in and keep breathing easy:", "Review the full report:"} {
		if strings.Contains(text, c) {
			return c
		}
	}
	return ""
}

func TestToneBudgets(t *testing.T) {
	tests := []struct {
		tone                     content.Tone
		subjectEmoji, subjectExc int
		socialEmoji, socialExc   int
		webEmoji, webExc         int
	}{
		{content.ToneProfessional, 0, 1, 0, 1, 0, 1},
		{content.ToneEncouraging, 0, 1, 2, 2, 0, 1},
		{content.ToneMedicalScientific, 0, 0, 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(string(tt.tone), func(t *testing.T) {
			b := assemble(t, loudDoc(), content.Options{Tone: tt.tone})
			n, w := b.Newsletter, b.WebPost
			assert.LessOrEqual(t, countEmoji(n.Subject), tt.subjectEmoji, n.Subject)
			assert.LessOrEqual(t, strings.Count(n.Subject, "!"), tt.subjectExc, n.Subject)
			for _, s := range []string{w.Title, w.Excerpt, w.SEOTitle, w.SEODescription} {
				assert.LessOrEqual(t, countEmoji(s), tt.webEmoji, s)
				assert.LessOrEqual(t, strings.Count(s, "!"), tt.webExc, s)
			}
			for _, sp := range b.Social {
				all := strings.Join(sp.Thread, " ")
				assert.LessOrEqual(t, countEmoji(all), tt.socialEmoji, "%s: %q", sp.Platform, all)
				assert.LessOrEqual(t, strings.Count(all, "!"), tt.socialExc, "%s: %q", sp.Platform, all)
				assert.NotContains(t, all, "!!")
			}
			assertWithinRules(t, b)
		})
	}
}

func TestToneEncouragingUsesItsEmoji(t *testing.T) {
	b := assemble(t, livingDoc(), content.Options{Tone: content.ToneEncouraging, Platforms: []content.Platform{content.PlatformLinkedIn}})
	assert.Equal(t, 2, countEmoji(b.Social[0].Text), b.Social[0].Text)
	assert.Zero(t, countEmoji(b.Newsletter.Subject))
}

func TestToneMedicalScientificHedges(t *testing.T) {
	b := assemble(t, loudDoc(), content.Options{Tone: content.ToneMedicalScientific})
	li := socialFor(t, b, content.PlatformLinkedIn)
	assert.Contains(t, li.Text, "may improve focus")
	assert.Contains(t, li.Text, "may support calm")
	assert.NotContains(t, li.Text, "It improves")
	assert.Contains(t, b.WebPost.SEODescription, "may reduce stress", "text padded from the body is hedged too")
	assert.Contains(t, b.Newsletter.HTML, "Dear {{name}},")
	assert.Contains(t, b.Newsletter.Subject, "Research update")
	assert.Contains(t, b.WebPost.Excerpt, "may improve focus and may support calm")
}

func TestChannelTones(t *testing.T) {
	b := assemble(t, livingDoc(), content.Options{
		Tone:         content.ToneProfessional,
		ChannelTones: map[content.Channel]content.Tone{content.ChannelTwitter: content.ToneEncouraging, "email": content.ToneMedicalScientific},
	})
	assert.Equal(t, content.ToneProfessional, b.Tone)
	x, li := socialFor(t, b, content.PlatformTwitter), socialFor(t, b, content.PlatformLinkedIn)
	assert.Equal(t, content.ToneEncouraging, x.Tone)
	assert.Equal(t, content.ToneProfessional, li.Tone)
	assert.Contains(t, x.Text, "Good news from Halcytone")
	assert.Contains(t, li.Text, "Latest from Halcytone:")
	require.NotNil(t, b.Newsletter)
	assert.Contains(t, b.Newsletter.HTML, "Dear {{name}},")
	assert.Contains(t, b.WebPost.HTML, "Here is the latest from Halcytone.")
}
