package schedule

import (
	"errors"
	"fmt"
	"time"

	"github.com/halcytone/halcytone/content"
)

// ErrInvalidPlan is wrapped by every error of Plan.
var ErrInvalidPlan = errors.New("schedule: invalid plan request")

// Period is the span of a batch plan.
type Period string

// The periods of a batch plan.
const (
	PeriodDay   Period = "day"   // the business hours of one day, weekends included
	PeriodWeek  Period = "week"  // seven days, business hours of weekdays
	PeriodMonth Period = "month" // one calendar month, business hours of weekdays
)

// MaxPlanItems bounds the items of one plan.
const MaxPlanItems = 10_000

// The business day a plan spreads its items over, in local time.
const (
	BusinessStartHour = 9
	BusinessEndHour   = 17
)

// PlanRequest asks for a publishing plan.
type PlanRequest struct {
	Period Period
	// Start is when the period starts; its local date and time in
	// TimeZone count (no slot is planned before it).
	Start time.Time
	// TimeZone is an IANA zone name; "" means UTC.
	TimeZone string
	// Channels receive the items in turn, email first whatever their
	// order here; aliases such as "web" are accepted, duplicates dropped.
	Channels []string
	// Count is the number of items; with Titles it may be 0 (then
	// len(Titles)) or must equal len(Titles).
	Count  int
	Titles []string
	// Template is the newsletter template of every slot ("" means
	// modern), unless TemplateVariety rotates modern, minimal,
	// breathscape and plain.
	Template        string
	TemplateVariety bool
}

// Slot is one planned publication: item Item (from 0) on Channel at At.
type Slot struct {
	At       time.Time        `json:"at"`
	Channel  content.Channel  `json:"channel"`
	Item     int              `json:"item"`
	Title    string           `json:"title,omitempty"`
	Template content.Template `json:"template"`
}

// BatchPlan is a plan computed before anything is enqueued.
type BatchPlan struct {
	Period Period    `json:"period"`
	Start  time.Time `json:"start"` // the period's bounds, in its time zone
	End    time.Time `json:"end"`
	Slots  []Slot    `json:"slots"` // in time order, one per item
}

// varietyTemplates is the rotation of TemplateVariety.
var varietyTemplates = []content.Template{
	content.TemplateModern, content.TemplateMinimal, content.TemplateBreathscape, content.TemplatePlain,
}

// Plan spreads the items of req evenly over the business hours
// (09:00-17:00 local; weekdays only for week and month) of the period that
// starts at req.Start: item i of n is published at the point i/n of the
// period's business time, rounded down to the minute, on the channels in
// turn, email first. The result depends only on req.
func Plan(req PlanRequest) (BatchPlan, error) {
	loc, err := loadZone(req.TimeZone)
	if err != nil {
		return BatchPlan{}, fmt.Errorf("%w: %w", ErrInvalidPlan, err)
	}
	if req.Start.IsZero() {
		return BatchPlan{}, fmt.Errorf("%w: no start time", ErrInvalidPlan)
	}
	count := req.Count
	switch {
	case len(req.Titles) > 0 && count == 0:
		count = len(req.Titles)
	case len(req.Titles) > 0 && count != len(req.Titles):
		return BatchPlan{}, fmt.Errorf("%w: count %d but %d titles", ErrInvalidPlan, count, len(req.Titles))
	}
	if count < 1 || count > MaxPlanItems {
		return BatchPlan{}, fmt.Errorf("%w: item count %d out of range 1..%d", ErrInvalidPlan, count, MaxPlanItems)
	}
	channels, err := planChannels(req.Channels)
	if err != nil {
		return BatchPlan{}, err
	}
	template := content.TemplateModern
	if req.Template != "" {
		if template, err = content.ParseTemplate(req.Template); err != nil {
			return BatchPlan{}, fmt.Errorf("%w: %w", ErrInvalidPlan, err)
		}
	}
	start := req.Start.In(loc)
	var end time.Time
	switch req.Period {
	case PeriodDay:
		end = time.Date(start.Year(), start.Month(), start.Day()+1, 0, 0, 0, 0, loc)
	case PeriodWeek:
		end = time.Date(start.Year(), start.Month(), start.Day()+7, 0, 0, 0, 0, loc)
	case PeriodMonth:
		end = time.Date(start.Year(), start.Month()+1, start.Day(), 0, 0, 0, 0, loc)
	default:
		return BatchPlan{}, fmt.Errorf("%w: unknown period %q (want day, week or month)", ErrInvalidPlan, req.Period)
	}
	windows := businessWindows(start, end, req.Period != PeriodDay)
	total := 0
	for _, w := range windows {
		total += w.minutes
	}
	if total == 0 {
		return BatchPlan{}, fmt.Errorf("%w: no business hours between %s and %s", ErrInvalidPlan,
			start.Format(time.RFC3339), end.Format(time.RFC3339))
	}
	plan := BatchPlan{Period: req.Period, Start: start, End: end, Slots: make([]Slot, count)}
	for i := range count {
		offset := i * total / count
		s := Slot{At: windowTime(windows, offset, loc), Channel: channels[i%len(channels)], Item: i, Template: template}
		if i < len(req.Titles) {
			s.Title = req.Titles[i]
		}
		if req.TemplateVariety {
			s.Template = varietyTemplates[i%len(varietyTemplates)]
		}
		plan.Slots[i] = s
	}
	return plan, nil
}

// planChannels parses and de-duplicates names, email first, the others in
// the order given.
func planChannels(names []string) ([]content.Channel, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("%w: no channels", ErrInvalidPlan)
	}
	parsed, err := content.ParseChannels(names...)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidPlan, err)
	}
	if len(parsed) == 0 {
		return nil, fmt.Errorf("%w: no channels in %q", ErrInvalidPlan, names)
	}
	out := make([]content.Channel, 0, len(parsed))
	for _, c := range parsed {
		if c == content.ChannelEmail {
			out = append([]content.Channel{c}, out...)
		} else {
			out = append(out, c)
		}
	}
	return out, nil
}

// window is a stretch of business time on one local date, from minute
// from (after midnight) for minutes minutes.
type window struct {
	y       int
	m       time.Month
	d       int
	from    int
	minutes int
}

// businessWindows lists the business hours of the local dates from start
// to end, none before start, skipping weekends when weekdaysOnly.
func businessWindows(start, end time.Time, weekdaysOnly bool) []window {
	var out []window
	loc := start.Location()
	for d := time.Date(start.Year(), start.Month(), start.Day(), 12, 0, 0, 0, loc); d.Before(end); d = d.AddDate(0, 0, 1) {
		if weekdaysOnly && (d.Weekday() == time.Saturday || d.Weekday() == time.Sunday) {
			continue
		}
		from, to := BusinessStartHour*60, BusinessEndHour*60
		if d.Year() == start.Year() && d.YearDay() == start.YearDay() {
			// Round the start up to the minute.
			sm := start.Hour()*60 + start.Minute()
			if start.Second() > 0 || start.Nanosecond() > 0 {
				sm++
			}
			from = max(from, sm)
		}
		if from < to {
			out = append(out, window{y: d.Year(), m: d.Month(), d: d.Day(), from: from, minutes: to - from})
		}
	}
	return out
}

// windowTime returns the local time offset business minutes into windows.
func windowTime(windows []window, offset int, loc *time.Location) time.Time {
	for _, w := range windows {
		if offset < w.minutes {
			m := w.from + offset
			return time.Date(w.y, w.m, w.d, m/60, m%60, 0, 0, loc)
		}
		offset -= w.minutes
	}
	w := windows[len(windows)-1] // unreachable: offset < total
	return time.Date(w.y, w.m, w.d, BusinessEndHour, 0, 0, 0, loc)
}
