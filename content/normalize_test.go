package content_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/halcytone/halcytone/content"
)

func TestNormalizeBase(t *testing.T) {
	u := &content.Update{Base: content.Base{
		Title:    "Hello",
		Channels: []content.Channel{"web", "X", "website", "fax", "social_linkedin"},
		Template: "Classic",
	}}
	content.Normalize(u, testNow.In(time.FixedZone("UTC+1", 3600)))
	assert.Equal(t, content.TypeUpdate, u.Type)
	assert.Equal(t, testNow, u.Date)
	assert.Equal(t, time.UTC, u.Date.Location())
	assert.Equal(t, content.PriorityNormal, u.Priority)
	assert.Equal(t, []content.Channel{"website", "twitter", "fax", "linkedin"}, u.Channels)
	assert.Equal(t, content.TemplateModern, u.Template)
}

func TestNormalizeKeepsWhatIsSet(t *testing.T) {
	date := testNow.AddDate(0, -1, 0)
	u := &content.Update{Base: content.Base{Date: date, Priority: 5, Template: "fancy"}}
	content.Normalize(u, testNow)
	assert.Equal(t, date, u.Date)
	assert.Equal(t, content.PriorityArchive, u.Priority)
	assert.Equal(t, content.Template("fancy"), u.Template, "unknown values stay for the validator")

	explicit := &content.Update{Base: content.Base{PrioritySet: true}}
	content.Normalize(explicit, testNow)
	assert.Equal(t, content.Priority(0), explicit.Priority, "an explicit 0 is not defaulted")
}

func TestNormalizeTags(t *testing.T) {
	u := &content.Update{Tags: []string{" App ", "app", "", "Sleep"}}
	content.Normalize(u, testNow)
	assert.Equal(t, []string{"app", "sleep"}, u.Tags)

	b := &content.Blog{Tags: []string{"HRV", "hrv "}}
	content.Normalize(b, testNow)
	assert.Equal(t, []string{"hrv"}, b.Tags)
}

func TestNormalizeBlog(t *testing.T) {
	b := &content.Blog{Base: content.Base{Title: "New research on HRV", Body: nWords(401)}}
	content.Normalize(b, testNow)
	assert.Equal(t, content.BlogCategoryResearch, b.Category)
	assert.Equal(t, 3, b.ReadingTime)

	kept := &content.Blog{Base: content.Base{Title: "New research on HRV", Body: nWords(401)}, Category: "Mine", ReadingTime: 7}
	content.Normalize(kept, testNow)
	assert.Equal(t, "Mine", kept.Category)
	assert.Equal(t, 7, kept.ReadingTime)
}

func TestNormalizeAnnouncementUrgency(t *testing.T) {
	tests := []struct {
		urgency      content.Urgency
		title        string
		wantUrgency  content.Urgency
		wantFeatured bool
		wantPriority content.Priority
	}{
		{content.UrgencyCritical, "Anything", content.UrgencyCritical, true, content.PriorityUrgent},
		{content.UrgencyHigh, "Anything", content.UrgencyHigh, true, content.PriorityHigh},
		{content.UrgencyMedium, "Anything", content.UrgencyMedium, false, content.PriorityNormal},
		{content.UrgencyLow, "Anything", content.UrgencyLow, false, content.PriorityNormal},
		{"", "Security outage in the sync service", content.UrgencyCritical, true, content.PriorityUrgent},
		{"", "Launching Breathscape 3", content.UrgencyHigh, true, content.PriorityHigh},
		{"", "A quiet week", content.UrgencyLow, false, content.PriorityNormal},
		{"bogus", "Breaking news", "bogus", false, content.PriorityNormal},
	}
	for _, tc := range tests {
		t.Run(string(tc.urgency)+"/"+tc.title, func(t *testing.T) {
			a := &content.Announcement{Base: content.Base{Title: tc.title, Priority: 0}, Urgency: tc.urgency}
			content.Normalize(a, testNow)
			assert.Equal(t, tc.wantUrgency, a.Urgency)
			assert.Equal(t, tc.wantFeatured, a.Featured)
			assert.Equal(t, tc.wantPriority, a.Priority)
		})
	}
	// Urgency overrides an explicit priority.
	a := &content.Announcement{Base: content.Base{Priority: 5}, Urgency: content.UrgencyCritical}
	content.Normalize(a, testNow)
	assert.Equal(t, content.PriorityUrgent, a.Priority)
}

func TestNormalizeTechnique(t *testing.T) {
	tests := map[string]string{
		"box breathing":               content.TechniqueBox,
		"BOX":                         content.TechniqueBox,
		"  Box-Breathing ":            content.TechniqueBox,
		"4-7-8":                       content.Technique478,
		"4 7 8 breathing":             content.Technique478,
		"coherent":                    content.TechniqueCoherent,
		"belly breath":                content.TechniqueBelly,
		"alternate nostril":           content.TechniqueAlternateNostril,
		"Alternate-Nostril Breathing": content.TechniqueAlternateNostril,
		"breath of fire":              content.TechniqueBreathOfFire,
		"lion's breath":               content.TechniqueLionsBreath,
		"Lions":                       content.TechniqueLionsBreath,
		"humming bee":                 content.TechniqueHummingBee,
		"Cooling Breath":              content.TechniqueCoolingBreath,
		"wim hof":                     "Custom: wim hof",
		"  Buteyko  ":                 "Custom: Buteyko",
		"breathing":                   "Custom: breathing",
		"Custom: Buteyko":             "Custom: Buteyko",
		"  ":                          "  ",
	}
	for in, want := range tests {
		assert.Equal(t, want, content.NormalizeTechnique(in), "%q", in)
	}
	for _, name := range content.Techniques() {
		assert.Equal(t, name, content.NormalizeTechnique(name))
	}

	s := &content.Session{BreathingTechniques: []string{"box", "wim hof"}}
	content.Normalize(s, testNow)
	assert.Equal(t, []string{content.TechniqueBox, "Custom: wim hof"}, s.BreathingTechniques)
}

func TestNormalizeIsIdempotent(t *testing.T) {
	for _, build := range []func() content.Content{
		func() content.Content { u := validUpdate(); u.Tags = []string{"B", " b", "a"}; return u },
		func() content.Content { b := validBlog(); b.Category = ""; return b },
		func() content.Content {
			a := validAnnouncement()
			a.Urgency = ""
			a.Title = "Breaking: outage"
			return a
		},
		func() content.Content {
			s := validSession()
			s.BreathingTechniques = []string{"lion's breath", "x"}
			return s
		},
	} {
		once := build()
		content.Normalize(once, testNow)
		twice := build()
		content.Normalize(twice, testNow)
		content.Normalize(twice, testNow.Add(time.Hour))
		assert.Equal(t, once, twice, "%s", once.Kind())
	}
}

func TestNormalizeNil(t *testing.T) {
	assert.NotPanics(t, func() {
		content.Normalize(nil, testNow)
		content.Normalize((*content.Session)(nil), testNow)
	})
}
