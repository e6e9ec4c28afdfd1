package content

import (
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"unicode"
	"unicode/utf8"
)

// Newsletter limits (the validator's rules).
const (
	subjectMin     = 10
	subjectMax     = 100
	previewTextMax = 150
)

//go:embed templates/*.tmpl
var templateFS embed.FS

// parseTemplates parses the embedded newsletter templates: for each
// Template, "<name>.html.tmpl" (html/template) and "<name>.txt.tmpl"
// (text/template). They use "[[" and "]]" as delimiters so that the merge
// tags ("{{name}}") stay literal in their text.
func parseTemplates() (*htmltemplate.Template, *texttemplate.Template, error) {
	h, err := htmltemplate.New("newsletter").Delims("[[", "]]").ParseFS(templateFS, "templates/*.html.tmpl")
	if err != nil {
		return nil, nil, fmt.Errorf("parse newsletter html templates: %w", err)
	}
	t, err := texttemplate.New("newsletter").Delims("[[", "]]").ParseFS(templateFS, "templates/*.txt.tmpl")
	if err != nil {
		return nil, nil, fmt.Errorf("parse newsletter text templates: %w", err)
	}
	for _, tm := range Templates() {
		if h.Lookup(string(tm)+".html.tmpl") == nil || t.Lookup(string(tm)+".txt.tmpl") == nil {
			return nil, nil, fmt.Errorf("newsletter template %q: missing html or text part", tm)
		}
	}
	return h, t, nil
}

// newsletterData is what the templates see.
type newsletterData struct {
	Subject     string
	PreviewText string
	Title       string
	Brand       string
	Greeting    string
	Intro       []string
	Sections    []newsletterSection
	CTAText     string
	CTAURL      string
	Signoff     string
	Year        int
}

type newsletterSection struct {
	Heading string
	Items   []newsletterItem
}

type newsletterItem struct {
	Title string
	Date  string            // for the text part
	Time  htmltemplate.HTML // <time> element of Date, escaped
	HTML  htmltemplate.HTML // sanitised by bluemonday
	Text  string
}

// newsletter builds the email variant, or nil when no item may go to
// email.
func (a *DefaultAssembler) newsletter(p *prepared, tone Tone) (*Newsletter, error) {
	items := p.itemsFor(ChannelEmail)
	if len(items) == 0 {
		return nil, nil
	}
	v := voiceOf(tone)
	pl := p.plan
	d := newsletterData{
		Title:    p.title,
		Brand:    pl.brand,
		Greeting: v.greeting,
		Intro:    []string{fmt.Sprintf(v.intro, pl.brand)},
		CTAText:  v.cta,
		CTAURL:   p.postURL,
		Signoff:  fmt.Sprintf(v.signoff, pl.brand),
		Year:     pl.now.Year(),
	}
	if p.session != nil {
		d.Intro = append(d.Intro, sessionIntro(p.session, v))
	}
	if a, ok := p.typed.(*Announcement); ok && strings.TrimSpace(a.CallToAction) != "" {
		d.CTAText = strings.TrimSpace(a.CallToAction)
	}
	d.Subject = subject(p.title, v, pl.brand)
	d.PreviewText = previewText(p, items, v)
	d.Sections = a.newsletterSections(p, items)

	// Builders sized for the result (the templates' own markup and the
	// items' HTML or Markdown) are written once and not copied.
	htmlSize, textSize := 3072, 1024
	for _, sec := range d.Sections {
		htmlSize += len(sec.Heading) + 128
		textSize += len(sec.Heading) + 8
		for _, it := range sec.Items {
			htmlSize += len(it.HTML) + len(it.Title) + len(it.Time) + 192
			textSize += len(it.Text) + len(it.Title) + len(it.Date) + 16
		}
	}
	tmpl := string(pl.template)
	var html, text strings.Builder
	html.Grow(htmlSize)
	if err := a.html.ExecuteTemplate(&html, tmpl+".html.tmpl", d); err != nil {
		return nil, fmt.Errorf("content: newsletter template %q: %w", tmpl, err)
	}
	text.Grow(textSize)
	if err := a.text.ExecuteTemplate(&text, tmpl+".txt.tmpl", d); err != nil {
		return nil, fmt.Errorf("content: newsletter text template %q: %w", tmpl, err)
	}
	return &Newsletter{
		Subject:     d.Subject,
		PreviewText: d.PreviewText,
		HTML:        html.String(),
		Text:        text.String(),
		Template:    pl.template,
	}, nil
}

// newsletterSections groups items by their section, in document order;
// a one-item document has one section without a heading.
func (a *DefaultAssembler) newsletterSections(p *prepared, items []*prepItem) []newsletterSection {
	var out []newsletterSection
	var cur *prepSection
	for _, it := range items {
		switch {
		case p.single != nil:
			if len(out) == 0 {
				out = append(out, newsletterSection{})
			}
		case it.section != cur:
			cur = it.section
			out = append(out, newsletterSection{Heading: cur.heading})
		}
		ni := newsletterItem{
			Date: it.date,
			HTML: htmltemplate.HTML(a.md.render(it.body, &p.rb)), // sanitised by the policy
			Text: it.body.plainText(),
		}
		if it.date != "" {
			ni.Time = htmltemplate.HTML(it.timeHTML()) // built from formatted dates only
		}
		if p.single == nil {
			ni.Title = it.Title
		}
		out[len(out)-1].Items = append(out[len(out)-1].Items, ni)
	}
	return out
}

// subject returns the newsletter subject for title: the tone's pattern,
// spam triggers removed, the emoji and "!" budget applied, padded to
// subjectMin and cut at a word boundary to subjectMax.
func subject(title string, v voice, brand string) string {
	s := cleanSubject(v.finish(kindSubject, fmt.Sprintf(v.subject, collapseSpace(title))))
	if utf8.RuneCountInString(s) < subjectMin {
		if s == "" {
			s = brand + " newsletter"
		} else {
			s += " · " + brand + " newsletter"
		}
		s = cleanSubject(s)
	}
	s = Truncate(s, subjectMax)
	if utf8.RuneCountInString(s) < subjectMin {
		s = "Your newsletter update"
	}
	return s
}

// cleanSubject removes spam triggers (whole words, with their inflected
// forms) and runs of "!" from s.
func cleanSubject(s string) string {
	for strings.Contains(s, "!!") {
		s = strings.ReplaceAll(s, "!!", "!")
	}
	for _, cue := range SpamTriggers() {
		if strings.Trim(cue, "!") != "" { // "!!!" is gone with the runs above
			s = removeCue(s, cue)
		}
	}
	s = collapseSpace(s)
	return strings.TrimFunc(s, func(r rune) bool { return r == ':' || r == '-' || r == '·' || r == ',' || r == ' ' })
}

// removeCue deletes every whole-word occurrence of cue (lower case ASCII)
// in s, case-insensitively as strings.ToLower sees it (as the validator's
// spam check does), with any inflection suffix.
func removeCue(s, cue string) string {
	lower, at := lowerIndexed(s)
	if !strings.Contains(lower, cue) {
		return s
	}
	var b strings.Builder
	last := 0 // in s
	for i := 0; ; {
		j := strings.Index(lower[i:], cue)
		if j < 0 {
			break
		}
		start, end := i+j, i+j+len(cue)
		if boundaryBefore(lower, start) && boundaryAfter(lower, end) {
			for end < len(lower) && lower[end] >= 'a' && lower[end] <= 'z' {
				end++
			}
			b.WriteString(s[last:at[start]])
			last = at[end]
		}
		i = end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// lowerIndexed returns strings.ToLower(s) and, for each byte offset of it
// that starts a rune (and its end), the offset in s of the rune it came
// from: lowering changes byte lengths (İ becomes i, K the Kelvin sign k).
func lowerIndexed(s string) (string, []int) {
	lower := make([]byte, 0, len(s))
	at := make([]int, 0, len(s)+1)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		before := len(lower)
		lower = utf8.AppendRune(lower, unicode.ToLower(r))
		for range len(lower) - before {
			at = append(at, i)
		}
		i += n
	}
	at = append(at, len(s))
	return string(lower), at
}

// previewText is the inbox preview: the typed excerpt, else the opening of
// the first item's text, after the tone's rules, at most previewTextMax.
func previewText(p *prepared, items []*prepItem, v voice) string {
	var s string
	switch c := p.typed.(type) {
	case *Update:
		s = c.Excerpt
	case *Blog:
		s = c.Excerpt
	case *Session:
		s = sessionOneLiner(c)
	}
	if strings.TrimSpace(s) == "" && len(items) > 0 {
		s = items[0].body.leadText()
		if len(items) > 1 {
			s = items[0].Title + ": " + s
		}
	}
	s = collapseSpace(s)
	if s == "" {
		s = fmt.Sprintf(v.intro, p.plan.brand)
	}
	return Truncate(v.finish(kindPreview, Truncate(s, previewTextMax*2)), previewTextMax)
}

// collapseSpace trims s and replaces every run of white space with one
// space.
func collapseSpace(s string) string {
	clean := true
	prevSpace := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		sp := c == ' ' || c == '\n' || c == '\t' || c == '\r'
		if sp && (prevSpace || c != ' ') {
			clean = false
			break
		}
		prevSpace = sp
	}
	if clean && !prevSpace {
		return s
	}
	return joinFields(s)
}
