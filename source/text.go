package source

import (
	"strings"
	"unicode/utf8"

	"github.com/halcytone/halcytone/content"
)

// maxTitleLine is the longest single line, in runes, that ParseText takes
// for the document's title.
const maxTitleLine = 100

// ParseText parses a freeform text living document: blocks separated by
// blank lines, each an item whose first line is its title (a leading date,
// "2026-11-20 — New sensor", becomes the item's date) and whose other
// lines are its body. An item's category comes from the words of its title
// and body (CategoryOf). When the first of several blocks is one line of
// at most 100 characters, it is the document's title instead of an item.
// Items are grouped into sections by category, in order of first
// appearance, each headed by its category's name (general: no heading).
func ParseText(data []byte) (*content.Document, error) {
	src, err := prepare("source: parse text", data)
	if err != nil {
		return nil, err
	}
	blocks := textBlocks(string(src))
	doc := &content.Document{Format: content.FormatText, Sections: []content.Section{}}
	if len(blocks) > 1 && len(blocks[0]) == 1 && utf8.RuneCountInString(blocks[0][0]) <= maxTitleLine {
		doc.Title, blocks = blocks[0][0], blocks[1:]
	}
	index := map[content.Category]int{}
	for _, b := range blocks {
		it := content.Item{Title: b[0], Body: strings.Join(b[1:], "\n")}
		if d, rest, ok := splitDatePrefix(it.Title); ok && rest != "" {
			it.Date, it.Title = d, rest
		}
		it.Category = CategoryOf(it.Title + "\n" + it.Body)
		doc.Sections = addToSection(doc.Sections, index, it)
	}
	return doc.Seal(), nil
}

// textBlocks splits s into blocks of non-blank lines, each line with its
// trailing white space removed.
func textBlocks(s string) [][]string {
	var blocks [][]string
	var cur []string
	for line := range strings.Lines(s) {
		line = strings.TrimRight(line, " \t\n")
		if strings.TrimSpace(line) == "" {
			if cur != nil {
				blocks = append(blocks, cur)
				cur = nil
			}
			continue
		}
		if cur == nil {
			line = strings.TrimSpace(line)
		}
		cur = append(cur, line)
	}
	if cur != nil {
		blocks = append(blocks, cur)
	}
	return blocks
}
