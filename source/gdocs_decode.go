package source

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"unicode"

	"github.com/halcytone/halcytone/content"
)

// maxListNesting is the deepest list level rendered; Google Docs allows
// levels 0-8, deeper claims are clamped.
const maxListNesting = 8

// gdoc is the part of the Docs API documents.get response the decoder
// reads. Unknown fields and structural elements (tables, section breaks,
// tables of contents) are ignored.
type gdoc struct {
	DocumentID string `json:"documentId"`
	Title      string `json:"title"`
	Body       struct {
		Content []gdocElement `json:"content"`
	} `json:"body"`
	Lists map[string]struct {
		ListProperties struct {
			NestingLevels []struct {
				GlyphType   string `json:"glyphType"`
				GlyphSymbol string `json:"glyphSymbol"`
			} `json:"nestingLevels"`
		} `json:"listProperties"`
	} `json:"lists"`
}

type gdocElement struct {
	Paragraph *struct {
		Elements       []gdocParagraphElement `json:"elements"`
		ParagraphStyle struct {
			NamedStyleType string `json:"namedStyleType"`
		} `json:"paragraphStyle"`
		Bullet *struct {
			ListID       string `json:"listId"`
			NestingLevel int    `json:"nestingLevel"`
		} `json:"bullet"`
	} `json:"paragraph"`
}

type gdocParagraphElement struct {
	TextRun *struct {
		Content   string `json:"content"`
		TextStyle struct {
			Bold          bool `json:"bold"`
			Italic        bool `json:"italic"`
			Strikethrough bool `json:"strikethrough"`
			Link          *struct {
				URL string `json:"url"`
			} `json:"link"`
		} `json:"textStyle"`
	} `json:"textRun"`
	RichLink *struct {
		RichLinkProperties struct {
			Title string `json:"title"`
			URI   string `json:"uri"`
		} `json:"richLinkProperties"`
	} `json:"richLink"`
	Person *struct {
		PersonProperties struct {
			Name  string `json:"name"`
			Email string `json:"email"`
		} `json:"personProperties"`
	} `json:"person"`
}

// DecodeGoogleDoc turns a Google Docs API documents.get response into a
// Document. The document is rewritten as Markdown — TITLE and HEADING_1
// paragraphs as "#", HEADING_2 as "##", HEADING_3 as "###", bulleted and
// numbered lists with their nesting, bold and italic runs, links, text
// escaped — and then parsed by ParseMarkdown, so sections, items, fields
// and flags follow the same rules as a Markdown document. A paragraph that
// is only an HTML comment ("<!-- featured -->") is kept as a flag comment.
// When the body names no title, the document's file title is used.
func DecodeGoogleDoc(data []byte) (*content.Document, error) {
	const op = "gdocs: decode"
	if len(data) > MaxDocumentSize {
		return nil, invalid(op, "", ErrTooLarge, "%d bytes, limit %d", len(data), MaxDocumentSize)
	}
	var d gdoc
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, invalid(op, "", ErrMalformed, "documents.get response: %v", err)
	}
	md := d.markdown()
	if strings.TrimSpace(md) == "" {
		return nil, invalid(op, "body", ErrEmpty, "document %q has no text", d.Title)
	}
	doc, err := ParseMarkdown([]byte(md))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if doc.Title == "" {
		doc.Title = strings.TrimSpace(d.Title)
	}
	doc.Format = content.FormatGoogleDocs
	return doc.Seal(), nil
}

// markdown renders the document body as Markdown.
func (d *gdoc) markdown() string {
	var b strings.Builder
	prevList := false
	for _, el := range d.Body.Content {
		p := el.Paragraph
		if p == nil {
			continue
		}
		var runs []mdRun
		for _, pe := range p.Elements {
			runs = append(runs, pe.runs()...)
		}
		plain := plainText(runs)
		if strings.TrimSpace(plain) == "" {
			continue
		}
		if p.Bullet != nil {
			level := min(max(p.Bullet.NestingLevel, 0), maxListNesting)
			b.WriteString(strings.Repeat("    ", level))
			if d.ordered(p.Bullet.ListID, level) {
				b.WriteString("1. ")
			} else {
				b.WriteString("- ")
			}
			b.WriteString(inlineMarkdown(runs, true))
			b.WriteString("\n")
			prevList = true
			continue
		}
		if prevList {
			b.WriteString("\n")
			prevList = false
		}
		if c, ok := flagComment(plain); ok {
			b.WriteString(c)
			b.WriteString("\n\n")
			continue
		}
		switch p.ParagraphStyle.NamedStyleType {
		case "TITLE", "HEADING_1":
			b.WriteString("# " + inlineMarkdown(runs, true))
		case "HEADING_2":
			b.WriteString("## " + inlineMarkdown(runs, true))
		case "HEADING_3":
			b.WriteString("### " + inlineMarkdown(runs, true))
		case "HEADING_4":
			b.WriteString("#### " + inlineMarkdown(runs, true))
		case "HEADING_5":
			b.WriteString("##### " + inlineMarkdown(runs, true))
		case "HEADING_6":
			b.WriteString("###### " + inlineMarkdown(runs, true))
		default:
			b.WriteString(inlineMarkdown(runs, false))
		}
		b.WriteString("\n\n")
	}
	return b.String()
}

// ordered reports whether level of list id is numbered rather than
// bulleted.
func (d *gdoc) ordered(id string, level int) bool {
	l, ok := d.Lists[id]
	if !ok || level >= len(l.ListProperties.NestingLevels) {
		return false
	}
	nl := l.ListProperties.NestingLevels[level]
	switch nl.GlyphType {
	case "DECIMAL", "ZERO_DECIMAL", "UPPER_ALPHA", "ALPHA", "UPPER_ROMAN", "ROMAN":
		return nl.GlyphSymbol == ""
	}
	return false
}

// runs converts one paragraph element into styled runs.
func (pe gdocParagraphElement) runs() []mdRun {
	switch {
	case pe.TextRun != nil:
		tr := pe.TextRun
		r := mdRun{Text: tr.Content, Bold: tr.TextStyle.Bold, Italic: tr.TextStyle.Italic, Strike: tr.TextStyle.Strikethrough}
		if tr.TextStyle.Link != nil {
			r.Link = tr.TextStyle.Link.URL
		}
		return []mdRun{r}
	case pe.RichLink != nil:
		p := pe.RichLink.RichLinkProperties
		title := p.Title
		if title == "" {
			title = p.URI
		}
		return []mdRun{{Text: title, Link: p.URI}}
	case pe.Person != nil:
		name := pe.Person.PersonProperties.Name
		if name == "" {
			name = pe.Person.PersonProperties.Email
		}
		return []mdRun{{Text: name}}
	}
	return nil
}

// mdRun is a piece of text with one style, as Google Docs text runs and
// Notion rich text are.
type mdRun struct {
	Text                       string
	Bold, Italic, Strike, Code bool
	Link                       string
}

// plainText joins the runs' text.
func plainText(runs []mdRun) string {
	var b strings.Builder
	for _, r := range runs {
		b.WriteString(r.Text)
	}
	return b.String()
}

// flagComment reports whether text is one HTML comment, such as
// "<!-- type: blog -->", and returns it trimmed.
func flagComment(text string) (string, bool) {
	t := strings.TrimSpace(text)
	if !strings.HasPrefix(t, "<!--") || !strings.HasSuffix(t, "-->") || len(t) < 7 {
		return "", false
	}
	inner := t[4 : len(t)-3]
	if strings.Contains(inner, "--") || strings.ContainsAny(inner, "\n\v") {
		return "", false
	}
	return t, true
}

// inlineMarkdown renders runs as one Markdown line: adjacent runs of the
// same style are merged, text is escaped, styles become "**", "*", "~~"
// and "`", links "[text](url)". White space at the runs' edges moves
// outside the markers (or they would not close); line breaks become
// spaces in headings (oneLine) and hard breaks elsewhere; leading and
// trailing white space is dropped.
func inlineMarkdown(runs []mdRun, oneLine bool) string {
	var b strings.Builder
	var space, lineBreak bool // white space waiting to be written
	for _, r := range mergeRuns(runs) {
		text := strings.ReplaceAll(r.Text, "\r", "")
		rest := strings.TrimLeftFunc(text, unicode.IsSpace)
		body := strings.TrimRightFunc(rest, unicode.IsSpace)
		lead, trail := text[:len(text)-len(rest)], rest[len(body):]
		if body == "" {
			space = space || text != ""
			lineBreak = lineBreak || hasBreak(text)
			continue
		}
		space = space || lead != ""
		lineBreak = lineBreak || hasBreak(lead)
		if b.Len() > 0 {
			switch {
			case lineBreak && !oneLine:
				b.WriteString("\\\n")
			case space:
				b.WriteByte(' ')
			}
		}
		b.WriteString(styled(r, body, oneLine))
		space, lineBreak = trail != "", hasBreak(trail)
	}
	return b.String()
}

// hasBreak reports whether s holds a line break.
func hasBreak(s string) bool { return strings.ContainsAny(s, "\n\v\u2028\u2029") }

// mergeRuns joins adjacent runs that share every style.
func mergeRuns(runs []mdRun) []mdRun {
	out := make([]mdRun, 0, len(runs))
	for i := 0; i < len(runs); {
		j := i + 1
		for j < len(runs) && sameStyle(runs[i], runs[j]) {
			j++
		}
		r := runs[i]
		if j > i+1 {
			var b strings.Builder
			for _, x := range runs[i:j] {
				b.WriteString(x.Text)
			}
			r.Text = b.String()
		}
		out = append(out, r)
		i = j
	}
	return out
}

// sameStyle reports whether a and b are styled alike.
func sameStyle(a, b mdRun) bool {
	return a.Bold == b.Bold && a.Italic == b.Italic && a.Strike == b.Strike && a.Code == b.Code && a.Link == b.Link
}

// styled renders one run's trimmed text with its markers.
func styled(r mdRun, text string, oneLine bool) string {
	var s string
	if r.Code && !strings.ContainsAny(text, "`\n\v") {
		s = "`" + text + "`"
	} else {
		s = escapeMarkdown(text, oneLine)
		if r.Bold && r.Italic {
			s = "***" + s + "***"
		} else if r.Bold {
			s = "**" + s + "**"
		} else if r.Italic {
			s = "*" + s + "*"
		}
		if r.Strike {
			s = "~~" + s + "~~"
		}
	}
	if link := safeLink(r.Link); link != "" {
		s = "[" + s + "](" + link + ")"
	}
	return s
}

// safeLink returns u fit for a Markdown link destination, or "" when it is
// not an absolute http(s) or mailto URL.
func safeLink(u string) string {
	u = strings.TrimSpace(u)
	if u == "" {
		return ""
	}
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	switch strings.ToLower(p.Scheme) {
	case "http", "https":
		if p.Host == "" {
			return ""
		}
	case "mailto":
	default:
		return ""
	}
	return strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29", "<", "%3C", ">", "%3E",
		"\n", "", "\v", "", "\t", "%09", "\\", "%5C").Replace(u)
}

// escapeMarkdown escapes text so Markdown reads it literally: inline
// markers everywhere ("]" only where it could close a link), block
// markers ("#", "-", "+", "=", "1.", "1)") at line starts. Line breaks become spaces (oneLine) or hard breaks. The
// text is taken to start a line.
func escapeMarkdown(text string, oneLine bool) string {
	var b strings.Builder
	b.Grow(len(text) + len(text)/8)
	lineStart := true // only spaces so far on this line
	digits := false   // only spaces then digits so far on this line
	rs := []rune(text)
	for i, r := range rs {
		switch r {
		case '\n', '\v', '\u2028', '\u2029':
			if oneLine {
				b.WriteByte(' ')
			} else {
				b.WriteString("\\\n")
				lineStart, digits = true, false
			}
			continue
		case '\\', '`', '*', '_', '<', '>', '|', '~':
			b.WriteByte('\\')
		case ']':
			// Without "](", "][" or "]:" no link or link reference
			// definition can form, so "[Label]" stays readable.
			if i+1 < len(rs) && (rs[i+1] == '(' || rs[i+1] == '[' || rs[i+1] == ':') {
				b.WriteByte('\\')
			}
		case '&':
			if entityAt(rs[i+1:]) {
				b.WriteByte('\\')
			}
		case '#', '-', '+', '=':
			if lineStart {
				b.WriteByte('\\')
			}
		case '.', ')':
			if digits {
				b.WriteByte('\\')
			}
		case 0:
			r = unicode.ReplacementChar
		}
		b.WriteRune(r)
		switch {
		case r == ' ' || r == '\t':
			digits = false
		case r >= '0' && r <= '9' && (lineStart || digits):
			lineStart, digits = false, true
		default:
			lineStart, digits = false, false
		}
	}
	return b.String()
}

// entityAt reports whether rs starts like the rest of an HTML entity
// ("amp;", "#39;").
func entityAt(rs []rune) bool {
	for i, r := range rs {
		if i > 32 {
			return false
		}
		switch {
		case r == ';':
			return i > 0
		case r == '#' && i == 0, unicode.IsLetter(r) && r < 128, unicode.IsDigit(r) && r < 128:
		default:
			return false
		}
	}
	return false
}
