package content

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// The strings.Fields-based definitions that WordCount, countSentences,
// joinFields and the excerpt of Enrich must keep to.

func fieldsWordCount(s string) int {
	n := 0
	for _, f := range strings.Fields(s) {
		if strings.IndexFunc(f, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
			n++
		}
	}
	return n
}

func fieldsSentences(block string) int {
	n, words := 0, 0
	for _, f := range strings.Fields(block) {
		if fieldsWordCount(f) > 0 {
			words++
		}
		if r, _ := utf8.DecodeLastRuneInString(f); r == '.' || r == '!' || r == '?' {
			if words > 0 {
				n++
			}
			words = 0
		}
	}
	if words > 0 {
		n++
	}
	return n
}

func fieldsJoin(s string) string { return strings.Join(strings.Fields(s), " ") }

// fieldTexts are inputs with every kind of white space unicode.IsSpace
// knows (and some it does not), punctuation, markers and invalid UTF-8.
var fieldTexts = []string{
	"",
	" ",
	"\t\n\v\f\r ",
	"a",
	"word",
	" two  words ",
	"one\ttwo\nthree\rfour\vfive\fsix",
	"- ## * > 1. --- ... !!! ???",
	"End. Next! What? Yes... no",
	"trailing.",
	". leading",
	"3.14 and 1,000 and 42",
	"nbsp\u00a0joined and nel\u0085joined",
	"em\u2003space, ideographic\u3000space, line\u2028sep, para\u2029sep",
	"zero\u200bwidth and word\u2060joiner are not spaces",
	"mongolian\u180evowel separator",
	"日本語のテキスト。句読点、",
	"café naïve Ωmega ß",
	"emoji 🎉 🌬️ 👨‍👩‍👧",
	"\xff\xfe invalid \xc3 bytes\xe2\x80",
	"\xe2\x80\x83",
	"a\xe3\x80\x80b",
	"x.\xff y!",
	"…ellipsis… “quoted.” ¡hola!",
	"٣ arabic-indic digit, ² superscript",
	"  \u00a0\u2003 leading and trailing unicode spaces \u3000\u0085 ",
	"single spaced already",
	"ab  cd",
	"ab \ncd",
}

func TestWordCountMatchesFields(t *testing.T) {
	for _, s := range fieldTexts {
		checkFields(t, s)
	}
}

// FuzzFields compares the allocation-free field scanners with their
// strings.Fields definitions.
func FuzzFields(f *testing.F) {
	for _, s := range fieldTexts {
		f.Add(s)
	}
	f.Fuzz(checkFields)
}

func checkFields(t *testing.T, s string) {
	t.Helper()
	if got, want := WordCount(s), fieldsWordCount(s); got != want {
		t.Errorf("WordCount(%q) = %d, want %d", s, got, want)
	}
	sentences, words := countSentences(s)
	if want := fieldsSentences(s); sentences != want {
		t.Errorf("countSentences(%q) sentences = %d, want %d", s, sentences, want)
	}
	if want := fieldsWordCount(s); words != want {
		t.Errorf("countSentences(%q) words = %d, want %d", s, words, want)
	}
	if got, want := joinFields(s), fieldsJoin(s); got != want {
		t.Errorf("joinFields(%q) = %q, want %q", s, got, want)
	}
	for _, max := range []int{0, 1, 2, 3, 5, 8, 13, 40, MaxExcerptLength} {
		if got, want := Truncate(joinedPrefix(s, max+1), max), Truncate(fieldsJoin(s), max); got != want {
			t.Errorf("Truncate(joinedPrefix(%q, %d), %d) = %q, want %q", s, max+1, max, got, want)
		}
	}
}

func TestJoinFieldsDoesNotCopyJoinedText(t *testing.T) {
	for _, s := range []string{"", "a", "single spaced already", "x.\xff y!"} {
		if n := testing.AllocsPerRun(10, func() { _ = joinFields(s) }); n != 0 {
			t.Errorf("joinFields(%q) allocates %v times", s, n)
		}
	}
	if n := testing.AllocsPerRun(10, func() { _ = WordCount("nbsp\u00a0joined, and\tmore words") }); n != 0 {
		t.Errorf("WordCount allocates %v times", n)
	}
}
