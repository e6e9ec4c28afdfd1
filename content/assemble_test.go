package content_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
)

func assemble(t *testing.T, doc *content.Document, opts content.Options) *content.Bundle {
	t.Helper()
	if opts.Now.IsZero() {
		opts.Now = fixedNow
	}
	b, err := content.NewAssembler().Assemble(context.Background(), doc, opts)
	require.NoError(t, err)
	require.NotNil(t, b)
	return b
}

func issueCodes(issues []content.Issue) []string {
	var out []string
	for _, i := range issues {
		out = append(out, i.Code)
	}
	return out
}

// TestAssembleLivingDocument checks the shape of a living document's
// bundle: every channel, sections and items in order, dated items.
func TestAssembleLivingDocument(t *testing.T) {
	doc := livingDoc()
	b := assemble(t, doc, content.Options{BaseURL: "https://halcytone.example/", Brand: "Halcytone"})

	assert.Equal(t, content.TypeUpdate, b.ContentType)
	assert.Equal(t, doc.Title, b.Title)
	assert.Equal(t, "sample:", b.Source)
	assert.Equal(t, doc.Hash, b.Hash)
	assert.Equal(t, content.TemplateModern, b.Template)
	assert.Equal(t, content.ToneProfessional, b.Tone)
	assert.Equal(t, fixedNow, b.AssembledAt)
	assert.Equal(t, content.Channels(), b.Channels)

	// Newsletter: every section heading and item title, in document order.
	require.NotNil(t, b.Newsletter)
	html := b.Newsletter.HTML
	rest := html[strings.Index(html, "<h2"):]
	for _, s := range doc.Sections {
		i := strings.Index(rest, ">"+s.Heading+"</h2>")
		require.GreaterOrEqual(t, i, 0, "section %q missing or out of order", s.Heading)
		rest = rest[i:]
		for _, it := range s.Items {
			j := strings.Index(rest, ">"+it.Title+"</h3>")
			require.GreaterOrEqual(t, j, 0, "item %q missing or out of order", it.Title)
			rest = rest[j:]
		}
	}
	assert.Contains(t, html, `<time datetime="2026-11-20">November 20, 2026</time>`)
	assert.Contains(t, html, "<strong>evening mode</strong>", "item Markdown is rendered")
	assert.Contains(t, b.Newsletter.Text, "## Hardware")
	assert.Contains(t, b.Newsletter.Text, "Sensor firmware 1.3 (November 18, 2026)")
	assert.Equal(t, content.TemplateModern, b.Newsletter.Template)

	// Web post: h2 per section, h3 per item, a TOC of both.
	require.NotNil(t, b.WebPost)
	w := b.WebPost
	assert.Equal(t, 4, strings.Count(w.HTML, "<h2 id="))
	assert.Equal(t, 7, strings.Count(w.HTML, "<h3 id="))
	require.Len(t, w.TOC, 11)
	assert.Equal(t, content.Heading{Level: 2, Text: "Breathscape App", Anchor: "breathscape-app"}, w.TOC[0])
	assert.Equal(t, content.Heading{Level: 3, Text: "Sensor firmware 1.3", Anchor: "sensor-firmware-1-3"}, w.TOC[4])
	for _, h := range w.TOC {
		assert.Contains(t, w.HTML, `id="`+h.Anchor+`"`)
	}
	assert.Contains(t, w.HTML, `<h4 id="why-it-works">Why it works</h4>`, "body headings sit below the item's h3")
	assert.Equal(t, "halcytone-living-document-november", w.Slug)
	assert.Contains(t, w.SchemaMarkup, `"url":"https://halcytone.example/blog/halcytone-living-document-november"`)
	assert.ElementsMatch(t, []string{"breathscape", "hardware", "tips", "vision"}, w.Tags)

	// Social: one post per platform, the top items by priority then date.
	require.Len(t, b.Social, 4)
	x := b.Social[0]
	assert.Equal(t, content.PlatformTwitter, x.Platform)
	all := strings.Join(x.Thread, " ")
	box, evening, mission := strings.Index(all, "Box breathing"), strings.Index(all, "Breathscape 2.4"), strings.Index(all, "Our mission")
	assert.True(t, box >= 0 && box < evening && evening < mission, "priority 1, then priority 2, then the newest: %q", all)
	assert.NotContains(t, all, "Team news", "only the top three items")
	assert.Contains(t, issueCodes(content.NewValidator().ValidateBundle(context.Background(), b).Warnings), content.CodeMissingMedia)
}

func TestAssembleErrors(t *testing.T) {
	a := content.NewAssembler()
	ctx := context.Background()
	big := content.DocumentOf(&content.Update{Base: content.Base{Title: "A very large update", Body: strings.Repeat("breathe ", 10<<20/8)}})
	tests := []struct {
		name   string
		doc    *content.Document
		opts   content.Options
		target error
	}{
		{"nil document", nil, content.Options{}, content.ErrEmptyDocument},
		{"no sections", &content.Document{Title: "Empty"}, content.Options{}, content.ErrEmptyDocument},
		{"sections without items", &content.Document{Title: "Empty", Sections: []content.Section{{Heading: "A"}}}, content.Options{}, content.ErrEmptyDocument},
		{"10 MB body", big, content.Options{}, content.ErrDocumentTooLarge},
		{"unknown template", blogDoc(), content.Options{Template: "fancy"}, content.ErrUnknownValue},
		{"unknown tone", blogDoc(), content.Options{Tone: "sarcastic"}, content.ErrUnknownValue},
		{"unknown channel", blogDoc(), content.Options{Channels: []content.Channel{"fax"}}, content.ErrUnknownValue},
		{"unknown platform", blogDoc(), content.Options{Platforms: []content.Platform{"myspace"}}, content.ErrUnknownValue},
		{"unknown channel tone", blogDoc(), content.Options{ChannelTones: map[content.Channel]content.Tone{content.ChannelEmail: "loud"}}, content.ErrUnknownValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := a.Assemble(ctx, tt.doc, tt.opts)
			require.Error(t, err)
			assert.Nil(t, b)
			assert.ErrorIs(t, err, tt.target)
			assert.Equal(t, strings.ToLower(err.Error()[:1]), err.Error()[:1], "messages are lower case")
		})
	}
	_, err := a.Assemble(ctx, &content.Document{}, content.Options{})
	assert.Equal(t, content.InvalidContent, content.ClassOf(err))
}

func TestAssembleCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := content.NewAssembler().Assemble(ctx, livingDoc(), content.Options{})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestAssembleZeroValue(t *testing.T) {
	var a content.DefaultAssembler
	b, err := a.Assemble(context.Background(), blogDoc(), content.Options{Channels: []content.Channel{content.ChannelEmail}})
	require.NoError(t, err)
	assert.NotEmpty(t, b.Newsletter.HTML)
}

func TestAssembleChannels(t *testing.T) {
	tests := []struct {
		name      string
		opts      content.Options
		channels  []content.Channel
		platforms []content.Platform
	}{
		{"all by default", content.Options{}, content.Channels(), content.Platforms()},
		{"email only", content.Options{Channels: []content.Channel{content.ChannelEmail}}, []content.Channel{content.ChannelEmail}, nil},
		{"aliases", content.Options{Channels: []content.Channel{"web", "social_x"}}, []content.Channel{content.ChannelWebsite, content.ChannelTwitter}, []content.Platform{content.PlatformTwitter}},
		{"platforms override", content.Options{Channels: []content.Channel{content.ChannelEmail}, Platforms: []content.Platform{content.PlatformLinkedIn}},
			[]content.Channel{content.ChannelEmail, content.ChannelLinkedIn}, []content.Platform{content.PlatformLinkedIn}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := assemble(t, blogDoc(), tt.opts)
			assert.Equal(t, tt.channels, b.Channels)
			assert.Equal(t, containsChannel(tt.channels, content.ChannelEmail), b.Newsletter != nil)
			assert.Equal(t, containsChannel(tt.channels, content.ChannelWebsite), b.WebPost != nil)
			var got []content.Platform
			for _, s := range b.Social {
				got = append(got, s.Platform)
			}
			assert.Equal(t, tt.platforms, got)
		})
	}
}

func containsChannel(list []content.Channel, c content.Channel) bool {
	for _, x := range list {
		if x == c {
			return true
		}
	}
	return false
}

func TestAssembleItemChannelFlags(t *testing.T) {
	doc := livingDoc()
	doc.Sections[3].Items[1].Flags.Channels = []content.Channel{content.ChannelEmail}
	b := assemble(t, doc, content.Options{})
	assert.Contains(t, b.Newsletter.HTML, "Team news")
	assert.NotContains(t, b.WebPost.HTML, "Team news", "an item flagged for email stays off the website")
}

func TestAssembleContentType(t *testing.T) {
	tests := []struct {
		name string
		doc  *content.Document
		want content.Type
	}{
		{"typed blog", blogDoc(), content.TypeBlog},
		{"session", sessionDoc(content.SessionLive, 5), content.TypeSession},
		{"living document", livingDoc(), content.TypeUpdate},
		{"flagged item", &content.Document{Sections: []content.Section{{Items: []content.Item{{Title: "Plain title", Body: "Some body text here.", Flags: content.Flags{Type: content.TypeBlog}}}}}}, content.TypeBlog},
		{"detected from the title", &content.Document{Sections: []content.Section{{Items: []content.Item{{Title: "Announcing our partnership", Body: "Some body text here."}}}}}, content.TypeAnnouncement},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, assemble(t, tt.doc, content.Options{}).ContentType)
		})
	}
}

func TestAssembleTemplateFromItemFlag(t *testing.T) {
	u := &content.Update{Base: content.Base{Title: "Minimal news today", Body: "A short body with enough words.", Template: content.TemplateMinimal}}
	b := assemble(t, content.DocumentOf(u), content.Options{})
	assert.Equal(t, content.TemplateMinimal, b.Template)
	assert.Equal(t, content.TemplateMinimal, b.Newsletter.Template)
	b = assemble(t, content.DocumentOf(u), content.Options{Template: "classic"})
	assert.Equal(t, content.TemplateModern, b.Newsletter.Template, "options win, classic is modern")
}

// TestAssembleBadInput feeds input that must never panic and must give an
// issue or an error.
func TestAssembleBadInput(t *testing.T) {
	tests := []struct {
		name  string
		title string
		body  string
		code  string
	}{
		{"invalid UTF-8", "Bad \xff bytes in title", "Body \xc3\x28 with bad bytes inside it.", "invalid_encoding"},
		{"empty title", "", "The body says what happened this week in the app.", "empty_title"},
		{"blank title", "   ", "The body says what happened this week in the app.", "empty_title"},
		{"empty body", "A title without a body", "", "empty_body"},
		{"nested lists", "Deep lists", strings.Repeat("- ", 20000) + "x", "nesting_too_deep"},
		{"nested quotes", "Deep quotes", strings.Repeat(">", 100000) + " x", "nesting_too_deep"},
		{"nested indented lists", "Deep indented lists", deepIndentedList(500), "nesting_too_deep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := &content.Document{Sections: []content.Section{{Items: []content.Item{{Title: tt.title, Body: tt.body}}}}}
			b := assemble(t, doc, content.Options{})
			assert.Contains(t, issueCodes(b.Issues), tt.code)
			require.NotNil(t, b.Newsletter)
			require.NotNil(t, b.WebPost)
			for _, s := range []string{b.Title, b.Newsletter.Subject, b.Newsletter.HTML, b.Newsletter.Text, b.WebPost.HTML, b.WebPost.Title, b.WebPost.SchemaMarkup} {
				assert.True(t, utf8.ValidString(s))
			}
			for _, sp := range b.Social {
				assert.NotEmpty(t, sp.Text)
				assert.True(t, utf8.ValidString(sp.Text))
			}
			assertWithinRules(t, b)
		})
	}
}

func deepIndentedList(depth int) string {
	var b strings.Builder
	for i := range depth {
		b.WriteString(strings.Repeat("  ", i))
		b.WriteString("- item\n")
	}
	return b.String()
}

// TestAssembleConcurrent shares one assembler between goroutines; run with
// -race.
func TestAssembleConcurrent(t *testing.T) {
	a := content.NewAssembler()
	docs := []*content.Document{livingDoc(), blogDoc(), sessionDoc(content.SessionWorkshop, 15)}
	want := make([]*content.Bundle, len(docs))
	for i, d := range docs {
		b, err := a.Assemble(context.Background(), d, content.Options{Now: fixedNow})
		require.NoError(t, err)
		want[i] = b
	}
	var wg sync.WaitGroup
	errs := make(chan error, 24)
	for g := range 24 {
		wg.Go(func() {
			i := g % len(docs)
			b, err := a.Assemble(context.Background(), docs[i], content.Options{Now: fixedNow})
			if err != nil {
				errs <- err
				return
			}
			if b.Newsletter.HTML != want[i].Newsletter.HTML || b.WebPost.HTML != want[i].WebPost.HTML {
				errs <- errors.New("concurrent output differs")
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestAssembleBrandClaims(t *testing.T) {
	u := &content.Update{Base: content.Base{Title: "Breathing cures stress", Body: "A guaranteed way to relax. It is no miracle, just practice."}}
	b := assemble(t, content.DocumentOf(u), content.Options{Platforms: []content.Platform{content.PlatformTwitter, content.PlatformLinkedIn}})
	fields := map[string]bool{}
	for _, i := range b.Issues {
		if i.Code == content.CodeProhibitedClaim {
			assert.Equal(t, content.SeverityError, i.Severity)
			fields[i.Field] = true
		}
	}
	for _, f := range []string{"newsletter.subject", "newsletter.text", "web_update.title", "web_update.html", "web_update.excerpt", "social_posts[0].text", "social_posts[1].text"} {
		assert.True(t, fields[f], "no claim issue for %s in %v", f, fields)
	}

	clean := assemble(t, blogDoc(), content.Options{})
	assert.NotContains(t, issueCodes(clean.Issues), content.CodeProhibitedClaim)
}

// FuzzAssemble feeds arbitrary titles and bodies to every channel: the
// assembler must not panic, and what it makes must keep the channel rules.
func FuzzAssemble(f *testing.F) {
	f.Add("Breathscape 2.4", "The new **evening mode** dims the screen.\n\n- one\n- two", "Sensor news", "Firmware 1.3 improves battery life!")
	f.Add("", "", "\xff", "> > > - - x")
	f.Add("🎉🎉 FREE!!!", "<script>alert(1)</script> [x](javascript:y)", "呼吸", "https://example.com/a. halcytone.app")
	a := content.NewAssembler()
	f.Fuzz(func(t *testing.T, title1, body1, title2, body2 string) {
		doc := &content.Document{Title: title1, Sections: []content.Section{
			{Heading: title2, Items: []content.Item{{Title: title1, Body: body1}, {Title: title2, Body: body2}}},
		}}
		for _, d := range []*content.Document{doc, content.DocumentOf(&content.Blog{Base: content.Base{Title: title1, Body: body1}, Tags: []string{title2}})} {
			b, err := a.Assemble(context.Background(), d, content.Options{Now: fixedNow})
			if err != nil {
				t.Fatalf("assemble: %v", err)
			}
			assertWithinRules(t, b)
		}
	})
}

// TestAssembleRecordsChannelTones: the bundle records the per-channel
// tones that differ from its tone, for the variants it holds only.
func TestAssembleRecordsChannelTones(t *testing.T) {
	b := assemble(t, livingDoc(), content.Options{
		Channels: []content.Channel{content.ChannelEmail, content.ChannelWebsite, content.ChannelTwitter},
		Tone:     content.ToneEncouraging,
		ChannelTones: map[content.Channel]content.Tone{
			content.ChannelEmail:    content.ToneMedicalScientific,
			content.ChannelWebsite:  content.ToneEncouraging,  // the bundle's own tone
			content.ChannelLinkedIn: content.ToneProfessional, // not assembled
		},
	})
	assert.Equal(t, map[content.Channel]content.Tone{content.ChannelEmail: content.ToneMedicalScientific}, b.ChannelTones)
	assert.Empty(t, assemble(t, livingDoc(), content.Options{}).ChannelTones)
}

// TestAssembleChannelToneSpellings: two spellings of one channel in the
// per-channel tones must agree; agreeing ones are one tone.
func TestAssembleChannelToneSpellings(t *testing.T) {
	_, err := content.NewAssembler().Assemble(context.Background(), livingDoc(), content.Options{
		Channels:     []content.Channel{content.ChannelWebsite},
		ChannelTones: map[content.Channel]content.Tone{"web": content.ToneEncouraging, "website": content.ToneMedicalScientific},
	})
	require.Error(t, err)
	var ce *content.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, content.InvalidContent, ce.Class)
	assert.Equal(t, "per_channel_tones", ce.Field)

	b := assemble(t, livingDoc(), content.Options{
		Channels:     []content.Channel{content.ChannelWebsite},
		ChannelTones: map[content.Channel]content.Tone{"web": content.ToneEncouraging, "website": content.ToneEncouraging},
	})
	assert.Equal(t, map[content.Channel]content.Tone{content.ChannelWebsite: content.ToneEncouraging}, b.ChannelTones)
}

// TestAssemblePlainTextResolvesEscapesAndReferences: the text variants
// (excerpt, SEO description, social posts, the enrichment's excerpt)
// show what a reader of the HTML sees, not the Markdown source's
// backslash escapes and character references.
func TestAssemblePlainTextResolvesEscapesAndReferences(t *testing.T) {
	u := &content.Update{Base: content.Base{Title: "Partnership news today",
		Body: "We partner with AT&amp;T on 5 \\* 5 breathing &copy; research &#8212; and more words here for the post."}}
	b := assemble(t, content.DocumentOf(u), content.Options{Channels: []content.Channel{content.ChannelWebsite, content.ChannelLinkedIn}})
	meta := content.Enrich(u, time.Now(), time.UTC)
	for name, s := range map[string]string{"excerpt": b.WebPost.Excerpt, "seo_description": b.WebPost.SEODescription,
		"linkedin": b.Social[0].Text, "enrichment excerpt": meta.Excerpt} {
		assert.NotContains(t, s, "&amp;", name)
		assert.NotContains(t, s, "&copy;", name)
		assert.NotContains(t, s, `\*`, name)
		assert.Contains(t, s, "AT&T", name)
	}
	assert.Contains(t, b.WebPost.Excerpt, "5 * 5 breathing © research —")
}
