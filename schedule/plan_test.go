package schedule_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/schedule"
)

// slot is a compact expectation: local "Mon 15:04", channel, template.
type slot struct{ at, channel, template string }

func TestPlan(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	monday := time.Date(2026, 3, 2, 0, 0, 0, 0, ny) // Monday 2 March 2026
	cases := []struct {
		name string
		req  schedule.PlanRequest
		want []slot
	}{
		{
			name: "day: hourly from 09:00, email first, channels rotated",
			req: schedule.PlanRequest{Period: schedule.PeriodDay, Start: monday, TimeZone: "America/New_York",
				Channels: []string{"twitter", "web", "email"}, Count: 4},
			want: []slot{
				{"Mon 09:00", "email", "modern"}, {"Mon 11:00", "twitter", "modern"},
				{"Mon 13:00", "website", "modern"}, {"Mon 15:00", "email", "modern"},
			},
		},
		{
			name: "day started mid-afternoon",
			req: schedule.PlanRequest{Period: schedule.PeriodDay, Start: monday.Add(15*time.Hour + 30*time.Second),
				TimeZone: "America/New_York", Channels: []string{"email"}, Count: 2},
			want: []slot{{"Mon 15:01", "email", "modern"}, {"Mon 16:00", "email", "modern"}},
		},
		{
			name: "week: weekdays only, template variety",
			req: schedule.PlanRequest{Period: schedule.PeriodWeek, Start: monday, TimeZone: "America/New_York",
				Channels: []string{"linkedin", "email"}, Count: 5, TemplateVariety: true},
			want: []slot{
				{"Mon 09:00", "email", "modern"}, {"Tue 09:00", "linkedin", "minimal"},
				{"Wed 09:00", "email", "breathscape"}, {"Thu 09:00", "linkedin", "plain"},
				{"Fri 09:00", "email", "modern"},
			},
		},
		{
			name: "week starting on a Saturday skips the weekend",
			req: schedule.PlanRequest{Period: schedule.PeriodWeek, Start: monday.AddDate(0, 0, 5), TimeZone: "America/New_York",
				Channels: []string{"email"}, Count: 2, Template: "minimal"},
			want: []slot{{"Mon 09:00", "email", "minimal"}, {"Wed 13:00", "email", "minimal"}},
		},
		{
			name: "week across the spring-forward Sunday keeps local hours",
			req: schedule.PlanRequest{Period: schedule.PeriodWeek, Start: time.Date(2026, 3, 6, 0, 0, 0, 0, ny), TimeZone: "America/New_York",
				Channels: []string{"email"}, Count: 2},
			want: []slot{{"Fri 09:00", "email", "modern"}, {"Tue 13:00", "email", "modern"}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := schedule.Plan(c.req)
			require.NoError(t, err)
			require.Len(t, p.Slots, len(c.want))
			for i, w := range c.want {
				s := p.Slots[i]
				assert.Equal(t, w.at, s.At.Format("Mon 15:04"), "slot %d time", i)
				assert.Equal(t, content.Channel(w.channel), s.Channel, "slot %d channel", i)
				assert.Equal(t, content.Template(w.template), s.Template, "slot %d template", i)
				assert.Equal(t, i, s.Item)
				assert.Equal(t, ny, s.At.Location())
			}
			again, err := schedule.Plan(c.req)
			require.NoError(t, err)
			assert.Equal(t, p, again, "plans are deterministic")
		})
	}
}

func TestPlanMonthSpreadsEvenly(t *testing.T) {
	p, err := schedule.Plan(schedule.PlanRequest{
		Period: schedule.PeriodMonth, Start: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC),
		Channels: []string{"email", "x", "linkedin"}, Titles: []string{"a", "b", "c", "d", "e", "f", "g", "h"},
	})
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), p.End)
	require.Len(t, p.Slots, 8)
	assert.Equal(t, "h", p.Slots[7].Title)
	for i, s := range p.Slots {
		wd := s.At.Weekday()
		assert.NotContains(t, []time.Weekday{time.Saturday, time.Sunday}, wd, "slot %d on a weekend", i)
		assert.GreaterOrEqual(t, s.At.Hour(), 9)
		assert.Less(t, s.At.Hour(), 17)
		assert.False(t, s.At.Before(p.Start))
		assert.True(t, s.At.Before(p.End))
		if i > 0 {
			assert.True(t, s.At.After(p.Slots[i-1].At), "slots in time order")
		}
	}
	assert.Equal(t, []content.Channel{"email", "twitter", "linkedin"},
		[]content.Channel{p.Slots[0].Channel, p.Slots[1].Channel, p.Slots[2].Channel})
}

func TestPlanErrors(t *testing.T) {
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	ok := schedule.PlanRequest{Period: schedule.PeriodDay, Start: start, Channels: []string{"email"}, Count: 1}
	cases := []struct {
		name string
		edit func(r *schedule.PlanRequest)
	}{
		{"unknown period", func(r *schedule.PlanRequest) { r.Period = "fortnight" }},
		{"no start", func(r *schedule.PlanRequest) { r.Start = time.Time{} }},
		{"unknown zone", func(r *schedule.PlanRequest) { r.TimeZone = "Mars/Olympus" }},
		{"no channels", func(r *schedule.PlanRequest) { r.Channels = nil }},
		{"blank channels", func(r *schedule.PlanRequest) { r.Channels = []string{" "} }},
		{"unknown channel", func(r *schedule.PlanRequest) { r.Channels = []string{"fax"} }},
		{"zero items", func(r *schedule.PlanRequest) { r.Count = 0 }},
		{"too many items", func(r *schedule.PlanRequest) { r.Count = schedule.MaxPlanItems + 1 }},
		{"count and titles disagree", func(r *schedule.PlanRequest) { r.Count = 3; r.Titles = []string{"a"} }},
		{"unknown template", func(r *schedule.PlanRequest) { r.Template = "gothic" }},
		{"day starting after hours", func(r *schedule.PlanRequest) { r.Start = start.Add(18 * time.Hour) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := ok
			c.edit(&r)
			_, err := schedule.Plan(r)
			require.ErrorIs(t, err, schedule.ErrInvalidPlan)
		})
	}
	_, err := schedule.Plan(ok)
	require.NoError(t, err)
}
