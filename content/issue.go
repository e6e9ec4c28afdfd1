package content

import "fmt"

// Severity grades an Issue.
type Severity string

// The severities. Only SeverityError makes content invalid.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityInfo    Severity = "info"
)

// Issue is one finding of validation or assembly.
type Issue struct {
	Severity Severity `json:"severity"`
	Field    string   `json:"field"`   // a JSON path such as "tags[3]" or "social_posts[0].hashtags"
	Code     string   `json:"code"`    // stable, such as "too_long"; see the Code constants
	Message  string   `json:"message"` // for people
}

// Error formats the issue as "field: message (code)".
func (i Issue) Error() string { return fmt.Sprintf("%s: %s (%s)", i.Field, i.Message, i.Code) }

// Report is the outcome of validation: errors and warnings apart, and what
// was learnt about the content on the way.
type Report struct {
	Valid    bool        `json:"is_valid"`
	Type     Type        `json:"content_type"`
	Issues   []Issue     `json:"issues"`   // severity error
	Warnings []Issue     `json:"warnings"` // severity warning or info
	Metadata *Enrichment `json:"enhanced_metadata,omitempty"`
}

// Add files an issue under Issues or Warnings by its severity and keeps
// Valid up to date.
func (r *Report) Add(i Issue) {
	if i.Severity == SeverityError {
		r.Issues = append(r.Issues, i)
	} else {
		r.Warnings = append(r.Warnings, i)
	}
	r.Valid = len(r.Issues) == 0
}

// Enrichment is what analysis of content derives from it.
type Enrichment struct {
	WordCount          int       `json:"word_count"`
	ReadingTime        int       `json:"reading_time_minutes"`
	SEOScore           int       `json:"seo_score"`  // 0-100
	Complexity         string    `json:"complexity"` // simple, moderate or complex
	SuggestedChannels  []Channel `json:"suggested_channels"`
	OptimalPublishTime string    `json:"optimal_publish_time"` // RFC 3339
	// Excerpt is the start of the body's plain text, at most 300 runes.
	Excerpt string `json:"excerpt,omitempty"`
}
