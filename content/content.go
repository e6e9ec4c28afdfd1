package content

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrInvalidJSON is wrapped by Decode when its input is not a JSON object
// of typed content.
var ErrInvalidJSON = errors.New("content: invalid JSON")

// Content is a typed piece of content: *Update, *Blog, *Announcement or
// *Session.
type Content interface {
	// Kind returns the content's type.
	Kind() Type
	// Common returns the fields every type shares; callers may modify them.
	Common() *Base
}

// Base holds the fields every content type shares. Its JSON names are the
// HTTP API's.
type Base struct {
	Type         Type           `json:"type,omitempty"`
	Title        string         `json:"title"`
	Body         string         `json:"content"` // Markdown allowed
	Date         time.Time      `json:"date,omitzero"`
	Author       string         `json:"author,omitempty"`
	Published    bool           `json:"published,omitempty"`
	Featured     bool           `json:"featured,omitempty"`
	DryRun       bool           `json:"dry_run,omitempty"`
	Channels     []Channel      `json:"channels,omitempty"`
	Priority     Priority       `json:"priority,omitempty"` // 1-5; zero means unset (3)
	Template     Template       `json:"template,omitempty"`
	ScheduledFor time.Time      `json:"scheduled_for,omitzero"`
	Metadata     map[string]any `json:"metadata,omitempty"`

	// PrioritySet records that the input named a priority explicitly, so
	// that an explicit 0 is reported as out of range rather than defaulted.
	// Decode sets it.
	PrioritySet bool `json:"-"`
}

// Common returns b itself.
func (b *Base) Common() *Base { return b }

// Update is a short product or company update.
type Update struct {
	Base
	Tags    []string `json:"tags,omitempty"`
	Excerpt string   `json:"excerpt,omitempty"`
}

// Kind returns TypeUpdate.
func (*Update) Kind() Type { return TypeUpdate }

// Blog is a long-form article.
type Blog struct {
	Base
	Category       string   `json:"category,omitempty"`
	Tags           []string `json:"tags,omitempty"`
	ReadingTime    int      `json:"reading_time,omitempty"` // minutes; zero means words/200
	SEODescription string   `json:"seo_description,omitempty"`
	Excerpt        string   `json:"excerpt,omitempty"`
	TargetKeywords []string `json:"target_keywords,omitempty"`
}

// Kind returns TypeBlog.
func (*Blog) Kind() Type { return TypeBlog }

// Announcement is a launch, release, partnership or other news that may be
// urgent.
type Announcement struct {
	Base
	Urgency      Urgency   `json:"urgency,omitempty"`
	ExpiresAt    time.Time `json:"expires_at,omitzero"`
	CallToAction string    `json:"call_to_action,omitempty"`
	MediaContact string    `json:"media_contact,omitempty"`
	PressRelease bool      `json:"press_release,omitempty"`
}

// Kind returns TypeAnnouncement.
func (*Announcement) Kind() Type { return TypeAnnouncement }

// Session is the record of a breathing session, the input of a session
// summary.
type Session struct {
	Base
	SessionID             string         `json:"session_id"`
	SessionDuration       int            `json:"session_duration"` // seconds
	ParticipantCount      int            `json:"participant_count"`
	BreathingTechniques   []string       `json:"breathing_techniques,omitempty"`
	AverageHRVImprovement float64        `json:"average_hrv_improvement,omitempty"` // percent
	KeyAchievements       []string       `json:"key_achievements,omitempty"`
	SessionType           SessionType    `json:"session_type,omitempty"`
	InstructorName        string         `json:"instructor_name,omitempty"`
	SessionDate           time.Time      `json:"session_date,omitzero"`
	MetricsSummary        map[string]any `json:"metrics_summary,omitempty"`
	ParticipantFeedback   []string       `json:"participant_feedback,omitempty"`
}

// Kind returns TypeSession.
func (*Session) Kind() Type { return TypeSession }

// New returns an empty value of the given type, with Base.Type set.
func New(t Type) (Content, error) {
	var c Content
	switch t {
	case TypeUpdate:
		c = &Update{}
	case TypeBlog:
		c = &Blog{}
	case TypeAnnouncement:
		c = &Announcement{}
	case TypeSession:
		c = &Session{}
	default:
		return nil, fmt.Errorf("%w: content type %q", ErrUnknownValue, t)
	}
	c.Common().Type = t
	return c, nil
}

// Decode parses one JSON object of typed content. The "type" field picks
// the Go type; when it is absent, Detect picks it from the title and body.
// Unknown fields are ignored (see DecodeStrict). Errors wrap ErrInvalidJSON
// or ErrUnknownValue and name the field at fault where the JSON decoder
// reports one.
func Decode(data []byte) (Content, error) { return decode(data, false) }

// DecodeStrict is Decode refusing a field its type does not have (a typo
// such as "titel", or "urgency" on an update): the error is an
// InvalidContent *Error whose Field is the unknown field's name, wrapping
// ErrInvalidJSON. Metadata takes any keys.
func DecodeStrict(data []byte) (Content, error) { return decode(data, true) }

func decode(data []byte, strict bool) (Content, error) {
	var head struct {
		Type     *string          `json:"type"`
		Title    string           `json:"title"`
		Priority *json.RawMessage `json:"priority"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, decodeError(err)
	}
	var t Type
	if head.Type != nil && *head.Type != "" {
		var err error
		if t, err = ParseType(*head.Type); err != nil {
			return nil, fmt.Errorf("type: %w", err)
		}
	} else {
		t = Detect(head.Title)
	}
	c, err := New(t)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(c); err != nil {
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok && strict {
			field, _ := strconv.Unquote(name)
			return nil, &Error{Class: InvalidContent, Op: "content: decode", Field: field,
				Err: fmt.Errorf("%w: unknown field %s for content type %s", ErrInvalidJSON, name, t)}
		}
		return nil, decodeError(err)
	}
	b := c.Common()
	b.Type = t
	b.PrioritySet = head.Priority != nil && string(*head.Priority) != "null"
	return c, nil
}

func decodeError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Errorf("%w: field %s: want %s, got %s", ErrInvalidJSON, te.Field, te.Type, te.Value)
	}
	var pe *time.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%w: time %q is not RFC 3339 (like 2026-01-02T15:04:05Z)", ErrInvalidJSON, pe.Value)
	}
	return fmt.Errorf("%w: %v", ErrInvalidJSON, err)
}

var (
	_ Content = (*Update)(nil)
	_ Content = (*Blog)(nil)
	_ Content = (*Announcement)(nil)
	_ Content = (*Session)(nil)
)
