package content

import (
	"bytes"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// MaxInlineBlock is the longest paragraph or heading, in bytes, whose
// inline Markdown (links, emphasis, code spans) is interpreted. goldmark's
// inline parsing takes time that grows with the square of a paragraph's
// length on some inputs (an unclosed "[a](" or "*a_" repeated), so longer
// blocks are read as literal text: a 2 MiB document then parses in linear
// time, and ordinary prose, whose paragraphs are far shorter, is unaffected.
const MaxInlineBlock = 4 << 10

// inlineSpecial reports the ASCII punctuation that can open or close an
// inline Markdown construct.
func inlineSpecial(c byte) bool {
	switch c {
	case '*', '_', '[', ']', '(', ')', '!', '<', '>', '`', '\\', '&', '~':
		return true
	}
	return false
}

// longInlineSegments returns the text segments of the paragraphs and
// headings of src longer than max bytes, in source order.
func longInlineSegments(src []byte, max int) []text.Segment {
	if longestChunk(src) <= max {
		return nil // no paragraph can be longer than the text between blank lines
	}
	var out []text.Segment
	// Block structure only: without inline parsers the cost is linear.
	blocks := parser.NewParser(
		parser.WithBlockParsers(parser.DefaultBlockParsers()...),
		parser.WithParagraphTransformers(parser.DefaultParagraphTransformers()...),
	)
	doc := blocks.Parse(text.NewReader(src))
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering || n.Type() != ast.TypeBlock {
			return ast.WalkContinue, nil
		}
		switch n.Kind() {
		case ast.KindParagraph, ast.KindHeading, ast.KindTextBlock:
		default:
			return ast.WalkContinue, nil
		}
		lines := n.Lines()
		size := 0
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			size += seg.Len()
		}
		if size > max {
			for i := 0; i < lines.Len(); i++ {
				out = append(out, lines.At(i))
			}
		}
		return ast.WalkSkipChildren, nil
	})
	return out
}

// MaskLongInline returns src, or when a paragraph or heading is longer
// than max bytes, a copy of src in which the inline Markdown punctuation
// of those blocks is replaced by the letter "x", byte for byte. Byte offsets
// are kept, so a parser can read the masked copy's structure and still
// take its text from src. It is the guard parsers use before handing
// untrusted Markdown to goldmark; see MaxInlineBlock.
func MaskLongInline(src []byte, max int) []byte {
	segs := longInlineSegments(src, max)
	if len(segs) == 0 {
		return src
	}
	out := bytes.Clone(src)
	for _, s := range segs {
		for i := s.Start; i < s.Stop; i++ {
			if inlineSpecial(out[i]) {
				out[i] = 'x'
			}
		}
	}
	return out
}

// escapeLongInline returns src with the inline Markdown punctuation of its
// paragraphs and headings longer than max bytes backslash-escaped, so that
// they render as the literal text they hold.
func escapeLongInline(src []byte, max int) []byte {
	segs := longInlineSegments(src, max)
	if len(segs) == 0 {
		return src
	}
	out := make([]byte, 0, len(src)+len(src)/8)
	last := 0
	for _, s := range segs {
		out = append(out, src[last:s.Start]...)
		for _, c := range src[s.Start:s.Stop] {
			if inlineSpecial(c) {
				out = append(out, '\\')
			}
			out = append(out, c)
		}
		last = s.Stop
	}
	return append(out, src[last:]...)
}

// longestChunk returns the length of the longest run of src between blank
// (or whitespace-only) lines.
func longestChunk(src []byte) int {
	longest, start := 0, 0
	for i := 0; i <= len(src); {
		end := bytes.IndexByte(src[i:], '\n')
		if end < 0 {
			end = len(src)
		} else {
			end += i
		}
		if len(bytes.TrimSpace(src[i:end])) == 0 {
			longest = max(longest, i-start)
			start = end + 1
		}
		i = end + 1
	}
	return max(longest, len(src)-start)
}
