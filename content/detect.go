package content

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Cues in a title that make Detect pick an announcement or a blog.
var (
	announcementCues = []string{"announcement", "announcing", "launch", "release", "partnership", "urgent", "breaking", "press release", "🎉"}
	blogCues         = []string{"science", "technique", "guide", "how to", "tips", "benefits", "research", "study", "article"}
)

// Detect picks the content type of untyped content from its title:
// announcement cues first (announcement,
// launch, release, partnership, urgent, breaking, press release, 🎉), then
// blog cues (science, technique, guide, how to, tips, benefits, research,
// study, article), else update. Matching is by whole words, case-insensitive.
func Detect(title string) Type {
	t := strings.ToLower(title)
	if containsCue(t, announcementCues) {
		return TypeAnnouncement
	}
	if containsCue(t, blogCues) {
		return TypeBlog
	}
	return TypeUpdate
}

// containsCue reports whether s holds one of cues as whole words (cues that
// are not letters, like an emoji, match anywhere). Word forms with a plural
// or verb suffix ("launches", "released") count as well.
func containsCue(s string, cues []string) bool {
	for _, c := range cues {
		for i := 0; ; {
			j := strings.Index(s[i:], c)
			if j < 0 {
				break
			}
			start, end := i+j, i+j+len(c)
			if boundaryBefore(s, start) && boundaryAfter(s, end) {
				return true
			}
			i = start + 1
		}
	}
	return false
}

func boundaryBefore(s string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return !unicode.IsLetter(r) && !unicode.IsDigit(r)
}

// cueSuffixes are the inflections a cue may carry, tried in this order.
var cueSuffixes = []string{"es", "s", "ed", "d", "ing"}

func boundaryAfter(s string, i int) bool {
	rest := s[i:]
	for _, suf := range cueSuffixes {
		if strings.HasPrefix(rest, suf) {
			rest = rest[len(suf):]
			break
		}
	}
	if rest == "" {
		return true
	}
	r, _ := utf8.DecodeRuneInString(rest)
	return !unicode.IsLetter(r) && !unicode.IsDigit(r)
}

// Blog categories that DetectCategory picks from.
const (
	BlogCategoryResearch   = "Research"
	BlogCategoryScience    = "Science"
	BlogCategoryTechnique  = "Technique"
	BlogCategoryTechnology = "Technology"
	BlogCategoryCompany    = "Company"
	BlogCategoryWellness   = "Wellness"
)

// categoryCues are DetectCategory's keywords, in the order that breaks ties.
var categoryCues = []struct {
	category string
	cues     []string
}{
	{BlogCategoryResearch, []string{"research", "study", "studies", "trial", "findings", "paper", "evidence"}},
	{BlogCategoryScience, []string{"science", "scientific", "physiology", "hrv", "heart rate variability", "nervous system", "vagus", "cortisol"}},
	{BlogCategoryTechnique, []string{"technique", "exercise", "breathwork", "how to", "guide", "step", "practice", "method"}},
	{BlogCategoryTechnology, []string{"app", "software", "device", "sensor", "hardware", "wearable", "feature", "bluetooth", "firmware"}},
	{BlogCategoryCompany, []string{"company", "team", "mission", "vision", "partnership", "hiring", "funding", "milestone"}},
	{BlogCategoryWellness, []string{"wellness", "stress", "sleep", "calm", "relax", "mindfulness", "anxiety", "health"}},
}

// DetectCategory picks a blog category from keywords: Research (research,
// study, trial, findings, paper, evidence), Science (science, physiology,
// HRV, heart rate variability, nervous system, vagus, cortisol), Technique
// (technique, exercise, breathwork, how to, guide, step, practice, method),
// Technology (app, software, device, sensor, hardware, wearable, feature,
// bluetooth, firmware), Company (company, team, mission, vision,
// partnership, hiring, funding, milestone) or Wellness (wellness, stress,
// sleep, calm, relax, mindfulness, anxiety, health). Each keyword found in
// the title scores 3 and in the body 1, by whole words (with inflections)
// and case-insensitively; the highest score wins, ties go to the earlier
// category in that list, and no keyword at all gives Wellness.
func DetectCategory(title, body string) string {
	t, b := strings.ToLower(title), strings.ToLower(body)
	best, bestScore := BlogCategoryWellness, 0
	for _, cc := range categoryCues {
		score := 0
		for _, cue := range cc.cues {
			if containsCue(t, []string{cue}) {
				score += 3
			}
			if containsCue(b, []string{cue}) {
				score++
			}
		}
		if score > bestScore {
			best, bestScore = cc.category, score
		}
	}
	return best
}

// urgencyCues are DetectUrgency's keywords, most urgent first.
var urgencyCues = []struct {
	urgency Urgency
	cues    []string
}{
	{UrgencyCritical, []string{"urgent", "breaking", "security", "outage", "critical", "emergency", "recall"}},
	{UrgencyHigh, []string{"launch", "release", "important", "announcing", "major", "introducing"}},
	{UrgencyMedium, []string{"update", "new", "partnership", "available", "improved"}},
}

// DetectUrgency picks an announcement's urgency from keywords: critical
// (urgent, breaking, security, outage, critical, emergency, recall), high
// (launch, release, important, announcing, major, introducing), medium
// (update, new, partnership, available, improved), else low. The title
// decides when it holds any keyword; the body is consulted only when it
// does not. Within one text the most urgent level found wins. Matching is
// by whole words (with inflections), case-insensitive.
func DetectUrgency(title, body string) Urgency {
	for _, s := range []string{title, body} {
		s = strings.ToLower(s)
		for _, uc := range urgencyCues {
			if containsCue(s, uc.cues) {
				return uc.urgency
			}
		}
	}
	return UrgencyLow
}
