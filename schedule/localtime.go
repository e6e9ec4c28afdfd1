package schedule

import "time"

// ParseInLocation is time.ParseInLocation, except that a wall time the
// clock skips in loc (the hour a spring-forward jumps over) is the first
// instant after the gap, as Recurrence treats gaps; time.ParseInLocation
// gives a time before the wall clock asked for. A wall time that occurs
// twice (the repeated autumn hour) is its first occurrence.
func ParseInLocation(layout, value string, loc *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation(layout, value, loc)
	if err != nil || t.In(loc).Format(layout) == value {
		return t, err
	}
	// time.ParseInLocation put t on one side of the transition or the
	// other (it depends on the zone data); the transition is the nearer
	// bound of t's zone period, and the first instant after the gap.
	start, end := t.ZoneBounds()
	switch {
	case !start.IsZero() && (end.IsZero() || t.Sub(start) <= end.Sub(t)):
		return start, nil
	case !end.IsZero():
		return end, nil
	}
	return t, nil
}
