package content

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrUnknownValue is wrapped by the Parse functions of this file when a
// string names no known enum value.
var ErrUnknownValue = errors.New("content: unknown value")

// Type is the kind of a typed piece of content.
type Type string

// The content types.
const (
	TypeUpdate       Type = "update"
	TypeBlog         Type = "blog"
	TypeAnnouncement Type = "announcement"
	TypeSession      Type = "session"
)

// Types lists every content type in a stable order.
func Types() []Type { return []Type{TypeUpdate, TypeBlog, TypeAnnouncement, TypeSession} }

// ParseType parses a content type name, case-insensitively.
func ParseType(s string) (Type, error) {
	t := Type(strings.ToLower(strings.TrimSpace(s)))
	switch t {
	case TypeUpdate, TypeBlog, TypeAnnouncement, TypeSession:
		return t, nil
	}
	return "", fmt.Errorf("%w: content type %q (want update, blog, announcement or session)", ErrUnknownValue, s)
}

// Platform is a social network.
type Platform string

// The social platforms.
const (
	PlatformTwitter   Platform = "twitter"
	PlatformLinkedIn  Platform = "linkedin"
	PlatformFacebook  Platform = "facebook"
	PlatformInstagram Platform = "instagram"
)

// Platforms lists every social platform in a stable order.
func Platforms() []Platform {
	return []Platform{PlatformTwitter, PlatformLinkedIn, PlatformFacebook, PlatformInstagram}
}

// platformAliases are the names ParsePlatform accepts besides the
// platforms' own.
var platformAliases = []struct {
	name string
	p    Platform
}{
	{"x", PlatformTwitter},
}

// ParsePlatform parses a platform name; "x" is an alias of twitter.
func ParsePlatform(s string) (Platform, error) {
	p := Platform(strings.ToLower(strings.TrimSpace(s)))
	switch p {
	case PlatformTwitter, PlatformLinkedIn, PlatformFacebook, PlatformInstagram:
		return p, nil
	}
	for _, a := range platformAliases {
		if string(p) == a.name {
			return a.p, nil
		}
	}
	return "", fmt.Errorf("%w: platform %q (want twitter, linkedin, facebook or instagram)", ErrUnknownValue, s)
}

// Channel is a destination for content: email, the website, or one social
// platform.
type Channel string

// The channels. The social channels share their names with the platforms.
const (
	ChannelEmail     Channel = "email"
	ChannelWebsite   Channel = "website"
	ChannelTwitter   Channel = Channel(PlatformTwitter)
	ChannelLinkedIn  Channel = Channel(PlatformLinkedIn)
	ChannelFacebook  Channel = Channel(PlatformFacebook)
	ChannelInstagram Channel = Channel(PlatformInstagram)
)

// Channels lists every channel in a stable order.
func Channels() []Channel {
	return []Channel{ChannelEmail, ChannelWebsite, ChannelTwitter, ChannelLinkedIn, ChannelFacebook, ChannelInstagram}
}

// channelAliases are the names of the channels that are not platforms
// which ParseChannel accepts besides the channels' own.
var channelAliases = []struct {
	name string
	c    Channel
}{
	{"newsletter", ChannelEmail},
	{"web", ChannelWebsite},
}

// socialPrefix may precede any name of a platform in a channel name.
const socialPrefix = "social_"

// ParseChannel parses a channel name. It accepts the aliases "web",
// "newsletter", "x" and "social_<platform>".
func ParseChannel(s string) (Channel, error) {
	n := strings.ToLower(strings.TrimSpace(s))
	switch Channel(n) {
	case ChannelEmail, ChannelWebsite:
		return Channel(n), nil
	}
	for _, a := range channelAliases {
		if n == a.name {
			return a.c, nil
		}
	}
	if p, err := ParsePlatform(strings.TrimPrefix(n, socialPrefix)); err == nil {
		return Channel(p), nil
	}
	return "", fmt.Errorf("%w: channel %q (want email, website, twitter, linkedin, facebook or instagram)", ErrUnknownValue, s)
}

// ChannelSpellings returns every lower-case spelling, without spaces, that
// ParseChannel reads as c: its own name first, then its aliases, and for
// a social channel each of those names again after "social_". For
// example, ChannelWebsite gives "website" and "web", and ChannelTwitter
// "twitter", "x", "social_twitter" and "social_x". It returns nil when c
// is no channel of Channels.
func ChannelSpellings(c Channel) []string {
	if !slices.Contains(Channels(), c) {
		return nil
	}
	out := []string{string(c)}
	for _, a := range channelAliases {
		if a.c == c {
			out = append(out, a.name)
		}
	}
	if p, ok := c.Platform(); ok {
		names := []string{string(p)}
		for _, a := range platformAliases {
			if a.p == p {
				names = append(names, a.name)
			}
		}
		out = append(out, names[1:]...)
		for _, n := range names {
			out = append(out, socialPrefix+n)
		}
	}
	return out
}

// ParseChannels parses a comma-separated list (or several) of channel
// names, dropping duplicates and keeping the first spelling's order.
func ParseChannels(names ...string) ([]Channel, error) {
	var out []Channel
	seen := map[Channel]bool{}
	for _, list := range names {
		for _, n := range strings.Split(list, ",") {
			if strings.TrimSpace(n) == "" {
				continue
			}
			c, err := ParseChannel(n)
			if err != nil {
				return nil, err
			}
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// Platform reports the social platform of a social channel.
func (c Channel) Platform() (Platform, bool) {
	switch c {
	case ChannelTwitter, ChannelLinkedIn, ChannelFacebook, ChannelInstagram:
		return Platform(c), true
	}
	return "", false
}

// IsSocial reports whether c is a social platform channel.
func (c Channel) IsSocial() bool { _, ok := c.Platform(); return ok }

// Priority orders content from 1 (urgent) to 5 (archive). Zero means unset;
// Effective maps it to the default, PriorityNormal.
type Priority int

// The priorities.
const (
	PriorityUrgent  Priority = 1
	PriorityHigh    Priority = 2
	PriorityNormal  Priority = 3
	PriorityLow     Priority = 4
	PriorityArchive Priority = 5
)

// Effective returns p, or PriorityNormal when p is unset (zero).
func (p Priority) Effective() Priority {
	if p == 0 {
		return PriorityNormal
	}
	return p
}

// Valid reports whether p is within 1-5.
func (p Priority) Valid() bool { return p >= PriorityUrgent && p <= PriorityArchive }

// String returns the priority's name, such as "urgent".
func (p Priority) String() string {
	switch p {
	case PriorityUrgent:
		return "urgent"
	case PriorityHigh:
		return "high"
	case PriorityNormal:
		return "normal"
	case PriorityLow:
		return "low"
	case PriorityArchive:
		return "archive"
	}
	return fmt.Sprintf("priority(%d)", int(p))
}

// Template is a newsletter email template.
type Template string

// The newsletter templates. "classic" is accepted by ParseTemplate as an
// alias of TemplateModern.
const (
	TemplateModern      Template = "modern"
	TemplateMinimal     Template = "minimal"
	TemplatePlain       Template = "plain"
	TemplateBreathscape Template = "breathscape"
)

// Templates lists every template in a stable order.
func Templates() []Template {
	return []Template{TemplateModern, TemplateMinimal, TemplatePlain, TemplateBreathscape}
}

// ParseTemplate parses a template name; "classic" maps to modern and the
// empty string to the default, modern.
func ParseTemplate(s string) (Template, error) {
	t := Template(strings.ToLower(strings.TrimSpace(s)))
	switch t {
	case "", "classic":
		return TemplateModern, nil
	case TemplateModern, TemplateMinimal, TemplatePlain, TemplateBreathscape:
		return t, nil
	}
	return "", fmt.Errorf("%w: template %q (want modern, minimal, plain, breathscape or classic)", ErrUnknownValue, s)
}

// Tone is the voice the assembler writes in.
type Tone string

// The tones.
const (
	ToneProfessional      Tone = "professional"
	ToneEncouraging       Tone = "encouraging"
	ToneMedicalScientific Tone = "medical_scientific"
)

// Tones lists every tone in a stable order.
func Tones() []Tone { return []Tone{ToneProfessional, ToneEncouraging, ToneMedicalScientific} }

// ParseTone parses a tone name; the empty string is professional.
func ParseTone(s string) (Tone, error) {
	t := Tone(strings.ToLower(strings.TrimSpace(s)))
	switch t {
	case "":
		return ToneProfessional, nil
	case ToneProfessional, ToneEncouraging, ToneMedicalScientific:
		return t, nil
	}
	return "", fmt.Errorf("%w: tone %q (want professional, encouraging or medical_scientific)", ErrUnknownValue, s)
}

// Category groups the items of a living document.
type Category string

// The categories of the living document. Other categories are allowed and
// kept as written (lower-cased).
const (
	CategoryBreathscape Category = "breathscape" // the app and software
	CategoryHardware    Category = "hardware"    // devices and sensors
	CategoryTips        Category = "tips"        // wellness tips and techniques
	CategoryVision      Category = "vision"      // mission and company news
	CategoryGeneral     Category = "general"     // none of the above
)

// Urgency is an announcement's urgency.
type Urgency string

// The urgencies.
const (
	UrgencyLow      Urgency = "low"
	UrgencyMedium   Urgency = "medium"
	UrgencyHigh     Urgency = "high"
	UrgencyCritical Urgency = "critical"
)

// SessionType is the kind of a breathing session.
type SessionType string

// The session types.
const (
	SessionLive     SessionType = "live"
	SessionGuided   SessionType = "guided"
	SessionPractice SessionType = "practice"
	SessionWorkshop SessionType = "workshop"
)
