package content_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
)

// testNow is the validators' clock in tests: Wednesday 4 March 2026, 10:00 UTC.
var testNow = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

func testValidator() *content.DefaultValidator {
	return &content.DefaultValidator{Now: func() time.Time { return testNow }}
}

// runes returns a text of n runes, each two bytes long, so that a byte
// count would break the length rules.
func nRunes(n int) string { return strings.Repeat("é", n) }

// words returns a text of n words.
func nWords(n int) string { return strings.TrimSpace(strings.Repeat("breathe ", n)) }

func listOf(n int, f func(i int) string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

func validUpdate() *content.Update {
	return &content.Update{
		Base: content.Base{
			Title: "Breathscape 2.3 brings calmer reminders",
			Body:  "The latest version adds guided sessions, calmer reminders and a quieter home screen.",
		},
		Tags: []string{"app", "reminders"},
	}
}

func validBlog() *content.Blog {
	return &content.Blog{
		Base: content.Base{
			Title: "Box breathing, explained",
			Body:  "## Why it works\n\n" + nWords(320),
		},
		Category: "Technique",
	}
}

func validAnnouncement() *content.Announcement {
	return &content.Announcement{
		Base: content.Base{
			Title: "Our community meetup in Berlin",
			Body:  "Join us for an evening of breathing and conversation in Berlin.",
		},
		Urgency: content.UrgencyMedium,
	}
}

func validSession() *content.Session {
	return &content.Session{
		Base: content.Base{
			Title: "Evening calm session",
			Body:  "Twelve people practised box breathing together for half an hour.",
		},
		SessionID:           "sess-001",
		SessionDuration:     1800,
		ParticipantCount:    12,
		BreathingTechniques: []string{"box"},
		SessionType:         content.SessionGuided,
		SessionDate:         testNow.Add(-24 * time.Hour),
	}
}

// errorCodes returns the codes of the error issues on field.
func errorCodes(r *content.Report, field string) []string {
	var out []string
	for _, i := range r.Issues {
		if i.Field == field {
			out = append(out, i.Code)
		}
	}
	return out
}

// warningCodes returns the codes of the warnings on field.
func warningCodes(r *content.Report, field string) []string {
	var out []string
	for _, i := range r.Warnings {
		if i.Field == field {
			out = append(out, i.Code)
		}
	}
	return out
}

// requireConsistent checks the invariants of every report.
func requireConsistent(t *testing.T, r *content.Report) {
	t.Helper()
	require.NotNil(t, r)
	require.Equal(t, len(r.Issues) == 0, r.Valid, "Valid must equal len(Issues)==0")
	for _, i := range r.Issues {
		require.Equal(t, content.SeverityError, i.Severity, "issue %v", i)
		require.NotEmpty(t, i.Code)
		require.NotEmpty(t, i.Message)
	}
	for _, i := range r.Warnings {
		require.NotEqual(t, content.SeverityError, i.Severity, "warning %v", i)
	}
}

func validateContent(t *testing.T, c content.Content) *content.Report {
	t.Helper()
	r := testValidator().ValidateContent(context.Background(), c)
	requireConsistent(t, r)
	return r
}
