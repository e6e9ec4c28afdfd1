package schedule_test

import (
	"fmt"
	"time"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/schedule"
)

func ExampleParseRecurrence() {
	r, err := schedule.ParseRecurrence("0 10 * * TUE", "America/New_York")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range r.NextN(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), 3) {
		fmt.Println(t.Format("Mon 2006-01-02 15:04 MST"))
	}
	// Output:
	// Tue 2026-03-03 10:00 EST
	// Tue 2026-03-10 10:00 EDT
	// Tue 2026-03-17 10:00 EDT
}

func ExamplePlan() {
	p, err := schedule.Plan(schedule.PlanRequest{
		Period:          schedule.PeriodDay,
		Start:           time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC),
		TimeZone:        "Europe/Berlin",
		Channels:        []string{"linkedin", "email"},
		Count:           3,
		TemplateVariety: true,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range p.Slots {
		fmt.Println(s.At.Format("15:04"), s.Channel, s.Template)
	}
	// Output:
	// 09:00 email modern
	// 11:40 linkedin minimal
	// 14:20 email breathscape
}

func ExampleDecide() {
	err := &content.Error{Class: content.RateLimited, RetryAfter: 90 * time.Second}
	d := schedule.Decide(err, 1, 0, schedule.RetryPolicy{})
	fmt.Println(d.Action, d.Delay)
	d = schedule.Decide(content.Errorf(content.OutcomeUnknown, "x: post", "timeout"), 1, 0, schedule.RetryPolicy{})
	fmt.Println(d.Action)
	// Output:
	// snooze 1m30s
	// cancel
}
