package server

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// problemLocations returns the error locations of a problem body.
func problemLocations(t *testing.T, res response) []string {
	t.Helper()
	var p struct {
		Detail string `json:"detail"`
		Errors []struct {
			Location string `json:"location"`
		} `json:"errors"`
	}
	res.JSON(t, &p)
	assert.NotEmpty(t, p.Detail)
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Location)
	}
	return out
}

func TestSchedulesCreateListGetDelete(t *testing.T) {
	ts := newTestServer(t)
	res := ts.do(t, "POST", "/api/v2/schedules", ts.Admin, map[string]any{
		"name": "weekly tips", "cron": "0 10 * * TUE", "timezone": "America/New_York", "document_id": "sample:",
		"channels": []string{"email", "web"}, "template_style": "breathscape", "approval_level": 2,
	})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	assert.NotContains(t, string(res.Body), "null")
	var sc ScheduleBody
	res.JSON(t, &sc)
	require.NotEmpty(t, sc.ID)
	assert.Equal(t, "weekly tips", sc.Name)
	assert.Equal(t, []string{"email", "web"}, sc.Channels)
	assert.Equal(t, 2, sc.ApprovalLevel)
	assert.True(t, sc.Enabled)
	assert.Nil(t, sc.LastRun)
	assert.True(t, sc.NextRun.After(time.Now()), "next_run %s is in the future", sc.NextRun)
	assert.Equal(t, time.UTC, sc.NextRun.Location(), "times are UTC")
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	local := sc.NextRun.In(ny)
	assert.Equal(t, time.Tuesday, local.Weekday())
	assert.Equal(t, 10, local.Hour())
	assert.Equal(t, 0, local.Minute())
	assert.Less(t, time.Until(sc.NextRun), 8*24*time.Hour)

	// No time zone means UTC.
	res = ts.do(t, "POST", "/api/v2/schedules", ts.Admin, map[string]any{"name": "daily", "cron": "@daily", "document_id": "sample:"})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	var daily ScheduleBody
	res.JSON(t, &daily)
	assert.Equal(t, "UTC", daily.Timezone)
	assert.Equal(t, []string{}, daily.Channels)
	assert.Equal(t, 0, daily.NextRun.Hour())

	list := ts.do(t, "GET", "/api/v2/schedules", ts.Admin, nil)
	require.Equal(t, http.StatusOK, list.Status, "%s", list.Body)
	var lb struct {
		Schedules []ScheduleBody `json:"schedules"`
		Total     int            `json:"total"`
	}
	list.JSON(t, &lb)
	assert.Equal(t, 2, lb.Total)
	require.Len(t, lb.Schedules, 2)
	assert.Equal(t, sc.ID, lb.Schedules[0].ID, "oldest first")

	got := ts.do(t, "GET", "/api/v2/schedules/"+sc.ID, ts.Admin, nil)
	require.Equal(t, http.StatusOK, got.Status, "%s", got.Body)
	var one ScheduleBody
	got.JSON(t, &one)
	assert.Equal(t, sc, one)

	del := ts.do(t, "DELETE", "/api/v2/schedules/"+sc.ID, ts.Admin, nil)
	require.Equal(t, http.StatusOK, del.Status, "%s", del.Body)
	assert.JSONEq(t, `{"deleted":true,"id":"`+sc.ID+`"}`, string(del.Body))
	for _, r := range []response{
		ts.do(t, "GET", "/api/v2/schedules/"+sc.ID, ts.Admin, nil),
		ts.do(t, "DELETE", "/api/v2/schedules/"+sc.ID, ts.Admin, nil),
	} {
		assert.Equal(t, http.StatusNotFound, r.Status, "%s", r.Body)
		assert.Equal(t, problemType, r.Header.Get("Content-Type"))
	}
	list = ts.do(t, "GET", "/api/v2/schedules", ts.Admin, nil)
	list.JSON(t, &lb)
	assert.Equal(t, 1, lb.Total)
}

func TestSchedulesInvalid(t *testing.T) {
	ts := newTestServer(t)
	valid := func() map[string]any {
		return map[string]any{"name": "tips", "cron": "0 10 * * TUE", "timezone": "America/New_York", "document_id": "sample:"}
	}
	for _, tc := range []struct {
		name  string
		field string
		value any
		loc   string
	}{
		{"bad cron", "cron", "every tuesday", "body.cron"},
		{"never fires", "cron", "0 10 30 2 *", "body.cron"},
		{"bad time zone", "timezone", "Mars/Olympus", "body.timezone"},
		{"bad channel", "channels", []string{"email", "pigeon"}, "body.channels[1]"},
		{"bad template", "template_style", "gothic", "body.template_style"},
		{"bad level", "approval_level", 7, "body.approval_level"},
		{"no document", "document_id", "", "body.document_id"},
		{"unknown field", "colour", "blue", "body.colour"},
	} {
		body := valid()
		body[tc.field] = tc.value
		res := ts.do(t, "POST", "/api/v2/schedules", ts.Admin, body)
		require.Equal(t, http.StatusUnprocessableEntity, res.Status, "%s: %s", tc.name, res.Body)
		assert.Contains(t, problemLocations(t, res), tc.loc, "%s: %s", tc.name, res.Body)
	}
	reader := ts.key(t, "reader", 0, ScopeRead)
	res := ts.do(t, "POST", "/api/v2/schedules", reader, valid())
	assert.Equal(t, http.StatusForbidden, res.Status, "%s", res.Body)
	res = ts.do(t, "GET", "/api/v2/schedules", reader, nil)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	assert.JSONEq(t, `{"schedules":[],"total":0}`, string(res.Body))
}

// TestLocalTimeInASpringForwardGap: a local schedule_time the clock skips
// (02:30 on the night New York springs forward) is the first instant after
// the gap, 03:00 EDT, as recurrences treat gaps, not an hour earlier.
func TestLocalTimeInASpringForwardGap(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	now := time.Date(2027, 1, 10, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]string{
		"2027-03-14T02:30":    "2027-03-14T07:00:00Z",
		"2027-03-14T02:00:30": "2027-03-14T07:00:00Z",
		"2027-03-14T03:30":    "2027-03-14T07:30:00Z",
		"2027-03-14T01:59":    "2027-03-14T06:59:00Z",
		"2027-11-07T01:30":    "2027-11-07T05:30:00Z", // the repeated hour: its first time
	} {
		got, err := parseScheduleTime(in, ny, now)
		require.NoError(t, err, in)
		assert.Equal(t, want, got.Format(time.RFC3339), in)
	}
	// Go's parser puts Paris's gap on the other side of the transition.
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	got, err := parseScheduleTime("2027-03-28T02:30", paris, now)
	require.NoError(t, err)
	assert.Equal(t, "2027-03-28T01:00:00Z", got.Format(time.RFC3339))
}
