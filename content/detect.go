package content

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Cues in a title that make Detect pick an announcement or a blog.
var (
	announcementCues = []string{"announcement", "announcing", "launch", "release", "partnership", "urgent", "breaking", "press release", "🎉"}
	blogCues         = []string{"science", "technique", "guide", "how to", "tips", "benefits", "research", "study", "article"}
)

// Detect picks the content type of untyped content from its title:
// announcement cues first (announcement,
// launch, release, partnership, urgent, breaking, press release, 🎉), then
// blog cues (science, technique, guide, how to, tips, benefits, research,
// study, article), else update. Matching is by whole words, case-insensitive.
func Detect(title string) Type {
	t := strings.ToLower(title)
	if containsCue(t, announcementCues) {
		return TypeAnnouncement
	}
	if containsCue(t, blogCues) {
		return TypeBlog
	}
	return TypeUpdate
}

// containsCue reports whether s holds one of cues as whole words (cues that
// are not letters, like an emoji, match anywhere). Word forms with a plural
// or verb suffix ("launches", "released") count as well.
func containsCue(s string, cues []string) bool {
	for _, c := range cues {
		for i := 0; ; {
			j := strings.Index(s[i:], c)
			if j < 0 {
				break
			}
			start, end := i+j, i+j+len(c)
			if boundaryBefore(s, start) && boundaryAfter(s, end) {
				return true
			}
			i = start + 1
		}
	}
	return false
}

func boundaryBefore(s string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return !unicode.IsLetter(r) && !unicode.IsDigit(r)
}

func boundaryAfter(s string, i int) bool {
	rest := s[i:]
	for _, suf := range []string{"es", "s", "ed", "d", "ing"} {
		if strings.HasPrefix(rest, suf) {
			rest = rest[len(suf):]
			break
		}
	}
	if rest == "" {
		return true
	}
	r, _ := utf8.DecodeRuneInString(rest)
	return !unicode.IsLetter(r) && !unicode.IsDigit(r)
}
