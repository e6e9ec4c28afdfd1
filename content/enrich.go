package content

import (
	"bytes"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	gtext "github.com/yuin/goldmark/text"
)

// MaxExcerptLength is the length, in runes, of Enrichment.Excerpt.
const MaxExcerptLength = 300

// Complexity grades, by the average number of words per sentence.
const (
	ComplexitySimple   = "simple"   // under 15 words per sentence
	ComplexityModerate = "moderate" // 15 to 24
	ComplexityComplex  = "complex"  // 25 or more
)

// optimalHour is the local hour Enrich suggests publishing at.
const optimalHour = 10

// Enrich derives from c what validation reports as enhanced metadata. It
// reads c and does not change it; pass normalised content (Normalize) for
// results that match what the assembler produces. It returns nil for a nil
// c. A nil loc means UTC. Only the first 8 KiB of the body are read as
// Markdown (markup removed, headings and links counted); the rest counts as
// plain text, which bounds the cost of adversarial Markdown.
//
//   - WordCount: WordCount of the body's plain text (Markdown removed).
//   - ReadingTime: a blog's ReadingTime when set, else ReadingTime(WordCount).
//   - Excerpt: Truncate of the plain text, with white space collapsed, to
//     MaxExcerptLength runes.
//   - Complexity: by words per sentence (see the Complexity constants);
//     sentences end at ".", "!" or "?" followed by space, and at the end of
//     every paragraph, heading or list item.
//   - SEOScore: see seoScore.
//   - SuggestedChannels: see suggestChannels.
//   - OptimalPublishTime: for urgent content (effective priority 1) now;
//     otherwise the first weekday (Monday to Friday) 10:00 in loc that lies
//     after now. Formatted as RFC 3339 in UTC.
func Enrich(c Content, now time.Time, loc *time.Location) *Enrichment {
	if IsNil(c) {
		return nil
	}
	if loc == nil {
		loc = time.UTC
	}
	b := c.Common()
	doc := analyse(b.Body)
	words := doc.words
	reading := ReadingTime(words)
	if bl, ok := c.(*Blog); ok && bl.ReadingTime > 0 {
		reading = bl.ReadingTime
	}
	return &Enrichment{
		WordCount:          words,
		ReadingTime:        reading,
		SEOScore:           seoScore(c, doc, words),
		Complexity:         complexity(doc.sentences, words),
		SuggestedChannels:  suggestChannels(c, words),
		OptimalPublishTime: optimalPublishTime(b.Priority.Effective(), now, loc).Format(time.RFC3339),
		Excerpt:            Truncate(joinedPrefix(doc.text, MaxExcerptLength+1), MaxExcerptLength),
	}
}

// analysis is what Enrich learns from a Markdown body.
type analysis struct {
	text      string // plain text, blocks separated by blank lines
	words     int    // WordCount(text)
	sentences int    // sentences that hold at least one word
	headings  int
	links     int
}

// markdownBudget bounds the bytes of a body that analyse hands to
// goldmark, whose inline parser takes superlinear time on adversarial input
// (thousands of unclosed "[a](" take seconds). 8 KiB parse in well under
// 50 ms whatever they hold, and cover the bodies of nearly all content.
const markdownBudget = 8 << 10

// analyse collects the plain text of md (code blocks and raw HTML left
// out), counting headings, links and sentences. The first markdownBudget
// bytes (cut at a line end) go through goldmark; any rest is taken as plain
// text, split into blocks at blank lines, and adds words and sentences but
// no headings or links.
func analyse(md string) analysis {
	head, rest := splitBudget(md, markdownBudget)
	a := analyseMarkdown(head)
	if rest == "" {
		return a
	}
	var text strings.Builder
	text.Grow(len(a.text) + len(rest) + 2)
	text.WriteString(a.text)
	for blk := range strings.SplitSeq(rest, "\n\n") {
		if blk = strings.TrimSpace(blk); blk != "" {
			separate(&text)
			text.WriteString(blk)
			a.count(blk)
		}
	}
	a.text = text.String()
	return a
}

// count adds the words and sentences of one block of plain text.
func (a *analysis) count(block string) {
	s, w := countSentences(block)
	a.sentences += s
	a.words += w
}

// separate writes the blank line that separates a block from the one
// before (none before the first) and returns where the new block starts.
func separate(text *strings.Builder) int {
	if text.Len() > 0 {
		text.WriteString("\n\n")
	}
	return text.Len()
}

// splitBudget cuts s after its last line end within max bytes, else after
// its last white space within max bytes, so that no word is cut; when
// there is neither, head is empty and all of s is rest.
func splitBudget(s string, max int) (head, rest string) {
	if len(s) <= max {
		return s, ""
	}
	cut := strings.LastIndexByte(s[:max], '\n') + 1
	if cut <= 0 {
		cut = strings.LastIndexFunc(s[:max], unicode.IsSpace) + 1
	}
	if cut <= 0 {
		return "", s
	}
	return s[:cut], s[cut:]
}

// defaultParser is goldmark's default parser, built once: building one
// costs more than parsing a short body, and a parser is safe for
// concurrent use (as the assembler's goldmark.Markdown is).
var defaultParser = sync.OnceValue(goldmark.DefaultParser)

// analyseMarkdown parses md with goldmark; see analyse.
func analyseMarkdown(md string) analysis {
	src := []byte(md)
	root := defaultParser().Parse(gtext.NewReader(src))
	var a analysis
	var text strings.Builder
	text.Grow(len(md))
	var cur []byte // the block being collected, reused for every block
	flush := func() {
		if blk := bytes.TrimSpace(cur); len(blk) > 0 {
			start := separate(&text)
			text.Write(blk)
			a.count(text.String()[start:])
		}
		cur = cur[:0]
	}
	// Walk never fails: the walker returns no errors.
	_ = ast.Walk(root, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		switch v := n.(type) {
		case *ast.FencedCodeBlock, *ast.CodeBlock, *ast.HTMLBlock, *ast.RawHTML:
			return ast.WalkSkipChildren, nil
		case *ast.Heading:
			if entering {
				a.headings++
			}
		case *ast.Link, *ast.AutoLink:
			if entering {
				a.links++
			}
			if al, ok := v.(*ast.AutoLink); ok && entering {
				cur = append(cur, al.Label(src)...)
			}
		case *ast.Text:
			if entering {
				cur = append(cur, MarkdownText(v.Value(src))...)
				if v.SoftLineBreak() || v.HardLineBreak() {
					cur = append(cur, ' ')
				}
			}
		case *ast.String:
			if entering {
				cur = append(cur, v.Value...)
			}
		}
		if n.Type() == ast.TypeBlock && !entering && n.Kind() != ast.KindList && n.Kind() != ast.KindDocument {
			flush()
		}
		return ast.WalkContinue, nil
	})
	flush()
	a.text = text.String()
	return a
}

// countSentences counts the sentences of one block that hold a word, and
// its words (WordCount).
func countSentences(block string) (sentences, words int) {
	cur := 0 // words of the current sentence
	for i := 0; i < len(block); {
		start, end, word := nextField(block, i)
		if start == end {
			break
		}
		i = end
		if word {
			cur++
			words++
		}
		// A field that ends in an ASCII byte ends in that rune.
		if c := block[end-1]; c == '.' || c == '!' || c == '?' {
			if cur > 0 {
				sentences++
			}
			cur = 0
		}
	}
	if cur > 0 {
		sentences++
	}
	return sentences, words
}

func complexity(sentences, words int) string {
	if sentences == 0 {
		return ComplexitySimple
	}
	switch avg := float64(words) / float64(sentences); {
	case avg < 15:
		return ComplexitySimple
	case avg < 25:
		return ComplexityModerate
	}
	return ComplexityComplex
}

// seoScore rates c from 0 to 100 as the sum of:
//
//   - 20 for a title of 30-60 runes (10 for 10-70);
//   - 20 for a description of 120-160 runes (10 for any other non-blank
//     one), the description being a blog's SEO description or an update's
//     excerpt (other types have none);
//   - 20 for at least 300 words (10 for at least 150);
//   - 15 for at least one heading in the body;
//   - 15 when the title holds one of the keywords (a blog's target
//     keywords, else the tags of a blog or update), case-insensitively;
//   - 10 for at least one link in the body.
func seoScore(c Content, doc analysis, words int) int {
	b := c.Common()
	score := 0
	switch n := utf8.RuneCountInString(strings.TrimSpace(b.Title)); {
	case n >= 30 && n <= 60:
		score += 20
	case n >= 10 && n <= 70:
		score += 10
	}
	var desc string
	var keywords []string
	switch v := c.(type) {
	case *Blog:
		desc, keywords = v.SEODescription, v.TargetKeywords
		if len(keywords) == 0 {
			keywords = v.Tags
		}
	case *Update:
		desc, keywords = v.Excerpt, v.Tags
	}
	switch n := utf8.RuneCountInString(strings.TrimSpace(desc)); {
	case n >= 120 && n <= 160:
		score += 20
	case n > 0:
		score += 10
	}
	switch {
	case words >= 300:
		score += 20
	case words >= 150:
		score += 10
	}
	if doc.headings > 0 {
		score += 15
	}
	title := strings.ToLower(b.Title)
	for _, k := range keywords {
		if k = strings.ToLower(strings.TrimSpace(k)); k != "" && strings.Contains(title, k) {
			score += 15
			break
		}
	}
	if doc.links > 0 {
		score += 10
	}
	return score
}

// suggestChannels starts from DefaultChannels of c's type, then adds email
// and X for priority 1 or 2, adds email and Facebook for featured content,
// and drops email for content under 50 words unless its priority is 1 or
// 2. The result is in the order of Channels.
func suggestChannels(c Content, words int) []Channel {
	b := c.Common()
	set := map[Channel]bool{}
	for _, ch := range DefaultChannels(c.Kind()) {
		set[ch] = true
	}
	p := b.Priority.Effective()
	urgent := p.Valid() && p <= PriorityHigh
	if urgent {
		set[ChannelEmail], set[ChannelTwitter] = true, true
	}
	if b.Featured {
		set[ChannelEmail], set[ChannelFacebook] = true, true
	}
	if words < 50 && !urgent {
		delete(set, ChannelEmail)
	}
	out := make([]Channel, 0, len(set))
	for _, ch := range Channels() {
		if set[ch] {
			out = append(out, ch)
		}
	}
	return slices.Clip(out)
}

// optimalPublishTime returns now for urgent content, else the first
// weekday at optimalHour:00 in loc after now.
func optimalPublishTime(p Priority, now time.Time, loc *time.Location) time.Time {
	if p == PriorityUrgent {
		return now.UTC()
	}
	local := now.In(loc)
	y, m, d := local.Date()
	for i := 0; i < 8; i++ {
		t := time.Date(y, m, d+i, optimalHour, 0, 0, 0, loc)
		if t.After(now) && t.Weekday() != time.Saturday && t.Weekday() != time.Sunday {
			return t.UTC()
		}
	}
	// Unreachable: eight consecutive days always hold a weekday after now.
	return now.UTC()
}
