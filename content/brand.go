package content

import (
	"math/bits"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ProhibitedClaims are phrases that brand rules forbid in any channel:
// medical and absolute claims a wellness brand must not make.
var prohibitedClaims = []string{"diagnose", "cure", "treat", "guaranteed", "100% effective", "miracle", "instant results"}

// ProhibitedClaims returns the phrases CheckClaims looks for.
func ProhibitedClaims() []string { return append([]string(nil), prohibitedClaims...) }

// CheckClaims returns one error issue (code CodeProhibitedClaim) for each
// prohibited claim in text, reported against field. Words are matched
// whole and case-insensitively, with their inflections ("cures", "treated",
// "diagnosing"), but not inside other words ("treatise" aside, "retreat"
// does not match "treat").
func CheckClaims(field, text string) []Issue {
	found := findClaims(text)
	if found == 0 {
		return nil
	}
	var out []Issue
	for i, c := range prohibitedClaims {
		if found&(1<<i) != 0 {
			out = append(out, Issue{
				Severity: SeverityError,
				Field:    field,
				Code:     CodeProhibitedClaim,
				Message:  "prohibited claim \"" + c + "\": health and absolute claims are not allowed",
			})
		}
	}
	return out
}

// claimsByFirst maps a byte to the set of prohibitedClaims (bit i for
// claim i) that start with it. findClaims relies on every claim being
// non-empty ASCII, and on there being at most 64.
var claimsByFirst = func() (t [utf8.RuneSelf]uint64) {
	if len(prohibitedClaims) > 64 {
		panic("content: more than 64 prohibited claims")
	}
	for i, c := range prohibitedClaims {
		if c == "" || strings.IndexFunc(c, func(r rune) bool { return r >= utf8.RuneSelf }) >= 0 {
			panic("content: prohibited claim " + strconv.Quote(c) + " is not ASCII")
		}
		t[c[0]] |= 1 << i
	}
	return t
}()

// findClaims returns the set of prohibitedClaims (bit i for claim i) that
// containsCue finds in strings.ToLower(text), in one pass over text and
// without building the lower-case copy: the runes of text are lowered one
// at a time as strings.ToLower does (an invalid byte reads as U+FFFD), and
// since every claim is ASCII, a claim can only start at a lowered rune
// that is its first byte.
func findClaims(text string) uint64 {
	all := uint64(1)<<len(prohibitedClaims) - 1
	var found uint64
	// try looks for the claims that start with the lowered rune r at
	// byte i, after a rune that is no letter or digit.
	try := func(i int, r rune) {
		for set := claimsByFirst[r] &^ found; set != 0; set &= set - 1 {
			k := bits.TrailingZeros64(set)
			if end, ok := matchLower(text, i, prohibitedClaims[k]); ok && boundaryAfterLower(text, end) {
				found |= 1 << k
			}
		}
	}
	word := false // whether the previous lowered rune is a letter or digit
	for i := 0; i < len(text) && found != all; {
		c := text[i]
		switch {
		case c < utf8.RuneSelf && asciiWord[c]:
			if !word {
				try(i, rune(c|0x20)) // lower case; digits have the bit already
			}
			// Skip the rest of the ASCII word, where no claim starts.
			for i++; i < len(text) && text[i] < utf8.RuneSelf && asciiWord[text[i]]; i++ {
			}
			word = true
		case c < utf8.RuneSelf:
			if !word {
				try(i, rune(c))
			}
			word = false
			i++
		default:
			r, n := utf8.DecodeRuneInString(text[i:])
			if r = unicode.ToLower(r); !word && r < utf8.RuneSelf {
				try(i, r) // such as U+0130 (İ), which lowers to "i"
			}
			word = isWordRune(r)
			i += n
		}
	}
	return found
}

// lowerAt returns the rune of s at byte i lowered as strings.ToLower
// lowers it, and the index of the next rune.
func lowerAt(s string, i int) (rune, int) {
	if c := s[i]; c < utf8.RuneSelf {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		return rune(c), i + 1
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	return unicode.ToLower(r), i + n
}

// matchLower reports whether the lowered runes of s from byte i spell
// ascii (ASCII), and returns the index after them.
func matchLower(s string, i int, ascii string) (int, bool) {
	for j := 0; j < len(ascii); j++ {
		if i >= len(s) {
			return i, false
		}
		var r rune
		if r, i = lowerAt(s, i); r != rune(ascii[j]) {
			return i, false
		}
	}
	return i, true
}

// boundaryAfterLower is boundaryAfter on the lowered runes of s from byte
// i.
func boundaryAfterLower(s string, i int) bool {
	for _, suf := range cueSuffixes {
		if end, ok := matchLower(s, i, suf); ok {
			i = end
			break
		}
	}
	if i >= len(s) {
		return true
	}
	r, _ := lowerAt(s, i)
	return !isWordRune(r)
}

// CodeProhibitedClaim is the issue code of a prohibited claim.
const CodeProhibitedClaim = "prohibited_claim"
