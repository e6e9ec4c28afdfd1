package approval

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/halcytone/halcytone/content"
)

// ErrInvalidPolicy is wrapped by every error about a policy's content or
// file: an unknown key, a bad value, a rule naming a missing level.
var ErrInvalidPolicy = errors.New("approval: invalid policy")

// DefaultMaxChangeRounds is the number of change rounds a request may go
// through before the next one escalates it, when Policy.MaxChangeRounds is
// zero.
const DefaultMaxChangeRounds = 3

// Mode says how the stages of a level run.
type Mode string

// The stage modes.
const (
	// Sequential stages open one at a time, in order: a stage opens when
	// the one before it is approved.
	Sequential Mode = "sequential"
	// Parallel stages are all open at once.
	Parallel Mode = "parallel"
)

// Policy decides the approval level of a Subject and what each level
// requires. The zero value is invalid; start from DefaultPolicy or a file.
type Policy struct {
	// DefaultLevel applies when no rule matches.
	DefaultLevel int `json:"default_level" yaml:"default_level"`
	// MaxChangeRounds is how many change rounds a request may go through;
	// the round after that escalates it. Zero means DefaultMaxChangeRounds.
	MaxChangeRounds int `json:"max_change_rounds,omitempty" yaml:"max_change_rounds,omitempty"`
	// HealthTerms are the words that make a Rule with HealthClaims match
	// (see DefaultHealthTerms). Matching is by whole word, case-insensitive,
	// with plural and verb endings ("cures", "treated", "healing").
	HealthTerms []string `json:"health_terms,omitempty" yaml:"health_terms,omitempty"`
	// Levels describes each level, in any order; level numbers are unique.
	Levels []LevelSpec `json:"levels" yaml:"levels"`
	// Rules pick the level: the highest level among the matching rules
	// wins.
	Rules []Rule `json:"rules" yaml:"rules"`
}

// LevelSpec is what one approval level requires.
type LevelSpec struct {
	Level int    `json:"level" yaml:"level"`
	Name  string `json:"name,omitempty" yaml:"name,omitempty"`
	// Mode orders the stages; empty means Sequential.
	Mode Mode `json:"mode,omitempty" yaml:"mode,omitempty"`
	// SelfApproval lets the author decide on their own content.
	SelfApproval bool `json:"self_approval,omitempty" yaml:"self_approval,omitempty"`
	// AutoApprove approves a request when it opens if its subject passed
	// validation.
	AutoApprove bool `json:"auto_approve,omitempty" yaml:"auto_approve,omitempty"`
	// Deadline is how long reviewers have before the request escalates.
	Deadline Duration    `json:"deadline" yaml:"deadline"`
	Stages   []StageSpec `json:"stages" yaml:"stages"`
}

// StageSpec is one stage of a level: Required approvals from distinct
// reviewers holding any of Roles.
type StageSpec struct {
	Name     string   `json:"name" yaml:"name"`
	Roles    []string `json:"roles" yaml:"roles"`
	Required int      `json:"required" yaml:"required"`
}

// Rule matches subjects and names their level. Every condition that is set
// must hold; a list condition holds when any of its values does.
type Rule struct {
	Name  string `json:"name" yaml:"name"`
	Level int    `json:"level" yaml:"level"`
	// Types the subject's type is one of, in any spelling
	// content.ParseType reads ("Blog" matches a blog).
	Types []content.Type `json:"types,omitempty" yaml:"types,omitempty"`
	// MinPriority and MaxPriority bound the subject's effective priority
	// (1 urgent .. 5 archive; unset counts as 3); zero means no bound.
	MinPriority content.Priority `json:"min_priority,omitempty" yaml:"min_priority,omitempty"`
	MaxPriority content.Priority `json:"max_priority,omitempty" yaml:"max_priority,omitempty"`
	// Featured and Weekly, when set, must equal the subject's flags.
	Featured *bool `json:"featured,omitempty" yaml:"featured,omitempty"`
	Weekly   *bool `json:"weekly,omitempty" yaml:"weekly,omitempty"`
	// Urgencies the subject's urgency is one of, spelt exactly as
	// content.Urgency's constants (Validate refuses others).
	Urgencies []content.Urgency `json:"urgencies,omitempty" yaml:"urgencies,omitempty"`
	// TitleTerms are words of which the title must hold one.
	TitleTerms []string `json:"title_terms,omitempty" yaml:"title_terms,omitempty"`
	// HealthClaims requires one of the policy's HealthTerms in the title or
	// text.
	HealthClaims bool `json:"health_claims,omitempty" yaml:"health_claims,omitempty"`
}

// LevelPlan is what a policy requires of one subject.
type LevelPlan struct {
	Level        int
	Name         string
	Mode         Mode
	Stages       []StageSpec
	Deadline     time.Duration
	AutoApprove  bool
	SelfApproval bool
	// Rules names the rules that matched, in policy order; empty when the
	// default level applied.
	Rules []string
}

// Duration is a time.Duration written as a Go duration string ("48h") in
// policy files.
type Duration time.Duration

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a duration string such as "4h" or "90m".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration %s: want a string such as \"48h\"", b)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: %w", s, err)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes d as a duration string.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// healthTerms extend content.ProhibitedClaims in DefaultHealthTerms.
var healthTerms = []string{
	"diagnosis", "heal", "disease", "medical", "medically", "clinical", "clinically",
	"therapy", "therapeutic", "prescription", "prescribe", "treatment", "symptom",
	"illness", "disorder", "medication", "medicine", "doctor", "physician",
}

// DefaultHealthTerms returns the words that mark health or medical claims in
// DefaultPolicy: content.ProhibitedClaims (diagnose, cure, treat,
// guaranteed, 100% effective, miracle, instant results) followed by
// diagnosis, heal, disease, medical, medically, clinical, clinically,
// therapy, therapeutic, prescription, prescribe, treatment, symptom,
// illness, disorder, medication, medicine, doctor and physician.
func DefaultHealthTerms() []string {
	return append(content.ProhibitedClaims(), healthTerms...)
}

// DefaultPolicy returns Halcytone's policy:
//
//   - Level 1, editor self-approval, auto-approved when validation passes,
//     4 h: standard updates (and session summaries) of priority 3-5 that
//     are not featured.
//   - Level 2, editorial and marketing in parallel, 48 h: featured
//     updates, blogs, the weekly update, and anything no rule names.
//   - Level 3, editorial then management, 72 h: announcements of priority
//     1-2, and content whose title speaks of a launch or partnership.
//   - Level 4, legal and executive in parallel, 4 h: critical urgency, and
//     any content with health or medical claims (DefaultHealthTerms).
//
// The highest matching level wins. Each stage needs one approval.
func DefaultPolicy() Policy {
	yes, no := true, false
	return Policy{
		DefaultLevel:    2,
		MaxChangeRounds: DefaultMaxChangeRounds,
		HealthTerms:     DefaultHealthTerms(),
		Levels: []LevelSpec{
			{Level: 1, Name: "editor self-approval", Mode: Sequential, SelfApproval: true, AutoApprove: true,
				Deadline: Duration(4 * time.Hour),
				Stages:   []StageSpec{{Name: "editor", Roles: []string{"editor"}, Required: 1}}},
			{Level: 2, Name: "editorial and marketing", Mode: Parallel, Deadline: Duration(48 * time.Hour),
				Stages: []StageSpec{
					{Name: "editorial", Roles: []string{"editor"}, Required: 1},
					{Name: "marketing", Roles: []string{"marketing"}, Required: 1},
				}},
			{Level: 3, Name: "management", Mode: Sequential, Deadline: Duration(72 * time.Hour),
				Stages: []StageSpec{
					{Name: "editorial", Roles: []string{"editor"}, Required: 1},
					{Name: "management", Roles: []string{"manager"}, Required: 1},
				}},
			{Level: 4, Name: "executive and legal", Mode: Parallel, Deadline: Duration(4 * time.Hour),
				Stages: []StageSpec{
					{Name: "legal", Roles: []string{"legal"}, Required: 1},
					{Name: "executive", Roles: []string{"executive"}, Required: 1},
				}},
		},
		Rules: []Rule{
			{Name: "standard update", Level: 1, Types: []content.Type{content.TypeUpdate, content.TypeSession},
				MinPriority: content.PriorityNormal, MaxPriority: content.PriorityArchive, Featured: &no},
			{Name: "featured update", Level: 2, Types: []content.Type{content.TypeUpdate}, Featured: &yes},
			{Name: "blog", Level: 2, Types: []content.Type{content.TypeBlog}},
			{Name: "weekly update", Level: 2, Weekly: &yes},
			{Name: "high-priority announcement", Level: 3, Types: []content.Type{content.TypeAnnouncement},
				MinPriority: content.PriorityUrgent, MaxPriority: content.PriorityHigh},
			{Name: "launch or partnership", Level: 3, TitleTerms: []string{"launch", "partnership"}},
			{Name: "critical communication", Level: 4, Urgencies: []content.Urgency{content.UrgencyCritical}},
			{Name: "health claims", Level: 4, HealthClaims: true},
		},
	}
}

// Level returns the approval level of s: the highest level among the
// matching rules, else DefaultLevel.
func (p Policy) Level(s Subject) int {
	level, _ := p.match(s)
	return level
}

// Plan returns what p requires of s. When p names a level it does not
// describe (an invalid policy), the plan has that level and no stages.
func (p Policy) Plan(s Subject) LevelPlan {
	level, rules := p.match(s)
	plan := LevelPlan{Level: level, Rules: rules}
	spec, ok := p.spec(level)
	if !ok {
		return plan
	}
	plan.Name, plan.Mode = spec.Name, spec.mode()
	plan.Deadline = time.Duration(spec.Deadline)
	plan.AutoApprove, plan.SelfApproval = spec.AutoApprove, spec.SelfApproval
	plan.Stages = make([]StageSpec, len(spec.Stages))
	for i, st := range spec.Stages {
		plan.Stages[i] = StageSpec{Name: st.Name, Roles: slices.Clone(st.Roles), Required: st.Required}
	}
	return plan
}

func (p Policy) match(s Subject) (int, []string) {
	level, matched := 0, []string(nil)
	lower := lowered{title: strings.ToLower(s.Title), text: strings.ToLower(s.Text)}
	for i := range p.Rules {
		r := &p.Rules[i]
		if !p.matches(r, &s, &lower) {
			continue
		}
		matched = append(matched, r.Name)
		level = max(level, r.Level)
	}
	if level == 0 {
		level = p.DefaultLevel
	}
	if s.MinLevel > level {
		level = p.levelAtLeast(s.MinLevel)
		matched = append(matched, RuleMinLevel)
	}
	return level, matched
}

// RuleMinLevel is the rule name a plan lists when Subject.MinLevel, not a
// rule of the policy, set its level.
const RuleMinLevel = "minimum level requested"

// levelAtLeast returns the lowest described level not below n, or the
// highest described level when none is (n when none is described).
func (p Policy) levelAtLeast(n int) int {
	best, highest := 0, 0
	for _, l := range p.Levels {
		if l.Level >= n && (best == 0 || l.Level < best) {
			best = l.Level
		}
		highest = max(highest, l.Level)
	}
	switch {
	case best > 0:
		return best
	case highest > 0:
		return highest
	}
	return n
}

// lowered holds a subject's title and text in lower case, computed once per
// decision.
type lowered struct{ title, text string }

func (p Policy) matches(r *Rule, s *Subject, lower *lowered) bool {
	if len(r.Types) > 0 && !slices.ContainsFunc(r.Types, func(t content.Type) bool { return typeKey(t) == s.Type }) {
		return false
	}
	prio := s.Priority.Effective()
	if r.MinPriority != 0 && prio < r.MinPriority || r.MaxPriority != 0 && prio > r.MaxPriority {
		return false
	}
	if r.Featured != nil && *r.Featured != s.Featured || r.Weekly != nil && *r.Weekly != s.Weekly {
		return false
	}
	if len(r.Urgencies) > 0 && !slices.Contains(r.Urgencies, s.Urgency) {
		return false
	}
	if len(r.TitleTerms) > 0 && !containsWord(lower.title, r.TitleTerms) {
		return false
	}
	if r.HealthClaims && !containsWord(lower.title, p.HealthTerms) && !containsWord(lower.text, p.HealthTerms) {
		return false
	}
	return true
}

// typeKey returns the type content.ParseType reads t as (Validate accepts
// "Blog" or " blog " in a rule), or t itself when it reads none.
func typeKey(t content.Type) content.Type {
	if k, err := content.ParseType(string(t)); err == nil {
		return k
	}
	return t
}

// spec returns the description of level n.
func (p Policy) spec(n int) (*LevelSpec, bool) {
	for i := range p.Levels {
		if p.Levels[i].Level == n {
			return &p.Levels[i], true
		}
	}
	return nil, false
}

func (p Policy) maxChangeRounds() int {
	if p.MaxChangeRounds > 0 {
		return p.MaxChangeRounds
	}
	return DefaultMaxChangeRounds
}

func (l *LevelSpec) mode() Mode {
	if l.Mode == "" {
		return Sequential
	}
	return l.Mode
}

// Validate reports the first problem of p, wrapping ErrInvalidPolicy: level
// numbers must be positive and unique, each level needs a positive deadline
// and at least one stage, each stage a unique name, a role and a positive
// required count, every rule and the default must name a described level,
// and a rule that checks health claims needs health terms.
func (p Policy) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidPolicy, fmt.Sprintf(format, args...))
	}
	seen := map[int]bool{}
	for i, l := range p.Levels {
		switch {
		case l.Level < 1:
			return bad("levels[%d]: level %d is not positive", i, l.Level)
		case seen[l.Level]:
			return bad("levels[%d]: level %d described twice", i, l.Level)
		case l.Mode != "" && l.Mode != Sequential && l.Mode != Parallel:
			return bad("levels[%d]: mode %q (want sequential or parallel)", i, l.Mode)
		case l.Deadline <= 0:
			return bad("levels[%d]: deadline %s is not positive", i, time.Duration(l.Deadline))
		case len(l.Stages) == 0:
			return bad("levels[%d]: level %d has no stages", i, l.Level)
		}
		seen[l.Level] = true
		names := map[string]bool{}
		for j, st := range l.Stages {
			switch {
			case strings.TrimSpace(st.Name) == "":
				return bad("levels[%d].stages[%d]: empty name", i, j)
			case names[st.Name]:
				return bad("levels[%d].stages[%d]: stage %q named twice", i, j, st.Name)
			case len(st.Roles) == 0 || slices.Contains(st.Roles, ""):
				return bad("levels[%d].stages[%d]: stage %q needs non-empty roles", i, j, st.Name)
			case st.Required < 1:
				return bad("levels[%d].stages[%d]: stage %q requires %d approvals (want at least 1)", i, j, st.Name, st.Required)
			}
			names[st.Name] = true
		}
	}
	if !seen[p.DefaultLevel] {
		return bad("default_level %d is not described in levels", p.DefaultLevel)
	}
	if p.MaxChangeRounds < 0 {
		return bad("max_change_rounds %d is negative", p.MaxChangeRounds)
	}
	for i, r := range p.Rules {
		switch {
		case !seen[r.Level]:
			return bad("rules[%d] (%s): level %d is not described in levels", i, r.Name, r.Level)
		case r.MinPriority != 0 && !r.MinPriority.Valid(), r.MaxPriority != 0 && !r.MaxPriority.Valid():
			return bad("rules[%d] (%s): priorities must be within 1-5", i, r.Name)
		case r.HealthClaims && len(p.HealthTerms) == 0:
			return bad("rules[%d] (%s): health_claims needs health_terms", i, r.Name)
		}
		for _, t := range r.Types {
			if _, err := content.ParseType(string(t)); err != nil {
				return bad("rules[%d] (%s): %v", i, r.Name, err)
			}
		}
		// Content's urgencies are exact (validation refuses "High"), so a
		// rule's must be too: "Critical" would match nothing and let
		// critical announcements skip the rule's review.
		for _, u := range r.Urgencies {
			if !slices.Contains(urgencies, u) {
				return bad("rules[%d] (%s): urgency %q: want low, medium, high or critical", i, r.Name, u)
			}
		}
	}
	return nil
}

// urgencies are the values of content.Urgency.
var urgencies = []content.Urgency{content.UrgencyLow, content.UrgencyMedium, content.UrgencyHigh, content.UrgencyCritical}
