package content

import (
	"bufio"
	"bytes"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// markdown renders item bodies: goldmark for Markdown (raw HTML in the
// source is dropped by goldmark's safe mode), then one bluemonday policy,
// in the spirit of its UGC policy, over the result. Both are built once
// and are safe for concurrent use.
type markdown struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

func newMarkdown() *markdown {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	return &markdown{
		md:     goldmark.New(goldmark.WithExtensions(extension.Strikethrough)),
		policy: p,
	}
}

// parsedBody is one Markdown body after parsing: its AST with heading
// levels and ids set, its plain text and its table-of-contents entries.
type parsedBody struct {
	src      []byte
	doc      ast.Node
	plain    string    // the text, each block ended as a sentence and a newline
	lead     string    // the first top-level paragraph's text
	headings []Heading // levels 2 and 3, for a TOC
	images   []string  // absolute http(s) image URLs, in order, without repeats
	html     string    // set by render
	rendered bool
	// flattened reports that containers nested deeper than
	// maxNesting were flattened before parsing.
	flattened bool
}

// maxNesting is the deepest nesting of block quotes and lists a body may
// have; deeper markers are dropped, since Markdown parsers and sanitisers
// slow down sharply with depth.
const maxNesting = 32

// parse parses body. Its headings move down together so that the
// highest becomes at least floor (never past h6), and each gets a unique id
// from anchors.
func (m *markdown) parse(body string, floor int, anchors *anchorSet) *parsedBody {
	body, flattened := limitNesting(body, maxNesting)
	pb := &parsedBody{src: escapeLongInline([]byte(body), MaxInlineBlock), flattened: flattened}
	pb.doc = m.md.Parser().Parse(text.NewReader(pb.src))
	var plain strings.Builder
	plain.Grow(len(body))
	endBlock := func() {
		if s := plain.String(); s != "" && isLetterOrDigitByteEnd(s) {
			plain.WriteByte('.')
		}
		plain.WriteByte('\n')
	}
	leadStart := -1
	var headings []*ast.Heading
	_ = ast.Walk(pb.doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		switch n := n.(type) {
		case *ast.Heading:
			if entering {
				headings = append(headings, n)
			} else {
				endBlock()
			}
		case *ast.Paragraph:
			top := n.Parent() != nil && n.Parent().Kind() == ast.KindDocument
			switch {
			case entering && top && pb.lead == "" && leadStart < 0:
				leadStart = plain.Len()
			case !entering:
				endBlock()
				if top && leadStart >= 0 && pb.lead == "" {
					pb.lead = strings.TrimSpace(plain.String()[leadStart:])
				}
			}
		case *ast.TextBlock:
			if !entering {
				endBlock()
			}
		case *ast.Text:
			if entering {
				plain.Write(MarkdownText(n.Value(pb.src)))
				if n.SoftLineBreak() || n.HardLineBreak() {
					plain.WriteByte(' ')
				}
			}
		case *ast.String:
			if entering {
				plain.Write(n.Value)
			}
		case *ast.AutoLink:
			if entering {
				plain.Write(n.URL(pb.src))
			}
		case *ast.Image:
			if u := string(n.Destination); absoluteHTTP(u) && !slices.Contains(pb.images, u) {
				pb.images = append(pb.images, u)
			}
			return ast.WalkSkipChildren, nil
		case *ast.FencedCodeBlock, *ast.CodeBlock, *ast.HTMLBlock, *ast.RawHTML:
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	pb.plain = strings.TrimSpace(plain.String())
	top := 6
	for _, h := range headings {
		top = min(top, h.Level)
	}
	shift := max(0, floor-top)
	for _, h := range headings {
		h.Level = min(h.Level+shift, 6)
		t := inlineText(h, pb.src)
		id := anchors.add(t, "heading")
		h.SetAttributeString("id", []byte(id))
		if h.Level <= 3 {
			pb.headings = append(pb.headings, Heading{Level: h.Level, Text: t, Anchor: id})
		}
	}
	return pb
}

// MarkdownText returns the text that a text segment of goldmark's
// Markdown tree shows a reader: with its backslash escapes (`\*`) and its
// entity and numeric character references ("&amp;", "&#169;") resolved,
// as goldmark's HTML renderer resolves them. A segment holding neither is
// returned as it is.
func MarkdownText(v []byte) []byte {
	if bytes.IndexByte(v, '\\') < 0 && bytes.IndexByte(v, '&') < 0 {
		return v
	}
	return util.ResolveEntityNames(util.ResolveNumericReferences(util.UnescapePunctuations(v)))
}

// isLetterOrDigitByteEnd reports whether s ends in a letter or digit.
func isLetterOrDigitByteEnd(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return isLetterOrDigit(r)
}

// inlineText returns the text of n's inline children.
func inlineText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.Text:
			b.Write(MarkdownText(c.Value(src)))
			if c.SoftLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(c.Value)
		case *ast.Image, *ast.RawHTML:
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return strings.TrimSpace(b.String())
}

// renderBuffer is reused across the renders of one Assemble call.
type renderBuffer struct {
	buf bytes.Buffer
	w   *bufio.Writer
	// batch holds the bodies that the first render renders at once
	// (every item's), so that the policy runs once over all of them.
	batch []*parsedBody
	spans [][2]int // scratch: where each body's HTML lies in buf
}

// render returns pb's sanitised HTML. On the first render it renders
// every body of rb.batch (and pb) at once; see renderAll.
func (m *markdown) render(pb *parsedBody, rb *renderBuffer) string {
	if pb.rendered {
		return pb.html
	}
	batch := rb.batch
	rb.batch = nil
	if !slices.Contains(batch, pb) {
		batch = append(batch, pb)
	}
	m.renderAll(batch, rb)
	return pb.html
}

// renderAll renders and sanitises the bodies of batch that are not yet
// rendered. Setting up the policy's tokenizer costs about as much as
// sanitising a short body, so the bodies' HTML goes through the policy
// in one run, each body's ended by a NUL byte, and the result is cut at
// those bytes. That gives each body exactly what sanitising it alone
// gives: goldmark writes whole elements (no raw HTML, no script or
// style), so the policy's state is the same at the start of every body,
// and it writes a NUL in text as it reads it. A body whose HTML holds a
// NUL itself or is blank, or a result that does not cut into as many
// parts, is sanitised alone.
func (m *markdown) renderAll(batch []*parsedBody, rb *renderBuffer) {
	rb.buf.Reset()
	if rb.w == nil {
		rb.w = bufio.NewWriter(&rb.buf)
	} else {
		rb.w.Reset(&rb.buf)
	}
	todo := batch[:0:0]
	rb.spans = rb.spans[:0]
	for _, pb := range batch {
		if pb.rendered {
			continue
		}
		pb.rendered = true
		start := rb.buf.Len() // rb.w is flushed after every body
		// goldmark's HTML renderer fails only when its writer does, and a
		// bytes.Buffer does not.
		_ = m.md.Renderer().Render(rb.w, pb.src, pb.doc)
		_ = rb.w.Flush()
		html := rb.buf.Bytes()[start:]
		if bytes.IndexByte(html, 0) >= 0 || len(bytes.TrimSpace(html)) == 0 {
			pb.html = m.sanitize(html)
			rb.buf.Truncate(start)
			continue
		}
		rb.buf.WriteByte(0)
		todo = append(todo, pb)
		rb.spans = append(rb.spans, [2]int{start, rb.buf.Len() - 1})
	}
	if len(todo) == 0 {
		return
	}
	all := rb.buf.Bytes()
	out := sanitizeTo(m.policy, bytes.NewReader(all), len(all)+len(all)/8)
	if strings.Count(out, "\x00") == len(todo) {
		for _, pb := range todo {
			i := strings.IndexByte(out, 0)
			pb.html, out = out[:i], out[i+1:]
		}
		return
	}
	for i, pb := range todo {
		pb.html = m.sanitize(all[rb.spans[i][0]:rb.spans[i][1]])
	}
}

// sanitize runs the policy over HTML: string(m.policy.SanitizeBytes(html)).
func (m *markdown) sanitize(html []byte) string {
	if len(bytes.TrimSpace(html)) == 0 {
		return string(html)
	}
	// The policy adds rel attributes to links; an eighth more is room for
	// them in ordinary prose.
	return sanitizeTo(m.policy, bytes.NewReader(html), len(html)+len(html)/8)
}

// sanitizeTo runs p over the HTML r holds and returns the result, as
// p.SanitizeReader(r).String() does: "" when sanitising fails. Writing
// into a strings.Builder of about the final size (size bytes) saves the
// policy's own buffer, which grows by doubling and is then copied into
// the string.
func sanitizeTo(p *bluemonday.Policy, r io.Reader, size int) string {
	var b strings.Builder
	b.Grow(size)
	if err := p.SanitizeReaderToWriter(r, &b); err != nil {
		return ""
	}
	return b.String()
}

// leadText returns the first paragraph's text, else the whole text.
func (pb *parsedBody) leadText() string {
	if pb.lead != "" {
		return pb.lead
	}
	return pb.plain
}

// limitNesting drops the block quote and list markers at the start of a
// line beyond the depth-th, and caps leading indentation at four spaces a
// level, so that no block nests deeper than depth. It reports whether it
// changed body; when it did not, it returns body itself.
func limitNesting(body string, depth int) (string, bool) {
	var b strings.Builder
	changed := false
	for start := 0; start < len(body); {
		end := strings.IndexByte(body[start:], '\n')
		if end < 0 {
			end = len(body)
		} else {
			end += start + 1
		}
		line := body[start:end]
		if cut, rest, ok := deepPrefix(line, depth); ok {
			if !changed {
				b.Grow(len(body))
				b.WriteString(body[:start])
				changed = true
			}
			b.WriteString(line[:cut])
			b.WriteString(line[rest:])
		} else if changed {
			b.WriteString(line)
		}
		start = end
	}
	if !changed {
		return body, false
	}
	return b.String(), true
}

// deepPrefix looks at the container markers ("> ", "- ", "1. ", indentation)
// that open line. When they nest deeper than depth, it returns the byte
// offset after the depth-th level (cut) and after the last marker (rest).
func deepPrefix(line string, depth int) (cut, rest int, ok bool) {
	level, i := 0, 0
	for i < len(line) {
		j := i
		spaces := 0
		for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
			spaces++
			j++
		}
		if spaces > 4*depth {
			// Indentation alone nests too deep.
			if level < depth {
				cut = i + 4*(depth-level)
			}
			return cut, j, true
		}
		k := markerEnd(line, j)
		if k < 0 {
			break
		}
		level++
		if level == depth {
			cut = k
		}
		i = k
	}
	if level > depth {
		return cut, i, true
	}
	return 0, 0, false
}

// markerEnd returns the offset after a block quote or list marker (and
// one following space) at line[i:], or -1.
func markerEnd(line string, i int) int {
	if i >= len(line) {
		return -1
	}
	switch c := line[i]; {
	case c == '>':
		i++
	case c == '-' || c == '*' || c == '+':
		if i+1 >= len(line) || (line[i+1] != ' ' && line[i+1] != '\t') {
			return -1
		}
		i++
	case c >= '0' && c <= '9':
		j := i
		for j < len(line) && j-i < 9 && line[j] >= '0' && line[j] <= '9' {
			j++
		}
		if j >= len(line)-1 || (line[j] != '.' && line[j] != ')') || (line[j+1] != ' ' && line[j+1] != '\t') {
			return -1
		}
		i = j + 1
	default:
		return -1
	}
	if i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	return i
}
