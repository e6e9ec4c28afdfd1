package content

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The twitter-text v3 configuration that WeightedLength implements: weights
// are in units of 1/100 of a character.
const (
	xScale         = 100
	xDefaultWeight = 200 // code points outside the light ranges
	xLightWeight   = 100 // code points in the light ranges
	xURLLength     = 23  // every URL, whatever its length (t.co)
	xEmojiWeight   = 200 // one emoji sequence, whatever its length
)

// WeightedLength returns the length of text as X counts it, following the
// twitter-text v3 configuration (scale 100, default weight 200, emoji
// parsing on, transformed URL length 23):
//
//   - the text is normalised to NFC first;
//   - code points in the light ranges U+0000–U+10FF, U+2000–U+200D,
//     U+2010–U+201F and U+2032–U+2037 count 1, all others 2;
//   - every URL counts 23. A URL is http:// or https:// followed by a host
//     with a dot, or a bare domain whose last label is a well-known
//     top-level domain, not preceded by a letter, digit, "@",
//     "$", "#" or "."; it runs to the next space, without trailing
//     punctuation. This is a simplified form of twitter-text's URL
//     extraction, which knows every TLD (see knownTLD);
//   - an emoji sequence counts 2 in total: a pictographic code point with
//     its variation selector, skin-tone modifier, tag characters and
//     zero-width-joined followers; a pair of regional indicators (a flag);
//     a keycap ("#", "*" or a digit, U+FE0F, U+20E3); or a light symbol
//     made an emoji by U+FE0F (©️, ™️).
func WeightedLength(text string) int {
	s := norm.NFC.String(text)
	w := 0
	for i := 0; i < len(s); {
		// Most of a post is ASCII that can start neither a URL nor an
		// emoji: punctuation and space (except the keycap bases "#" and
		// "*"), and letters inside a word. They weigh 1 each.
		if c := s[i]; c < utf8.RuneSelf && c != '#' && c != '*' && (c < '0' || c > '9') &&
			(!isASCIIAlnum(c) || i > 0 && isASCIIAlnum(s[i-1])) {
			w += xLightWeight
			i++
			continue
		}
		var dw int
		dw, i = weightAt(s, i)
		w += dw
	}
	return w / xScale
}

// weightAt returns the weight (in 1/xScale) of the URL, emoji sequence or
// code point that starts at byte i of s, and the index after it.
func weightAt(s string, i int) (weight, next int) {
	if urlStartOK(s, i) {
		if end := urlEnd(s, i); end > i {
			return xURLLength * xScale, end
		}
	}
	if end := emojiEnd(s, i); end > i {
		return xEmojiWeight, end
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	if light(r) {
		return xLightWeight, i + size
	}
	return xDefaultWeight, i + size
}

func light(r rune) bool {
	return (r >= 0 && r <= 4351) || (r >= 8192 && r <= 8205) || (r >= 8208 && r <= 8223) || (r >= 8242 && r <= 8247)
}

// urlStartOK reports whether a URL may start at byte i of s, as
// twitter-text decides: at the start, or after a character that is not an
// ASCII letter or digit, "@", "$", "#" (or their full-width forms) or a
// directional mark U+202A-U+202E, so that "a@b.com" and the middle of a
// word never start one, while "いまhttps://example.com" does. A URL
// without a scheme is held to more: no letter or digit of any script,
// and no ".", "/", "-" or "_" before it.
func urlStartOK(s string, i int) bool {
	if i >= len(s) || !isASCIIAlnum(s[i]) {
		return false
	}
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	switch {
	case r < utf8.RuneSelf && isASCIIAlnum(byte(r)), r == '@', r == '$', r == '#', r == '＠', r == '＃', r >= 0x202A && r <= 0x202E:
		return false
	case hasScheme(s[i:]):
		return true
	}
	switch r {
	case '.', '/', '-', '_':
		return false
	}
	return !isLetterOrDigit(r)
}

// hasScheme reports whether s starts with http:// or https://, in any case.
func hasScheme(s string) bool {
	if len(s) < len("http://") || s[0]|0x20 != 'h' {
		return false
	}
	for _, p := range [...]string{"https://", "http://"} {
		if len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) {
			return true
		}
	}
	return false
}

func isLetterOrDigit(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// urlEnd returns the end of the URL that starts at byte i of s, or -1.
func urlEnd(s string, i int) int {
	rest := s[i:]
	j := i
	scheme := hasScheme(rest)
	if scheme {
		j += len("http://")
		if rest[4]|0x20 == 's' {
			j++
		}
	}
	// The host: labels of letters, digits and hyphens joined by dots.
	hostStart, lastLabel, dots := j, j, 0
	for j < len(s) {
		c := s[j]
		switch {
		case isASCIIAlnum(c) || c == '-' || (scheme && c >= utf8.RuneSelf && hostRune(s[j:])):
			if c >= utf8.RuneSelf {
				_, n := utf8.DecodeRuneInString(s[j:])
				j += n
				continue
			}
			j++
			continue
		case c == '.' && j+1 < len(s) && j > hostStart && s[j-1] != '.' && (isASCIIAlnum(s[j+1]) || (scheme && s[j+1] >= utf8.RuneSelf)):
			dots++
			j++
			lastLabel = j
			continue
		}
		break
	}
	if dots == 0 {
		return -1
	}
	tld := strings.ToLower(s[lastLabel:j])
	if scheme {
		// An ASCII top-level domain run on into other letters, as in
		// "http://example.comいま": the URL ends with the domain, as
		// twitter-text reads it.
		if k := strings.IndexFunc(tld, func(r rune) bool { return r >= utf8.RuneSelf }); k > 0 && knownTLD(tld[:k]) {
			j, tld = lastLabel+k, tld[:k]
		}
	}
	if !scheme && !knownTLD(tld) {
		return -1
	}
	if j < len(s) && s[j] == '@' {
		return -1 // an e-mail address, not a URL
	}
	// A port, path, query or fragment runs to the next space, or to the
	// first character twitter-text does not take in a path: it takes
	// Latin letters with their accents and Cyrillic, not CJK or
	// full-width punctuation ("https://x.co/aいま" ends before "い").
	if j < len(s) && (s[j] == ':' || s[j] == '/' || s[j] == '?' || s[j] == '#') {
		for j < len(s) {
			r, n := utf8.DecodeRuneInString(s[j:])
			if isSpace(r) || !urlPathRune(r) {
				break
			}
			j += n
		}
		// Trailing punctuation belongs to the sentence.
		for j > i {
			switch s[j-1] {
			case '.', ',', ';', ':', '!', '?', '\'', '"', ')', ']':
				j--
				continue
			}
			break
		}
	}
	return j
}

// urlPathRune reports whether r may be part of a URL's path, query or
// fragment: ASCII, Latin (U+00A0-U+024F, U+1E00-U+1EFF) and Cyrillic
// (U+0400-U+04FF), as twitter-text's path characters.
func urlPathRune(r rune) bool {
	return r < 0x250 || (r >= 0x400 && r <= 0x4FF) || (r >= 0x1E00 && r <= 0x1EFF)
}

func hostRune(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return r != utf8.RuneError && isLetterOrDigit(r) && !isPictographic(r)
}

// knownTLD reports whether t (lower case) is a top-level domain that makes
// a bare domain ("halcytone.app") a URL. twitter-text knows every IANA
// TLD; these are the common ones.
func knownTLD(t string) bool {
	switch t {
	case "ai", "app", "au", "biz", "blog", "br", "ca", "ch", "co", "com", "de", "dev", "edu", "es", "eu",
		"fr", "gov", "health", "in", "info", "io", "it", "jp", "me", "net", "news", "nl", "org", "se",
		"shop", "site", "tech", "tv", "uk", "us", "xyz":
		return true
	}
	return false
}

func isASCIIAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\v', '\f', 0x85, 0xA0, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200A || r == 0x2028 || r == 0x2029 || r == 0x202F || r == 0x205F
}

// Code points that shape emoji sequences.
const (
	zwj            = 0x200D
	variationEmoji = 0xFE0F
	variationText  = 0xFE0E
	keycapMark     = 0x20E3
)

// isPictographic reports whether r starts an emoji on its own: the
// pictographic blocks (a simplification of Extended_Pictographic).
func isPictographic(r rune) bool {
	switch {
	case r >= 0x1F000 && r <= 0x1FAFF, // mahjong to symbols and pictographs extended-A
		r >= 0x2600 && r <= 0x27BF, // miscellaneous symbols, dingbats
		r >= 0x2300 && r <= 0x23FF, // miscellaneous technical (⌚, ⏰)
		r >= 0x2B00 && r <= 0x2BFF, // arrows and stars (⬆, ⭐)
		r == 0x3030, r == 0x303D, r == 0x3297, r == 0x3299:
		return true
	}
	return false
}

func isRegionalIndicator(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }

func isModifier(r rune) bool {
	return r == variationEmoji || r == variationText || (r >= 0x1F3FB && r <= 0x1F3FF) || (r >= 0xE0020 && r <= 0xE007F)
}

// emojiEnd returns the end of the emoji sequence that starts at byte i of
// s, or -1 when none starts there.
func emojiEnd(s string, i int) int {
	r, n := utf8.DecodeRuneInString(s[i:])
	j := i + n
	switch {
	case isRegionalIndicator(r):
		if r2, n2 := utf8.DecodeRuneInString(s[j:]); isRegionalIndicator(r2) {
			return j + n2
		}
		return -1 // a lone regional indicator weighs as a code point
	case r == '#' || r == '*' || (r >= '0' && r <= '9'):
		k := j
		if r2, n2 := utf8.DecodeRuneInString(s[k:]); r2 == variationEmoji {
			k += n2
		}
		if r2, n2 := utf8.DecodeRuneInString(s[k:]); r2 == keycapMark {
			return k + n2
		}
		return -1
	case isPictographic(r):
	case r >= utf8.RuneSelf:
		// A light symbol presented as emoji (©️, ™️, ↔️).
		if r2, n2 := utf8.DecodeRuneInString(s[j:]); r2 == variationEmoji && !isModifier(r) && r != zwj {
			j += n2
			break
		}
		return -1
	default:
		return -1
	}
	for j < len(s) {
		r2, n2 := utf8.DecodeRuneInString(s[j:])
		switch {
		case isModifier(r2):
			j += n2
		case r2 == zwj:
			r3, n3 := utf8.DecodeRuneInString(s[j+n2:])
			if !isPictographic(r3) {
				return j
			}
			j += n2 + n3
		default:
			return j
		}
	}
	return j
}
