package schedule_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/robfig/cron/v3"

	"github.com/halcytone/halcytone/schedule"
)

// FuzzParseRecurrence parses a cron spec in a time zone and, when that
// succeeds, asks for the next few runs after an instant (nanoseconds since
// 1970, so 1677-2262). Errors must wrap exactly one of the package's
// sentinels, quote the input they blame and be valid UTF-8. A recurrence
// must round-trip through Spec and Location, and its runs must be
// deterministic, strictly increasing, on the spec's wall clock (or at the
// end of a daylight-saving gap), and, away from zone transitions, the
// same as robfig/cron's. The seed corpus is in
// testdata/fuzz/FuzzParseRecurrence.
func FuzzParseRecurrence(f *testing.F) {
	mar2026 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	for _, s := range []struct {
		spec, tz string
		after    int64
	}{
		{"0 10 * * TUE", "America/New_York", mar2026},
		{"30 2 * * *", "America/New_York", time.Date(2026, 3, 7, 8, 0, 0, 0, time.UTC).UnixNano()},
		{"30 1 * * *", "America/New_York", time.Date(2026, 10, 31, 7, 0, 0, 0, time.UTC).UnixNano()},
		{"0,15,30,45 2 * * *", "Europe/Berlin", time.Date(2026, 10, 24, 0, 0, 0, 0, time.UTC).UnixNano()},
		{"*/5 9-17 * * MON-FRI", "Australia/Lord_Howe", mar2026},
		{"0 9 1 * MON", "UTC", mar2026},
		{"0 0 29 2 *", "", time.Date(2097, 3, 1, 0, 0, 0, 0, time.UTC).UnixNano()},
		{"@daily", "Asia/Kolkata", mar2026},
		{"@hourly", "Pacific/Apia", time.Date(2011, 12, 29, 0, 0, 0, 0, time.UTC).UnixNano()},
		{"  @weekly\t", "Etc/GMT+5", -1},
		{"59 23 31 DEC *", "Pacific/Kiritimati", 1<<63 - 1},
		{"0 10 * * TUE", "America/Nowhere", mar2026},
		{"0 10 * * TUE", "local", mar2026},
		{"0 10 * * TUE", "../../etc/passwd", mar2026},
		{"0 0 30 2 *", "UTC", mar2026},
		{"@every 5m", "UTC", mar2026},
		{"CRON_TZ=Europe/Paris 0 10 * * *", "", mar2026},
		{"0-59/99999999999999999999 * * * *", "UTC", mar2026},
		{"1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20 * * * *", "UTC", mar2026},
		{"0 10 * * \xff", "UTC", mar2026},
		{"", "", 0},
	} {
		f.Add(s.spec, s.tz, s.after)
	}
	f.Fuzz(func(t *testing.T, spec, tz string, afterNanos int64) {
		after := time.Unix(0, afterNanos)
		r, err := schedule.ParseRecurrence(spec, tz)
		if err != nil {
			checkRecurrenceError(t, spec, tz, err)
			if r.Spec() != "" || !r.Next(after).IsZero() {
				t.Fatalf("error %v with a non-zero recurrence %q", err, r.Spec())
			}
			return
		}
		if r.Spec() != strings.TrimSpace(spec) {
			t.Fatalf("Spec() = %q for %q", r.Spec(), spec)
		}
		if want := r.Spec() + " " + r.Location().String(); r.String() != want {
			t.Fatalf("String() = %q, want %q", r.String(), want)
		}
		again, err := schedule.ParseRecurrence(r.Spec(), r.Location().String())
		if err != nil {
			t.Fatalf("%s does not parse again: %v", r, err)
		}
		if again.String() != r.String() {
			t.Fatalf("%s parses again as %s", r, again)
		}

		// Three runs, each strictly after the one before.
		runs := make([]time.Time, 0, 3)
		prev := after
		for range 3 {
			next := r.Next(prev)
			if next.IsZero() {
				t.Fatalf("%s: no run after %s", r, prev)
			}
			if !next.After(prev) {
				t.Fatalf("%s: Next(%s) = %s, not after it", r, prev, next)
			}
			if next.Location() != r.Location() {
				t.Fatalf("%s: run %s in %s", r, next, next.Location())
			}
			if next2 := r.Next(prev); !next2.Equal(next) {
				t.Fatalf("%s: Next(%s) = %s, then %s", r, prev, next, next2)
			}
			runs = append(runs, next)
			prev = next
		}
		if !again.Next(after).Equal(runs[0]) {
			t.Fatalf("%s parsed again: Next(%s) = %s, want %s", r, after, again.Next(after), runs[0])
		}
		// Any instant between after and the first run leads to it.
		for _, x := range []time.Time{after.Add(runs[0].Sub(after) / 2), runs[0].Add(-time.Nanosecond)} {
			if !x.Before(after) && !r.Next(x).Equal(runs[0]) {
				t.Fatalf("%s: Next(%s) = %s, want %s", r, x, r.Next(x), runs[0])
			}
		}

		// Each run is on the spec's wall clock, or is the first instant
		// after a daylight-saving gap.
		parsed, err := cron.ParseStandard(r.Spec())
		if err != nil {
			t.Fatalf("robfig/cron refuses %q: %v", r.Spec(), err)
		}
		s := *parsed.(*cron.SpecSchedule)
		for _, run := range runs {
			if start, _ := run.ZoneBounds(); !start.Equal(run) && !onWallClock(&s, run) {
				t.Fatalf("%s: run %s is off the spec's wall clock", r, run)
			}
		}

		// Away from zone transitions (a day's margin: Samoa skipped one),
		// robfig/cron agrees on the first run. Its Next gives up after 5
		// years.
		start, end := after.In(r.Location()).ZoneBounds()
		const margin = 26 * time.Hour
		if (start.IsZero() || after.Sub(start) > margin) && (end.IsZero() || end.Sub(runs[0]) > margin) {
			s.Location = r.Location()
			if want := s.Next(after); !want.IsZero() && !want.Equal(runs[0]) {
				t.Fatalf("%s: Next(%s) = %s, robfig/cron says %s", r, after, runs[0], want)
			}
		}
	})
}

// checkRecurrenceError fails unless err wraps exactly one of
// ParseRecurrence's sentinels, quotes the input it blames and is valid
// UTF-8.
func checkRecurrenceError(t *testing.T, spec, tz string, err error) {
	t.Helper()
	msg := err.Error()
	if !utf8.ValidString(msg) {
		t.Fatalf("error message is not UTF-8: %q", msg)
	}
	cronErr, tzErr := errors.Is(err, schedule.ErrInvalidCron), errors.Is(err, schedule.ErrUnknownTimeZone)
	switch {
	case cronErr == tzErr:
		t.Fatalf("error wraps ErrInvalidCron %v, ErrUnknownTimeZone %v: %v", cronErr, tzErr, err)
	case cronErr && !strings.Contains(msg, fmt.Sprintf("%q", spec)):
		t.Fatalf("error does not quote the spec %q: %v", spec, err)
	case tzErr && !strings.Contains(msg, fmt.Sprintf("%q", tz)):
		t.Fatalf("error does not quote the zone %q: %v", tz, err)
	}
}

// onWallClock reports whether t's wall clock, in its own location, is one
// s fires at, by cron's rules (day of month or of week when neither is
// "*", both otherwise).
func onWallClock(s *cron.SpecSchedule, t time.Time) bool {
	const star = 1 << 63
	bit := func(set uint64, n int) bool { return set&(1<<uint(n)) != 0 }
	if t.Second() != 0 || t.Nanosecond() != 0 ||
		!bit(s.Minute, t.Minute()) || !bit(s.Hour, t.Hour()) || !bit(s.Month, int(t.Month())) {
		return false
	}
	dom, dow := bit(s.Dom, t.Day()), bit(s.Dow, int(t.Weekday()))
	if s.Dom&star != 0 || s.Dow&star != 0 {
		return dom && dow
	}
	return dom || dow
}
