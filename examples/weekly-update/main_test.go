package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/store"
	"github.com/halcytone/halcytone/store/sqlite"
)

// section returns the indented lines printed under the line that starts
// with heading, up to the next blank or unindented line.
func section(t *testing.T, out, heading string) []string {
	t.Helper()
	var lines []string
	in := false
	for line := range strings.SplitSeq(out, "\n") {
		switch {
		case strings.HasPrefix(line, heading):
			in = true
		case in && strings.HasPrefix(line, "  "):
			lines = append(lines, strings.TrimSpace(line))
		case in:
			return lines
		}
	}
	require.True(t, in, "no section %q in:\n%s", heading, out)
	return lines
}

func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	var out bytes.Buffer
	require.NoError(t, run(ctx, &out, dir))
	text := out.String()

	// The next five runs: Tuesdays at 10:00 New York time, UTC-5 until the
	// clocks go forward on 14 March 2027, UTC-4 after.
	runs := section(t, text, "Next 5 runs")
	want := []struct {
		date, abbr, offset, utc string
	}{
		{"2027-02-23", "EST", "-05:00", "15:00"},
		{"2027-03-02", "EST", "-05:00", "15:00"},
		{"2027-03-09", "EST", "-05:00", "15:00"},
		{"2027-03-16", "EDT", "-04:00", "14:00"},
		{"2027-03-23", "EDT", "-04:00", "14:00"},
	}
	require.Len(t, runs, len(want), text)
	for i, w := range want {
		prefix := "Tue " + w.date + " 10:00 " + w.abbr + "  UTC" + w.offset + "  = " + w.utc + " UTC"
		assert.True(t, strings.HasPrefix(runs[i], prefix), "run %d: got %q, want it to start with %q", i, runs[i], prefix)
	}
	assert.Contains(t, runs[3], "offset changed", "the first run after the change is marked")
	assert.NotContains(t, runs[2], "offset changed")

	// The batch plan: one slot per item of the document, email first, then
	// the other channels in turn.
	plan := section(t, text, "Batch plan")
	require.Len(t, plan, 3, text)
	assert.Contains(t, plan[0], "Tue 2027-02-23 10:00 EST  email")
	assert.Contains(t, plan[0], "Calmer progress charts")
	assert.Contains(t, plan[1], "linkedin")
	assert.Contains(t, plan[2], "website")
	assert.Less(t, strings.Index(text, "Batch plan"), strings.Index(text, "Stored schedule"), "the plan is printed before anything is stored or enqueued")

	// What the run left in the database: the schedule moved to its second
	// run, and one job for the first, awaiting the weekly update's review.
	st, err := sqlite.Open(ctx, filepath.Join(dir, "halcytone.db"))
	require.NoError(t, err)
	defer st.Close()
	schedules, err := st.ListSchedules(ctx)
	require.NoError(t, err)
	require.Len(t, schedules, 1)
	s := schedules[0]
	assert.Equal(t, "0 10 * * TUE", s.Cron)
	assert.Equal(t, "America/New_York", s.Timezone)
	assert.True(t, s.LastRun.Equal(time.Date(2027, 2, 23, 15, 0, 0, 0, time.UTC)), "last run %s", s.LastRun)
	assert.True(t, s.NextRun.Equal(time.Date(2027, 3, 2, 15, 0, 0, 0, time.UTC)), "next run %s", s.NextRun)

	page, err := st.ListJobs(ctx, store.JobFilter{})
	require.NoError(t, err)
	require.Len(t, page.Jobs, 1, "the second RunSchedules started nothing")
	j := page.Jobs[0]
	assert.Equal(t, "file:weekly.md", j.DocumentID)
	assert.Equal(t, []string{"email", "web", "linkedin"}, j.Channels)
	assert.Equal(t, store.JobAwaitingApproval, j.Status)
	assert.Equal(t, s.ID, j.Metadata["schedule_id"])
	assert.Equal(t, "2027-02-23T15:00:00Z", j.Metadata["scheduled_run"])
	require.NotNil(t, j.Approval)
	assert.Equal(t, 2, j.Approval.Level, "the weekly update is reviewed by editorial and marketing")
	assert.Contains(t, text, "RunSchedules started 1 job(s)")
	assert.Contains(t, text, "RunSchedules again at the same time started 0 job(s)")
}
