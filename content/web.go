package content

import (
	"encoding/json"
	"fmt"
	"html"
	"strings"
	"time"
	"unicode/utf8"
)

// Web post limits (the validator's rules).
const (
	webTitleMin  = 10
	webTitleMax  = 100
	slugMax      = 100
	excerptMin   = 20
	excerptMax   = 300
	webTagsMax   = 10
	tagMax       = 50
	seoTitleMax  = 60
	seoDescMin   = 120
	seoDescMax   = 160
	seoWordsGood = 300
)

// webPost builds the website variant, or nil when no item may go to the
// website.
func (a *DefaultAssembler) webPost(p *prepared, tone Tone) *WebPost {
	items := p.itemsFor(ChannelWebsite)
	if len(items) == 0 {
		return nil
	}
	v := voiceOf(tone)
	pl := p.plan
	w := &WebPost{Slug: p.slug}
	w.Title = fitTitle(v.finish(kindWeb, p.title), pl.brand)

	// Render the bodies first (render keeps each result) to size the
	// builders: the markup around each item takes well under 256 bytes.
	size, plainSize := 1024, 0
	for _, it := range items {
		size += len(a.md.render(it.body, &p.rb)) + 2*len(it.Title) + 256
		plainSize += len(it.Title) + len(it.body.plain) + 3
	}
	var b strings.Builder
	b.Grow(size)
	var intro []string
	if p.single == nil {
		intro = append(intro, fmt.Sprintf(v.intro, pl.brand))
	}
	if p.session != nil {
		intro = append(intro, sessionIntro(p.session, v))
	}
	for _, s := range intro {
		b.WriteString(`<p class="intro">`)
		b.WriteString(html.EscapeString(s))
		b.WriteString("</p>\n")
	}
	var plain strings.Builder
	plain.Grow(plainSize)
	if p.single != nil {
		b.WriteString(a.md.render(items[0].body, &p.rb))
		w.TOC = append(w.TOC, items[0].body.headings...)
		plain.WriteString(items[0].body.plain)
		if an, ok := p.typed.(*Announcement); ok && strings.TrimSpace(an.CallToAction) != "" {
			b.WriteString(`<p class="call-to-action"><strong>`)
			b.WriteString(html.EscapeString(strings.TrimSpace(an.CallToAction)))
			b.WriteString("</strong></p>\n")
		}
	} else {
		var cur *prepSection
		for _, it := range items {
			if it.section != cur {
				if cur != nil {
					b.WriteString("</section>\n")
				}
				cur = it.section
				b.WriteString(`<section><h2 id="`)
				b.WriteString(cur.anchor)
				b.WriteString(`">`)
				b.WriteString(html.EscapeString(cur.heading))
				b.WriteString("</h2>\n")
				w.TOC = append(w.TOC, Heading{Level: 2, Text: cur.heading, Anchor: cur.anchor})
			}
			b.WriteString(`<article><h3 id="`)
			b.WriteString(it.anchor)
			b.WriteString(`">`)
			b.WriteString(html.EscapeString(it.Title))
			b.WriteString("</h3>\n")
			if it.date != "" {
				b.WriteString(`<p class="date">`)
				b.WriteString(it.timeHTML())
				b.WriteString("</p>\n")
			}
			b.WriteString(a.md.render(it.body, &p.rb))
			b.WriteString("</article>\n")
			w.TOC = append(w.TOC, Heading{Level: 3, Text: it.Title, Anchor: it.anchor})
			plain.WriteString(it.Title)
			plain.WriteString(": ")
			plain.WriteString(it.body.plain)
			plain.WriteByte('\n')
		}
		b.WriteString("</section>\n")
	}
	w.HTML = b.String()
	p.webText = plain.String()
	// Excerpts and descriptions need only the opening of the text.
	body := collapseSpace(p.webText[:byteOffset(p.webText, 4*excerptMax)])

	// Pads that lengthen a short excerpt or description: the post's text,
	// then brand lines that hold no emoji or "!", so that the tone's budget
	// still holds after padding.
	brandPad := []string{
		fmt.Sprintf("Read the latest from %s on breathing, wellbeing and technology.", pl.brand),
		"Published on the " + pl.brand + " blog, where we share product news, research and practical breathing techniques for everyday life.",
	}
	pad := append([]string{body}, brandPad...)
	fit := func(s string, min, max int) string {
		return fitRange(v.finish(kindWeb, fitRange(collapseSpace(s), pad, min, max)), brandPad, min, max)
	}
	var excerpt, seoDesc string
	switch c := p.typed.(type) {
	case *Update:
		excerpt = c.Excerpt
	case *Blog:
		excerpt, seoDesc = c.Excerpt, c.SEODescription
	case *Session:
		excerpt = sessionOneLiner(c)
	}
	if strings.TrimSpace(excerpt) == "" {
		excerpt = body
	}
	w.Excerpt = fit(excerpt, excerptMin, excerptMax)
	if n := utf8.RuneCountInString(strings.TrimSpace(seoDesc)); n < seoDescMin || n > seoDescMax {
		seoDesc = w.Excerpt
	}
	w.SEODescription = fit(seoDesc, seoDescMin, seoDescMax)
	w.SEOTitle = seoTitle(w.Title, pl.brand)
	w.Tags = webTags(p, items)
	w.ReadingTime = ReadingTime(p.words)
	if bl, ok := p.typed.(*Blog); ok && bl.ReadingTime > 0 {
		w.ReadingTime = bl.ReadingTime
	}
	w.SchemaMarkup = schemaMarkup(p, w, items)
	w.SEOScore = webSEOScore(w, p.words)
	return w
}

// fitTitle returns title with white space collapsed, padded with the
// brand to webTitleMin and cut at a word boundary to webTitleMax.
func fitTitle(title, brand string) string {
	t := collapseSpace(title)
	if utf8.RuneCountInString(t) < webTitleMin {
		if t == "" {
			t = brand + " news and updates"
		} else {
			t += " | " + brand + " news and updates"
		}
	}
	return Truncate(t, webTitleMax)
}

// seoTitle is title with " | brand" when that fits seoTitleMax, else title
// cut at a word boundary to seoTitleMax.
func seoTitle(title, brand string) string {
	if s := title + " | " + brand; utf8.RuneCountInString(s) <= seoTitleMax {
		return s
	}
	return Truncate(title, seoTitleMax)
}

// fitRange returns s, extended by the sentences of pad while it is shorter
// than min runes, then cut at a word boundary to at most max runes, never
// below min (pad must hold enough text for that).
func fitRange(s string, pad []string, min, max int) string {
	for _, p := range pad {
		if utf8.RuneCountInString(s) >= min {
			break
		}
		if p = collapseSpace(p); p != "" && !strings.Contains(s, p) {
			if s != "" {
				s += " "
			}
			s += Truncate(p, max)
		}
	}
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	if t := Truncate(s, max); utf8.RuneCountInString(t) >= min {
		return t
	}
	head := s[:byteOffset(s, max-1)]
	if i := strings.LastIndexByte(head, ' '); i > 0 && utf8.RuneCountInString(head[:i]) >= min {
		head = head[:i]
	}
	return strings.TrimRight(head, " ,;:") + "…"
}

// webTags derives at most webTagsMax tags: typed tags and keywords, else
// the categories of the items.
func webTags(p *prepared, items []*prepItem) []string {
	var tags []string
	switch c := p.typed.(type) {
	case *Update:
		tags = append(tags, c.Tags...)
	case *Blog:
		tags = append(append(append(tags, c.Tags...), c.TargetKeywords...), c.Category)
	case *Session:
		tags = append(append(tags, "breathwork", string(c.SessionType)), c.BreathingTechniques...)
	}
	for _, it := range items {
		if it.Category != "" && it.Category != CategoryGeneral {
			tags = append(tags, string(it.Category))
		}
	}
	out := []string{}
	for _, t := range NormalizeTags(tags) {
		if utf8.RuneCountInString(t) <= tagMax && len(out) < webTagsMax {
			out = append(out, t)
		}
	}
	return out
}

// jsonLD is a schema.org BlogPosting.
type jsonLD struct {
	Context          string  `json:"@context"`
	Type             string  `json:"@type"`
	Headline         string  `json:"headline"`
	Description      string  `json:"description"`
	DatePublished    string  `json:"datePublished"`
	DateModified     string  `json:"dateModified"`
	Author           ldThing `json:"author"`
	Publisher        ldThing `json:"publisher"`
	URL              string  `json:"url"`
	MainEntityOfPage string  `json:"mainEntityOfPage"`
	WordCount        int     `json:"wordCount"`
	Keywords         string  `json:"keywords,omitempty"`
}

type ldThing struct {
	Type string `json:"@type"`
	Name string `json:"name"`
}

// schemaMarkup returns the post's BlogPosting JSON-LD. encoding/json
// escapes "<", ">" and "&", so the result is safe inside a <script>.
func schemaMarkup(p *prepared, w *WebPost, items []*prepItem) string {
	var published time.Time
	for _, it := range items {
		if it.Date.After(published) {
			published = it.Date
		}
	}
	if published.IsZero() {
		published = p.plan.now
	}
	author := ldThing{Type: "Organization", Name: p.plan.brand}
	if p.typed != nil {
		if a := strings.TrimSpace(p.typed.Common().Author); a != "" {
			author = ldThing{Type: "Person", Name: a}
		}
	}
	ld := jsonLD{
		Context:          "https://schema.org",
		Type:             "BlogPosting",
		Headline:         w.Title,
		Description:      w.SEODescription,
		DatePublished:    published.UTC().Format(time.RFC3339),
		DateModified:     p.plan.now.Format(time.RFC3339),
		Author:           author,
		Publisher:        ldThing{Type: "Organization", Name: p.plan.brand},
		URL:              p.postURL,
		MainEntityOfPage: p.postURL,
		WordCount:        p.words,
		Keywords:         strings.Join(w.Tags, ", "),
	}
	out, err := json.Marshal(ld)
	if err != nil {
		// Strings and ints always marshal.
		return ""
	}
	return string(out)
}

// webSEOScore rates the finished post from 0 to 100 by the rules the
// validator's enrichment applies to content (see seoScore), measured on
// the post's own fields: 20 for an SEO title of 30-60 runes (10 for
// 10-70), 20 for an SEO description of 120-160 runes (10 for any other),
// 20 for at least 300 words (10 for 150), 15 for a heading, 15 when the
// title holds one of the tags, 10 for a link.
func webSEOScore(w *WebPost, words int) int {
	score := 0
	switch n := utf8.RuneCountInString(w.SEOTitle); {
	case n >= 30 && n <= seoTitleMax:
		score += 20
	case n >= 10 && n <= 70:
		score += 10
	}
	switch n := utf8.RuneCountInString(w.SEODescription); {
	case n >= seoDescMin && n <= seoDescMax:
		score += 20
	case n > 0:
		score += 10
	}
	switch {
	case words >= seoWordsGood:
		score += 20
	case words >= seoWordsGood/2:
		score += 10
	}
	if len(w.TOC) > 0 {
		score += 15
	}
	title := strings.ToLower(w.Title)
	for _, t := range w.Tags {
		if strings.Contains(title, t) {
			score += 15
			break
		}
	}
	if strings.Contains(w.HTML, "<a ") {
		score += 10
	}
	return score
}
