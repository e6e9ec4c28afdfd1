package schedule_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/schedule"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

func TestParseRecurrenceErrors(t *testing.T) {
	cases := []struct {
		spec, tz string
		want     error
	}{
		{"0 10 * * TUE", "America/Nowhere", schedule.ErrUnknownTimeZone},
		{"0 10 * * TUE", "Local", schedule.ErrUnknownTimeZone},
		// This machine's settings and files, not places (Debian loads them).
		{"0 10 * * TUE", "localtime", schedule.ErrUnknownTimeZone},
		{"0 10 * * TUE", "posixrules", schedule.ErrUnknownTimeZone},
		{"0 10 * * TUE", "posix/Europe/Paris", schedule.ErrUnknownTimeZone},
		{"0 10 * * TUE", "right/UTC", schedule.ErrUnknownTimeZone},
		{"0 10 * *", "UTC", schedule.ErrInvalidCron},
		{"0 10 * * * *", "UTC", schedule.ErrInvalidCron},
		{"61 10 * * *", "UTC", schedule.ErrInvalidCron},
		{"0 10 * * FUNDAY", "UTC", schedule.ErrInvalidCron},
		{"", "UTC", schedule.ErrInvalidCron},
		{"@every 5m", "UTC", schedule.ErrInvalidCron},
		{"CRON_TZ=UTC 0 10 * * *", "UTC", schedule.ErrInvalidCron},
		{"0 0 30 2 *", "UTC", schedule.ErrInvalidCron}, // never fires
	}
	for _, c := range cases {
		t.Run(c.spec+"@"+c.tz, func(t *testing.T) {
			_, err := schedule.ParseRecurrence(c.spec, c.tz)
			require.ErrorIs(t, err, c.want)
			assert.Contains(t, err.Error(), "\"", "the error quotes the input")
		})
	}
}

func TestRecurrenceNext(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	berlin := mustLoc(t, "Europe/Berlin")
	cases := []struct {
		name, spec, tz string
		after          time.Time
		want           []time.Time // local wall times expected, in order
	}{
		{
			name: "every tuesday 10:00 New York across spring forward",
			spec: "0 10 * * TUE", tz: "America/New_York",
			after: time.Date(2026, 3, 1, 0, 0, 0, 0, ny),
			want: []time.Time{
				time.Date(2026, 3, 3, 10, 0, 0, 0, ny), time.Date(2026, 3, 10, 10, 0, 0, 0, ny),
				time.Date(2026, 3, 17, 10, 0, 0, 0, ny),
			},
		},
		{
			name: "every tuesday 10:00 New York across fall back",
			spec: "0 10 * * TUE", tz: "America/New_York",
			after: time.Date(2026, 10, 25, 0, 0, 0, 0, ny),
			want: []time.Time{
				time.Date(2026, 10, 27, 10, 0, 0, 0, ny), time.Date(2026, 11, 3, 10, 0, 0, 0, ny),
				time.Date(2026, 11, 10, 10, 0, 0, 0, ny),
			},
		},
		{
			name: "daily 02:30 New York: spring forward shifts to 03:00",
			spec: "30 2 * * *", tz: "America/New_York",
			after: time.Date(2026, 3, 7, 3, 0, 0, 0, ny),
			want:  []time.Time{time.Date(2026, 3, 8, 3, 0, 0, 0, ny), time.Date(2026, 3, 9, 2, 30, 0, 0, ny)},
		},
		{
			name: "daily 02:30 New York: fall back runs once",
			spec: "30 2 * * *", tz: "America/New_York",
			after: time.Date(2026, 10, 31, 3, 0, 0, 0, ny),
			want:  []time.Time{time.Date(2026, 11, 1, 2, 30, 0, 0, ny), time.Date(2026, 11, 2, 2, 30, 0, 0, ny)},
		},
		{
			name: "daily 01:30 New York: repeated hour runs once, in daylight time",
			spec: "30 1 * * *", tz: "America/New_York",
			after: time.Date(2026, 10, 31, 3, 0, 0, 0, ny),
			want: []time.Time{
				time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC).In(ny), // 01:30 EDT
				time.Date(2026, 11, 2, 1, 30, 0, 0, ny),
			},
		},
		{
			name: "daily 02:30 Berlin: spring forward shifts to 03:00",
			spec: "30 2 * * *", tz: "Europe/Berlin",
			after: time.Date(2026, 3, 28, 3, 0, 0, 0, berlin),
			want:  []time.Time{time.Date(2026, 3, 29, 3, 0, 0, 0, berlin), time.Date(2026, 3, 30, 2, 30, 0, 0, berlin)},
		},
		{
			name: "daily 02:30 Berlin: fall back runs once, in summer time",
			spec: "30 2 * * *", tz: "Europe/Berlin",
			after: time.Date(2026, 10, 24, 3, 0, 0, 0, berlin),
			want: []time.Time{
				time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC).In(berlin), // 02:30 CEST
				time.Date(2026, 10, 26, 2, 30, 0, 0, berlin),
			},
		},
		{
			name: "every tuesday 10:00 Berlin across both changes",
			spec: "0 10 * * 2", tz: "Europe/Berlin",
			after: time.Date(2026, 3, 23, 0, 0, 0, 0, berlin),
			want:  []time.Time{time.Date(2026, 3, 24, 10, 0, 0, 0, berlin), time.Date(2026, 3, 31, 10, 0, 0, 0, berlin)},
		},
		{
			name: "gap minutes collapse into one run",
			spec: "0,15,30,45 2 * * *", tz: "America/New_York",
			after: time.Date(2026, 3, 8, 0, 0, 0, 0, ny),
			want:  []time.Time{time.Date(2026, 3, 8, 3, 0, 0, 0, ny), time.Date(2026, 3, 9, 2, 0, 0, 0, ny)},
		},
		{
			name: "day of month or day of week",
			spec: "0 9 1 * MON", tz: "UTC",
			after: time.Date(2026, 5, 29, 0, 0, 0, 0, time.UTC), // a Friday
			want: []time.Time{
				time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC), // the 1st, a Monday
				time.Date(2026, 6, 8, 9, 0, 0, 0, time.UTC),
			},
		},
		{
			name: "leap day", spec: "0 0 29 2 *", tz: "UTC",
			after: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
			want:  []time.Time{time.Date(2028, 2, 29, 0, 0, 0, 0, time.UTC), time.Date(2032, 2, 29, 0, 0, 0, 0, time.UTC)},
		},
		{
			name: "descriptor", spec: "@weekly", tz: "",
			after: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
			want:  []time.Time{time.Date(2026, 1, 4, 0, 0, 0, 0, time.UTC)},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := schedule.ParseRecurrence(c.spec, c.tz)
			require.NoError(t, err)
			got := r.NextN(c.after, len(c.want))
			require.Len(t, got, len(c.want))
			for i := range c.want {
				assert.True(t, c.want[i].Equal(got[i]), "run %d: want %s, got %s", i, c.want[i], got[i])
				assert.Equal(t, r.Location(), got[i].Location())
			}
			// Next from just before each run returns that run.
			for i := range c.want {
				assert.True(t, r.Next(c.want[i].Add(-time.Second)).Equal(c.want[i]))
			}
		})
	}
}

// TestRecurrenceOncePerDay counts the runs of a daily job on each 2026
// transition day: exactly one, never none or two.
func TestRecurrenceOncePerDay(t *testing.T) {
	cases := []struct {
		tz      string
		y, m, d int
		specs   []string
	}{
		{"America/New_York", 2026, 3, 8, []string{"30 2 * * *", "30 1 * * *", "0 3 * * *"}},
		{"America/New_York", 2026, 11, 1, []string{"30 2 * * *", "30 1 * * *", "0 1 * * *"}},
		{"Europe/Berlin", 2026, 3, 29, []string{"30 2 * * *", "0 2 * * *", "0 3 * * *"}},
		{"Europe/Berlin", 2026, 10, 25, []string{"30 2 * * *", "0 2 * * *", "59 2 * * *"}},
	}
	for _, c := range cases {
		loc := mustLoc(t, c.tz)
		dayStart := time.Date(c.y, time.Month(c.m), c.d, 0, 0, 0, 0, loc)
		dayEnd := time.Date(c.y, time.Month(c.m), c.d+1, 0, 0, 0, 0, loc)
		for _, spec := range c.specs {
			t.Run(c.tz+" "+dayStart.Format("2006-01-02")+" "+spec, func(t *testing.T) {
				r, err := schedule.ParseRecurrence(spec, c.tz)
				require.NoError(t, err)
				n := 0
				for _, run := range r.NextN(dayStart.Add(-time.Nanosecond), 5) {
					if run.Before(dayEnd) {
						n++
					}
				}
				assert.Equal(t, 1, n)
			})
		}
	}
}

func TestRecurrenceZeroAndAccessors(t *testing.T) {
	var zero schedule.Recurrence
	assert.True(t, zero.Next(time.Now()).IsZero())
	assert.Empty(t, zero.NextN(time.Now(), 3))
	r, err := schedule.ParseRecurrence(" 0 10 * * TUE ", "America/New_York")
	require.NoError(t, err)
	assert.Equal(t, "0 10 * * TUE", r.Spec())
	assert.Equal(t, "0 10 * * TUE America/New_York", r.String())
	assert.Empty(t, r.NextN(time.Now(), 0))
}

func BenchmarkRecurrenceNext(b *testing.B) {
	r, err := schedule.ParseRecurrence("*/5 9-17 * * MON-FRI", "America/New_York")
	require.NoError(b, err)
	t := time.Date(2026, 3, 7, 18, 0, 0, 0, time.UTC)
	for b.Loop() {
		_ = r.Next(t)
	}
}
