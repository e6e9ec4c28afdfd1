package content

import (
	"context"
	"time"
)

// Bundle is what an Assembler makes of a document: one variant per
// requested channel. Absent variants are nil or empty. JSON names are the
// HTTP API's.
type Bundle struct {
	ContentType Type      `json:"content_type"`
	Title       string    `json:"title"`
	Source      string    `json:"source,omitempty"`
	Hash        string    `json:"content_hash"` // the source document's ContentHash
	Channels    []Channel `json:"channels"`
	Template    Template  `json:"template_style"`
	Tone        Tone      `json:"tone"`
	// ChannelTones are the tones the request set for single channels
	// and platforms that differ from Tone, for the variants assembled,
	// so that assembling again (a refresh) gives every variant its tone.
	ChannelTones map[Channel]Tone `json:"channel_tones,omitempty"`
	Newsletter   *Newsletter      `json:"newsletter,omitempty"`
	WebPost      *WebPost         `json:"web_update,omitempty"`
	Social       []SocialPost     `json:"social_posts,omitempty"`
	Session      *SessionSummary  `json:"session_summary,omitempty"`
	// Issues found while assembling, such as prohibited claims or an
	// Instagram post without media. Validation adds its own.
	Issues      []Issue   `json:"issues,omitempty"`
	AssembledAt time.Time `json:"assembled_at"`
}

// Newsletter is the email variant. HTML and Text may hold the merge tags
// MergeName, MergeUnsubscribeURL and MergePreferencesURL, which Merge fills
// per recipient.
type Newsletter struct {
	Subject     string   `json:"subject"`
	PreviewText string   `json:"preview_text"`
	HTML        string   `json:"html"`
	Text        string   `json:"text"`
	Template    Template `json:"template_style"`
}

// WebPost is the website variant.
type WebPost struct {
	Title          string    `json:"title"`
	Slug           string    `json:"slug"`
	HTML           string    `json:"html"` // sanitised
	Excerpt        string    `json:"excerpt"`
	Tags           []string  `json:"tags"`
	SEOTitle       string    `json:"seo_title"`
	SEODescription string    `json:"seo_description"`
	SEOScore       int       `json:"seo_score"` // 0-100
	ReadingTime    int       `json:"reading_time_minutes"`
	SchemaMarkup   string    `json:"schema_markup"` // schema.org BlogPosting JSON-LD
	TOC            []Heading `json:"toc,omitempty"`
}

// Heading is a table-of-contents entry of a WebPost: an anchor id in its
// HTML and the heading's text.
type Heading struct {
	Level  int    `json:"level"`
	Text   string `json:"text"`
	Anchor string `json:"anchor"`
}

// SocialPost is the variant for one social platform. When the text is too
// long for one post on a platform that threads (X), Thread holds every
// post in order, Thread[0] == Text.
type SocialPost struct {
	Platform       Platform `json:"platform"`
	Text           string   `json:"text"`
	Thread         []string `json:"thread"`
	Hashtags       []string `json:"hashtags"`
	MediaURLs      []string `json:"media_urls"`
	WeightedLength int      `json:"weighted_length"` // of Text, as the platform counts
	Limit          int      `json:"limit"`
	Tone           Tone     `json:"tone,omitempty"`
}

// SessionSummary is the digest of a breathing session that session
// bundles carry beside their channel variants.
type SessionSummary struct {
	SessionID        string   `json:"session_id"`
	SessionType      string   `json:"session_type"`
	DurationMinutes  float64  `json:"duration_minutes"`
	ParticipantCount int      `json:"participant_count"`
	Techniques       []string `json:"techniques"`
	HRVImprovement   float64  `json:"average_hrv_improvement"`
	Highlights       []string `json:"highlights"`
}

// Merge tags in a Newsletter, replaced per recipient by Merge.
const (
	MergeName           = "{{name}}"
	MergeUnsubscribeURL = "{{unsubscribe_url}}"
	MergePreferencesURL = "{{preferences_url}}"
)

// Options steer an Assembler. The zero value asks for every channel, the
// modern template and the professional tone.
type Options struct {
	Channels     []Channel        // empty: all channels
	Platforms    []Platform       // social platforms to produce; empty: those among Channels
	Template     Template         // empty: modern
	Tone         Tone             // empty: professional
	ChannelTones map[Channel]Tone // overrides Tone per channel
	BaseURL      string           // the website's root, for links and JSON-LD; empty: https://example.com
	Brand        string           // the sender's name; empty: "Halcytone"
	Now          time.Time        // assembly time; zero: time.Now
}

// Assembler turns a parsed document into a bundle of channel variants.
// Implementations must be safe for concurrent use.
type Assembler interface {
	Assemble(ctx context.Context, doc *Document, opts Options) (*Bundle, error)
}

// Validator checks typed content and assembled bundles against the rules
// of each type and channel. It reports every issue, never only the first.
// Implementations must be safe for concurrent use.
type Validator interface {
	ValidateContent(ctx context.Context, c Content) *Report
	ValidateBundle(ctx context.Context, b *Bundle) *Report
}
