package content

import (
	"fmt"
	"time"
)

// base checks the fields every type shares. orig is the Base as the
// author gave it, n the normalised one.
func (k *checker) base(orig, n *Base, now time.Time) {
	k.text("title", n.Title, textRule{min: 1, max: MaxTitleLength, notBlank: true})
	k.text("content", n.Body, textRule{min: MinBodyLength})
	if n.Body != "" {
		if w := WordCount(n.Body); w < MinBodyWords {
			k.errorf("content", CodeTooFewWords, "has %d words, needs at least %d", w, MinBodyWords)
		}
	}
	k.text("author", n.Author, textRule{max: MaxAuthorLength})
	if orig.PrioritySet || orig.Priority != 0 {
		k.intRange("priority", int(orig.Priority), MinPriority, MaxPriority)
	}
	for i, ch := range orig.Channels {
		if _, err := ParseChannel(string(ch)); err != nil {
			k.errorf(fmt.Sprintf("channels[%d]", i), CodeInvalidEnum, "%q is not a channel (want %s)", ch, joinNames(Channels()))
		}
	}
	if orig.Template != "" {
		if _, err := ParseTemplate(string(orig.Template)); err != nil {
			k.errorf("template", CodeInvalidEnum, "%q is not a template (want %s)", orig.Template, joinNames(Templates()))
		}
	}
	if y := n.Date.UTC().Year(); !n.Date.IsZero() && (y < 1 || y > 9999) {
		// RFC 3339 has four-digit years: such a date cannot be written
		// back (JSON, the stores, the feeds).
		k.errorf("date", CodeOutOfRange, "year %d is outside 0001-9999", y)
	}
	k.future("scheduled_for", n.ScheduledFor, now)
	if orig.Featured && !orig.Published && orig.ScheduledFor.IsZero() {
		k.errorf("featured", CodeConflict, "featured content must be published or have scheduled_for")
	}
	if orig.Featured && orig.DryRun {
		k.errorf("dry_run", CodeConflict, "dry_run and featured exclude each other")
	}
}

// contentClaims checks the published text of c for prohibited claims: the
// title and body, and an excerpt, SEO description or call to action.
func (k *checker) contentClaims(c Content) {
	b := c.Common()
	k.claims("title", b.Title)
	k.claims("content", b.Body)
	switch v := c.(type) {
	case *Update:
		k.claims("excerpt", v.Excerpt)
	case *Blog:
		k.claims("excerpt", v.Excerpt)
		k.claims("seo_description", v.SEODescription)
	case *Announcement:
		k.claims("call_to_action", v.CallToAction)
	}
}

// joinNames lists enum values for a message: "a, b or c".
func joinNames[T ~string](vs []T) string {
	s := ""
	for i, v := range vs {
		switch {
		case i == 0:
		case i == len(vs)-1:
			s += " or "
		default:
			s += ", "
		}
		s += string(v)
	}
	return s
}
