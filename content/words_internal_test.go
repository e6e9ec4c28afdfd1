package content

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// wordBoundSeeds are Markdown bodies dense in words: one-letter words,
// references that resolve to separators, autolinks, tabs that goldmark
// pads, hard breaks and blocks on adjacent lines.
var wordBoundSeeds = []string{
	"a b c d e",
	"a",
	"a\nb\nc",
	"# a\nb\n- c\n- d\n> e",
	"a&#32;b&#32;c",
	"&#65;&#32;&#65;&ThickSpace;&#65;",
	"<http://a> <http://b>",
	"-\ta\tb\n-\tc",
	"a  \nb\\\nc",
	"`a b` *c* _d_ ~~e~~",
	"[a](b) ![c](d) [e][f]\n\n[f]: g",
	"1. a\n2. b\n3) c",
	"a\n===\nb\n---",
	strings.Repeat("a ", markdownBudget),
}

// TestMaxWords checks the bound that lets Check skip counting the words of
// a short update: analyse never finds more words than maxWords.
func TestMaxWords(t *testing.T) {
	for _, md := range wordBoundSeeds {
		assert.LessOrEqual(t, analyse(md).words, maxWords(md), "%q", md)
	}
	// The bound is tight: one-letter words one space apart reach it.
	assert.Equal(t, maxWords("a b c"), analyse("a b c").words)
}

// FuzzMaxWords looks for a body with more words than maxWords allows.
// Seeds live in testdata/fuzz/FuzzMaxWords.
func FuzzMaxWords(f *testing.F) {
	for _, md := range wordBoundSeeds {
		f.Add(md)
	}
	f.Fuzz(func(t *testing.T, md string) {
		if n := analyse(md).words; n > maxWords(md) {
			t.Fatalf("%q: %d words, bound %d", md, n, maxWords(md))
		}
	})
}

// TestWordsMatter checks which kinds and bodies need a word count.
func TestWordsMatter(t *testing.T) {
	short := strings.Repeat("a ", MaxUpdateWords) // 2*MaxUpdateWords bytes
	assert.True(t, wordsMatter(TypeBlog, "a"), "a blog's words always matter")
	assert.False(t, wordsMatter(TypeUpdate, short[:2*MaxUpdateWords-1]))
	assert.True(t, wordsMatter(TypeUpdate, short+"a"))
	assert.False(t, wordsMatter(TypeAnnouncement, short+short))
	assert.False(t, wordsMatter(TypeSession, short+short))
}
