package approval_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/approval"
	"github.com/halcytone/halcytone/content"
)

func TestDefaultPolicyLevel(t *testing.T) {
	p := approval.DefaultPolicy()
	require.NoError(t, p.Validate())
	up := func(prio content.Priority) approval.Subject {
		return approval.Subject{Type: content.TypeUpdate, Priority: prio, Title: "App update", Text: "Faster sync."}
	}
	with := func(s approval.Subject, f func(*approval.Subject)) approval.Subject { f(&s); return s }
	tests := []struct {
		name  string
		s     approval.Subject
		level int
		rules []string
	}{
		{"update priority 3", up(3), 1, []string{"standard update"}},
		{"update priority 4", up(4), 1, []string{"standard update"}},
		{"update priority 5", up(5), 1, []string{"standard update"}},
		{"update priority unset counts as 3", up(0), 1, []string{"standard update"}},
		{"update priority 2 is not standard", up(2), 2, nil},
		{"update priority 1 is not standard", up(1), 2, nil},
		{"session priority 3", with(up(3), func(s *approval.Subject) { s.Type = content.TypeSession }), 1, []string{"standard update"}},
		{"featured update", with(up(4), func(s *approval.Subject) { s.Featured = true }), 2, []string{"featured update"}},
		{"featured session falls to the default", with(up(4), func(s *approval.Subject) { s.Type, s.Featured = content.TypeSession, true }), 2, nil},
		{"blog", with(up(3), func(s *approval.Subject) { s.Type = content.TypeBlog }), 2, []string{"blog"}},
		{"blog priority 5", with(up(5), func(s *approval.Subject) { s.Type = content.TypeBlog }), 2, []string{"blog"}},
		{"weekly update", with(up(3), func(s *approval.Subject) { s.Weekly = true }), 2, []string{"standard update", "weekly update"}},
		{"announcement priority 1", with(up(1), func(s *approval.Subject) { s.Type = content.TypeAnnouncement }), 3, []string{"high-priority announcement"}},
		{"announcement priority 2", with(up(2), func(s *approval.Subject) { s.Type = content.TypeAnnouncement }), 3, []string{"high-priority announcement"}},
		{"announcement priority 3", with(up(3), func(s *approval.Subject) { s.Type = content.TypeAnnouncement }), 2, nil},
		{"launch in the title", with(up(3), func(s *approval.Subject) { s.Title = "Launching the new sensor" }), 3, []string{"standard update", "launch or partnership"}},
		{"launches in the title", with(up(4), func(s *approval.Subject) { s.Title = "Breathscape launches today" }), 3, []string{"standard update", "launch or partnership"}},
		{"partnership in the title", with(up(3), func(s *approval.Subject) { s.Title = "A partnership with Calm Co" }), 3, []string{"standard update", "launch or partnership"}},
		{"launch in the body only", with(up(3), func(s *approval.Subject) { s.Text = "since our launch" }), 1, []string{"standard update"}},
		{"relaunchable is not launch", with(up(3), func(s *approval.Subject) { s.Title = "Relaunchable widgets" }), 1, []string{"standard update"}},
		{"critical announcement", with(up(3), func(s *approval.Subject) {
			s.Type, s.Urgency = content.TypeAnnouncement, content.UrgencyCritical
		}), 4, []string{"critical communication"}},
		{"high urgency is not critical", with(up(3), func(s *approval.Subject) {
			s.Type, s.Urgency = content.TypeAnnouncement, content.UrgencyHigh
		}), 2, nil},
		{"medical claim in the text", with(up(3), func(s *approval.Subject) { s.Text = "Clinically proven calm." }), 4, []string{"standard update", "health claims"}},
		{"cure inflected", with(up(3), func(s *approval.Subject) { s.Text = "Breathing cures stress" }), 4, []string{"standard update", "health claims"}},
		{"diagnosing", with(up(3), func(s *approval.Subject) { s.Text = "We are not diagnosing anyone" }), 4, []string{"standard update", "health claims"}},
		{"claim in the title", with(up(3), func(s *approval.Subject) { s.Title = "THERAPY at home" }), 4, []string{"standard update", "health claims"}},
		{"prohibited absolute claim", with(up(3), func(s *approval.Subject) { s.Text = "100% effective, every time" }), 4, []string{"standard update", "health claims"}},
		{"health is not heal", with(up(3), func(s *approval.Subject) { s.Text = "Health and wellbeing" }), 1, []string{"standard update"}},
		{"retreat is not treat", with(up(3), func(s *approval.Subject) { s.Text = "Our spring retreat; a secure app" }), 1, []string{"standard update"}},
		{"health claim beats a blog", with(up(3), func(s *approval.Subject) { s.Type, s.Text = content.TypeBlog, "heals anxiety" }), 4, []string{"blog", "health claims"}},
		{"unknown type falls to the default", approval.Subject{Title: "x"}, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.level, p.Level(tt.s))
			plan := p.Plan(tt.s)
			assert.Equal(t, tt.level, plan.Level)
			assert.Equal(t, tt.rules, plan.Rules)
		})
	}
}

func TestDefaultPolicyPlans(t *testing.T) {
	p := approval.DefaultPolicy()
	tests := []struct {
		s            approval.Subject
		mode         approval.Mode
		deadline     time.Duration
		stages       []string
		auto, selfOK bool
	}{
		{approval.Subject{Type: content.TypeUpdate, Priority: 3}, approval.Sequential, 4 * time.Hour, []string{"editor"}, true, true},
		{approval.Subject{Type: content.TypeBlog}, approval.Parallel, 48 * time.Hour, []string{"editorial", "marketing"}, false, false},
		{approval.Subject{Type: content.TypeAnnouncement, Priority: 1}, approval.Sequential, 72 * time.Hour, []string{"editorial", "management"}, false, false},
		{approval.Subject{Type: content.TypeUpdate, Text: "medical"}, approval.Parallel, 4 * time.Hour, []string{"legal", "executive"}, false, false},
	}
	for _, tt := range tests {
		plan := p.Plan(tt.s)
		t.Run(plan.Name, func(t *testing.T) {
			assert.Equal(t, tt.mode, plan.Mode)
			assert.Equal(t, tt.deadline, plan.Deadline)
			var names []string
			for _, st := range plan.Stages {
				names = append(names, st.Name)
				assert.Equal(t, 1, st.Required)
				assert.NotEmpty(t, st.Roles)
			}
			assert.Equal(t, tt.stages, names)
			assert.Equal(t, tt.auto, plan.AutoApprove)
			assert.Equal(t, tt.selfOK, plan.SelfApproval)
		})
	}

	// The plan is a copy: changing it leaves the policy alone.
	plan := p.Plan(approval.Subject{Type: content.TypeBlog})
	plan.Stages[0].Roles[0] = "intern"
	assert.Equal(t, "editor", p.Plan(approval.Subject{Type: content.TypeBlog}).Stages[0].Roles[0])
}

func TestDefaultHealthTerms(t *testing.T) {
	terms := approval.DefaultHealthTerms()
	assert.Subset(t, terms, content.ProhibitedClaims())
	assert.Subset(t, terms, []string{"diagnose", "cure", "treat", "heal", "disease", "medical", "clinical", "therapy", "prescription"})
}

func TestPolicyValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*approval.Policy)
		want   string
	}{
		{"no levels", func(p *approval.Policy) { p.Levels = nil }, "default_level 2 is not described"},
		{"duplicate level", func(p *approval.Policy) { p.Levels[1].Level = 1 }, "level 1 described twice"},
		{"zero level", func(p *approval.Policy) { p.Levels[0].Level = 0 }, "level 0 is not positive"},
		{"bad mode", func(p *approval.Policy) { p.Levels[0].Mode = "random" }, `mode "random"`},
		{"no deadline", func(p *approval.Policy) { p.Levels[2].Deadline = 0 }, "levels[2]: deadline 0s"},
		{"no stages", func(p *approval.Policy) { p.Levels[0].Stages = nil }, "has no stages"},
		{"no roles", func(p *approval.Policy) { p.Levels[0].Stages[0].Roles = nil }, "needs non-empty roles"},
		{"zero required", func(p *approval.Policy) { p.Levels[1].Stages[1].Required = 0 }, "requires 0 approvals"},
		{"duplicate stage", func(p *approval.Policy) { p.Levels[1].Stages[1].Name = "editorial" }, `stage "editorial" named twice`},
		{"rule to a missing level", func(p *approval.Policy) { p.Rules[2].Level = 9 }, "rules[2] (blog): level 9"},
		{"bad priority", func(p *approval.Policy) { p.Rules[0].MaxPriority = 6 }, "priorities must be within 1-5"},
		{"bad type", func(p *approval.Policy) { p.Rules[0].Types = []content.Type{"memo"} }, `content type "memo"`},
		{"health rule without terms", func(p *approval.Policy) { p.HealthTerms = nil }, "health_claims needs health_terms"},
		{"negative change rounds", func(p *approval.Policy) { p.MaxChangeRounds = -1 }, "max_change_rounds -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := approval.DefaultPolicy()
			tt.change(&p)
			err := p.Validate()
			require.ErrorIs(t, err, approval.ErrInvalidPolicy)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	var zero approval.Policy
	assert.ErrorIs(t, zero.Validate(), approval.ErrInvalidPolicy)
}

func TestPlanOfUndescribedLevel(t *testing.T) {
	p := approval.Policy{DefaultLevel: 7}
	plan := p.Plan(approval.Subject{})
	assert.Equal(t, 7, plan.Level)
	assert.Empty(t, plan.Stages)
}

func TestPlanMinLevel(t *testing.T) {
	p := approval.DefaultPolicy()
	update := approval.Subject{Type: content.TypeUpdate, Priority: 3, Title: "App update", Text: "Faster sync."}

	plan := p.Plan(update)
	require.Equal(t, 1, plan.Level)
	update.MinLevel = 3
	plan = p.Plan(update)
	assert.Equal(t, 3, plan.Level, "raised to the level asked for")
	assert.Equal(t, []string{"standard update", approval.RuleMinLevel}, plan.Rules)
	assert.NotEmpty(t, plan.Stages)
	assert.False(t, plan.AutoApprove, "level 3 is not auto-approved")

	claim := update
	claim.Text, claim.MinLevel = "Clinically proven calm.", 2
	assert.Equal(t, 4, p.Plan(claim).Level, "the policy's level wins when higher")
	assert.NotContains(t, p.Plan(claim).Rules, approval.RuleMinLevel)

	// A level the policy does not describe: the next described one, or its highest.
	sparse := approval.DefaultPolicy()
	sparse.Levels = slices.DeleteFunc(sparse.Levels, func(l approval.LevelSpec) bool { return l.Level == 3 })
	update.MinLevel = 3
	assert.Equal(t, 4, sparse.Plan(update).Level)
	update.MinLevel = 9
	plan = sparse.Plan(update)
	assert.Equal(t, 4, plan.Level)
	assert.NotEmpty(t, plan.Stages, "never a level without stages")
}

// TestRuleTypeSpelling: Validate accepts a rule type in any spelling
// content.ParseType reads, so matching must too; "Blog" once passed
// validation and then matched no blog.
func TestRuleTypeSpelling(t *testing.T) {
	p := approval.DefaultPolicy()
	p.Rules = []approval.Rule{{Name: "blogs", Level: 3, Types: []content.Type{"Blog", " ANNOUNCEMENT "}}}
	require.NoError(t, p.Validate())
	assert.Equal(t, 3, p.Level(approval.Subject{Type: content.TypeBlog}))
	assert.Equal(t, 3, p.Level(approval.Subject{Type: content.TypeAnnouncement}))
	assert.Equal(t, p.DefaultLevel, p.Level(approval.Subject{Type: content.TypeUpdate}))
}

// TestRuleUrgencySpelling: a rule's urgencies are content's, exactly; a
// misspelt one is refused rather than matching nothing.
func TestRuleUrgencySpelling(t *testing.T) {
	for _, u := range []content.Urgency{"Critical", " critical", "urgent", ""} {
		p := approval.DefaultPolicy()
		p.Rules = append(p.Rules, approval.Rule{Name: "loud", Level: 4, Urgencies: []content.Urgency{u}})
		err := p.Validate()
		require.ErrorIs(t, err, approval.ErrInvalidPolicy, "%q", u)
		assert.Contains(t, err.Error(), fmt.Sprintf("urgency %q", u))
	}
	_, err := approval.ParsePolicy([]byte("default_level: 2\nlevels: [{level: 2, name: x, mode: parallel, deadline: 1h, stages: [{name: e, roles: [editor], required: 1}]}]\nrules: [{name: r, level: 2, urgencies: [Critical]}]\n"), "yaml")
	require.ErrorIs(t, err, approval.ErrInvalidPolicy)
	p := approval.DefaultPolicy()
	require.NoError(t, p.Validate())
	assert.Equal(t, 4, p.Level(approval.Subject{Type: content.TypeAnnouncement, Urgency: content.UrgencyCritical}))
}
