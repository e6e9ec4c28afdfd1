package schedule

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Errors of ParseRecurrence; the returned errors wrap them and name the
// input.
var (
	// ErrInvalidCron means the cron spec is not a valid 5-field spec.
	ErrInvalidCron = errors.New("schedule: invalid cron spec")
	// ErrUnknownTimeZone means the time zone is not an IANA zone name.
	ErrUnknownTimeZone = errors.New("schedule: unknown time zone")
)

// starBit marks a cron field written as "*" (robfig/cron's convention).
const starBit = 1 << 63

// searchDays bounds how far Next looks ahead: every valid spec fires within
// 8 years (29 February included).
const searchDays = 8 * 366

// Recurrence is a cron spec in a time zone. Its wall-clock times are
// resolved across daylight-saving changes as follows:
//
//   - A time that does not exist (spring forward, 02:30 in New York on
//     8 March 2026) runs once, at the first instant after the gap (03:00
//     local): a daily publication is shifted, never skipped.
//   - A time that exists twice (fall back, 01:30 in New York on 1 November
//     2026) runs once, at its first occurrence (daylight time).
//
// Any other time keeps its local wall clock: "0 10 * * TUE" in
// America/New_York is 10:00 New York time in winter and in summer.
// The zero Recurrence never fires.
type Recurrence struct {
	spec string
	loc  *time.Location
	s    *cron.SpecSchedule
}

// ParseRecurrence parses a 5-field cron spec (minute hour day-of-month
// month day-of-week, with names such as TUE and JAN, or a descriptor such
// as @daily) for the IANA time zone tz ("" means UTC). Specs that never
// fire (30 February) are refused.
func ParseRecurrence(spec, tz string) (Recurrence, error) {
	trimmed := strings.TrimSpace(spec)
	if strings.HasPrefix(trimmed, "TZ=") || strings.HasPrefix(trimmed, "CRON_TZ=") {
		return Recurrence{}, fmt.Errorf("%w %q: give the time zone separately, not in the spec", ErrInvalidCron, spec)
	}
	if strings.HasPrefix(trimmed, "@every") {
		return Recurrence{}, fmt.Errorf("%w %q: @every is not supported, use a 5-field spec", ErrInvalidCron, spec)
	}
	loc, err := loadZone(tz)
	if err != nil {
		return Recurrence{}, err
	}
	parsed, err := cron.ParseStandard(trimmed)
	if err != nil {
		// robfig/cron's message holds the offending field as written, which
		// may not be UTF-8.
		return Recurrence{}, fmt.Errorf("%w %q: %s", ErrInvalidCron, spec, strings.ToValidUTF8(err.Error(), "\uFFFD"))
	}
	s, ok := parsed.(*cron.SpecSchedule)
	if !ok {
		return Recurrence{}, fmt.Errorf("%w %q", ErrInvalidCron, spec)
	}
	r := Recurrence{spec: trimmed, loc: loc, s: s}
	if r.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return Recurrence{}, fmt.Errorf("%w %q: it never fires", ErrInvalidCron, spec)
	}
	return r, nil
}

// Spec returns the cron spec as parsed.
func (r Recurrence) Spec() string { return r.spec }

// Location returns the recurrence's time zone.
func (r Recurrence) Location() *time.Location {
	if r.loc == nil {
		return time.UTC
	}
	return r.loc
}

// String returns the spec and the zone, as "0 10 * * TUE America/New_York".
func (r Recurrence) String() string { return r.spec + " " + r.Location().String() }

// Next returns the first run strictly after after, in the recurrence's
// time zone, or the zero time if there is none (the zero Recurrence).
func (r Recurrence) Next(after time.Time) time.Time {
	if r.s == nil {
		return time.Time{}
	}
	local := after.In(r.loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 12, 0, 0, 0, r.loc)
	for i := 0; i < searchDays; i++ {
		d := day.AddDate(0, 0, i)
		if !r.dayMatches(d) {
			continue
		}
		h0 := 0
		if i == 0 {
			// Wall hours more than 3 h before after cannot run after it,
			// whatever the daylight-saving shift that day.
			h0 = max(0, local.Hour()-3)
		}
		for h := h0; h < 24; h++ {
			if r.s.Hour&(1<<uint(h)) == 0 {
				continue
			}
			for m := 0; m < 60; m++ {
				if r.s.Minute&(1<<uint(m)) == 0 {
					continue
				}
				if t := r.resolve(d.Year(), d.Month(), d.Day(), h, m); t.After(after) {
					return t
				}
			}
		}
	}
	return time.Time{}
}

// NextN returns the first n runs after after, in order (fewer if the
// recurrence runs out; none for n <= 0).
func (r Recurrence) NextN(after time.Time, n int) []time.Time {
	var out []time.Time
	for len(out) < n {
		t := r.Next(after)
		if t.IsZero() {
			break
		}
		out = append(out, t)
		after = t
	}
	return out
}

// dayMatches applies cron's day rule: when day-of-month or day-of-week is
// "*", both must match; otherwise either may.
func (r Recurrence) dayMatches(d time.Time) bool {
	if r.s.Month&(1<<uint(d.Month())) == 0 {
		return false
	}
	dom := r.s.Dom&(1<<uint(d.Day())) != 0
	dow := r.s.Dow&(1<<uint(d.Weekday())) != 0
	if r.s.Dom&starBit != 0 || r.s.Dow&starBit != 0 {
		return dom && dow
	}
	return dom || dow
}

// resolve turns a local wall-clock time into the instant it runs at: the
// first instant after a daylight-saving gap for a time that does not
// exist, the first occurrence for a time that exists twice.
func (r Recurrence) resolve(y int, mo time.Month, d, h, m int) time.Time {
	t := time.Date(y, mo, d, h, m, 0, 0, r.loc)
	if t.Hour() != h || t.Minute() != m {
		// In a gap: the transition is the zone bound nearest to t.
		start, end := t.ZoneBounds()
		if !start.IsZero() && t.Sub(start) < 3*time.Hour {
			return start
		}
		return end
	}
	// Twice? An earlier instant with the same wall clock exists when the
	// previous zone had a larger offset and t is within the overlap.
	start, _ := t.ZoneBounds()
	if start.IsZero() {
		return t
	}
	_, prevOff := start.Add(-time.Nanosecond).Zone()
	_, curOff := t.Zone()
	if diff := time.Duration(prevOff-curOff) * time.Second; diff > 0 && t.Sub(start) < diff {
		return t.Add(-diff)
	}
	return t
}

// loadZone loads the IANA time zone tz ("" is UTC), refusing the names
// that stand for this machine's own settings or files rather than a place
// ("Local", "localtime", "posixrules", and the "posix/" and "right/"
// copies of the database, absent from Go's embedded one): a schedule must
// mean the same on every machine that runs it.
func loadZone(tz string) (*time.Location, error) {
	lower := strings.ToLower(tz)
	if lower == "local" || lower == "localtime" || lower == "posixrules" ||
		strings.HasPrefix(lower, "posix/") || strings.HasPrefix(lower, "right/") {
		return nil, fmt.Errorf("%w %q: name a place, such as Europe/Paris", ErrUnknownTimeZone, tz)
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownTimeZone, tz)
	}
	return loc, nil
}
