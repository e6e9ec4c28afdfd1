package content

import "encoding/json"

// Limits of typed content and of channel variants. The validator, the
// machine-readable rule set (Rules, ContentTypes) and the JSON Schemas
// (Schema) all read these constants, so the three cannot drift apart.
// Lengths count runes (Unicode code points), as JSON Schema's minLength and
// maxLength do; social post lengths count the platform's own units (Length).
const (
	// Every type.
	MaxTitleLength    = 200                  // title: 1-200 runes, not blank
	MinBodyLength     = 10                   // content: at least 10 runes ...
	MinBodyWords      = 3                    // ... and at least 3 words (WordCount)
	MaxAuthorLength   = 100                  // author
	MaxScheduleYears  = 1                    // scheduled_for and expires_at: at most 1 year ahead
	MinPriority       = int(PriorityUrgent)  // priority: 1 urgent ...
	MaxPriority       = int(PriorityArchive) // ... 5 archive; an explicit 0 is out of range
	MaxUpdateTags     = 10                   // update: tags
	MaxTagLength      = 50                   // update: runes per tag, after NormalizeTags
	MaxUpdateExcerpt  = 300                  // update: excerpt
	MaxCategoryLength = 100                  // blog: category (auto-filled when empty)
	MaxBlogTags       = 15                   // blog: tags
	MinReadingTime    = 1                    // blog: reading_time in minutes (0 means words/200)
	MaxReadingTime    = 120                  // blog: reading_time
	MinSEODescription = 50                   // blog: seo_description, when given
	MaxSEODescription = 160                  // blog: seo_description
	MaxBlogExcerpt    = 500                  // blog: excerpt
	MaxTargetKeywords = 5                    // blog: target_keywords
	MaxCallToAction   = 200                  // announcement: call_to_action

	// Sessions.
	MaxSessionIDLength      = 100  // session_id: 1-100 runes
	MinSessionDuration      = 1    // session_duration in seconds
	MaxSessionDuration      = 7200 // session_duration: two hours
	MinParticipants         = 1    // participant_count
	MaxParticipants         = 1000 // participant_count
	MinWorkshopParticipants = 5    // participant_count of a workshop
	MaxTechniques           = 10   // breathing_techniques: 1-10
	MinHRVImprovement       = -100 // average_hrv_improvement, percent
	MaxHRVImprovement       = 200  // average_hrv_improvement, percent
	MaxSessionAgeDays       = 30   // session_date: not in the future, at most 30 days old

	// Channel variants.
	MinSubjectLength  = 10  // newsletter.subject
	MaxSubjectLength  = 100 // newsletter.subject
	MaxPreviewText    = 150 // newsletter.preview_text
	MinWebTitle       = 10  // web_update.title
	MaxWebTitle       = 100 // web_update.title
	MinWebBody        = 50  // web_update.html: runes of its text
	MinWebExcerpt     = 20  // web_update.excerpt
	MaxWebExcerpt     = 300 // web_update.excerpt
	MaxSlugLength     = 100 // web_update.slug
	MaxWebTags        = 20  // web_update.tags
	MaxSEOTitle       = 60  // web_update.seo_title
	MinWebDescription = 120 // web_update.seo_description
	MaxWebDescription = 160 // web_update.seo_description

	// Business rules (warnings).
	BusinessHoursStart  = 8                 // schedules before 08:00 draw a warning ...
	BusinessHoursEnd    = 17                // ... and after 17:00 (in DefaultValidator.Location)
	MinBlogWords        = 300               // a shorter blog draws a warning
	MaxUpdateWords      = 500               // a longer update draws a warning
	EmailPriorityCutoff = int(PriorityHigh) // priority 1 up to this without email draws a warning
)

// Patterns of channel variants, in the syntax shared by Go's regexp and
// ECMA-262.
const (
	SlugPattern    = `^[a-z0-9-]+$` // web_update.slug
	HashtagPattern = `^#\w+$`       // social_posts[].hashtags[]: ASCII letters, digits, underscore
)

// spamTriggerList are the words and phrases that spam filters penalise in a
// subject line.
var spamTriggerList = []string{"free", "urgent", "!!!", "click now", "limited time"}

// SpamTriggers returns the words and phrases a newsletter subject must not
// hold (whole words, case-insensitive).
func SpamTriggers() []string { return append([]string(nil), spamTriggerList...) }

// RuleSet is every rule the validator applies, in machine-readable form:
// the body of GET /api/v2/validation-rules.
type RuleSet struct {
	ContentTypes     []TypeRules         `json:"content_types"`
	Newsletter       []FieldRule         `json:"newsletter"`
	WebUpdate        []FieldRule         `json:"web_update"`
	Social           SocialRules         `json:"social"`
	SpamTriggers     []string            `json:"spam_triggers"`
	ProhibitedClaims []string            `json:"prohibited_claims"`
	Enums            map[string][]string `json:"enums"`
}

// TypeRules are the field rules of one content type and its rules that
// involve time or several fields.
type TypeRules struct {
	Type        Type         `json:"type"`
	Fields      []FieldRule  `json:"fields"`
	Constraints []Constraint `json:"constraints"`
}

// FieldRule describes one JSON field and its limits. Unset limits are nil
// and omitted from JSON. Lengths count runes.
type FieldRule struct {
	Field       string   `json:"field"`
	Type        string   `json:"type"`             // JSON type: string, integer, number, boolean, array, object
	Format      string   `json:"format,omitempty"` // date-time for times
	Required    bool     `json:"required"`
	MinLength   *int     `json:"min_length,omitempty"`
	MaxLength   *int     `json:"max_length,omitempty"`
	MinWords    *int     `json:"min_words,omitempty"`
	NotBlank    bool     `json:"not_blank,omitempty"` // must hold a non-space character
	Minimum     *float64 `json:"minimum,omitempty"`
	Maximum     *float64 `json:"maximum,omitempty"`
	MinItems    *int     `json:"min_items,omitempty"`
	MaxItems    *int     `json:"max_items,omitempty"`
	ItemMaxLen  *int     `json:"item_max_length,omitempty"`
	ItemPattern string   `json:"item_pattern,omitempty"`
	Pattern     string   `json:"pattern,omitempty"`
	Enum        []string `json:"enum,omitempty"`
	ZeroDefault bool     `json:"zero_means_default,omitempty"` // 0 is allowed and replaced by Default
	Default     string   `json:"default,omitempty"`            // what an empty value becomes, in words
	Description string   `json:"description"`
}

// Constraint is a rule over time or over several fields, with the code and
// severity of the issue it raises.
type Constraint struct {
	Code        string   `json:"code"`
	Severity    Severity `json:"severity"`
	Fields      []string `json:"fields"`
	Description string   `json:"description"`
}

// SocialRules are the rules of social posts.
type SocialRules struct {
	Platforms       []PlatformRules `json:"platforms"`
	HashtagPattern  string          `json:"hashtag_pattern"`
	MediaURLSchemes []string        `json:"media_url_schemes"`
}

// TypeInfo describes one content type for GET /api/v2/content-types.
type TypeInfo struct {
	Type            Type            `json:"type"`
	Description     string          `json:"description"`
	Required        []string        `json:"required_fields"`
	Optional        []string        `json:"optional_fields"`
	Fields          []FieldRule     `json:"fields"`
	Constraints     []Constraint    `json:"constraints"`
	DefaultChannels []Channel       `json:"default_channels"`
	Schema          json.RawMessage `json:"json_schema"` // as Schema returns it
}

// Rules returns the complete rule set. Each call builds a fresh value that
// the caller may modify.
func Rules() RuleSet {
	rs := RuleSet{
		Newsletter:       newsletterRules(),
		WebUpdate:        webRules(),
		SpamTriggers:     SpamTriggers(),
		ProhibitedClaims: ProhibitedClaims(),
		Social: SocialRules{
			HashtagPattern:  HashtagPattern,
			MediaURLSchemes: []string{"http", "https"},
		},
		Enums: map[string][]string{
			"type":         names(Types()),
			"channel":      names(Channels()),
			"platform":     names(Platforms()),
			"template":     names(Templates()),
			"tone":         names(Tones()),
			"urgency":      names(urgencies()),
			"session_type": names(sessionTypes()),
		},
	}
	for _, t := range Types() {
		rs.ContentTypes = append(rs.ContentTypes, TypeRules{Type: t, Fields: fieldRules(t), Constraints: constraints(t)})
	}
	for _, p := range Platforms() {
		r, _ := RulesFor(p)
		rs.Social.Platforms = append(rs.Social.Platforms, r)
	}
	return rs
}

// ContentTypes describes every content type, in the order of Types.
func ContentTypes() []TypeInfo {
	descriptions := map[Type]string{
		TypeUpdate:       "A short product or company update.",
		TypeBlog:         "A long-form article.",
		TypeAnnouncement: "A launch, release, partnership or other news that may be urgent.",
		TypeSession:      "The record of a breathing session, summarised for every channel.",
	}
	out := make([]TypeInfo, 0, len(Types()))
	for _, t := range Types() {
		ti := TypeInfo{
			Type:            t,
			Description:     descriptions[t],
			Fields:          fieldRules(t),
			Constraints:     constraints(t),
			DefaultChannels: DefaultChannels(t),
			Schema:          Schema(t),
		}
		for _, f := range ti.Fields {
			if f.Required {
				ti.Required = append(ti.Required, f.Field)
			} else {
				ti.Optional = append(ti.Optional, f.Field)
			}
		}
		out = append(out, ti)
	}
	return out
}

// DefaultChannels returns the channels content of type t goes to when it
// names none: the website always; email for blogs, announcements and
// sessions; LinkedIn for updates, blogs and announcements; X for updates
// and announcements; Facebook for announcements and sessions; Instagram for
// sessions. Unknown types get the website alone.
func DefaultChannels(t Type) []Channel {
	switch t {
	case TypeUpdate:
		return []Channel{ChannelWebsite, ChannelTwitter, ChannelLinkedIn}
	case TypeBlog:
		return []Channel{ChannelEmail, ChannelWebsite, ChannelLinkedIn}
	case TypeAnnouncement:
		return []Channel{ChannelEmail, ChannelWebsite, ChannelTwitter, ChannelLinkedIn, ChannelFacebook}
	case TypeSession:
		return []Channel{ChannelEmail, ChannelWebsite, ChannelFacebook, ChannelInstagram}
	}
	return []Channel{ChannelWebsite}
}

func urgencies() []Urgency {
	return []Urgency{UrgencyLow, UrgencyMedium, UrgencyHigh, UrgencyCritical}
}

func sessionTypes() []SessionType {
	return []SessionType{SessionLive, SessionGuided, SessionPractice, SessionWorkshop}
}

func names[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func intp(n int) *int { return &n }

func floatp(f float64) *float64 { return &f }

// baseRules are the rules of the fields every type shares.
func baseRules() []FieldRule {
	return []FieldRule{
		{Field: "type", Type: "string", Enum: names(Types()), Description: "The content type; detected from the title when absent."},
		{Field: "title", Type: "string", Required: true, MinLength: intp(1), MaxLength: intp(MaxTitleLength), NotBlank: true, Description: "The headline."},
		{Field: "content", Type: "string", Required: true, MinLength: intp(MinBodyLength), MinWords: intp(MinBodyWords), Description: "The body; Markdown allowed."},
		{Field: "date", Type: "string", Format: "date-time", Default: "the validation time", Description: "When the content was written."},
		{Field: "author", Type: "string", MaxLength: intp(MaxAuthorLength), Description: "The author's name."},
		{Field: "published", Type: "boolean", Description: "Whether the content is released."},
		{Field: "featured", Type: "boolean", Description: "Whether the content is highlighted."},
		{Field: "dry_run", Type: "boolean", Description: "Assemble and record, never send."},
		{Field: "channels", Type: "array", Enum: channelNames(), Default: "the type's default channels", Description: "Where the content goes."},
		{Field: "priority", Type: "integer", Minimum: floatp(float64(MinPriority)), Maximum: floatp(float64(MaxPriority)), Default: "3 (normal)", Description: "1 urgent, 2 high, 3 normal, 4 low, 5 archive."},
		{Field: "template", Type: "string", Enum: templateNames(), Default: "modern", Description: "The newsletter template; classic is an alias of modern."},
		{Field: "scheduled_for", Type: "string", Format: "date-time", Description: "When to publish; in the future, at most one year ahead."},
		{Field: "metadata", Type: "object", Description: "Free-form data kept with the content."},
	}
}

// fieldRules returns the rules of every field of type t: the shared
// fields, then the type's own.
func fieldRules(t Type) []FieldRule {
	rs := baseRules()
	switch t {
	case TypeUpdate:
		rs = append(rs,
			FieldRule{Field: "tags", Type: "array", MaxItems: intp(MaxUpdateTags), ItemMaxLen: intp(MaxTagLength), Description: "Tags, lower-cased, trimmed and de-duplicated before the limits apply."},
			FieldRule{Field: "excerpt", Type: "string", MaxLength: intp(MaxUpdateExcerpt), Description: "A teaser."},
		)
	case TypeBlog:
		rs = append(rs,
			FieldRule{Field: "category", Type: "string", MaxLength: intp(MaxCategoryLength), Default: "detected from title and content (DetectCategory) when blank", Description: "The blog category."},
			FieldRule{Field: "tags", Type: "array", MaxItems: intp(MaxBlogTags), Description: "Tags, lower-cased, trimmed and de-duplicated before the limit applies."},
			FieldRule{Field: "reading_time", Type: "integer", Minimum: floatp(MinReadingTime), Maximum: floatp(MaxReadingTime), ZeroDefault: true, Default: "words / 200, rounded up", Description: "Minutes to read."},
			FieldRule{Field: "seo_description", Type: "string", MinLength: intp(MinSEODescription), MaxLength: intp(MaxSEODescription), Description: "The search-engine description, when given."},
			FieldRule{Field: "excerpt", Type: "string", MaxLength: intp(MaxBlogExcerpt), Description: "A teaser."},
			FieldRule{Field: "target_keywords", Type: "array", MaxItems: intp(MaxTargetKeywords), Description: "Search keywords."},
		)
	case TypeAnnouncement:
		rs = append(rs,
			FieldRule{Field: "urgency", Type: "string", Enum: names(urgencies()), Default: "detected from title and content (DetectUrgency)", Description: "high and critical force featured; critical sets priority 1, high 2."},
			FieldRule{Field: "expires_at", Type: "string", Format: "date-time", Description: "When the announcement lapses; in the future, at most one year ahead."},
			FieldRule{Field: "call_to_action", Type: "string", MaxLength: intp(MaxCallToAction), Description: "What the reader should do."},
			FieldRule{Field: "media_contact", Type: "string", Description: "Press contact."},
			FieldRule{Field: "press_release", Type: "boolean", Description: "Whether this is a press release."},
		)
	case TypeSession:
		rs = append(rs,
			FieldRule{Field: "session_id", Type: "string", Required: true, MinLength: intp(1), MaxLength: intp(MaxSessionIDLength), Description: "The session platform's id."},
			FieldRule{Field: "session_duration", Type: "integer", Required: true, Minimum: floatp(MinSessionDuration), Maximum: floatp(MaxSessionDuration), Description: "Seconds."},
			FieldRule{Field: "participant_count", Type: "integer", Required: true, Minimum: floatp(MinParticipants), Maximum: floatp(MaxParticipants), Description: "People who took part; a workshop needs at least 5."},
			FieldRule{Field: "breathing_techniques", Type: "array", Required: true, MinItems: intp(1), MaxItems: intp(MaxTechniques), NotBlank: true, Description: "Techniques practised; known names are canonicalised, others become \"Custom: <name>\"."},
			FieldRule{Field: "average_hrv_improvement", Type: "number", Minimum: floatp(MinHRVImprovement), Maximum: floatp(MaxHRVImprovement), Description: "Average heart-rate-variability change, percent."},
			FieldRule{Field: "key_achievements", Type: "array", Description: "Highlights."},
			FieldRule{Field: "session_type", Type: "string", Required: true, Enum: names(sessionTypes()), Description: "A live session needs an instructor_name."},
			FieldRule{Field: "instructor_name", Type: "string", Description: "Required, not blank, for live sessions."},
			FieldRule{Field: "session_date", Type: "string", Format: "date-time", Description: "When the session took place; not in the future, at most 30 days ago."},
			FieldRule{Field: "metrics_summary", Type: "object", Description: "Free-form metrics."},
			FieldRule{Field: "participant_feedback", Type: "array", Description: "Quotes."},
		)
	}
	return rs
}

// constraints returns the time-relative, cross-field and business rules of
// type t.
func constraints(t Type) []Constraint {
	cs := []Constraint{
		{CodeInPast, SeverityError, []string{"scheduled_for"}, "scheduled_for must lie in the future"},
		{CodeTooFar, SeverityError, []string{"scheduled_for"}, "scheduled_for must lie at most one year ahead"},
		{CodeConflict, SeverityError, []string{"featured", "published", "scheduled_for"}, "featured content must be published or scheduled"},
		{CodeConflict, SeverityError, []string{"featured", "dry_run"}, "featured and dry_run exclude each other"},
		{CodeProhibitedClaim, SeverityError, []string{"title", "content"}, "no health or absolute claims (see prohibited_claims)"},
		{CodeBusinessHours, SeverityWarning, []string{"scheduled_for"}, "scheduled outside 08:00-17:00"},
		{CodeWeekend, SeverityWarning, []string{"scheduled_for"}, "scheduled on a Saturday or Sunday"},
		{CodeMissingEmail, SeverityWarning, []string{"priority", "channels"}, "priority 1 or 2 with channels that leave out email"},
	}
	switch t {
	case TypeUpdate:
		cs = append(cs, Constraint{CodeTooManyWords, SeverityWarning, []string{"content"}, "an update over 500 words"})
	case TypeBlog:
		cs = append(cs, Constraint{CodeTooFewWords, SeverityWarning, []string{"content"}, "a blog under 300 words"})
	case TypeAnnouncement:
		cs = append(cs,
			Constraint{CodeInPast, SeverityError, []string{"expires_at"}, "expires_at must lie in the future"},
			Constraint{CodeTooFar, SeverityError, []string{"expires_at"}, "expires_at must lie at most one year ahead"},
		)
	case TypeSession:
		cs = append(cs,
			Constraint{CodeRequired, SeverityError, []string{"session_type", "instructor_name"}, "a live session needs an instructor_name"},
			Constraint{CodeOutOfRange, SeverityError, []string{"session_type", "participant_count"}, "a workshop needs at least 5 participants"},
			Constraint{CodeInFuture, SeverityError, []string{"session_date"}, "session_date must not lie in the future"},
			Constraint{CodeTooOld, SeverityError, []string{"session_date"}, "session_date must lie at most 30 days ago"},
		)
	}
	return cs
}

func newsletterRules() []FieldRule {
	return []FieldRule{
		{Field: "subject", Type: "string", Required: true, MinLength: intp(MinSubjectLength), MaxLength: intp(MaxSubjectLength), Description: "Free of spam triggers (see spam_triggers)."},
		{Field: "preview_text", Type: "string", MaxLength: intp(MaxPreviewText), Description: "The inbox preview."},
	}
}

func webRules() []FieldRule {
	return []FieldRule{
		{Field: "title", Type: "string", Required: true, MinLength: intp(MinWebTitle), MaxLength: intp(MaxWebTitle), Description: "The page title."},
		{Field: "html", Type: "string", Required: true, MinLength: intp(MinWebBody), Description: "The sanitised body; min_length counts its text, not its markup."},
		{Field: "excerpt", Type: "string", Required: true, MinLength: intp(MinWebExcerpt), MaxLength: intp(MaxWebExcerpt), Description: "A teaser."},
		{Field: "slug", Type: "string", Required: true, MaxLength: intp(MaxSlugLength), Pattern: SlugPattern, Description: "The URL path segment."},
		{Field: "tags", Type: "array", MaxItems: intp(MaxWebTags), Description: "Tags."},
		{Field: "seo_title", Type: "string", MaxLength: intp(MaxSEOTitle), Description: "The search-engine title."},
		{Field: "seo_description", Type: "string", Required: true, MinLength: intp(MinWebDescription), MaxLength: intp(MaxWebDescription), Description: "The search-engine description."},
	}
}

// channelNames lists the channel names the validator accepts: the
// canonical ones, then the aliases ParseChannel knows.
func channelNames() []string {
	out := names(Channels())
	out = append(out, "newsletter", "web", "x", "social_x")
	for _, p := range Platforms() {
		out = append(out, "social_"+string(p))
	}
	return out
}

// templateNames lists the template names the validator accepts, with the
// alias classic.
func templateNames() []string { return append(names(Templates()), "classic") }
