package content_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
)

func TestSessionSummary(t *testing.T) {
	b := assemble(t, sessionDoc(content.SessionWorkshop, 12.5), content.Options{})
	assert.Equal(t, content.TypeSession, b.ContentType)
	require.NotNil(t, b.Session)
	assert.Equal(t, content.SessionSummary{
		SessionID:        "sess-42",
		SessionType:      "workshop",
		DurationMinutes:  45,
		ParticipantCount: 24,
		Techniques:       []string{"Box Breathing", "4-7-8 Breathing"},
		HRVImprovement:   12.5,
		Highlights:       []string{"Everyone completed ten rounds", "Two first-timers joined"},
	}, *b.Session)

	for name, text := range map[string]string{"newsletter": b.Newsletter.HTML, "web": b.WebPost.HTML} {
		for _, want := range []string{"45 minutes", "24", "Box Breathing", "4-7-8 Breathing", "+12.5%", "Everyone completed ten rounds", "I slept better that night", "Mira", "A relaxed evening session."} {
			assert.Contains(t, text, want, "%s", name)
		}
	}
	assert.Contains(t, b.Newsletter.Text, "- Duration: 45 minutes")
	assert.Equal(t, []content.Heading{
		{Level: 2, Text: "Session at a glance", Anchor: "session-at-a-glance"},
		{Level: 2, Text: "Key achievements", Anchor: "key-achievements"},
		{Level: 2, Text: "What participants said", Anchor: "what-participants-said"},
		{Level: 2, Text: "Notes", Anchor: "notes"},
	}, b.WebPost.TOC)
	assert.Contains(t, b.WebPost.Excerpt, "45-minute workshop session with 24 participants")
	x := socialFor(t, b, content.PlatformTwitter)
	assert.Contains(t, strings.Join(x.Thread, " "), "Everyone completed ten rounds")
	assertWithinRules(t, b)
}

func TestSessionHashtags(t *testing.T) {
	tests := []struct {
		name string
		typ  content.SessionType
		hrv  float64
		want []string
	}{
		{"workshop with a large improvement", content.SessionWorkshop, 12, []string{"#HRVImprovement", "#BreathingWorkshop", "#Breathwork", "#BoxBreathing", "#478Breathing"}},
		{"live session", content.SessionLive, 10, []string{"#LiveSession", "#Breathwork", "#BoxBreathing", "#478Breathing", "#Halcytone"}},
		{"guided session", content.SessionGuided, 25, []string{"#HRVImprovement", "#Breathwork", "#BoxBreathing", "#478Breathing", "#Halcytone"}},
		{"practice without improvement", content.SessionPractice, -3, []string{"#Breathwork", "#BoxBreathing", "#478Breathing", "#Halcytone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := assemble(t, sessionDoc(tt.typ, tt.hrv), content.Options{Platforms: []content.Platform{content.PlatformLinkedIn, content.PlatformTwitter}})
			assert.Equal(t, tt.want, socialFor(t, b, content.PlatformLinkedIn).Hashtags)
			assert.Equal(t, tt.want[:2], socialFor(t, b, content.PlatformTwitter).Hashtags, "X keeps the first two")
			assertWithinRules(t, b)
		})
	}
}

func TestSessionTones(t *testing.T) {
	intros := map[content.Tone]string{
		content.ToneProfessional:      "Our workshop session brought together 24 participants for 45 minutes",
		content.ToneEncouraging:       "24 of you breathed together for 45 minutes",
		content.ToneMedicalScientific: "(n = 24, 45 minutes)",
	}
	for tone, want := range intros {
		b := assemble(t, sessionDoc(content.SessionWorkshop, 12), content.Options{Tone: tone})
		assert.Contains(t, b.Newsletter.HTML, want, tone)
		assert.Contains(t, b.WebPost.HTML, want, tone)
		assert.Contains(t, socialFor(t, b, content.PlatformLinkedIn).Text, want, tone)
		assertWithinRules(t, b)
	}
	b := assemble(t, sessionDoc(content.SessionWorkshop, 12), content.Options{Tone: content.ToneMedicalScientific})
	assert.Contains(t, socialFor(t, b, content.PlatformLinkedIn).Text, "may support")
}

func TestSessionWithoutTitle(t *testing.T) {
	s := &content.Session{SessionID: "s1", SessionDuration: 600, ParticipantCount: 3, SessionType: content.SessionLive, AverageHRVImprovement: 4}
	b := assemble(t, content.DocumentOf(s), content.Options{})
	assert.Equal(t, "Live breathing session recap", b.Title)
	assert.Equal(t, "live-breathing-session-recap", b.WebPost.Slug)
	assert.NotContains(t, issueCodes(b.Issues), "empty_body")
	assertWithinRules(t, b)
}
