package content

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// hrvHashtagThreshold is the average HRV improvement, in percent, above
// which session posts carry #HRVImprovement.
const hrvHashtagThreshold = 10

// summarize digests a session for Bundle.Session.
func summarize(s *Session) SessionSummary {
	return SessionSummary{
		SessionID:        strings.TrimSpace(validText(s.SessionID)),
		SessionType:      string(s.SessionType),
		DurationMinutes:  minutes(s.SessionDuration),
		ParticipantCount: s.ParticipantCount,
		Techniques:       cleanList(s.BreathingTechniques),
		HRVImprovement:   s.AverageHRVImprovement,
		Highlights:       cleanList(s.KeyAchievements),
	}
}

// minutes converts seconds to minutes, rounded to a tenth.
func minutes(seconds int) float64 { return math.Round(float64(seconds)/6) / 10 }

// cleanList returns the non-blank entries of list, valid UTF-8, each on
// one line.
func cleanList(list []string) []string {
	out := make([]string, 0, len(list))
	for _, s := range list {
		if s = collapseSpace(validText(s)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// sessionTitle names a session that has no title: "Live breathing session
// recap".
func sessionTitle(s *Session) string {
	kind := string(s.SessionType)
	if kind == "" {
		kind = "breathing"
	} else {
		kind = strings.ToUpper(kind[:1]) + kind[1:] + " breathing"
	}
	return kind + " session recap"
}

// sessionMarkdown writes the neutral body of a session summary: the
// facts, the achievements, the participants' words, then the session's
// own notes. Tone-dependent wording lives in sessionIntro.
func sessionMarkdown(s *Session) string {
	var b strings.Builder
	b.WriteString("## Session at a glance\n\n")
	if s.SessionDuration > 0 {
		fmt.Fprintf(&b, "- **Duration:** %s minutes\n", formatMinutes(s.SessionDuration))
	}
	if s.ParticipantCount > 0 {
		fmt.Fprintf(&b, "- **Participants:** %d\n", s.ParticipantCount)
	}
	if t := cleanList(s.BreathingTechniques); len(t) > 0 {
		fmt.Fprintf(&b, "- **Techniques:** %s\n", strings.Join(t, ", "))
	}
	fmt.Fprintf(&b, "- **Average HRV change:** %+.1f%%\n", s.AverageHRVImprovement)
	if in := collapseSpace(validText(s.InstructorName)); in != "" {
		fmt.Fprintf(&b, "- **Instructor:** %s\n", in)
	}
	if a := cleanList(s.KeyAchievements); len(a) > 0 {
		b.WriteString("\n## Key achievements\n\n")
		for _, x := range a {
			b.WriteString("- ")
			b.WriteString(x)
			b.WriteByte('\n')
		}
	}
	if f := cleanList(s.ParticipantFeedback); len(f) > 0 {
		b.WriteString("\n## What participants said\n\n")
		for _, x := range f {
			b.WriteString("> ")
			b.WriteString(x)
			b.WriteString("\n\n")
		}
	}
	if body := strings.TrimSpace(validText(s.Body)); body != "" {
		b.WriteString("\n## Notes\n\n")
		b.WriteString(body)
		b.WriteByte('\n')
	}
	return b.String()
}

func formatMinutes(seconds int) string {
	return strconv.FormatFloat(minutes(seconds), 'f', -1, 64)
}

// techniqueList joins up to three techniques: "A, B and C".
func techniqueList(s *Session) string {
	t := cleanList(s.BreathingTechniques)
	if len(t) > 3 {
		t = append(t[:3:3], "more")
	}
	switch len(t) {
	case 0:
		return "guided breathing"
	case 1:
		return t[0]
	}
	return strings.Join(t[:len(t)-1], ", ") + " and " + t[len(t)-1]
}

// sessionIntro is the tone's opening sentence about the session's results.
func sessionIntro(s *Session, v voice) string {
	kind := string(s.SessionType)
	if kind == "" {
		kind = "breathing"
	}
	mins, n, tech, hrv := formatMinutes(s.SessionDuration), s.ParticipantCount, techniqueList(s), s.AverageHRVImprovement
	switch v.tone {
	case ToneEncouraging:
		msg := fmt.Sprintf("What a session! %d of you breathed together for %s minutes of %s", n, mins, tech)
		if hrv > 0 {
			return msg + fmt.Sprintf(", and average HRV rose by %.1f%%. Every breath counts.", hrv)
		}
		return msg + ". Every breath counts, and consistency is what builds results."
	case ToneMedicalScientific:
		return fmt.Sprintf("In this %s session (n = %d, %s minutes), participants practised %s. An average HRV change of %+.1f%% was observed; "+
			"slow-paced breathing may support autonomic balance, though these observational results are preliminary and not controlled.", kind, n, mins, tech, hrv)
	}
	msg := fmt.Sprintf("Our %s session brought together %d participants for %s minutes of %s.", kind, n, mins, tech)
	if hrv != 0 {
		msg += fmt.Sprintf(" Average heart rate variability changed by %+.1f%%.", hrv)
	}
	return msg
}

// sessionOneLiner is a neutral one-sentence summary, used for excerpts and
// previews.
func sessionOneLiner(s *Session) string {
	kind := string(s.SessionType)
	if kind == "" {
		kind = "breathing"
	}
	return fmt.Sprintf("A %s-minute %s session with %d participants practising %s; average HRV change %+.1f%%.",
		formatMinutes(s.SessionDuration), kind, s.ParticipantCount, techniqueList(s), s.AverageHRVImprovement)
}

// sessionHashtags are the words of a session's rule hashtags, in order:
// HRVImprovement when the average improvement is over 10%, then
// BreathingWorkshop for a workshop or LiveSession for a live session, then
// Breathwork, then the techniques.
func sessionHashtags(s *Session) []string {
	var out []string
	if s.AverageHRVImprovement > hrvHashtagThreshold {
		out = append(out, "HRVImprovement")
	}
	switch s.SessionType {
	case SessionWorkshop:
		out = append(out, "BreathingWorkshop")
	case SessionLive:
		out = append(out, "LiveSession")
	}
	out = append(out, "Breathwork")
	return append(out, cleanList(s.BreathingTechniques)...)
}

// sessionSocial writes a session post, without hashtags.
func sessionSocial(s *Session, rules PlatformRules, v voice, url string) string {
	var b strings.Builder
	b.WriteString(sessionIntro(s, v))
	achievements := cleanList(s.KeyAchievements)
	feedback := cleanList(s.ParticipantFeedback)
	if rules.Threads {
		if len(achievements) > 0 {
			b.WriteString(" Highlight: ")
			b.WriteString(Truncate(achievements[0], socialSentenceMax))
			if !strings.HasSuffix(achievements[0], ".") {
				b.WriteByte('.')
			}
		}
		if len(feedback) > 0 {
			b.WriteString(` "`)
			b.WriteString(Truncate(feedback[0], socialSentenceMax))
			b.WriteString(`"`)
		}
		b.WriteString(" " + v.socialMore + " " + url)
	} else {
		if len(achievements) > 0 {
			b.WriteString("\n\nHighlights:")
			for i, x := range achievements {
				if i == 5 {
					break
				}
				b.WriteString("\n• ")
				b.WriteString(Truncate(x, socialSentenceMax))
			}
		}
		for i, x := range feedback {
			if i == 2 {
				break
			}
			b.WriteString("\n\n\"")
			b.WriteString(Truncate(x, socialSentenceMax))
			b.WriteString(`"`)
		}
		if rules.NeedsMedia {
			b.WriteString("\n\n" + v.linkInBio)
		} else {
			b.WriteString("\n\n" + v.socialMore + " " + url)
		}
	}
	if v.socialClose != "" {
		b.WriteString(" " + v.socialClose)
	}
	return b.String()
}
