package schedule_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/schedule"
)

func TestParseInLocation(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	santiago, err := time.LoadLocation("America/Santiago")
	require.NoError(t, err)
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	for _, c := range []struct {
		layout, in string
		loc        *time.Location
		want       string
	}{
		{"2006-01-02T15:04", "2027-03-14T02:30", ny, "2027-03-14T07:00:00Z"}, // skipped: the end of the gap
		{"2006-01-02T15:04", "2027-03-14T03:30", ny, "2027-03-14T07:30:00Z"},
		{"2006-01-02T15:04", "2027-03-14T01:59", ny, "2027-03-14T06:59:00Z"},
		{"2006-01-02T15:04", "2027-11-07T01:30", ny, "2027-11-07T05:30:00Z"},    // repeated: the first
		{"2006-01-02", "2026-09-06", santiago, "2026-09-06T04:00:00Z"},          // midnight skipped: 01:00 -03
		{"2006-01-02T15:04", "2026-03-29T02:30", paris, "2026-03-29T01:00:00Z"}, // 03:00 CEST
	} {
		got, err := schedule.ParseInLocation(c.layout, c.in, c.loc)
		require.NoError(t, err, c.in)
		assert.Equal(t, c.want, got.UTC().Format(time.RFC3339), "%s in %s", c.in, c.loc)
	}
	_, err = schedule.ParseInLocation("2006-01-02T15:04", "soon", ny)
	assert.Error(t, err)
}
