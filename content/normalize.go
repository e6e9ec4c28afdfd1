package content

import (
	"strings"
	"time"
	"unicode"
)

// The breathing techniques that Normalize recognises, by their canonical
// names.
const (
	TechniqueBox              = "Box Breathing"
	Technique478              = "4-7-8 Breathing"
	TechniqueCoherent         = "Coherent Breathing"
	TechniqueBelly            = "Belly Breathing"
	TechniqueAlternateNostril = "Alternate Nostril"
	TechniqueBreathOfFire     = "Breath of Fire"
	TechniqueLionsBreath      = "Lions Breath"
	TechniqueHummingBee       = "Humming Bee"
	TechniqueCoolingBreath    = "Cooling Breath"
)

// CustomTechniquePrefix starts the name of a technique that is not one of
// the known ones, as in "Custom: Wim Hof".
const CustomTechniquePrefix = "Custom: "

// Techniques returns the canonical names of the known breathing techniques.
func Techniques() []string {
	return []string{
		TechniqueBox, Technique478, TechniqueCoherent, TechniqueBelly, TechniqueAlternateNostril,
		TechniqueBreathOfFire, TechniqueLionsBreath, TechniqueHummingBee, TechniqueCoolingBreath,
	}
}

// Normalize puts c into the canonical form that validation and assembly
// both work on. It changes c in place, and only these fields:
//
//   - Base.Type becomes c.Kind().
//   - Base.Date, when zero, becomes now (in UTC).
//   - Base.Priority, when unset (zero and not PrioritySet), becomes 3
//     (normal). An explicit 0 stays, for the validator to report.
//   - Base.Channels are canonicalised with ParseChannel ("web" → website,
//     "X" → twitter) and de-duplicated; unknown names stay as written.
//   - Base.Template, when it names a known template, is canonicalised with
//     ParseTemplate ("classic" → modern); empty and unknown values stay.
//   - Update and Blog tags go through NormalizeTags (lower-cased, trimmed,
//     empty and duplicate tags dropped).
//   - Blog.Category, when blank, becomes DetectCategory(title, body).
//   - Blog.ReadingTime, when zero, becomes ReadingTime(WordCount(body)).
//   - Announcement.Urgency, when empty, becomes DetectUrgency(title, body);
//     then high and critical set Featured, critical sets priority 1 and
//     high priority 2.
//   - Session.BreathingTechniques are mapped to the canonical names of
//     Techniques, matched ignoring case, spacing, punctuation and a trailing
//     "breath"/"breathing" ("box", "4-7-8", "lion's breath"); other
//     non-blank names become "Custom: <name>" (trimmed), and names already
//     so prefixed, and blank ones, stay.
//
// Normalize is idempotent. A nil c, or a typed nil, is left alone.
func Normalize(c Content, now time.Time) {
	if IsNil(c) {
		return
	}
	b := c.Common()
	b.Type = c.Kind()
	if b.Date.IsZero() {
		b.Date = now.UTC()
	}
	if b.Priority == 0 && !b.PrioritySet {
		b.Priority = PriorityNormal
	}
	b.Channels = normalizeChannels(b.Channels)
	if b.Template != "" {
		if t, err := ParseTemplate(string(b.Template)); err == nil {
			b.Template = t
		}
	}
	switch v := c.(type) {
	case *Update:
		if len(v.Tags) > 0 {
			v.Tags = NormalizeTags(v.Tags)
		}
	case *Blog:
		if len(v.Tags) > 0 {
			v.Tags = NormalizeTags(v.Tags)
		}
		if strings.TrimSpace(v.Category) == "" {
			v.Category = DetectCategory(v.Title, v.Body)
		}
		if v.ReadingTime == 0 {
			v.ReadingTime = ReadingTime(WordCount(v.Body))
		}
	case *Announcement:
		if v.Urgency == "" {
			v.Urgency = DetectUrgency(v.Title, v.Body)
		}
		switch v.Urgency {
		case UrgencyCritical:
			v.Featured = true
			v.Priority = PriorityUrgent
		case UrgencyHigh:
			v.Featured = true
			v.Priority = PriorityHigh
		}
	case *Session:
		for i, t := range v.BreathingTechniques {
			v.BreathingTechniques[i] = NormalizeTechnique(t)
		}
	}
}

// NormalizeTechnique returns the canonical name of a breathing technique
// as Normalize maps it: a known name, "Custom: <name>", or name unchanged
// when it is blank or already custom.
func NormalizeTechnique(name string) string {
	trimmed := strings.TrimSpace(name)
	if trimmed == "" || strings.HasPrefix(trimmed, CustomTechniquePrefix) {
		return name
	}
	key := techniqueKey(trimmed)
	for _, t := range Techniques() {
		if techniqueKey(t) == key {
			return t
		}
	}
	return CustomTechniquePrefix + trimmed
}

// techniqueKey reduces a technique name to its lower-case letters and
// digits, without a trailing "breathing" or "breath" (unless that is all
// there is), so that "Lion's Breath", "lions breath" and "LIONS" meet.
func techniqueKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	k := b.String()
	for _, suf := range []string{"breathing", "breath"} {
		if strings.HasSuffix(k, suf) && len(k) > len(suf) {
			return strings.TrimSuffix(k, suf)
		}
	}
	return k
}

// normalizeChannels canonicalises known channel names and drops
// duplicates, keeping unknown names as written for the validator.
func normalizeChannels(chs []Channel) []Channel {
	if len(chs) == 0 {
		return chs
	}
	out := make([]Channel, 0, len(chs))
	seen := make(map[Channel]bool, len(chs))
	for _, ch := range chs {
		if p, err := ParseChannel(string(ch)); err == nil {
			ch = p
		}
		if !seen[ch] {
			seen[ch] = true
			out = append(out, ch)
		}
	}
	return out
}

// IsNil reports whether c is nil or a typed nil pointer, such as
// (*Update)(nil): no content, which the package's functions refuse or
// pass over rather than dereference.
func IsNil(c Content) bool {
	switch v := c.(type) {
	case nil:
		return true
	case *Update:
		return v == nil
	case *Blog:
		return v == nil
	case *Announcement:
		return v == nil
	case *Session:
		return v == nil
	}
	return false
}

// clone returns a copy of c that shares nothing Normalize changes with c:
// the struct is copied and so are its slices. Maps are shared; Normalize
// and the validator do not touch them.
// Normalized returns a normalized copy of c (see Normalize), leaving c
// as it is.
func Normalized(c Content, now time.Time) Content {
	if IsNil(c) {
		return c
	}
	n := clone(c)
	Normalize(n, now)
	return n
}

func clone(c Content) Content {
	cp := func(s []string) []string {
		if s == nil {
			return nil
		}
		return append([]string(nil), s...)
	}
	var out Content
	switch v := c.(type) {
	case *Update:
		u := *v
		u.Tags = cp(v.Tags)
		out = &u
	case *Blog:
		b := *v
		b.Tags, b.TargetKeywords = cp(v.Tags), cp(v.TargetKeywords)
		out = &b
	case *Announcement:
		a := *v
		out = &a
	case *Session:
		s := *v
		s.BreathingTechniques = cp(v.BreathingTechniques)
		s.KeyAchievements, s.ParticipantFeedback = cp(v.KeyAchievements), cp(v.ParticipantFeedback)
		out = &s
	default:
		return c
	}
	b := out.Common()
	if b.Channels != nil {
		b.Channels = append([]Channel(nil), b.Channels...)
	}
	return out
}
