package content

import (
	"context"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"
	"unicode/utf8"
)

// ErrEmptyDocument is wrapped by Assemble when the document has no items.
var ErrEmptyDocument = errors.New("content: empty document")

// ErrDocumentTooLarge is wrapped by Assemble when the document's text
// exceeds MaxDocumentSize.
var ErrDocumentTooLarge = errors.New("content: document too large")

// MaxDocumentSize is the most text, in bytes (titles, headings and bodies
// together), that Assemble accepts in one document.
const MaxDocumentSize = 2 << 20

// Defaults of Options.
const (
	defaultBrand   = "Halcytone"
	defaultBaseURL = "https://example.com"
)

// DefaultAssembler is the Assembler of this package. It renders Markdown
// with goldmark, sanitises the HTML with one bluemonday policy and fills
// the embedded newsletter templates. Its zero value is ready to use; it is
// safe for concurrent use and must not be copied after first use.
type DefaultAssembler struct {
	once sync.Once
	err  error // from parsing the embedded templates
	md   *markdown
	html *htmltemplate.Template
	text *texttemplate.Template
}

var _ Assembler = (*DefaultAssembler)(nil)

// NewAssembler returns a DefaultAssembler with its renderer, sanitising
// policy and templates built.
func NewAssembler() *DefaultAssembler {
	a := &DefaultAssembler{}
	a.once.Do(a.init)
	return a
}

func (a *DefaultAssembler) init() {
	a.md = newMarkdown()
	a.html, a.text, a.err = parseTemplates()
}

// plan is Options resolved: defaults applied, names validated.
type plan struct {
	channels     []Channel // email and website, when asked for
	platforms    []Platform
	template     Template
	tone         Tone
	channelTones map[Channel]Tone
	baseURL      string
	brand        string
	now          time.Time
}

func (p *plan) toneFor(c Channel) Tone {
	if t, ok := p.channelTones[c]; ok {
		return t
	}
	return p.tone
}

// Assemble turns doc into a bundle of the channel variants opts asks for.
// A document of many items gives digests (grouped by section for email
// and the web, the top items by priority then date for social posts); a
// one-item document uses its typed content; a single *Session gives a
// session summary. An item whose Flags.Channels is set appears only in
// those channels, and a channel left without items is not produced.
//
// Assemble fails with an error wrapping ErrEmptyDocument,
// ErrDocumentTooLarge (both also *Error of class InvalidContent) or
// ErrUnknownValue (an unknown channel, platform, template or tone), or
// with ctx's error. Problems with the text itself never fail it: they are
// reported in Bundle.Issues, with prohibited claims found by CheckClaims
// in every generated text.
func (a *DefaultAssembler) Assemble(ctx context.Context, doc *Document, opts Options) (*Bundle, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a.once.Do(a.init)
	if a.err != nil {
		return nil, fmt.Errorf("assemble: %w", a.err)
	}
	if doc == nil {
		return nil, invalidDocument(ErrEmptyDocument, "nil document")
	}
	pl, err := resolvePlan(doc, opts)
	if err != nil {
		return nil, err
	}
	p, err := a.prepare(doc, pl)
	if err != nil {
		return nil, err
	}
	b := &Bundle{
		ContentType: p.typ,
		Title:       p.title,
		Source:      doc.Source,
		Hash:        doc.Hash,
		Template:    pl.template,
		Tone:        pl.tone,
		AssembledAt: pl.now,
		Issues:      p.issues,
	}
	if b.Hash == "" {
		b.Hash = doc.ContentHash()
	}
	if p.session != nil {
		s := summarize(p.session)
		b.Session = &s
	}
	for _, c := range pl.channels {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		switch c {
		case ChannelEmail:
			nl, err := a.newsletter(p, pl.toneFor(c))
			if err != nil {
				return nil, err
			}
			if nl != nil {
				b.Newsletter = nl
				b.Channels = append(b.Channels, c)
			}
		case ChannelWebsite:
			if w := a.webPost(p, pl.toneFor(c)); w != nil {
				b.WebPost = w
				b.Channels = append(b.Channels, c)
			}
		}
	}
	for _, pf := range pl.platforms {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		sp, truncated, ok := a.socialPost(p, pf, pl.toneFor(Channel(pf)))
		if !ok {
			continue
		}
		if truncated {
			b.Issues = append(b.Issues, Issue{Severity: SeverityInfo, Field: "social_posts[" + strconv.Itoa(len(b.Social)) + "].text", Code: CodeTruncated,
				Message: fmt.Sprintf("text shortened at a sentence or word boundary to fit %s's limit of %d", pf, sp.Limit)})
		}
		b.Social = append(b.Social, sp)
		b.Channels = append(b.Channels, Channel(pf))
	}
	for _, c := range b.Channels {
		if t := pl.toneFor(c); t != pl.tone {
			if b.ChannelTones == nil {
				b.ChannelTones = map[Channel]Tone{}
			}
			b.ChannelTones[c] = t
		}
	}
	b.Issues = append(b.Issues, claimIssues(b, p.webText)...)
	return b, nil
}

func invalidDocument(sentinel error, format string, args ...any) error {
	return &Error{Class: InvalidContent, Op: "content: assemble", Field: "sections", Err: fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)}
}

// resolvePlan applies the defaults of Options and validates its names.
func resolvePlan(doc *Document, o Options) (*plan, error) {
	pl := &plan{baseURL: strings.TrimRight(o.BaseURL, "/"), brand: strings.TrimSpace(o.Brand), now: o.Now}
	if pl.baseURL == "" {
		pl.baseURL = defaultBaseURL
	}
	if pl.brand == "" {
		pl.brand = defaultBrand
	}
	if pl.now.IsZero() {
		pl.now = time.Now()
	}
	pl.now = pl.now.UTC()
	var err error
	tmpl := o.Template
	if tmpl == "" && len(doc.Sections) == 1 && len(doc.Sections[0].Items) == 1 {
		tmpl = doc.Sections[0].Items[0].Flags.Template
	}
	if pl.template, err = ParseTemplate(string(tmpl)); err != nil {
		return nil, fmt.Errorf("assemble: %w", err)
	}
	if pl.tone, err = ParseTone(string(o.Tone)); err != nil {
		return nil, fmt.Errorf("assemble: %w", err)
	}
	if len(o.ChannelTones) > 0 {
		pl.channelTones = make(map[Channel]Tone, len(o.ChannelTones))
		for _, c := range slices.Sorted(maps.Keys(o.ChannelTones)) {
			pc, err := ParseChannel(string(c))
			if err != nil {
				return nil, fmt.Errorf("assemble: channel tones: %w", err)
			}
			t, err := ParseTone(string(o.ChannelTones[c]))
			if err != nil {
				return nil, fmt.Errorf("assemble: channel tones: %w", err)
			}
			// Two spellings of one channel ("web", "website") must agree:
			// which one won would depend on map order.
			if prev, ok := pl.channelTones[pc]; ok && prev != t {
				return nil, &Error{Class: InvalidContent, Op: "content: assemble", Field: "per_channel_tones",
					Err: fmt.Errorf("channel %s is given two tones, %s and %s", pc, prev, t)}
			}
			pl.channelTones[pc] = t
		}
	}
	channels := o.Channels
	if len(channels) == 0 {
		channels = Channels()
	}
	var social []Platform
	for _, c := range channels {
		pc, err := ParseChannel(string(c))
		if err != nil {
			return nil, fmt.Errorf("assemble: %w", err)
		}
		if p, ok := pc.Platform(); ok {
			if !slices.Contains(social, p) {
				social = append(social, p)
			}
		} else if !slices.Contains(pl.channels, pc) {
			pl.channels = append(pl.channels, pc)
		}
	}
	slices.SortFunc(pl.channels, func(a, b Channel) int { return strings.Compare(string(a), string(b)) }) // email before website
	if len(o.Platforms) > 0 {
		social = social[:0]
		for _, p := range o.Platforms {
			pp, err := ParsePlatform(string(p))
			if err != nil {
				return nil, fmt.Errorf("assemble: %w", err)
			}
			if !slices.Contains(social, pp) {
				social = append(social, pp)
			}
		}
	}
	pl.platforms = social
	return pl, nil
}

// prepared is a document made ready for the channel builders: text made
// valid, items parsed, anchors assigned.
type prepared struct {
	plan     *plan
	typ      Type
	title    string // the document's title, or its single item's
	slug     string
	postURL  string
	sections []prepSection
	items    []*prepItem // every item in document order
	single   *prepItem   // the only item of a one-item document
	typed    Content     // the single item's typed content, if any
	session  *Session
	issues   []Issue
	words    int
	// fixedTags are the hashtags that do not depend on the items: see
	// hashtags.
	fixedTags []string
	rb        renderBuffer
	webText   string // the web post's text, for claim checks
}

type prepSection struct {
	heading  string
	category Category
	anchor   string
	items    []*prepItem
	tag      *string // hashtag of category, once computed
}

// hashtag returns the section's category as a hashtag, "" for none or
// general.
func (s *prepSection) hashtag() string {
	if s.tag == nil {
		t := ""
		if s.category != "" && s.category != CategoryGeneral {
			t = toHashtag(string(s.category))
		}
		s.tag = &t
	}
	return *s.tag
}

type prepItem struct {
	Item
	si, ii  int // indices of the section and of the item in it
	anchor  string
	section *prepSection
	body    *parsedBody
	date    string // human date, "" when unknown
	time    string // <time> element of date
}

// path returns the item's field path, such as "sections[0].items[1].body".
func (it *prepItem) path(leaf string) string { return fieldPath(it.si, it.ii, leaf) }

// timeHTML returns the item's date as an HTML <time> element.
func (it *prepItem) timeHTML() string {
	if it.time == "" && it.date != "" {
		it.time = `<time datetime="` + it.Date.Format("2006-01-02") + `">` + it.date + "</time>"
	}
	return it.time
}

// inChannel reports whether the item's own channel flags allow c.
func (it *prepItem) inChannel(c Channel) bool {
	return len(it.Flags.Channels) == 0 || slices.Contains(it.Flags.Channels, c)
}

func (a *DefaultAssembler) prepare(doc *Document, pl *plan) (*prepared, error) {
	size, n := len(doc.Title), 0
	for _, s := range doc.Sections {
		size += len(s.Heading)
		for _, it := range s.Items {
			size += len(it.Title) + len(it.Body)
			n++
		}
	}
	if n == 0 {
		return nil, invalidDocument(ErrEmptyDocument, "document %q has no items", validText(doc.Title))
	}
	if size > MaxDocumentSize {
		return nil, invalidDocument(ErrDocumentTooLarge, "document %q holds %d bytes of text, more than %d", truncateBytes(validText(doc.Title), 80), size, MaxDocumentSize)
	}
	p := &prepared{plan: pl, sections: make([]prepSection, 0, len(doc.Sections)), items: make([]*prepItem, 0, n)}
	anchors := anchorSet{}
	title := p.validAt("title", doc.Title)
	single := n == 1
	all := make([]prepItem, n)
	k := 0
	for si, s := range doc.Sections {
		if len(s.Items) == 0 {
			continue
		}
		heading := s.Heading
		if !utf8.ValidString(heading) {
			heading = p.validAt(fieldPath(si, -1, "heading"), heading)
		}
		p.sections = append(p.sections, prepSection{heading: heading, category: s.Category})
		ps := &p.sections[len(p.sections)-1]
		if !single {
			ps.anchor = anchors.add(ps.heading, "section")
		}
		for ii, it := range s.Items {
			pi := &all[k]
			k++
			pi.Item = it
			pi.section = ps
			pi.si, pi.ii = si, ii
			pi.Title = strings.TrimSpace(p.valid(pi, "title", it.Title))
			pi.Body = p.valid(pi, "body", it.Body)
			if pi.Category == "" {
				pi.Category = s.Category
			}
			if !it.Date.IsZero() {
				pi.date = it.Date.Format("January 2, 2006")
			}
			ps.items = append(ps.items, pi)
			p.items = append(p.items, pi)
		}
	}
	if single {
		p.single = p.items[0]
		p.typed = p.single.Content
		if s, ok := p.typed.(*Session); ok {
			p.session = s
			p.single.Body = sessionMarkdown(s)
			if p.single.Title == "" {
				p.single.Title = sessionTitle(s)
			}
		}
	}
	for _, it := range p.items {
		if !single {
			it.anchor = anchors.add(it.Title, "item")
		}
		floor := 4 // body headings sit below the h2 section and h3 item
		if single {
			floor = 2 // h1 is the post's own title
		}
		it.body = a.md.parse(it.Body, floor, &anchors)
		p.rb.batch = append(p.rb.batch, it.body)
		p.words += WordCount(it.body.plain)
		if it.body.flattened {
			p.issues = append(p.issues, Issue{Severity: SeverityWarning, Field: it.path("body"), Code: CodeNestingTooDeep,
				Message: fmt.Sprintf("lists or block quotes nested deeper than %d levels were flattened", maxNesting)})
		}
		if it.Title == "" {
			it.Title = Truncate(firstSentence(it.body.plain), 80)
			if it.Title == "" {
				it.Title = "Untitled"
			}
			p.issues = append(p.issues, Issue{Severity: SeverityWarning, Field: it.path("title"), Code: CodeEmptyTitle, Message: fmt.Sprintf("item has no title; using %q", it.Title)})
		}
		if strings.TrimSpace(it.body.plain) == "" && p.session == nil {
			p.issues = append(p.issues, Issue{Severity: SeverityWarning, Field: it.path("body"), Code: CodeEmptyBody, Message: fmt.Sprintf("item %q has no body text", it.Title)})
		}
	}
	switch {
	case single && p.typed != nil:
		p.typ = p.typed.Kind()
	case single && p.single.Flags.Type != "":
		p.typ = p.single.Flags.Type
	case single:
		p.typ = Detect(p.single.Title)
	default:
		p.typ = TypeUpdate
	}
	switch {
	case single && p.single.Title != "":
		p.title = p.single.Title
	case strings.TrimSpace(title) != "":
		p.title = strings.TrimSpace(title)
	default:
		p.title = pl.brand + " update"
	}
	// The title alone: padding a short one with the brand, as the web
	// title is, would give every short title that Slugify cannot spell
	// (新機能, お知らせ) the same slug.
	p.slug = Slugify(Truncate(collapseSpace(p.title), webTitleMax), 100)
	if p.slug == "" {
		p.slug = "post-" + doc.ContentHash()[:12]
	}
	p.postURL = pl.baseURL + "/blog/" + p.slug
	return p, nil
}

// valid returns the item's field s with invalid UTF-8 replaced, and files
// an issue when it had to.
func (p *prepared) valid(it *prepItem, leaf, s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return p.validAt(it.path(leaf), s)
}

// validAt returns s with invalid UTF-8 replaced, and files an issue for
// field when it had to.
func (p *prepared) validAt(field, s string) string {
	if utf8.ValidString(s) {
		return s
	}
	p.issues = append(p.issues, Issue{Severity: SeverityWarning, Field: field, Code: CodeInvalidEncoding, Message: "text is not valid UTF-8; invalid bytes were replaced by U+FFFD"})
	return validText(s)
}

func validText(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func fieldPath(section, item int, leaf string) string {
	s := "sections[" + strconv.Itoa(section) + "]"
	if item >= 0 {
		s += ".items[" + strconv.Itoa(item) + "]"
	}
	if leaf != "" {
		s += "." + leaf
	}
	return s
}

// itemsFor returns the items that may appear in channel c, in document
// order.
func (p *prepared) itemsFor(c Channel) []*prepItem {
	all := true
	for _, it := range p.items {
		if !it.inChannel(c) {
			all = false
			break
		}
	}
	if all {
		return p.items
	}
	var out []*prepItem
	for _, it := range p.items {
		if it.inChannel(c) {
			out = append(out, it)
		}
	}
	return out
}

// topItems returns up to n items for channel c, most important first: by
// priority (1 first), then newest first, then document order.
func (p *prepared) topItems(c Channel, n int) []*prepItem {
	items := slices.Clone(p.itemsFor(c))
	slices.SortStableFunc(items, func(a, b *prepItem) int {
		if pa, pb := a.Flags.Priority.Effective(), b.Flags.Priority.Effective(); pa != pb {
			return int(pa) - int(pb)
		}
		return b.Date.Compare(a.Date)
	})
	if len(items) > n {
		items = items[:n]
	}
	return items
}

// anchorSet hands out unique HTML ids.
type anchorSet map[string]bool

func (s anchorSet) add(text, fallback string) string {
	base := Slugify(text, 60)
	if base == "" {
		base = fallback
	}
	id := base
	for i := 2; s[id]; i++ {
		id = base + "-" + strconv.Itoa(i)
	}
	s[id] = true
	return id
}

// claimIssues runs CheckClaims over every text variant of b. The web
// post's HTML is checked through its text, webText, which holds the same
// words without the markup.
func claimIssues(b *Bundle, webText string) []Issue {
	var out []Issue
	if n := b.Newsletter; n != nil {
		out = append(out, CheckClaims("newsletter.subject", n.Subject)...)
		out = append(out, CheckClaims("newsletter.preview_text", n.PreviewText)...)
		out = append(out, CheckClaims("newsletter.text", n.Text)...)
	}
	if w := b.WebPost; w != nil {
		out = append(out, CheckClaims("web_update.title", w.Title)...)
		out = append(out, CheckClaims("web_update.excerpt", w.Excerpt)...)
		out = append(out, CheckClaims("web_update.seo_title", w.SEOTitle)...)
		out = append(out, CheckClaims("web_update.seo_description", w.SEODescription)...)
		out = append(out, CheckClaims("web_update.html", webText)...)
	}
	for i, s := range b.Social {
		if len(s.Thread) > 1 {
			for j, t := range s.Thread {
				out = append(out, CheckClaims("social_posts["+strconv.Itoa(i)+"].thread["+strconv.Itoa(j)+"]", t)...)
			}
			continue
		}
		out = append(out, CheckClaims("social_posts["+strconv.Itoa(i)+"].text", s.Text)...)
	}
	return out
}
