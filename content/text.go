package content

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// WordsPerMinute is the reading speed behind ReadingTime.
const WordsPerMinute = 200

// WordCount counts the whitespace-separated words of s that hold at least
// one letter or digit (so Markdown markers such as "-" or "##" do not
// count). Words are the fields of strings.Fields.
func WordCount(s string) int {
	n := 0
	for i := 0; i < len(s); {
		_, end, word := nextField(s, i)
		if word {
			n++
		}
		i = end
	}
	return n
}

// asciiSpace marks the ASCII bytes that unicode.IsSpace reports.
var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// asciiWord marks the ASCII letters and digits: the ASCII runes that
// unicode.IsLetter or unicode.IsDigit reports.
var asciiWord = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
	}
	return t
}()

// isWordRune reports whether r is a letter or digit (isLetterOrDigit),
// with a table for ASCII.
func isWordRune(r rune) bool {
	if 0 <= r && r < utf8.RuneSelf {
		return asciiWord[r]
	}
	return isLetterOrDigit(r)
}

// nextField returns the bounds of the first field of s that starts at or
// after byte i, the fields being those of strings.Fields: maximal runs of
// runes that are not unicode.IsSpace, an invalid byte counting as one
// U+FFFD. word reports whether the field holds a letter or digit. When no
// field is left, start and end are len(s). It allocates nothing.
func nextField(s string, i int) (start, end int, word bool) {
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			if !asciiSpace[c] {
				break
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsSpace(r) {
			break
		}
		i += n
	}
	start = i
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			if asciiSpace[c] {
				break
			}
			word = word || asciiWord[c]
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			break
		}
		word = word || isLetterOrDigit(r)
		i += n
	}
	return start, i, word
}

// joinFields returns strings.Join(strings.Fields(s), " ") without building
// the slice of fields, and without copying when s is already so joined.
func joinFields(s string) string {
	var b strings.Builder
	done := 0 // while b is empty: s[:done] is the result so far
	for i := 0; ; {
		start, end, _ := nextField(s, i)
		if start == len(s) {
			break
		}
		i = end
		if b.Len() == 0 {
			if start == 0 || (done > 0 && start == done+1 && s[done] == ' ') {
				done = end
				continue
			}
			b.Grow(len(s) - start + done)
			b.WriteString(s[:done])
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[start:end])
	}
	if b.Len() == 0 {
		return s[:done]
	}
	return b.String()
}

// joinedPrefix returns the start of joinFields(s): its first fields,
// joined by single spaces, up to the first that brings the result to at
// least runes runes (or all of them). For any max >= 0,
// Truncate(joinedPrefix(s, max+1), max) equals Truncate(joinFields(s),
// max): Truncate reads no further than the first max+1 runes of a text
// longer than max runes, and the prefix ends at a field, never in white
// space that Truncate would trim.
func joinedPrefix(s string, runes int) string {
	var b strings.Builder
	n := 0
	for i := 0; n < runes; {
		start, end, _ := nextField(s, i)
		if start == len(s) {
			break
		}
		i = end
		if b.Len() > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(s[start:end])
		n += utf8.RuneCountInString(s[start:end])
	}
	return b.String()
}

// ReadingTime returns the minutes needed to read words words at
// WordsPerMinute, rounded up, at least 1.
func ReadingTime(words int) int {
	if words <= 0 {
		return 1
	}
	return (words + WordsPerMinute - 1) / WordsPerMinute
}

// Truncate shortens s to at most max runes. It cuts at the last sentence end
// (". ", "! ", "? ") that keeps at least half of max, else at the last word
// boundary, else mid-word, and appends "…" when it cut inside a sentence.
// s is returned unchanged when it fits.
func Truncate(s string, max int) string {
	s = strings.TrimSpace(s)
	if max <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	// The byte offset of rune max (or of rune max-1, leaving room for "…").
	cut := byteOffset(s, max)
	head := s[:cut]
	if i := lastSentenceEnd(s, cut); i >= 0 && utf8.RuneCountInString(head[:i]) >= max/2 {
		return strings.TrimSpace(head[:i])
	}
	head = s[:byteOffset(s, max-1)]
	// Cut back to the last space, unless head already ends a word.
	if next, _ := utf8.DecodeRuneInString(s[len(head):]); !unicode.IsSpace(next) {
		if i := strings.LastIndexFunc(head, unicode.IsSpace); i > 0 && utf8.RuneCountInString(head[:i]) >= max/2 {
			head = head[:i]
		}
	}
	return strings.TrimRightFunc(head, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) }) + "…"
}

// lastSentenceEnd returns the byte index just after the last sentence
// terminator in s[:cut] that s follows with a space or a line break, or
// ends with; -1 if there is none. ("3.14" cut after "3." is no sentence
// end.)
func lastSentenceEnd(s string, cut int) int {
	for i := cut - 1; i >= 0; i-- {
		switch s[i] {
		case '.', '!', '?':
			if i+1 == len(s) || s[i+1] == ' ' || s[i+1] == '\n' {
				return i + 1
			}
		}
	}
	return -1
}

func byteOffset(s string, runes int) int {
	if runes <= 0 {
		return 0
	}
	n := 0
	for i := range s {
		if n == runes {
			return i
		}
		n++
	}
	return len(s)
}

// Slugify returns a URL slug of s: lower-case ASCII letters, digits and
// single hyphens, at most max bytes (cut at a hyphen where possible).
// Letters with accents lose them; other characters become hyphens.
func Slugify(s string, max int) string {
	var b strings.Builder
	b.Grow(len(s))
	dash := false
	for _, r := range strings.ToLower(s) {
		r = foldAccent(r)
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
				dash = true
			}
		}
	}
	slug := strings.TrimRight(b.String(), "-")
	if max > 0 && len(slug) > max {
		slug = slug[:max]
		if i := strings.LastIndexByte(slug, '-'); i > max/2 {
			slug = slug[:i]
		}
		slug = strings.TrimRight(slug, "-")
	}
	return slug
}

func foldAccent(r rune) rune {
	const from, to = "àáâãäåçèéêëìíîïñòóôõöøùúûüýÿ", "aaaaaaceeeeiiiinoooooouuuuyy"
	if i := strings.IndexRune(from, r); i >= 0 {
		return []rune(to)[utf8.RuneCountInString(from[:i])]
	}
	return r
}

// NormalizeTags lower-cases and trims tags, drops empty ones and
// duplicates, and keeps the first occurrence's order.
func NormalizeTags(tags []string) []string {
	out := make([]string, 0, len(tags))
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	return out
}
