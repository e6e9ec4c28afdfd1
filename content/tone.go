package content

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// textKind names the kinds of generated text that carry their own emoji
// and exclamation budgets.
type textKind int

const (
	kindSubject textKind = iota // newsletter subject
	kindPreview                 // newsletter preview text
	kindWeb                     // web title, excerpt, SEO fields
	kindSocial                  // one social post (the whole thread)
	numKinds
)

// budget is the most emoji sequences and "!" a text may keep.
type budget struct{ emoji, exclaim int }

// voice is everything a tone changes in the output.
type voice struct {
	tone        Tone
	greeting    string // email greeting; holds MergeName
	intro       string // "%s" is the brand
	cta         string // call to action on links to the post
	signoff     string // "%s" is the brand
	subject     string // "%s" is the title
	socialIntro string // "%s" is the brand
	socialMore  string // before the link on social posts
	socialClose string // appended to social posts, may be empty
	linkInBio   string // Instagram's stand-in for a link
	hedge       bool   // soften efficacy verbs ("improves" → "may improve")
	budgets     [numKinds]budget
}

// voiceOf returns the voice of tone t; unknown tones speak professionally.
// professional: plain and courteous, no emoji, at most one "!".
// encouraging: warm, up to two emoji on social posts and one in previews,
// none in subjects or web fields. medical_scientific: measured and hedged,
// no emoji, no "!".
func voiceOf(t Tone) voice {
	switch t {
	case ToneEncouraging:
		return voice{
			tone:        ToneEncouraging,
			greeting:    "Hi " + MergeName + ", great to have you here!",
			intro:       "Here's what's new from %s, and there's plenty to feel good about.",
			cta:         "Dive in and keep breathing easy",
			signoff:     "Keep breathing, the %s team",
			subject:     "Good news: %s",
			socialIntro: "🌿 Good news from %s!",
			socialMore:  "Take a breath and read more:",
			socialClose: "✨",
			linkInBio:   "Take a breath and find the full story via the link in our bio!",
			budgets:     [numKinds]budget{{0, 1}, {1, 1}, {0, 1}, {2, 2}},
		}
	case ToneMedicalScientific:
		return voice{
			tone:        ToneMedicalScientific,
			greeting:    "Dear " + MergeName + ",",
			intro:       "This digest summarises recent developments from %s. Findings are preliminary and individual responses vary.",
			cta:         "Review the full report",
			signoff:     "Kind regards, the %s research team",
			subject:     "Research update: %s",
			socialIntro: "Research update from %s:",
			socialMore:  "Details and context:",
			linkInBio:   "Details and context via the link in our bio.",
			hedge:       true,
			budgets:     [numKinds]budget{{0, 0}, {0, 0}, {0, 0}, {0, 0}},
		}
	}
	return voice{
		tone:        ToneProfessional,
		greeting:    "Hello " + MergeName + ",",
		intro:       "Here is the latest from %s.",
		cta:         "Read the full update",
		signoff:     "Best regards, the %s team",
		subject:     "%s",
		socialIntro: "Latest from %s:",
		socialMore:  "Read more:",
		linkInBio:   "Read the full story via the link in our bio.",
		budgets:     [numKinds]budget{{0, 1}, {0, 1}, {0, 1}, {0, 1}},
	}
}

// finish applies the voice to generated text of kind k: hedged wording
// where the tone asks for it, then the emoji and exclamation budget.
func (v voice) finish(k textKind, s string) string {
	if v.hedge {
		s = hedge(s)
	}
	return enforceBudget(s, v.budgets[k])
}

// enforceBudget keeps the first b.emoji emoji sequences and b.exclaim
// exclamation marks of s; later emoji are dropped, runs of "!" collapse,
// and later "!" become ".".
func enforceBudget(s string, b budget) string {
	emoji, excl, run := 0, 0, false
	for i := 0; i < len(s); {
		if end := emojiEnd(s, i); end > i {
			emoji++
			i = end
			continue
		}
		if s[i] == '!' {
			excl++
			if run {
				excl = b.exclaim + 1 // a run always needs rewriting
			}
			run = true
		} else {
			run = false
		}
		i++
	}
	if emoji <= b.emoji && excl <= b.exclaim {
		return s
	}
	var out strings.Builder
	out.Grow(len(s))
	emoji, excl = 0, 0
	for i := 0; i < len(s); {
		if end := emojiEnd(s, i); end > i {
			if emoji < b.emoji {
				out.WriteString(s[i:end])
			} else if end < len(s) && s[end] == ' ' && (out.Len() == 0 || endsWithSpace(out.String())) {
				end++ // do not leave a double space behind
			}
			emoji++
			i = end
			continue
		}
		c := s[i]
		if c == '!' {
			prev := lastByte(out.String())
			switch {
			case prev == '!' || prev == '?' || prev == '.':
				// a run: keep the first mark only
			case excl < b.exclaim:
				out.WriteByte('!')
				excl++
			default:
				out.WriteByte('.')
			}
			i++
			continue
		}
		out.WriteByte(c)
		i++
	}
	return strings.TrimSpace(out.String())
}

func endsWithSpace(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return unicode.IsSpace(r)
}

func lastByte(s string) byte {
	if s == "" {
		return 0
	}
	return s[len(s)-1]
}

// hedgeOf returns the softened form of an efficacy word (lower case)
// for the medical_scientific tone.
func hedgeOf(w string) (string, bool) {
	switch w {
	case "improves", "improve":
		return "may improve", true
	case "reduces", "reduce", "eliminates":
		return "may reduce", true
	case "boosts", "boost", "supports":
		return "may support", true
	case "enhances", "enhance":
		return "may enhance", true
	case "lowers":
		return "may lower", true
	case "calms":
		return "may calm", true
	case "relieves":
		return "may relieve", true
	case "helps":
		return "may help", true
	case "proven":
		return "reported", true
	case "proves":
		return "suggests", true
	}
	return "", false
}

// hedge rewrites the efficacy words of s (see hedgeOf), keeping the first
// letter's case, unless "may" or "can" already precedes them.
func hedge(s string) string {
	var out strings.Builder
	changed := false
	prevWord := ""
	last := 0
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsLetter(r) {
			i += n
			continue
		}
		j := i
		for j < len(s) {
			r2, n2 := utf8.DecodeRuneInString(s[j:])
			if !unicode.IsLetter(r2) {
				break
			}
			j += n2
		}
		word := s[i:j]
		lw := strings.ToLower(word)
		if rep, ok := hedgeOf(lw); ok && prevWord != "may" && prevWord != "can" && prevWord != "might" {
			if !changed {
				out.Grow(len(s) + 16)
				changed = true
			}
			out.WriteString(s[last:i])
			if unicode.IsUpper(r) {
				rep = strings.ToUpper(rep[:1]) + rep[1:]
			}
			out.WriteString(rep)
			last = j
		}
		prevWord = lw
		i = j
	}
	if !changed {
		return s
	}
	out.WriteString(s[last:])
	return out.String()
}
