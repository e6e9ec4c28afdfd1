package source

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"

	"github.com/halcytone/halcytone/content"
)

// ParseMarkdown parses a Markdown living document with goldmark and walks
// its syntax tree:
//
//   - The first "#" heading is the document's title; later "#" headings
//     act as "##".
//   - "## [Category] Heading" starts a section whose category is the
//     bracket label (known words through CategoryOf, any other label kept
//     lower-cased as a custom category); a "##" heading without a label
//     takes its category from its words (CategoryOf).
//   - "###" headings start items. A leading date ("### 2026-11-20 — New
//     sensor") becomes the item's date, a leading "[Label]" its category.
//   - Item fields are bold labels at the start of a list item or a line:
//     "- **Date:** 2026-11-20", "**Title:** ...", "**Content:** ...",
//     "**Category:** ...", or any flag name ("**Channels:** email, web").
//     Labels are case-insensitive. Everything else under the heading
//     (paragraphs, lists, quotes, code, "####" headings), including what
//     follows a Content field, is the item's body, kept as Markdown from
//     the source text. Thematic breaks are dropped.
//   - HTML comments anywhere in an item set its flags, several to a
//     comment separated by ";" or line breaks: "<!-- type: blog;
//     featured -->". See the flag names at setFlag.
//   - A "##" section without "###" items becomes one item titled by its
//     heading. Items before any "##" go into a general section with an
//     empty heading; text before the first item of a section that has
//     items is not an item (an info warning says so), except text before
//     any heading in a document that has no items at all, which becomes
//     the only item.
//
// Dates are read in the forms listed at dateLayouts (RFC 3339,
// 2006-01-02, "January 2, 2006", "Jan 2, 2006", "2 January 2006"); numeric
// day/month forms are ambiguous and not read.
//
// Problems that do not stop parsing (an unknown flag, a bad flag value, a
// date that cannot be read, an item without a title) are returned as
// document Warnings naming the item and field; nothing is dropped
// silently. Input errors are *content.Error values of class
// content.InvalidContent wrapping ErrTooLarge, ErrInvalidEncoding or
// ErrEmpty, or ErrMalformed for lists or quotes nested more than 32 levels
// deep (goldmark's time grows steeply with nesting). Paragraphs longer than
// content.MaxInlineBlock keep their text but lose their inline markup
// (fields, emphasis, links), which bounds the parse time.
func ParseMarkdown(data []byte) (*content.Document, error) {
	const op = "source: parse markdown"
	src, err := prepare(op, data)
	if err != nil {
		return nil, err
	}
	if err := checkNesting(op, src); err != nil {
		return nil, err
	}
	// Parse a copy whose over-long paragraphs are masked (goldmark's inline
	// parsing is quadratic on some inputs); offsets are kept, so the text
	// is still read from src.
	root := defaultParser().Parse(text.NewReader(content.MaskLongInline(src, content.MaxInlineBlock)))
	p := &mdParser{src: src}
	p.walk(root)
	return p.document(), nil
}

// defaultParser is goldmark's default parser, built once: building one
// per call cost more than many parses, and a parser is safe for
// concurrent use.
var defaultParser = sync.OnceValue(goldmark.DefaultParser)

// mdParser holds the state of one ParseMarkdown call.
type mdParser struct {
	src      []byte
	title    string
	hasTitle bool
	sections []*mdSection
}

// mdSection is a "##" section, or the preamble before the first one.
type mdSection struct {
	heading  string
	category content.Category
	preamble bool
	intro    mdItem // blocks before the section's first "###"
	items    []*mdItem
}

// mdItem collects one item while its blocks are walked.
type mdItem struct {
	title    string
	date     time.Time
	category content.Category // "" means the section's
	flags    content.Flags
	hasFlags bool
	body     strings.Builder
	issues   []content.Issue // Field relative to the item, such as "flags.priority"
}

// span is a half-open byte range of the source.
type span struct{ start, stop int }

func (p *mdParser) walk(root ast.Node) {
	var sec *mdSection
	var it *mdItem
	ensure := func() *mdSection {
		if sec == nil {
			sec = &mdSection{category: content.CategoryGeneral, preamble: true}
			p.sections = append(p.sections, sec)
		}
		return sec
	}
	for n := root.FirstChild(); n != nil; n = n.NextSibling() {
		start, end := p.lineStart(p.pos(n)), len(p.src)
		if next := n.NextSibling(); next != nil {
			end = p.lineStart(p.pos(next))
		}
		if h, ok := n.(*ast.Heading); ok && h.Level <= 3 {
			heading := mdPlain(h, p.src)
			switch {
			case h.Level == 1 && !p.hasTitle:
				p.title, p.hasTitle = heading, true
			case h.Level <= 2:
				cat, rest, ok := splitCategoryLabel(heading)
				if !ok {
					cat = CategoryOf(heading)
				}
				sec = &mdSection{heading: rest, category: cat}
				p.sections = append(p.sections, sec)
				it = nil
			default:
				it = newMDItem(heading)
				s := ensure()
				s.items = append(s.items, it)
				p.collect(it, h)
			}
			continue
		}
		target := it
		if target == nil {
			target = &ensure().intro
		}
		p.addBlock(target, n, start, end)
	}
}

// newMDItem starts an item from its "###" heading text.
func newMDItem(heading string) *mdItem {
	it := &mdItem{}
	if cat, rest, ok := splitCategoryLabel(heading); ok {
		it.category, heading = cat, rest
	}
	if d, rest, ok := splitDatePrefix(heading); ok {
		it.date, heading = d, rest
	}
	it.title = heading
	return it
}

// addBlock adds one top-level block, spanning [start, end) of the source,
// to an item: its comments become flags, its field labels fields, and the
// rest body.
func (p *mdParser) addBlock(it *mdItem, n ast.Node, start, end int) {
	cuts := p.collect(it, n)
	switch n := n.(type) {
	case *ast.ThematicBreak:
	case *ast.List:
		for li := n.FirstChild(); li != nil; li = li.NextSibling() {
			ls, le := start, end
			if li != n.FirstChild() {
				ls = p.lineStart(p.pos(li))
			}
			if next := li.NextSibling(); next != nil {
				le = p.lineStart(p.pos(next))
			}
			indent := 0
			if item, ok := li.(*ast.ListItem); ok {
				indent = p.pos(li) - p.lineStart(p.pos(li)) + item.Offset
			}
			if !p.fields(it, li.FirstChild(), le, cuts, indent) {
				it.appendBody(p.cut(ls, le, cuts))
			}
		}
	case *ast.Paragraph, *ast.TextBlock:
		if !p.fields(it, n, end, cuts, 0) {
			it.appendBody(p.cut(start, end, cuts))
		}
	default:
		it.appendBody(p.cut(start, end, cuts))
	}
}

// fieldStart is a bold label that starts a field, with its canonical name.
type fieldStart struct {
	label ast.Node
	name  string
}

// fields reads the fields of a paragraph (or a list item's first
// paragraph) that starts with a field label, and reports whether it did.
// Each line that starts with a label starts another field. end is where
// the enclosing block ends; indent is the list item's content indentation,
// removed from the continuation lines of a Content field.
func (p *mdParser) fields(it *mdItem, para ast.Node, end int, cuts []span, indent int) bool {
	switch para.(type) {
	case *ast.Paragraph, *ast.TextBlock:
	default:
		return false
	}
	var starts []fieldStart
	lineStart := true
	for c := para.FirstChild(); c != nil; c = c.NextSibling() {
		if lineStart {
			if name, ok := p.fieldLabel(c); ok {
				starts = append(starts, fieldStart{c, name})
			}
		}
		t, ok := c.(*ast.Text)
		lineStart = ok && (t.SoftLineBreak() || t.HardLineBreak())
	}
	if len(starts) == 0 || starts[0].label != para.FirstChild() {
		return false
	}
	for i, f := range starts {
		var stopNode ast.Node
		stop := end
		if i+1 < len(starts) {
			stopNode, stop = starts[i+1].label, p.lineStart(p.pos(starts[i+1].label))
		}
		if f.name == fieldContent {
			raw := p.cut(p.afterLabel(f.label), stop, cuts)
			raw = strings.TrimPrefix(strings.TrimLeft(raw, " \t"), ":")
			it.appendBody(dedent(raw, indent))
			continue
		}
		var b strings.Builder
		for c := f.label.NextSibling(); c != stopNode; c = c.NextSibling() {
			b.WriteString(mdPlain(c, p.src))
		}
		value := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(b.String()), ":"))
		it.setField(f.name, value)
		if i == len(starts)-1 {
			// Blocks nested in the list item after a non-Content field
			// are body, not lost.
			if rest := para.NextSibling(); rest != nil {
				it.appendBody(dedent(p.cut(p.lineStart(p.pos(rest)), end, cuts), indent))
			}
		}
	}
	return true
}

// The item fields besides the flags.
const (
	fieldTitle    = "title"
	fieldDate     = "date"
	fieldContent  = "content"
	fieldCategory = "category"
)

// fieldName returns the canonical name of a field label, and whether it
// names a field.
func fieldName(label string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "title", "headline":
		return fieldTitle, true
	case "date":
		return fieldDate, true
	case "content", "body", "description", "summary", "text", "details":
		return fieldContent, true
	case "category", "section":
		return fieldCategory, true
	}
	return canonicalFlag(label)
}

// fieldLabel reports whether n is a bold field label, "**Date:**" or
// "**Date**:", and returns the field's canonical name.
func (p *mdParser) fieldLabel(n ast.Node) (string, bool) {
	em, ok := n.(*ast.Emphasis)
	if !ok || em.Level != 2 {
		return "", false
	}
	label := strings.TrimSpace(mdPlain(em, p.src))
	if l, ok := strings.CutSuffix(label, ":"); ok {
		return fieldName(l)
	}
	next, ok := em.NextSibling().(*ast.Text)
	if !ok || !bytes.HasPrefix(bytes.TrimLeft(next.Segment.Value(p.src), " \t"), []byte(":")) {
		return "", false
	}
	return fieldName(label)
}

// afterLabel returns the source offset just after a bold label's closing
// delimiter.
func (p *mdParser) afterLabel(label ast.Node) int {
	pos := p.pos(label)
	ast.Walk(label, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if t, ok := n.(*ast.Text); ok && entering && t.Segment.Stop > pos {
			pos = t.Segment.Stop
		}
		return ast.WalkContinue, nil
	})
	for i := 0; i < 2 && pos < len(p.src) && (p.src[pos] == '*' || p.src[pos] == '_'); i++ {
		pos++
	}
	return pos
}

// setField sets one field of the item from its plain-text value.
func (it *mdItem) setField(name, value string) {
	switch name {
	case fieldTitle:
		it.title = value
	case fieldDate:
		d, ok := parseDate(value)
		if !ok {
			it.warn(fieldDate, "invalid_date", fmt.Sprintf("date %q is not a date this parser reads (use 2006-01-02 or RFC 3339)", value))
			return
		}
		it.date = d
	case fieldCategory:
		it.category = labelCategory(value)
	default:
		if err := setFlag(&it.flags, name, value, true); err != nil {
			it.issues = append(it.issues, flagIssue("flags."+name, err))
		}
	}
}

func (it *mdItem) warn(field, code, msg string) {
	it.issues = append(it.issues, content.Issue{Severity: content.SeverityWarning, Field: field, Code: code, Message: msg})
}

// applyComment applies the flags written in one HTML comment.
func (it *mdItem) applyComment(inner string) {
	for _, s := range splitFlags(inner) {
		it.hasFlags = true
		field := "flags"
		if name, ok := canonicalFlag(s.key); ok {
			field += "." + name
		}
		if err := setFlag(&it.flags, s.key, s.value, s.hasValue); err != nil {
			it.issues = append(it.issues, flagIssue(field, err))
		}
	}
}

// appendBody adds a chunk of Markdown source to the item's body.
func (it *mdItem) appendBody(s string) {
	if strings.TrimSpace(s) == "" {
		return
	}
	if n := it.body.Len(); n > 0 && !strings.HasSuffix(it.body.String(), "\n") {
		it.body.WriteByte('\n')
	}
	it.body.WriteString(s)
}

// collect applies the flags of every HTML comment inside n to it and
// returns the comments' source ranges (whole lines for comments alone on
// their lines), sorted, so that they can be cut from the body. Code is
// not searched.
func (p *mdParser) collect(it *mdItem, n ast.Node) []span {
	var cuts []span
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.RawHTML:
			if c.Segments.Len() == 0 {
				return ast.WalkSkipChildren, nil
			}
			a, b := c.Segments.At(0).Start, c.Segments.At(c.Segments.Len()-1).Stop
			raw := p.src[a:b]
			if inner, ok := bytes.CutPrefix(raw, []byte("<!--")); ok {
				it.applyComment(string(bytes.TrimSuffix(inner, []byte("-->"))))
				cuts = append(cuts, p.wholeLine(a, b))
			}
			return ast.WalkSkipChildren, nil
		case *ast.HTMLBlock:
			cuts = append(cuts, p.blockComments(it, c)...)
			return ast.WalkSkipChildren, nil
		case *ast.CodeBlock, *ast.FencedCodeBlock, *ast.CodeSpan:
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	sort.Slice(cuts, func(i, j int) bool { return cuts[i].start < cuts[j].start })
	return cuts
}

// blockComments applies the comments of an HTML block and returns their
// ranges.
func (p *mdParser) blockComments(it *mdItem, h *ast.HTMLBlock) []span {
	lines := h.Lines()
	if lines.Len() == 0 {
		return nil
	}
	a, b := lines.At(0).Start, lines.At(lines.Len()-1).Stop
	if h.HasClosure() {
		b = max(b, h.ClosureLine.Stop)
	}
	var cuts []span
	for i := a; i < b; {
		j := bytes.Index(p.src[i:b], []byte("<!--"))
		if j < 0 {
			break
		}
		cs := i + j
		ce := b
		inner := p.src[cs+4 : b]
		if k := bytes.Index(inner, []byte("-->")); k >= 0 {
			inner, ce = inner[:k], cs+4+k+3
		}
		it.applyComment(string(inner))
		cuts = append(cuts, p.wholeLine(cs, ce))
		i = ce
	}
	return cuts
}

// wholeLine widens [a, b) to its full lines, newline included, when
// nothing but white space shares those lines.
func (p *mdParser) wholeLine(a, b int) span {
	ls := p.lineStart(a)
	if len(bytes.TrimSpace(p.src[ls:a])) > 0 {
		return span{a, b}
	}
	le := len(p.src)
	if k := bytes.IndexByte(p.src[b:], '\n'); k >= 0 {
		le = b + k + 1
	}
	if len(bytes.TrimSpace(p.src[b:le])) > 0 {
		return span{a, b}
	}
	return span{ls, le}
}

// cut returns the source in [start, end) without the ranges in cuts.
func (p *mdParser) cut(start, end int, cuts []span) string {
	if start >= end {
		return ""
	}
	var b strings.Builder
	at := start
	for _, c := range cuts {
		if c.stop <= at || c.start >= end {
			continue
		}
		if c.start > at {
			b.Write(p.src[at:c.start])
		}
		at = max(at, c.stop)
	}
	if at < end {
		b.Write(p.src[at:end])
	}
	return b.String()
}

// pos returns a node's source offset: its own position when goldmark
// recorded one, else the start of its first line or text.
func (p *mdParser) pos(n ast.Node) int {
	if at := n.Pos(); at >= 0 && at <= len(p.src) {
		return at
	}
	if n.Type() == ast.TypeBlock && n.Lines().Len() > 0 {
		return n.Lines().At(0).Start
	}
	if t, ok := n.(*ast.Text); ok {
		return t.Segment.Start
	}
	if c := n.FirstChild(); c != nil {
		return p.pos(c)
	}
	return len(p.src)
}

// lineStart returns the offset of the start of the line holding offset i.
func (p *mdParser) lineStart(i int) int {
	i = min(max(i, 0), len(p.src))
	return bytes.LastIndexByte(p.src[:i], '\n') + 1
}

// dedent removes up to indent leading spaces from every line of s but the
// first.
func dedent(s string, indent int) string {
	if indent <= 0 || !strings.Contains(s, "\n") {
		return s
	}
	lines := strings.Split(s, "\n")
	for i := 1; i < len(lines); i++ {
		l := lines[i]
		n := 0
		for n < indent && n < len(l) && l[n] == ' ' {
			n++
		}
		lines[i] = l[n:]
	}
	return strings.Join(lines, "\n")
}

// mdPlain returns the text of an inline tree without Markdown markup or
// raw HTML, with line breaks as spaces and white space collapsed.
func mdPlain(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.Text:
			b.Write(content.MarkdownText(c.Segment.Value(src)))
			if c.SoftLineBreak() || c.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(c.Value)
		case *ast.AutoLink:
			b.Write(c.Label(src))
			return ast.WalkSkipChildren, nil
		case *ast.RawHTML:
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return strings.Join(strings.Fields(b.String()), " ")
}

// document turns the walked sections into the parsed document.
func (p *mdParser) document() *content.Document {
	doc := &content.Document{Title: p.title, Format: content.FormatMarkdown, Sections: []content.Section{}}
	total := 0
	for _, s := range p.sections {
		total += len(s.items)
	}
	for _, s := range p.sections {
		items := s.items
		introText := strings.TrimSpace(s.intro.body.String()) != ""
		switch {
		case len(items) == 0 && introText && (!s.preamble || total == 0):
			s.intro.title = s.heading
			if s.preamble {
				s.intro.title = p.title
			}
			items = []*mdItem{&s.intro}
		case introText || s.hasIntroIssues():
			field := fmt.Sprintf("sections[%d]", len(doc.Sections))
			where := fmt.Sprintf("section %q", s.heading)
			if s.preamble {
				field, where = "intro", "the start of the document"
			}
			doc.Warnings = append(doc.Warnings, content.Issue{
				Severity: content.SeverityInfo, Field: field, Code: "ignored_text",
				Message: fmt.Sprintf("text and flags at %s before its first ### item belong to no item and were left out", where),
			})
		}
		if s.preamble && len(items) == 0 {
			continue
		}
		si := len(doc.Sections)
		sec := content.Section{Heading: s.heading, Category: s.category, Items: make([]content.Item, 0, len(items))}
		for ii, it := range items {
			item := it.finish(s.category)
			if item.Title == "" {
				it.warn("title", "missing_title", "the item has no title")
			}
			for _, is := range it.issues {
				is.Field = fmt.Sprintf("sections[%d].items[%d].%s", si, ii, is.Field)
				is.Message = fmt.Sprintf("item %q: %s", item.Title, is.Message)
				doc.Warnings = append(doc.Warnings, is)
			}
			sec.Items = append(sec.Items, item)
		}
		doc.Sections = append(doc.Sections, sec)
	}
	if total == 0 && len(doc.Items()) == 0 {
		doc.Warnings = append(doc.Warnings, content.Issue{
			Severity: content.SeverityWarning, Field: "sections", Code: "no_items",
			Message: "the document has no items (start each with a ### heading)",
		})
	}
	return doc.Seal()
}

func (s *mdSection) hasIntroIssues() bool { return s.intro.hasFlags || len(s.intro.issues) > 0 }

// finish returns the parsed item, in a section of category secCat.
func (it *mdItem) finish(secCat content.Category) content.Item {
	cat := it.category
	if cat == "" {
		cat = secCat
	}
	return content.Item{
		Title:    it.title,
		Body:     strings.TrimSpace(it.body.String()),
		Date:     it.date,
		Category: cat,
		Flags:    it.flags,
	}
}
