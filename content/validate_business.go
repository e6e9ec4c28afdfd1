package content

import (
	"slices"
	"time"
)

// business adds the business rules' warnings: a schedule outside business
// hours or on a weekend (judged in loc), a blog under MinBlogWords or an
// update over MaxUpdateWords (words of the body's plain text, as Enrich
// counts them), and priority 1 or 2 with channels that leave out email
// (no channels at all means the type's defaults and draws no warning).
func (k *checker) business(c Content, words int, loc *time.Location) {
	b := c.Common()
	if !b.ScheduledFor.IsZero() {
		t := b.ScheduledFor.In(loc)
		if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
			k.warnf("scheduled_for", CodeWeekend, "%s is a %s in %s", t.Format(time.RFC3339), wd, loc)
		}
		if !inBusinessHours(t) {
			k.warnf("scheduled_for", CodeBusinessHours, "%s is outside %02d:00-%02d:00 in %s", t.Format(time.RFC3339), BusinessHoursStart, BusinessHoursEnd, loc)
		}
	}
	switch c.Kind() {
	case TypeBlog:
		if words < MinBlogWords {
			k.warnf("content", CodeTooFewWords, "a blog of %d words is short; aim for at least %d", words, MinBlogWords)
		}
	case TypeUpdate:
		if words > MaxUpdateWords {
			k.warnf("content", CodeTooManyWords, "an update of %d words is long; keep it under %d or make it a blog", words, MaxUpdateWords)
		}
	}
	if p := b.Priority; p.Valid() && int(p) <= EmailPriorityCutoff && len(b.Channels) > 0 && !slices.Contains(b.Channels, ChannelEmail) {
		k.warnf("channels", CodeMissingEmail, "%s priority content usually goes to email too", p)
	}
}

// inBusinessHours reports whether t's clock time lies within
// BusinessHoursStart:00 and BusinessHoursEnd:00, both included.
func inBusinessHours(t time.Time) bool {
	start := time.Date(t.Year(), t.Month(), t.Day(), BusinessHoursStart, 0, 0, 0, t.Location())
	end := time.Date(t.Year(), t.Month(), t.Day(), BusinessHoursEnd, 0, 0, 0, t.Location())
	return !t.Before(start) && !t.After(end)
}

// wordsMatter reports whether the business rules need the word count of
// body for content of kind t: a blog's always (a short one draws a
// warning), an update's only when it may be over MaxUpdateWords, and no
// other kind's. An update's body of n bytes has at most (n+1)/2 words
// (maxWords), so one of under 2*MaxUpdateWords bytes needs no count.
func wordsMatter(t Type, body string) bool {
	switch t {
	case TypeBlog:
		return true
	case TypeUpdate:
		return maxWords(body) > MaxUpdateWords
	}
	return false
}

// maxWords bounds the words analyse finds in md: (len(md)+1)/2. Every
// character of the text analyse collects comes from bytes of md of its
// own (a text segment, a reference resolved to fewer bytes than it
// takes, an autolink's label, the line end under a soft break) or is the
// separator it puts between two blocks, which lie on different lines of
// md; so k words, each a letter or digit at least and apart from the next
// by white space at least, take at least 2k-1 bytes of md.
func maxWords(md string) int {
	return (len(md) + 1) / 2
}
