package content_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
)

func TestNewsletterTemplates(t *testing.T) {
	marks := map[content.Template]string{
		content.TemplateModern:      "border-bottom:3px solid #3b82f6",
		content.TemplateMinimal:     "Georgia",
		content.TemplatePlain:       "<h1>",
		content.TemplateBreathscape: "Inhale · hold · exhale",
	}
	seen := map[string]bool{}
	for _, tm := range content.Templates() {
		t.Run(string(tm), func(t *testing.T) {
			for _, doc := range []*content.Document{livingDoc(), blogDoc(), sessionDoc(content.SessionGuided, 3)} {
				b := assemble(t, doc, content.Options{Template: tm, Channels: []content.Channel{content.ChannelEmail}})
				n := b.Newsletter
				require.NotNil(t, n)
				assert.Equal(t, tm, n.Template)
				assert.Contains(t, n.HTML, marks[tm])
				assert.True(t, strings.HasPrefix(n.HTML, "<!DOCTYPE html>"))
				assert.Contains(t, n.HTML, n.PreviewText[:20])
				assert.NotContains(t, n.Text, "<p>", "the text part holds no HTML")
				assertWithinRules(t, b)
			}
			b := assemble(t, livingDoc(), content.Options{Template: tm})
			seen[b.Newsletter.HTML] = true
			seen[b.Newsletter.Text] = true
		})
	}
	assert.Len(t, seen, 8, "every template has its own HTML and text")
}

var (
	eventAttrRE = regexp.MustCompile(`(?i)<[a-z][^>]*\son[a-z]+\s*=`)
	jsURLRE     = regexp.MustCompile(`(?i)(href|src)\s*=\s*["']?\s*javascript:`)
)

func TestNewsletterEscapesUserText(t *testing.T) {
	doc := &content.Document{Title: "<script>alert('title')</script> News", Sections: []content.Section{
		{Heading: `<img src=x onerror=alert(1)>`, Items: []content.Item{
			{Title: `<script>alert("item")</script>`, Body: "Hello <script>alert('body')</script> and [a link](javascript:alert(1)) and <img src=x onerror=alert(2)>.\n\n<iframe src=\"https://evil.example\"></iframe>"},
			{Title: "Second item", Body: "Plain <b onclick=\"x()\">bold</b> text."},
		}},
	}}
	for _, tm := range content.Templates() {
		b := assemble(t, doc, content.Options{Template: tm})
		for name, html := range map[string]string{"newsletter": b.Newsletter.HTML, "web": b.WebPost.HTML} {
			lower := strings.ToLower(html)
			assert.NotContains(t, lower, "<script", "%s/%s", tm, name)
			assert.NotContains(t, lower, "<iframe", "%s/%s", tm, name)
			assert.NotRegexp(t, eventAttrRE, html, "%s/%s", tm, name)
			assert.NotRegexp(t, jsURLRE, html, "%s/%s", tm, name)
			assert.Contains(t, html, "&lt;script&gt;", "%s/%s: titles are escaped, not dropped", tm, name)
		}
		assert.NotContains(t, b.WebPost.SchemaMarkup, "<script")
	}
}

func TestNewsletterSubject(t *testing.T) {
	tests := []struct {
		name  string
		title string
		want  string // substring; "" to check the rules only
	}{
		{"plain", "Breathscape adds evening sessions", "Breathscape adds evening sessions"},
		{"short title is padded", "Hi", "Hi"},
		{"empty title", "", ""},
		{"spam triggers removed", "FREE urgent update!!! Click now for limited time offers", "update"},
		{"inflected trigger removed", "Freed minds, urgently calm", "minds"},
		{"long title cut at a word", strings.Repeat("breathing ", 30), "breathing"},
		{"emoji only", "🎉🎉🎉", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := &content.Update{Base: content.Base{Title: tt.title, Body: "A body that is long enough to count."}}
			b := assemble(t, content.DocumentOf(u), content.Options{Channels: []content.Channel{content.ChannelEmail}})
			s := b.Newsletter.Subject
			assert.Contains(t, s, tt.want)
			assert.True(t, utf8.RuneCountInString(s) >= 10 && utf8.RuneCountInString(s) <= 100, "%q", s)
			assert.False(t, spamRE.MatchString(s), "%q", s)
			assert.NotContains(t, strings.ToLower(s), "click")
			assert.NotContains(t, s, "!!")
		})
	}
}

func TestNewsletterPreviewText(t *testing.T) {
	b := assemble(t, livingDoc(), content.Options{})
	assert.True(t, strings.HasPrefix(b.Newsletter.PreviewText, "Breathscape 2.4 adds guided evening sessions: The new evening mode"), b.Newsletter.PreviewText)
	b = assemble(t, blogDoc(), content.Options{})
	assert.Equal(t, "What six breaths a minute does to your heart, and how to practise it.", b.Newsletter.PreviewText)
	long := &content.Update{Base: content.Base{Title: "Long", Body: strings.Repeat("Breathe slowly and deeply. ", 40)}}
	b = assemble(t, content.DocumentOf(long), content.Options{})
	assert.LessOrEqual(t, utf8.RuneCountInString(b.Newsletter.PreviewText), 150)
}

func TestNewsletterAnnouncementCallToAction(t *testing.T) {
	a := &content.Announcement{Base: content.Base{Title: "Launch of Breathscape 3", Body: "Breathscape 3 is here with a new pacer."}, CallToAction: "Download Breathscape 3"}
	b := assemble(t, content.DocumentOf(a), content.Options{})
	assert.Contains(t, b.Newsletter.HTML, ">Download Breathscape 3</a>")
	assert.Contains(t, b.WebPost.HTML, "Download Breathscape 3")
	assert.Contains(t, b.Social[0].Text, "Download Breathscape 3")
}

// TestSubjectSpamTriggerRemovedWhateverTheCase: a subject whose lower
// case is shorter or longer in bytes than itself (İ, the Kelvin sign)
// still loses its spam triggers, and the validator agrees.
func TestSubjectSpamTriggerRemovedWhateverTheCase(t *testing.T) {
	for _, title := range []string{"Free İstanbul breathing meetup", "FREE evening sessions in ſpring", "Guaranteed calm: free Kelvin-scale (\u212A) breathing"} {
		doc := &content.Document{Title: title, Format: content.FormatMarkdown, Sections: []content.Section{{Heading: "Tips",
			Category: content.CategoryTips, Items: []content.Item{{Title: title, Body: "Breathe in for four counts and out for six, for ten calm rounds each evening."}}}}}
		b := assemble(t, doc.Seal(), content.Options{Channels: []content.Channel{content.ChannelEmail}})
		require.NotNil(t, b.Newsletter)
		assert.NotContains(t, strings.ToLower(b.Newsletter.Subject), "free", "%q gave %q", title, b.Newsletter.Subject)
		rep := content.NewValidator().ValidateBundle(context.Background(), b)
		for _, i := range rep.Issues {
			assert.NotEqual(t, content.CodeSpamTrigger, i.Code, "%q gave %q: %s", title, b.Newsletter.Subject, i.Message)
		}
	}
}

// TestNewsletterTextIsText: the text part shows what the HTML part says,
// without HTML or Markdown markup: links with their address, list items
// with their markers, no raw HTML.
func TestNewsletterTextIsText(t *testing.T) {
	body := "Try the <b>new</b> evening mode.<br>\n\n<div class=\"x\">It dims the screen.</div>\n\n" +
		"Read the **release notes** at [our blog](https://halcytone.app/blog) or <https://halcytone.app/faq>.\n\n" +
		"- Guided wind-down\n- Sleep timer\n\n1. Open the app\n2. Tap *Evening*\n\n> Calm is a skill.\n\nAT&amp;T \\* partners."
	doc := (&content.Document{Title: "Evening mode", Format: content.FormatMarkdown, Sections: []content.Section{{Heading: "App",
		Category: content.CategoryBreathscape, Items: []content.Item{{Title: "Evening mode arrives", Body: body}}}}}).Seal()
	b := assemble(t, doc, content.Options{Channels: []content.Channel{content.ChannelEmail}})
	text := b.Newsletter.Text
	for _, markup := range []string{"<b>", "<br>", "<div", "**", "](", "&amp;", `\*`} {
		assert.NotContains(t, text, markup)
	}
	for _, want := range []string{"Try the new evening mode.", "our blog (https://halcytone.app/blog)", "https://halcytone.app/faq",
		"- Guided wind-down\n- Sleep timer", "1. Open the app\n2. Tap Evening", "> Calm is a skill.\n\nAT&T * partners."} {
		assert.Contains(t, text, want)
	}
}
