package content_test

import (
	"strings"
	"time"

	"github.com/halcytone/halcytone/content"
)

var fixedNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func day(d int) time.Time { return time.Date(2026, 11, d, 9, 0, 0, 0, time.UTC) }

// livingDoc is a small living document of about 5 KB: four sections of
// dated items with long text.
func livingDoc() *content.Document {
	long := strings.Repeat("Slow, steady breathing at about six breaths a minute is easy to learn and pleasant to practise. ", 6)
	d := &content.Document{
		Title:  "Halcytone Living Document November",
		Source: "sample:",
		Format: content.FormatMarkdown,
		Sections: []content.Section{
			{Heading: "Breathscape App", Category: content.CategoryBreathscape, Items: []content.Item{
				{Title: "Breathscape 2.4 adds guided evening sessions", Date: day(20), Body: "The new **evening mode** dims the screen and slows the pacer.\n\n- Guided wind-down\n- Sleep timer\n\n" + long, Flags: content.Flags{Priority: 2}},
				{Title: "Offline mode for every session", Date: day(12), Body: "Sessions now download in the background so you can practise on a plane. Read the [release notes](https://example.com/notes). " + long},
			}},
			{Heading: "Hardware", Category: content.CategoryHardware, Items: []content.Item{
				{Title: "Sensor firmware 1.3", Date: day(18), Body: "Firmware 1.3 improves battery life by a fifth and pairs faster with phones. " + long},
				{Title: "Charging cradle redesign", Date: day(3), Body: "The cradle is now magnetic. " + long},
			}},
			{Heading: "Wellness Tips", Category: content.CategoryTips, Items: []content.Item{
				{Title: "Box breathing before meetings", Date: day(15), Body: "## Why it works\n\nFour counts in, hold, out, hold. It helps you reset between meetings. " + long, Flags: content.Flags{Priority: 1}},
			}},
			{Heading: "Company Vision", Category: content.CategoryVision, Items: []content.Item{
				{Title: "Our mission for 2027", Date: day(22), Body: "We want every person to have a calm minute a day. " + long},
				{Title: "Team news", Date: day(1), Body: "Three new engineers joined the team this month. " + long},
			}},
		},
	}
	return d.Seal()
}

func blogDoc() *content.Document {
	b := &content.Blog{
		Base: content.Base{
			Title:  "The science of coherent breathing",
			Body:   "## What is coherence\n\nBreathing at about six breaths a minute brings heart rate and breath into step.\n\n## How to practise\n\nSit upright. Breathe in for five seconds and out for five seconds, for ten minutes a day.",
			Author: "Dr. Ada Breath",
			Date:   day(10),
		},
		Category:       "Research",
		Tags:           []string{"heart rate variability", "breathing science", "coherence"},
		TargetKeywords: []string{"coherent breathing"},
		Excerpt:        "What six breaths a minute does to your heart, and how to practise it.",
	}
	return content.DocumentOf(b)
}

func sessionDoc(typ content.SessionType, hrv float64) *content.Document {
	s := &content.Session{
		Base:                  content.Base{Title: "Evening calm workshop", Body: "A relaxed evening session."},
		SessionID:             "sess-42",
		SessionDuration:       2700,
		ParticipantCount:      24,
		BreathingTechniques:   []string{"Box Breathing", "4-7-8 Breathing"},
		AverageHRVImprovement: hrv,
		KeyAchievements:       []string{"Everyone completed ten rounds", "Two first-timers joined"},
		SessionType:           typ,
		InstructorName:        "Mira",
		SessionDate:           day(24),
		ParticipantFeedback:   []string{"I slept better that night", "Loved the pacing"},
	}
	return content.DocumentOf(s)
}
