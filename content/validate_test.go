package content_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
)

// ruleCase is one boundary of one rule: the content, the field, and the
// error code expected on it ("" for none).
type ruleCase struct {
	name  string
	build func() content.Content
	field string
	code  string
}

func updateWith(f func(u *content.Update)) func() content.Content {
	return func() content.Content { u := validUpdate(); f(u); return u }
}

func blogWith(f func(b *content.Blog)) func() content.Content {
	return func() content.Content { b := validBlog(); f(b); return b }
}

func announcementWith(f func(a *content.Announcement)) func() content.Content {
	return func() content.Content { a := validAnnouncement(); f(a); return a }
}

func sessionWith(f func(s *content.Session)) func() content.Content {
	return func() content.Content { s := validSession(); f(s); return s }
}

func runRuleCases(t *testing.T, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := validateContent(t, tc.build())
			got := errorCodes(r, tc.field)
			if tc.code == "" {
				assert.Empty(t, got, "issues: %v", r.Issues)
			} else {
				assert.Contains(t, got, tc.code, "issues: %v", r.Issues)
			}
		})
	}
}

func TestValidateContentFixturesAreValid(t *testing.T) {
	for _, c := range []content.Content{validUpdate(), validBlog(), validAnnouncement(), validSession()} {
		r := validateContent(t, c)
		assert.True(t, r.Valid, "%s: %v", c.Kind(), r.Issues)
		assert.Equal(t, c.Kind(), r.Type)
	}
}

func TestValidateBaseRules(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"title empty", updateWith(func(u *content.Update) { u.Title = "" }), "title", content.CodeRequired},
		{"title blank", updateWith(func(u *content.Update) { u.Title = " \t\u00a0" }), "title", content.CodeBlank},
		{"title 1", updateWith(func(u *content.Update) { u.Title = "x" }), "title", ""},
		{"date in year 9999", updateWith(func(u *content.Update) { u.Date = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC) }), "date", ""},
		{"date in year 12000", updateWith(func(u *content.Update) { u.Date = time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC) }), "date", content.CodeOutOfRange},
		{"date in year 0", updateWith(func(u *content.Update) { u.Date = time.Date(0, 6, 1, 0, 0, 0, 0, time.UTC) }), "date", content.CodeOutOfRange},
		{"title 199", updateWith(func(u *content.Update) { u.Title = nRunes(199) }), "title", ""},
		{"title 200", updateWith(func(u *content.Update) { u.Title = nRunes(200) }), "title", ""},
		{"title 201", updateWith(func(u *content.Update) { u.Title = nRunes(201) }), "title", content.CodeTooLong},
		{"title invalid utf-8", updateWith(func(u *content.Update) { u.Title = "bad \xff title" }), "title", content.CodeInvalidEncoding},
		{"body empty", updateWith(func(u *content.Update) { u.Body = "" }), "content", content.CodeRequired},
		{"body 9 runes", updateWith(func(u *content.Update) { u.Body = "éé éé ééé" }), "content", content.CodeTooShort},
		{"body 10 runes", updateWith(func(u *content.Update) { u.Body = "éé éé éééé" }), "content", ""},
		{"body 2 words", updateWith(func(u *content.Update) { u.Body = "breathing slowly" }), "content", content.CodeTooFewWords},
		{"body 2 words and markers", updateWith(func(u *content.Update) { u.Body = "- breathing -- slowly ##" }), "content", content.CodeTooFewWords},
		{"body 3 words", updateWith(func(u *content.Update) { u.Body = "breathe in slowly" }), "content", ""},
		{"author 100", updateWith(func(u *content.Update) { u.Author = nRunes(100) }), "author", ""},
		{"author 101", updateWith(func(u *content.Update) { u.Author = nRunes(101) }), "author", content.CodeTooLong},
		{"priority unset", updateWith(func(u *content.Update) { u.Priority = 0 }), "priority", ""},
		{"priority explicit 0", updateWith(func(u *content.Update) { u.Priority, u.PrioritySet = 0, true }), "priority", content.CodeOutOfRange},
		{"priority 1", updateWith(func(u *content.Update) { u.Priority = 1 }), "priority", ""},
		{"priority 5", updateWith(func(u *content.Update) { u.Priority = 5 }), "priority", ""},
		{"priority 6", updateWith(func(u *content.Update) { u.Priority = 6 }), "priority", content.CodeOutOfRange},
		{"priority -1", updateWith(func(u *content.Update) { u.Priority = -1 }), "priority", content.CodeOutOfRange},
		{"scheduled now", updateWith(func(u *content.Update) { u.ScheduledFor = testNow }), "scheduled_for", content.CodeInPast},
		{"scheduled past", updateWith(func(u *content.Update) { u.ScheduledFor = testNow.Add(-time.Hour) }), "scheduled_for", content.CodeInPast},
		{"scheduled 1h ahead", updateWith(func(u *content.Update) { u.ScheduledFor = testNow.Add(time.Hour) }), "scheduled_for", ""},
		{"scheduled 1y ahead", updateWith(func(u *content.Update) { u.ScheduledFor = testNow.AddDate(1, 0, 0) }), "scheduled_for", ""},
		{"scheduled 1y 1s ahead", updateWith(func(u *content.Update) { u.ScheduledFor = testNow.AddDate(1, 0, 0).Add(time.Second) }), "scheduled_for", content.CodeTooFar},
		{"featured alone", updateWith(func(u *content.Update) { u.Featured = true }), "featured", content.CodeConflict},
		{"featured published", updateWith(func(u *content.Update) { u.Featured, u.Published = true, true }), "featured", ""},
		{"featured scheduled", updateWith(func(u *content.Update) { u.Featured, u.ScheduledFor = true, testNow.Add(time.Hour) }), "featured", ""},
		{"featured dry run", updateWith(func(u *content.Update) { u.Featured, u.Published, u.DryRun = true, true, true }), "dry_run", content.CodeConflict},
		{"dry run alone", updateWith(func(u *content.Update) { u.DryRun = true }), "dry_run", ""},
		{"channel unknown", updateWith(func(u *content.Update) { u.Channels = []content.Channel{"email", "fax"} }), "channels[1]", content.CodeInvalidEnum},
		{"channel aliases", updateWith(func(u *content.Update) { u.Channels = []content.Channel{"web", "X", "social_linkedin"} }), "channels[0]", ""},
		{"template unknown", updateWith(func(u *content.Update) { u.Template = "fancy" }), "template", content.CodeInvalidEnum},
		{"template classic", updateWith(func(u *content.Update) { u.Template = "classic" }), "template", ""},
		{"claim in title", updateWith(func(u *content.Update) { u.Title = "A miracle for your lungs" }), "title", content.CodeProhibitedClaim},
		{"claim in body", updateWith(func(u *content.Update) { u.Body = "Breathing exercises cure anxiety for good." }), "content", content.CodeProhibitedClaim},
		{"no claim in retreat", updateWith(func(u *content.Update) { u.Body = "Join our breathing retreat this spring." }), "content", ""},
	})
}

func TestValidateUpdateRules(t *testing.T) {
	tag := func(i int) string { return "tag" + string(rune('a'+i)) }
	runRuleCases(t, []ruleCase{
		{"10 tags", updateWith(func(u *content.Update) { u.Tags = listOf(10, tag) }), "tags", ""},
		{"11 tags", updateWith(func(u *content.Update) { u.Tags = listOf(11, tag) }), "tags", content.CodeTooMany},
		{"11 tags with a duplicate", updateWith(func(u *content.Update) { u.Tags = append(listOf(10, tag), " TAGA ") }), "tags", ""},
		{"tag 50", updateWith(func(u *content.Update) { u.Tags = []string{nRunes(50)} }), "tags[0]", ""},
		{"tag 51", updateWith(func(u *content.Update) { u.Tags = []string{nRunes(51)} }), "tags[0]", content.CodeTooLong},
		{"tag 50 untrimmed", updateWith(func(u *content.Update) { u.Tags = []string{"  " + nRunes(50) + "  "} }), "tags[0]", ""},
		{"excerpt 300", updateWith(func(u *content.Update) { u.Excerpt = nRunes(300) }), "excerpt", ""},
		{"excerpt 301", updateWith(func(u *content.Update) { u.Excerpt = nRunes(301) }), "excerpt", content.CodeTooLong},
		{"claim in excerpt", updateWith(func(u *content.Update) { u.Excerpt = "Guaranteed calm." }), "excerpt", content.CodeProhibitedClaim},
	})
}

func TestValidateBlogRules(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"category empty is detected", blogWith(func(b *content.Blog) { b.Category = "" }), "category", ""},
		{"category blank is detected", blogWith(func(b *content.Blog) { b.Category = "   " }), "category", ""},
		{"category 100", blogWith(func(b *content.Blog) { b.Category = nRunes(100) }), "category", ""},
		{"category 101", blogWith(func(b *content.Blog) { b.Category = nRunes(101) }), "category", content.CodeTooLong},
		{"15 tags", blogWith(func(b *content.Blog) { b.Tags = listOf(15, func(i int) string { return nRunes(i + 1) }) }), "tags", ""},
		{"16 tags", blogWith(func(b *content.Blog) { b.Tags = listOf(16, func(i int) string { return nRunes(i + 1) }) }), "tags", content.CodeTooMany},
		{"reading time default", blogWith(func(b *content.Blog) { b.ReadingTime = 0 }), "reading_time", ""},
		{"reading time 1", blogWith(func(b *content.Blog) { b.ReadingTime = 1 }), "reading_time", ""},
		{"reading time 120", blogWith(func(b *content.Blog) { b.ReadingTime = 120 }), "reading_time", ""},
		{"reading time 121", blogWith(func(b *content.Blog) { b.ReadingTime = 121 }), "reading_time", content.CodeOutOfRange},
		{"reading time -1", blogWith(func(b *content.Blog) { b.ReadingTime = -1 }), "reading_time", content.CodeOutOfRange},
		{"reading time default over 120", blogWith(func(b *content.Blog) { b.Body = nWords(24001) }), "reading_time", content.CodeOutOfRange},
		{"seo description empty", blogWith(func(b *content.Blog) { b.SEODescription = "" }), "seo_description", ""},
		{"seo description 49", blogWith(func(b *content.Blog) { b.SEODescription = nRunes(49) }), "seo_description", content.CodeTooShort},
		{"seo description 50", blogWith(func(b *content.Blog) { b.SEODescription = nRunes(50) }), "seo_description", ""},
		{"seo description 160", blogWith(func(b *content.Blog) { b.SEODescription = nRunes(160) }), "seo_description", ""},
		{"seo description 161", blogWith(func(b *content.Blog) { b.SEODescription = nRunes(161) }), "seo_description", content.CodeTooLong},
		{"excerpt 500", blogWith(func(b *content.Blog) { b.Excerpt = nRunes(500) }), "excerpt", ""},
		{"excerpt 501", blogWith(func(b *content.Blog) { b.Excerpt = nRunes(501) }), "excerpt", content.CodeTooLong},
		{"5 keywords", blogWith(func(b *content.Blog) { b.TargetKeywords = listOf(5, nRunes) }), "target_keywords", ""},
		{"6 keywords", blogWith(func(b *content.Blog) { b.TargetKeywords = listOf(6, nRunes) }), "target_keywords", content.CodeTooMany},
		{"keyword invalid utf-8", blogWith(func(b *content.Blog) { b.TargetKeywords = []string{"ok", "\xc3"} }), "target_keywords[1]", content.CodeInvalidEncoding},
	})
}

func TestValidateAnnouncementRules(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"urgency unknown", announcementWith(func(a *content.Announcement) { a.Urgency = "extreme" }), "urgency", content.CodeInvalidEnum},
		{"urgency wrong case", announcementWith(func(a *content.Announcement) { a.Urgency = "High" }), "urgency", content.CodeInvalidEnum},
		{"urgency detected", announcementWith(func(a *content.Announcement) { a.Urgency = "" }), "urgency", ""},
		{"urgency critical", announcementWith(func(a *content.Announcement) { a.Urgency = content.UrgencyCritical }), "urgency", ""},
		{"urgency critical needs no schedule", announcementWith(func(a *content.Announcement) { a.Urgency = content.UrgencyCritical }), "featured", ""},
		{"urgency critical with explicit priority 0", announcementWith(func(a *content.Announcement) {
			a.Urgency, a.Priority, a.PrioritySet = content.UrgencyCritical, 0, true
		}), "priority", content.CodeOutOfRange},
		{"expires now", announcementWith(func(a *content.Announcement) { a.ExpiresAt = testNow }), "expires_at", content.CodeInPast},
		{"expires tomorrow", announcementWith(func(a *content.Announcement) { a.ExpiresAt = testNow.AddDate(0, 0, 1) }), "expires_at", ""},
		{"expires in 1y", announcementWith(func(a *content.Announcement) { a.ExpiresAt = testNow.AddDate(1, 0, 0) }), "expires_at", ""},
		{"expires in 1y 1d", announcementWith(func(a *content.Announcement) { a.ExpiresAt = testNow.AddDate(1, 0, 1) }), "expires_at", content.CodeTooFar},
		{"call to action 200", announcementWith(func(a *content.Announcement) { a.CallToAction = nRunes(200) }), "call_to_action", ""},
		{"call to action 201", announcementWith(func(a *content.Announcement) { a.CallToAction = nRunes(201) }), "call_to_action", content.CodeTooLong},
		{"claim in call to action", announcementWith(func(a *content.Announcement) { a.CallToAction = "See instant results" }), "call_to_action", content.CodeProhibitedClaim},
	})
}

func TestValidateSessionRules(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"id empty", sessionWith(func(s *content.Session) { s.SessionID = "" }), "session_id", content.CodeRequired},
		{"id 100", sessionWith(func(s *content.Session) { s.SessionID = nRunes(100) }), "session_id", ""},
		{"id 101", sessionWith(func(s *content.Session) { s.SessionID = nRunes(101) }), "session_id", content.CodeTooLong},
		{"duration 0", sessionWith(func(s *content.Session) { s.SessionDuration = 0 }), "session_duration", content.CodeOutOfRange},
		{"duration 1", sessionWith(func(s *content.Session) { s.SessionDuration = 1 }), "session_duration", ""},
		{"duration 7200", sessionWith(func(s *content.Session) { s.SessionDuration = 7200 }), "session_duration", ""},
		{"duration 7201", sessionWith(func(s *content.Session) { s.SessionDuration = 7201 }), "session_duration", content.CodeOutOfRange},
		{"participants 0", sessionWith(func(s *content.Session) { s.ParticipantCount = 0 }), "participant_count", content.CodeOutOfRange},
		{"participants 1", sessionWith(func(s *content.Session) { s.ParticipantCount = 1 }), "participant_count", ""},
		{"participants 1000", sessionWith(func(s *content.Session) { s.ParticipantCount = 1000 }), "participant_count", ""},
		{"participants 1001", sessionWith(func(s *content.Session) { s.ParticipantCount = 1001 }), "participant_count", content.CodeOutOfRange},
		{"no techniques", sessionWith(func(s *content.Session) { s.BreathingTechniques = nil }), "breathing_techniques", content.CodeRequired},
		{"10 techniques", sessionWith(func(s *content.Session) { s.BreathingTechniques = listOf(10, nRunes) }), "breathing_techniques", ""},
		{"11 techniques", sessionWith(func(s *content.Session) { s.BreathingTechniques = listOf(11, nRunes) }), "breathing_techniques", content.CodeTooMany},
		{"blank technique", sessionWith(func(s *content.Session) { s.BreathingTechniques = []string{"box", "  "} }), "breathing_techniques[1]", content.CodeBlank},
		{"hrv -100", sessionWith(func(s *content.Session) { s.AverageHRVImprovement = -100 }), "average_hrv_improvement", ""},
		{"hrv -100.5", sessionWith(func(s *content.Session) { s.AverageHRVImprovement = -100.5 }), "average_hrv_improvement", content.CodeOutOfRange},
		{"hrv 200", sessionWith(func(s *content.Session) { s.AverageHRVImprovement = 200 }), "average_hrv_improvement", ""},
		{"hrv 200.1", sessionWith(func(s *content.Session) { s.AverageHRVImprovement = 200.1 }), "average_hrv_improvement", content.CodeOutOfRange},
		{"type empty", sessionWith(func(s *content.Session) { s.SessionType = "" }), "session_type", content.CodeRequired},
		{"type unknown", sessionWith(func(s *content.Session) { s.SessionType = "lecture" }), "session_type", content.CodeInvalidEnum},
		{"live without instructor", sessionWith(func(s *content.Session) { s.SessionType = content.SessionLive }), "instructor_name", content.CodeRequired},
		{"live blank instructor", sessionWith(func(s *content.Session) { s.SessionType, s.InstructorName = content.SessionLive, " " }), "instructor_name", content.CodeRequired},
		{"live with instructor", sessionWith(func(s *content.Session) { s.SessionType, s.InstructorName = content.SessionLive, "Ana" }), "instructor_name", ""},
		{"workshop 4", sessionWith(func(s *content.Session) { s.SessionType, s.ParticipantCount = content.SessionWorkshop, 4 }), "participant_count", content.CodeOutOfRange},
		{"workshop 5", sessionWith(func(s *content.Session) { s.SessionType, s.ParticipantCount = content.SessionWorkshop, 5 }), "participant_count", ""},
		{"date now", sessionWith(func(s *content.Session) { s.SessionDate = testNow }), "session_date", ""},
		{"date 1m ahead", sessionWith(func(s *content.Session) { s.SessionDate = testNow.Add(time.Minute) }), "session_date", content.CodeInFuture},
		{"date 30d ago", sessionWith(func(s *content.Session) { s.SessionDate = testNow.AddDate(0, 0, -30) }), "session_date", ""},
		{"date 30d 1s ago", sessionWith(func(s *content.Session) { s.SessionDate = testNow.AddDate(0, 0, -30).Add(-time.Second) }), "session_date", content.CodeTooOld},
		{"date absent", sessionWith(func(s *content.Session) { s.SessionDate = time.Time{} }), "session_date", ""},
	})
}

func TestValidateBusinessWarnings(t *testing.T) {
	// 2026-03-07 is a Saturday.
	at := func(day, hour, minute int) time.Time { return time.Date(2026, 3, day, hour, minute, 0, 0, time.UTC) }
	tests := []struct {
		name  string
		loc   *time.Location
		build func() content.Content
		field string
		code  string // "" for no warning on field
	}{
		{"weekday in hours", nil, updateWith(func(u *content.Update) { u.ScheduledFor = at(5, 12, 0) }), "scheduled_for", ""},
		{"saturday", nil, updateWith(func(u *content.Update) { u.ScheduledFor = at(7, 12, 0) }), "scheduled_for", content.CodeWeekend},
		{"07:59", nil, updateWith(func(u *content.Update) { u.ScheduledFor = at(5, 7, 59) }), "scheduled_for", content.CodeBusinessHours},
		{"08:00", nil, updateWith(func(u *content.Update) { u.ScheduledFor = at(5, 8, 0) }), "scheduled_for", ""},
		{"17:00", nil, updateWith(func(u *content.Update) { u.ScheduledFor = at(5, 17, 0) }), "scheduled_for", ""},
		{"17:01", nil, updateWith(func(u *content.Update) { u.ScheduledFor = at(5, 17, 1) }), "scheduled_for", content.CodeBusinessHours},
		{"12:00 UTC is 07:00 at UTC-5", time.FixedZone("UTC-5", -5*3600), updateWith(func(u *content.Update) { u.ScheduledFor = at(5, 12, 0) }), "scheduled_for", content.CodeBusinessHours},
		{"14:00 UTC is 09:00 at UTC-5", time.FixedZone("UTC-5", -5*3600), updateWith(func(u *content.Update) { u.ScheduledFor = at(5, 14, 0) }), "scheduled_for", ""},
		{"friday 23:00 UTC is saturday at UTC+2", time.FixedZone("UTC+2", 2*3600), updateWith(func(u *content.Update) { u.ScheduledFor = at(6, 23, 0) }), "scheduled_for", content.CodeWeekend},
		{"blog 299 words", nil, blogWith(func(b *content.Blog) { b.Body = nWords(299) }), "content", content.CodeTooFewWords},
		{"blog 300 words", nil, blogWith(func(b *content.Blog) { b.Body = nWords(300) }), "content", ""},
		{"update 500 words", nil, updateWith(func(u *content.Update) { u.Body = nWords(500) }), "content", ""},
		{"update 501 words", nil, updateWith(func(u *content.Update) { u.Body = nWords(501) }), "content", content.CodeTooManyWords},
		{"priority 2 without email", nil, updateWith(func(u *content.Update) { u.Priority, u.Channels = 2, []content.Channel{"website"} }), "channels", content.CodeMissingEmail},
		{"priority 2 with newsletter alias", nil, updateWith(func(u *content.Update) { u.Priority, u.Channels = 2, []content.Channel{"newsletter"} }), "channels", ""},
		{"priority 2 default channels", nil, updateWith(func(u *content.Update) { u.Priority = 2 }), "channels", ""},
		{"priority 3 without email", nil, updateWith(func(u *content.Update) { u.Priority, u.Channels = 3, []content.Channel{"website"} }), "channels", ""},
		{"critical urgency without email", nil, announcementWith(func(a *content.Announcement) {
			a.Urgency, a.Channels = content.UrgencyCritical, []content.Channel{"twitter"}
		}), "channels", content.CodeMissingEmail},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := testValidator()
			v.Location = tc.loc
			r := v.ValidateContent(context.Background(), tc.build())
			requireConsistent(t, r)
			got := warningCodes(r, tc.field)
			if tc.code == "" {
				assert.Empty(t, got)
			} else {
				assert.Contains(t, got, tc.code)
				assert.Empty(t, errorCodes(r, tc.field), "a warning must not be an error")
			}
		})
	}
}

func TestValidateContentReportsEveryIssue(t *testing.T) {
	s := validSession()
	s.Title = ""
	s.Body = "short"
	s.Priority, s.PrioritySet = 0, true
	s.SessionDuration = 9000
	s.ParticipantCount = 0
	s.SessionType = content.SessionLive
	s.Featured, s.DryRun = true, true
	r := validateContent(t, s)
	assert.False(t, r.Valid)
	want := map[string][]string{
		"title":             {content.CodeRequired},
		"content":           {content.CodeTooShort, content.CodeTooFewWords},
		"priority":          {content.CodeOutOfRange},
		"session_duration":  {content.CodeOutOfRange},
		"participant_count": {content.CodeOutOfRange},
		"instructor_name":   {content.CodeRequired},
		"featured":          {content.CodeConflict},
		"dry_run":           {content.CodeConflict},
	}
	for field, codes := range want {
		assert.ElementsMatch(t, codes, errorCodes(r, field), field)
	}
	assert.Len(t, r.Issues, 9)
}

func TestValidateContentDoesNotMutate(t *testing.T) {
	for _, build := range []func() content.Content{
		func() content.Content {
			u := validUpdate()
			u.Tags = []string{" App ", "app", "Sleep"}
			u.Channels = []content.Channel{"web", "X"}
			return u
		},
		func() content.Content { b := validBlog(); b.Category, b.Tags = "", []string{"A", "a"}; return b },
		func() content.Content { a := validAnnouncement(); a.Urgency = ""; a.Title = "Urgent: outage"; return a },
		func() content.Content {
			s := validSession()
			s.BreathingTechniques = []string{"4-7-8", "wim hof"}
			return s
		},
	} {
		in, pristine := build(), build()
		validateContent(t, in)
		assert.Equal(t, pristine, in, "%s changed", in.Kind())
	}
}

func TestValidateContentNil(t *testing.T) {
	for _, c := range []content.Content{nil, (*content.Blog)(nil)} {
		r := validateContent(t, c)
		assert.False(t, r.Valid)
		require.Len(t, r.Issues, 1)
		assert.Equal(t, content.CodeRequired, r.Issues[0].Code)
	}
}

func TestValidateContentMetadata(t *testing.T) {
	r := validateContent(t, validUpdate())
	require.NotNil(t, r.Metadata)
	assert.Equal(t, 13, r.Metadata.WordCount)
	assert.NotEmpty(t, r.Metadata.SuggestedChannels)
	assert.Equal(t, "2026-03-05T10:00:00Z", r.Metadata.OptimalPublishTime)
	assert.NotNil(t, r.Warnings, "warnings marshal as [], never null")
}

func TestValidateContentDecoded(t *testing.T) {
	c, err := content.Decode([]byte(`{"type":"update","title":"Hello there","content":"Three small words here.","priority":0}`))
	require.NoError(t, err)
	r := validateContent(t, c)
	assert.Equal(t, []string{content.CodeOutOfRange}, errorCodes(r, "priority"))
}

func TestValidateContentDefaultClock(t *testing.T) {
	// The zero value uses the system clock: a schedule far in the past is
	// in the past whatever the date the test nRunes on.
	u := validUpdate()
	u.ScheduledFor = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	r := (&content.DefaultValidator{}).ValidateContent(context.Background(), u)
	requireConsistent(t, r)
	assert.Equal(t, []string{content.CodeInPast}, errorCodes(r, "scheduled_for"))
}
