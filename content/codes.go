package content

// Issue codes. They are stable: clients match on them, so a code is never
// renamed or reused for another meaning. CodeProhibitedClaim is declared
// beside CheckClaims in brand.go.
const (
	// CodeRequired: a required field is empty or absent.
	CodeRequired = "required"
	// CodeBlank: a text field holds only white space.
	CodeBlank = "blank"
	// CodeTooShort: a text has fewer characters (runes) than allowed.
	CodeTooShort = "too_short"
	// CodeTooLong: a text has more characters (runes, or a platform's
	// weighted units) than allowed.
	CodeTooLong = "too_long"
	// CodeOutOfRange: a number is outside its allowed range.
	CodeOutOfRange = "out_of_range"
	// CodeInvalidEnum: a value is not one of the allowed names.
	CodeInvalidEnum = "invalid_enum"
	// CodePattern: a text does not match its required pattern (slug,
	// hashtag).
	CodePattern = "pattern"
	// CodeInvalidEncoding: a text is not valid UTF-8.
	CodeInvalidEncoding = "invalid_encoding"
	// CodeInvalidURL: a URL is not an absolute http or https URL.
	CodeInvalidURL = "invalid_url"
	// CodeInPast: a time that must lie in the future does not.
	CodeInPast = "in_past"
	// CodeTooFar: a time lies further in the future than allowed.
	CodeTooFar = "too_far"
	// CodeInFuture: a time that must not lie in the future does.
	CodeInFuture = "in_future"
	// CodeTooOld: a time lies further in the past than allowed.
	CodeTooOld = "too_old"
	// CodeConflict: two fields contradict each other, or a field needs
	// another that is missing (featured without published or a schedule).
	CodeConflict = "conflict"
	// CodeTooMany: a list has more entries than allowed.
	CodeTooMany = "too_many"
	// CodeTooFewWords: a text has fewer words than required (an error for
	// the body, a warning for a short blog).
	CodeTooFewWords = "too_few_words"
	// CodeTooManyWords: a text has more words than advisable (warning).
	CodeTooManyWords = "too_many_words"
	// CodeSpamTrigger: a newsletter subject holds a word that spam filters
	// penalise.
	CodeSpamTrigger = "spam_trigger"
	// CodeBusinessHours: a schedule falls outside business hours (warning).
	CodeBusinessHours = "outside_business_hours"
	// CodeWeekend: a schedule falls on a Saturday or Sunday (warning).
	CodeWeekend = "weekend"
	// CodeMissingEmail: high-priority content does not go to email
	// (warning).
	CodeMissingEmail = "missing_email_channel"
	// CodeMissingMedia: a post for a platform that lives on images has no
	// media (warning).
	CodeMissingMedia = "missing_media"

	// The codes below are reported by the assembler in Bundle.Issues.

	// CodeTruncated: text was shortened to fit a platform (info).
	CodeTruncated = "truncated"
	// CodeEmptyTitle: an item had no title and one was derived (warning).
	CodeEmptyTitle = "empty_title"
	// CodeEmptyBody: an item had no body text (warning).
	CodeEmptyBody = "empty_body"
	// CodeNestingTooDeep: lists or quotes nested too deep were flattened
	// (warning).
	CodeNestingTooDeep = "nesting_too_deep"
)
