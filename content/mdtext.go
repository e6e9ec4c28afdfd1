package content

import (
	"strconv"
	"strings"

	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
)

// plainText renders pb for the text part of an email: what a reader of
// the HTML reads, without markup. Paragraphs and headings are separated
// by blank lines, list items start with "- " or their number, quotes with
// "> ", links show their address after their text, code keeps its lines,
// and raw HTML is left out.
func (pb *parsedBody) plainText() string {
	var b strings.Builder
	w := &textWriter{b: &b, src: pb.src}
	w.blocks(pb.doc, "")
	return strings.TrimSpace(b.String())
}

type textWriter struct {
	b   *strings.Builder
	src []byte
}

// blocks writes the block children of n, each line prefixed by prefix.
func (w *textWriter) blocks(n ast.Node, prefix string) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		w.block(c, prefix)
	}
}

func (w *textWriter) block(n ast.Node, prefix string) {
	switch n := n.(type) {
	case *ast.Paragraph, *ast.TextBlock, *ast.Heading:
		var line strings.Builder
		w.inlines(n, &line)
		w.lines(line.String(), prefix, prefix)
		if _, tight := n.(*ast.TextBlock); !tight {
			w.b.WriteString(strings.TrimRight(prefix, " ") + "\n")
		}
	case *ast.List:
		num := n.Start
		for item := n.FirstChild(); item != nil; item = item.NextSibling() {
			marker := "- "
			if n.IsOrdered() {
				marker = strconv.Itoa(num) + ". "
				num++
			}
			w.item(item, prefix, marker)
		}
		if !n.IsTight {
			return // loose items end with their own blank lines
		}
		w.b.WriteString(strings.TrimRight(prefix, " ") + "\n")
	case *ast.Blockquote:
		var sub strings.Builder
		(&textWriter{b: &sub, src: w.src}).blocks(n, "")
		w.lines(strings.TrimRight(sub.String(), "\n"), prefix+"> ", prefix+"> ")
		w.b.WriteString(strings.TrimRight(prefix, " ") + "\n")
	case *ast.FencedCodeBlock, *ast.CodeBlock:
		lines := n.Lines()
		for i := range lines.Len() {
			seg := lines.At(i)
			w.b.WriteString(prefix + "    " + strings.TrimRight(string(seg.Value(w.src)), "\n") + "\n")
		}
		w.b.WriteString(strings.TrimRight(prefix, " ") + "\n")
	case *ast.ThematicBreak:
		w.b.WriteString(prefix + "---\n" + strings.TrimRight(prefix, " ") + "\n")
	case *ast.HTMLBlock:
		// Raw HTML is not text.
	default:
		w.blocks(n, prefix)
	}
}

// item writes a list item: its first line after marker, the rest
// indented under it.
func (w *textWriter) item(item ast.Node, prefix, marker string) {
	var sub strings.Builder
	(&textWriter{b: &sub, src: w.src}).blocks(item, "")
	text := strings.TrimRight(sub.String(), "\n")
	w.lines(text, prefix+marker, prefix+strings.Repeat(" ", len(marker)))
}

// lines writes text line by line, the first after first, the others
// after rest.
func (w *textWriter) lines(text, first, rest string) {
	for i, line := range strings.Split(text, "\n") {
		p := rest
		if i == 0 {
			p = first
		}
		if line == "" {
			p = strings.TrimRight(p, " ")
		}
		w.b.WriteString(p + line + "\n")
	}
}

// inlines writes the inline text of n.
func (w *textWriter) inlines(n ast.Node, b *strings.Builder) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			b.Write(MarkdownText(c.Value(w.src)))
			switch {
			case c.HardLineBreak():
				b.WriteByte('\n')
			case c.SoftLineBreak():
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(c.Value)
		case *ast.CodeSpan:
			for t := c.FirstChild(); t != nil; t = t.NextSibling() {
				if s, ok := t.(*ast.Text); ok {
					b.Write(s.Value(w.src))
				}
			}
		case *ast.Link:
			var label strings.Builder
			w.inlines(c, &label)
			b.WriteString(label.String())
			if dest := string(c.Destination); dest != "" && dest != label.String() {
				b.WriteString(" (" + dest + ")")
			}
		case *ast.AutoLink:
			b.Write(c.URL(w.src))
		case *ast.Image:
			w.inlines(c, b) // its alt text
		case *ast.RawHTML:
			// Raw HTML is not text.
		case *east.Strikethrough:
			w.inlines(c, b)
		default:
			w.inlines(c, b)
		}
	}
}
