package approval

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/halcytone/halcytone/content"
)

// Subject is what a policy decides on: the traits of the content under
// review.
type Subject struct {
	Type     content.Type
	Priority content.Priority // zero counts as normal (3)
	Featured bool
	Urgency  content.Urgency // announcements only
	Title    string
	Text     string // every text of the content, searched for health claims
	Weekly   bool   // the weekly update
	// ValidationPassed reports that validation found no error; the caller
	// sets it from its content.Report.
	ValidationPassed bool
	// Author is who wrote the content; they may not approve it unless the
	// level allows self-approval.
	Author string
	// MinLevel is the least level the caller asks for, such as a
	// schedule's approval_level; the policy's level wins when higher. A
	// level the policy does not describe counts as the next one it does
	// (its highest at most). Zero asks for nothing.
	MinLevel int
}

// SubjectOf builds the Subject of a document and the bundle assembled from
// it; either may be nil. The highest-ranking item decides the type,
// priority, flags, urgency, author and title: critical urgency first, then
// the lowest priority number, then announcements before blogs before
// sessions before updates, then featured items, then document order. Text
// holds every item's title and body and the bundle's short variants
// (newsletter subject and preview, web excerpt and SEO description, social
// posts), so that a claim anywhere counts. Weekly is set when the
// document's, the bundle's or the item's title holds the word "weekly", or
// the item's metadata says "weekly": true or has "frequency", "cadence" or
// "series" equal to "weekly". ValidationPassed is left false.
func SubjectOf(doc *content.Document, b *content.Bundle) Subject {
	var s Subject
	var text strings.Builder
	add := func(parts ...string) {
		for _, p := range parts {
			if p != "" {
				text.WriteString(p)
				text.WriteByte('\n')
			}
		}
	}
	if doc != nil {
		add(doc.Title)
		items := doc.Items()
		var top content.Content
		for i := range items {
			c := items[i].Typed()
			add(items[i].Title, items[i].Body)
			if top == nil || outranks(c, top) {
				top = c
			}
		}
		if top != nil {
			base := top.Common()
			s.Type, s.Priority, s.Featured = top.Kind(), base.Priority.Effective(), base.Featured
			s.Title, s.Author = base.Title, base.Author
			if a, ok := top.(*content.Announcement); ok {
				s.Urgency = a.Urgency
			}
			s.Weekly = weeklyMetadata(base.Metadata) || isWeekly(base.Title)
		}
		if s.Title == "" {
			s.Title = doc.Title
		}
		s.Weekly = s.Weekly || isWeekly(doc.Title)
	}
	if b != nil {
		if s.Type == "" {
			s.Type, s.Priority = b.ContentType, content.PriorityNormal
		}
		if s.Title == "" {
			s.Title = b.Title
		}
		s.Weekly = s.Weekly || isWeekly(b.Title)
		add(b.Title)
		if n := b.Newsletter; n != nil {
			add(n.Subject, n.PreviewText)
		}
		if w := b.WebPost; w != nil {
			add(w.Title, w.Excerpt, w.SEODescription)
		}
		for _, p := range b.Social {
			add(p.Text)
			for i, t := range p.Thread {
				if i > 0 || t != p.Text {
					add(t)
				}
			}
		}
	}
	s.Text = text.String()
	return s
}

// outranks reports whether a ranks above b (see SubjectOf).
func outranks(a, b content.Content) bool {
	if ac, bc := critical(a), critical(b); ac != bc {
		return ac
	}
	if ap, bp := a.Common().Priority.Effective(), b.Common().Priority.Effective(); ap != bp {
		return ap < bp
	}
	if ar, br := typeRank(a.Kind()), typeRank(b.Kind()); ar != br {
		return ar > br
	}
	return a.Common().Featured && !b.Common().Featured
}

func critical(c content.Content) bool {
	a, ok := c.(*content.Announcement)
	return ok && a.Urgency == content.UrgencyCritical
}

func typeRank(t content.Type) int {
	switch t {
	case content.TypeAnnouncement:
		return 4
	case content.TypeBlog:
		return 3
	case content.TypeSession:
		return 2
	case content.TypeUpdate:
		return 1
	}
	return 0
}

func isWeekly(title string) bool {
	return containsWord(strings.ToLower(title), []string{"weekly"})
}

func weeklyMetadata(m map[string]any) bool {
	switch v := m["weekly"].(type) {
	case bool:
		if v {
			return true
		}
	case string:
		if strings.EqualFold(strings.TrimSpace(v), "true") {
			return true
		}
	}
	for _, k := range []string{"frequency", "cadence", "series"} {
		if v, ok := m[k]; ok && strings.EqualFold(strings.TrimSpace(fmt.Sprint(v)), "weekly") {
			return true
		}
	}
	return false
}

// containsWord reports whether lower (already lower-cased) holds one of
// terms as a whole word, case-insensitively, also with the endings s, es,
// d, ed or ing ("cures", "treated", "healing", "diagnosing"); "treat" does
// not match "retreat" or "treatise". Terms that start or end with a
// non-letter match at that end without a boundary.
func containsWord(lower string, terms []string) bool {
	for _, term := range terms {
		t := strings.ToLower(strings.TrimSpace(term))
		if t == "" {
			continue
		}
		if find(lower, t, t, wordSuffixes, true) {
			return true
		}
		// "diagnose" -> "diagnosing", "diagnosed".
		if stem, ok := strings.CutSuffix(t, "e"); ok && len(stem) > 2 && find(lower, stem, t, []string{"ing", "ed"}, false) {
			return true
		}
	}
	return false
}

var wordSuffixes = []string{"ing", "es", "ed", "s", "d"}

// find reports whether s holds needle at a word start, followed by one of
// suffixes (or nothing, when bare) and a word end. term is the word the
// needle stands for, which decides whether its ends need boundaries.
func find(s, needle, term string, suffixes []string, bare bool) bool {
	for i := 0; i <= len(s); {
		j := strings.Index(s[i:], needle)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(needle)
		if wordStart(s, start, term) && wordEnd(s[end:], term, suffixes, bare) {
			return true
		}
		_, size := utf8.DecodeRuneInString(s[start:])
		i = start + size
	}
	return false
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func wordStart(s string, i int, term string) bool {
	if first, _ := utf8.DecodeRuneInString(term); i == 0 || !isWordRune(first) {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return !isWordRune(r)
}

func wordEnd(rest, term string, suffixes []string, bare bool) bool {
	if last, _ := utf8.DecodeLastRuneInString(term); bare && !isWordRune(last) {
		return true
	}
	for _, suffix := range suffixes {
		if tail, ok := strings.CutPrefix(rest, suffix); ok && boundaryAt(tail) {
			return true
		}
	}
	return bare && boundaryAt(rest)
}

func boundaryAt(rest string) bool {
	if rest == "" {
		return true
	}
	r, _ := utf8.DecodeRuneInString(rest)
	return !isWordRune(r)
}
