package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
)

// runOutput runs the example on events and returns what it printed.
func runOutput(t *testing.T, events string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	require.NoError(t, run(ctx, &out, strings.NewReader(events)))
	return out.String()
}

// block returns the indented (and blank) lines after the line starting
// with heading, up to the next line that is neither.
func block(t *testing.T, out, heading string) []string {
	t.Helper()
	var lines []string
	in := false
	for line := range strings.SplitSeq(out, "\n") {
		switch {
		case !in && strings.HasPrefix(line, heading):
			in = true
		case in && (line == "" || strings.HasPrefix(line, "  ")):
			lines = append(lines, line)
		case in:
			return trimBlank(lines)
		}
	}
	require.True(t, in, "no %q in:\n%s", heading, out)
	return trimBlank(lines)
}

// trimBlank drops the blank lines at the end of lines.
func trimBlank(lines []string) []string {
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// field returns the value printed for key ("  key   value") in lines.
func field(t *testing.T, lines []string, key string) string {
	t.Helper()
	for _, l := range lines {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), key+" "); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no %q in %q", key, lines)
	return ""
}

func TestRunRecordedSession(t *testing.T) {
	out := runOutput(t, string(recorded))

	// The summary the Engine assembled from the folded events: six distinct
	// participants (u-102 left and came back), two techniques by their
	// canonical names (box came back at the end), thirty minutes.
	sum := block(t, out, "Session summary")
	assert.Equal(t, "6", field(t, sum, "participants"))
	assert.Equal(t, "Box Breathing, Coherent Breathing", field(t, sum, "techniques"))
	assert.Equal(t, "30", field(t, sum, "minutes"))
	assert.Equal(t, "+12.4%", field(t, sum, "hrv change"))

	// Every channel has content: the newsletter, the web post and a post
	// for each social platform.
	assert.Contains(t, out, "\nNewsletter: Tuesday evening wind-down\n")
	assert.Contains(t, out, "\nWeb post:   Tuesday evening wind-down (/tuesday-evening-wind-down)\n")
	posts := block(t, out, "Social posts:")
	for _, platform := range []string{"twitter 1/2", "linkedin", "facebook", "instagram"} {
		i := indexOf(posts, "  ["+platform+"]")
		require.GreaterOrEqual(t, i, 0, "no %s post in %q", platform, posts)
		require.Less(t, i+1, len(posts))
		assert.Contains(t, posts[i+1], "6 participants for 30 minutes", platform)
	}

	// Generated and delivered to every channel, in dry run.
	assert.Regexp(t, `Job job_\w+: completed \(approval level 1, approved\)`, out)
	results := block(t, out, "Job ")
	require.Len(t, results, len(channels()), out)
	for i, ch := range channels() {
		assert.Equal(t, []string{ch, "success"}, strings.Fields(results[i]))
	}
	records := block(t, out, "Recorded by the dry-run publishers")
	require.Len(t, records, 6, out)
	for i, ch := range []string{"email", "website", "twitter", "linkedin", "facebook", "instagram"} {
		assert.Regexp(t, `^  `+ch+` +[1-9]\d*-byte payload, dry run true$`, records[i])
	}
}

func TestRunOtherSession(t *testing.T) {
	events := `
{"type":"session.started","timestamp":"2026-05-04T07:00:00Z","data":{"session_id":"s-2","title":"Morning guided practice","instructor":"Lee","session_type":"guided","image":"https://breathscape.example/img/morning.jpg"}}
{"type":"participant.joined","timestamp":"2026-05-04T07:00:01Z","data":{"participant_id":"a"}}
{"type":"participant.joined","timestamp":"2026-05-04T07:00:02Z","data":{"participant_id":"b"}}
{"type":"technique.changed","timestamp":"2026-05-04T07:01:00Z","data":{"technique":"4-7-8"}}
{"type":"session.ended","timestamp":"2026-05-04T07:12:00Z"}
`
	out := runOutput(t, events)
	sum := block(t, out, "Session summary")
	assert.Equal(t, "2", field(t, sum, "participants"))
	assert.Equal(t, "4-7-8 Breathing", field(t, sum, "techniques"))
	assert.Equal(t, "12", field(t, sum, "minutes"))
	assert.Contains(t, out, "\nNewsletter: Morning guided practice\n")
	assert.Regexp(t, `Job job_\w+: completed`, out)
}

func TestFold(t *testing.T) {
	evs, err := ReadEvents(bytes.NewReader(recorded))
	require.NoError(t, err)
	s, err := Fold(evs)
	require.NoError(t, err)
	assert.Equal(t, "sess-2026-11-24-evening", s.SessionID)
	assert.Equal(t, content.SessionLive, s.SessionType)
	assert.Equal(t, "Ada Okafor", s.InstructorName)
	assert.Equal(t, 6, s.ParticipantCount)
	assert.Equal(t, []string{content.TechniqueBox, content.TechniqueCoherent}, s.BreathingTechniques)
	assert.Equal(t, 1800, s.SessionDuration)
	assert.InDelta(t, 12.4, s.AverageHRVImprovement, 1e-9)
	assert.Len(t, s.KeyAchievements, 2)
	assert.Equal(t, time.Date(2026, 11, 24, 18, 0, 0, 0, time.UTC), s.SessionDate)
	assert.NotEmpty(t, s.Metadata["image"])

	at := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	for name, tc := range map[string]struct {
		events []Event
		want   string
	}{
		"never started": {[]Event{{Type: EventParticipantJoined, Timestamp: at}}, "no session.started"},
		"still running": {[]Event{{Type: EventSessionStarted, Timestamp: at}}, "still running"},
		"ended first":   {[]Event{{Type: EventSessionEnded, Timestamp: at}}, "before session.started"},
		"no timestamp":  {[]Event{{Type: EventSessionStarted}}, "has no timestamp"},
		"ended at start": {[]Event{
			{Type: EventSessionStarted, Timestamp: at},
			{Type: EventSessionEnded, Timestamp: at},
		}, "before it started"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Fold(tc.events)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestRunRefusesBadEvents(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), &out, strings.NewReader("{\"type\":\"session.started\"\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "line 1")
}

func indexOf(lines []string, s string) int {
	for i, l := range lines {
		if l == s {
			return i
		}
	}
	return -1
}
