package content

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// DefaultValidator is the Validator of this package. It applies every rule
// of Rules and reports every issue it finds, never only the first. Its zero
// value is ready to use (system clock, UTC); it holds no mutable state and
// is safe for concurrent use.
//
// ValidateContent works on a normalised copy of its input (Normalize) and
// never changes the caller's value. Rules on values that Normalize may
// derive (priority, featured) are checked against the value as the author
// gave it: an explicit priority 0 is out of range even when a critical
// urgency would set it to 1, and the featured flag that urgency forces does
// not need a schedule. List indices in field paths (tags[3]) refer to the
// normalised list.
type DefaultValidator struct {
	// Now returns the current time; nil means time.Now. Every time-relative
	// rule and the enrichment use it.
	Now func() time.Time
	// Location is where business hours and weekends are judged; nil means
	// UTC.
	Location *time.Location
}

var _ Validator = (*DefaultValidator)(nil)

// NewValidator returns a DefaultValidator with the system clock and UTC.
func NewValidator() *DefaultValidator { return &DefaultValidator{} }

func (v *DefaultValidator) now() time.Time {
	if v == nil || v.Now == nil {
		return time.Now()
	}
	return v.Now()
}

func (v *DefaultValidator) location() *time.Location {
	if v == nil || v.Location == nil {
		return time.UTC
	}
	return v.Location
}

// ValidateContent checks c against the rules of its type, the brand rules
// and the business rules (as warnings), and fills the report's Metadata
// with Enrich of the normalised content. A nil c gives an invalid report
// with one CodeRequired issue. ctx is accepted for the interface;
// validation is bounded and does not block.
func (v *DefaultValidator) ValidateContent(ctx context.Context, c Content) *Report {
	return v.validateContent(c, true)
}

// validateContent is ValidateContent. Without enrich it leaves the
// report's Metadata nil and takes from the body only the word count the
// business rules need, and only when they need it (wordsMatter), for
// Check, which reports the Metadata of a document's first item alone.
func (v *DefaultValidator) validateContent(c Content, enrich bool) *Report {
	r := newReport()
	if IsNil(c) {
		r.Add(Issue{Severity: SeverityError, Field: "", Code: CodeRequired, Message: "no content to validate"})
		return r
	}
	now, loc := v.now(), v.location()
	orig := *c.Common()
	n := clone(c)
	Normalize(n, now)
	r.Type = n.Kind()
	var words int
	if enrich {
		r.Metadata = Enrich(n, now, loc)
		words = r.Metadata.WordCount
	} else if body := n.Common().Body; wordsMatter(n.Kind(), body) {
		words = analyse(body).words
	}

	k := &checker{r: r}
	k.base(&orig, n.Common(), now)
	switch t := n.(type) {
	case *Update:
		k.update(t)
	case *Blog:
		k.blog(t)
	case *Announcement:
		k.announcement(t, now)
	case *Session:
		k.session(t, now)
	}
	k.contentClaims(n)
	k.business(n, words, loc)
	return r
}

// ValidateBundle checks the channel variants of b: the newsletter, the web
// post and every social post, including brand claims over all their text.
// The issues the assembler put in b.Issues are not repeated. A nil b gives
// an invalid report with one CodeRequired issue.
func (v *DefaultValidator) ValidateBundle(ctx context.Context, b *Bundle) *Report {
	r := newReport()
	if b == nil {
		r.Add(Issue{Severity: SeverityError, Field: "", Code: CodeRequired, Message: "no bundle to validate"})
		return r
	}
	r.Type = b.ContentType
	k := &checker{r: r}
	if b.Newsletter != nil {
		k.newsletter("newsletter", b.Newsletter)
	}
	if b.WebPost != nil {
		k.webPost("web_update", b.WebPost)
	}
	for i := range b.Social {
		k.socialPost(fmt.Sprintf("social_posts[%d]", i), &b.Social[i])
	}
	return r
}

func newReport() *Report {
	return &Report{Valid: true, Issues: []Issue{}, Warnings: []Issue{}}
}

// checker adds the findings of the rule functions to a report.
type checker struct {
	r *Report
}

func (k *checker) errorf(field, code, format string, args ...any) {
	k.r.Add(Issue{Severity: SeverityError, Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
}

func (k *checker) warnf(field, code, format string, args ...any) {
	k.r.Add(Issue{Severity: SeverityWarning, Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
}

// textRule is the length rule of one text field. Min > 0 makes the field
// required; Max 0 means no upper limit.
type textRule struct {
	min, max int
	notBlank bool
}

// text checks s against rule: encoding, presence, blankness and length in
// runes. It reports every rule s breaks, except that an empty or blank
// value is reported once, as such.
func (k *checker) text(field, s string, rule textRule) {
	k.encoding(field, s)
	if s == "" {
		if rule.min > 0 {
			k.errorf(field, CodeRequired, "is required")
		}
		return
	}
	if rule.notBlank && strings.TrimSpace(s) == "" {
		k.errorf(field, CodeBlank, "must not be blank")
		return
	}
	n := utf8.RuneCountInString(s)
	if n < rule.min {
		k.errorf(field, CodeTooShort, "has %d characters, needs at least %d", n, rule.min)
	}
	if rule.max > 0 && n > rule.max {
		k.errorf(field, CodeTooLong, "has %d characters, allows at most %d", n, rule.max)
	}
}

// encoding reports s when it is not valid UTF-8.
func (k *checker) encoding(field, s string) {
	if !utf8.ValidString(s) {
		k.errorf(field, CodeInvalidEncoding, "is not valid UTF-8")
	}
}

// texts checks the encoding of every entry of a list.
func (k *checker) texts(field string, list []string) {
	for i, s := range list {
		if !utf8.ValidString(s) { // the field path only when needed
			k.encoding(fmt.Sprintf("%s[%d]", field, i), s)
		}
	}
}

// maxItems reports a list longer than max.
func (k *checker) maxItems(field string, n, max int) {
	if n > max {
		k.errorf(field, CodeTooMany, "has %d entries, allows at most %d", n, max)
	}
}

// intRange reports n outside [min, max].
func (k *checker) intRange(field string, n, min, max int) {
	if n < min || n > max {
		k.errorf(field, CodeOutOfRange, "is %d, must be within %d-%d", n, min, max)
	}
}

// future reports a non-zero t that is not after now, or more than
// MaxScheduleYears after it.
func (k *checker) future(field string, t, now time.Time) {
	if t.IsZero() {
		return
	}
	if !t.After(now) {
		k.errorf(field, CodeInPast, "%s is not in the future", t.UTC().Format(time.RFC3339))
	} else if t.After(now.AddDate(MaxScheduleYears, 0, 0)) {
		k.errorf(field, CodeTooFar, "%s is more than %d year ahead", t.UTC().Format(time.RFC3339), MaxScheduleYears)
	}
}

// claims adds CheckClaims' issues for text.
func (k *checker) claims(field, text string) {
	for _, i := range CheckClaims(field, text) {
		k.r.Add(i)
	}
}
