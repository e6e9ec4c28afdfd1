package content

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// update checks the fields of an update.
func (k *checker) update(u *Update) {
	k.tags(u.Tags, MaxUpdateTags, MaxTagLength)
	k.text("excerpt", u.Excerpt, textRule{max: MaxUpdateExcerpt})
}

// blog checks the fields of a blog.
func (k *checker) blog(b *Blog) {
	k.text("category", b.Category, textRule{min: 1, max: MaxCategoryLength})
	k.tags(b.Tags, MaxBlogTags, 0)
	k.intRange("reading_time", b.ReadingTime, MinReadingTime, MaxReadingTime)
	if b.SEODescription != "" {
		k.text("seo_description", b.SEODescription, textRule{min: MinSEODescription, max: MaxSEODescription})
	}
	k.text("excerpt", b.Excerpt, textRule{max: MaxBlogExcerpt})
	k.maxItems("target_keywords", len(b.TargetKeywords), MaxTargetKeywords)
	k.texts("target_keywords", b.TargetKeywords)
}

// tags checks a normalised tag list: at most max tags of at most maxLen
// runes each (maxLen 0: any length).
func (k *checker) tags(tags []string, max, maxLen int) {
	k.maxItems("tags", len(tags), max)
	for i, t := range tags {
		k.text(fmt.Sprintf("tags[%d]", i), t, textRule{max: maxLen})
	}
}

// announcement checks the fields of an announcement.
func (k *checker) announcement(a *Announcement, now time.Time) {
	if !slices.Contains(urgencies(), a.Urgency) {
		k.errorf("urgency", CodeInvalidEnum, "%q is not an urgency (want %s)", a.Urgency, joinNames(urgencies()))
	}
	k.future("expires_at", a.ExpiresAt, now)
	k.text("call_to_action", a.CallToAction, textRule{max: MaxCallToAction})
	k.encoding("media_contact", a.MediaContact)
}

// session checks the fields of a session record.
func (k *checker) session(s *Session, now time.Time) {
	k.text("session_id", s.SessionID, textRule{min: 1, max: MaxSessionIDLength})
	k.intRange("session_duration", s.SessionDuration, MinSessionDuration, MaxSessionDuration)
	k.intRange("participant_count", s.ParticipantCount, MinParticipants, MaxParticipants)
	switch n := len(s.BreathingTechniques); {
	case n == 0:
		k.errorf("breathing_techniques", CodeRequired, "needs at least one technique")
	case n > MaxTechniques:
		k.maxItems("breathing_techniques", n, MaxTechniques)
	}
	for i, t := range s.BreathingTechniques {
		k.text(fmt.Sprintf("breathing_techniques[%d]", i), t, textRule{min: 1, notBlank: true})
	}
	if h := s.AverageHRVImprovement; math.IsNaN(h) || h < MinHRVImprovement || h > MaxHRVImprovement {
		k.errorf("average_hrv_improvement", CodeOutOfRange, "is %g, must be within %d-%d", h, MinHRVImprovement, MaxHRVImprovement)
	}
	switch {
	case s.SessionType == "":
		k.errorf("session_type", CodeRequired, "is required (want %s)", joinNames(sessionTypes()))
	case !slices.Contains(sessionTypes(), s.SessionType):
		k.errorf("session_type", CodeInvalidEnum, "%q is not a session type (want %s)", s.SessionType, joinNames(sessionTypes()))
	}
	k.encoding("instructor_name", s.InstructorName)
	if s.SessionType == SessionLive && strings.TrimSpace(s.InstructorName) == "" {
		k.errorf("instructor_name", CodeRequired, "a live session needs an instructor")
	}
	if s.SessionType == SessionWorkshop && s.ParticipantCount >= MinParticipants && s.ParticipantCount < MinWorkshopParticipants {
		k.errorf("participant_count", CodeOutOfRange, "a workshop needs at least %d participants, has %d", MinWorkshopParticipants, s.ParticipantCount)
	}
	if !s.SessionDate.IsZero() {
		if s.SessionDate.After(now) {
			k.errorf("session_date", CodeInFuture, "%s is in the future", s.SessionDate.UTC().Format(time.RFC3339))
		} else if s.SessionDate.Before(now.AddDate(0, 0, -MaxSessionAgeDays)) {
			k.errorf("session_date", CodeTooOld, "%s is more than %d days ago", s.SessionDate.UTC().Format(time.RFC3339), MaxSessionAgeDays)
		}
	}
	k.texts("key_achievements", s.KeyAchievements)
	k.texts("participant_feedback", s.ParticipantFeedback)
}
