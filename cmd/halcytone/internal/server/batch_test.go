package server

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/store"
)

// updateDoc is a living document whose only item is a standard update:
// the default policy approves it at once (level 1).
const updateDoc = "# News\n\n## [Updates] Updates\n\n### Firmware 1.4 is out\n\n" +
	"The new firmware makes pairing faster and adds a gentle vibration cue for the exhale.\n"

func batchBody(t *testing.T, res response) BatchBody {
	t.Helper()
	var b BatchBody
	res.JSON(t, &b)
	return b
}

func TestBatchRequests(t *testing.T) {
	ts := newTestServer(t)
	ts.Source.AddText("mem:update", updateDoc, content.FormatMarkdown)
	res := ts.do(t, "POST", "/api/v2/batch/generate", ts.Admin, map[string]any{
		"requests": []map[string]any{
			{"document_id": "mem:update", "channels": []string{"email"}, "metadata": map[string]any{"campaign": "spring"}, "priority": "high"},
			{"document_id": "mem:update", "channels": []string{"web"}, "template_style": "gothic"},
			{"document_id": "mem:update", "channels": []string{"twitter"}},
		},
		"parallel": false, "fail_fast": false, "dashboard_only_field": 1,
	})
	require.Equal(t, http.StatusAccepted, res.Status, "%s", res.Body)
	assert.NotContains(t, string(res.Body), "null")
	b := batchBody(t, res)
	require.NotEmpty(t, b.BatchID)
	assert.Equal(t, 3, b.Total)
	assert.Equal(t, 2, b.Successful)
	assert.Equal(t, 1, b.Failed)
	assert.Zero(t, b.Skipped)
	assert.Nil(t, b.SchedulingPlan)
	require.Len(t, b.Jobs, 2)
	assert.Equal(t, []string{"email"}, b.Jobs[0].Channels, "jobs keep the requests' order")
	assert.Equal(t, []string{"twitter"}, b.Jobs[1].Channels)
	assert.Equal(t, b.BatchID, b.Jobs[0].Metadata["batch_id"])
	assert.Equal(t, "spring", b.Jobs[0].Metadata["campaign"])
	require.Len(t, b.Errors, 1)
	assert.Equal(t, 1, b.Errors[0].Index)
	assert.Equal(t, http.StatusUnprocessableEntity, b.Errors[0].Status)
	require.NotEmpty(t, b.Errors[0].Errors)
	assert.Equal(t, "body.requests[1].template_style", b.Errors[0].Errors[0].Location)

	ts.waitIdle(t)
	got := ts.do(t, "GET", "/api/v2/batch/"+b.BatchID, ts.Admin, nil)
	require.Equal(t, http.StatusOK, got.Status, "%s", got.Body)
	now := batchBody(t, got)
	assert.Equal(t, b.BatchID, now.BatchID)
	assert.Equal(t, 3, now.Total)
	assert.Equal(t, 2, now.Successful)
	require.Len(t, now.Jobs, 2)
	for i, j := range now.Jobs {
		assert.Equal(t, b.Jobs[i].JobID, j.JobID)
		assert.Equal(t, "completed", string(j.Status), "the jobs' current state")
	}
	assert.Len(t, ts.Pubs[content.ChannelEmail].Published(), 1)
	assert.Len(t, ts.Pubs[content.ChannelTwitter].Published(), 1)

	missing := ts.do(t, "GET", "/api/v2/batch/bat_missing", ts.Admin, nil)
	assert.Equal(t, http.StatusNotFound, missing.Status, "%s", missing.Body)
	assert.Equal(t, problemType, missing.Header.Get("Content-Type"))
}

func TestBatchFailFastAndParallel(t *testing.T) {
	ts := newTestServer(t)
	ts.Source.AddText("mem:update", updateDoc, content.FormatMarkdown)
	good := map[string]any{"document_id": "mem:update", "channels": []string{"email"}}
	bad := map[string]any{"document_id": "nowhere:doc"}

	res := ts.do(t, "POST", "/api/v2/batch/generate", ts.Admin, map[string]any{
		"requests": []map[string]any{bad, good, good}, "fail_fast": true,
	})
	require.Equal(t, http.StatusOK, res.Status, "no job was created: %s", res.Body)
	b := batchBody(t, res)
	assert.Equal(t, 3, b.Total)
	assert.Equal(t, 0, b.Successful)
	assert.Equal(t, 1, b.Failed)
	assert.Equal(t, 2, b.Skipped)
	assert.Equal(t, []SyncJob{}, b.Jobs)

	// Without fail_fast every item runs.
	res = ts.do(t, "POST", "/api/v2/batch/generate", ts.Admin, map[string]any{"requests": []map[string]any{bad, good, good}})
	require.Equal(t, http.StatusAccepted, res.Status, "%s", res.Body)
	b = batchBody(t, res)
	assert.Equal(t, 2, b.Successful)
	assert.Equal(t, 1, b.Failed)
	assert.Zero(t, b.Skipped)

	// Parallel: every item runs, and the jobs keep the requests' order.
	var reqs []map[string]any
	for i := range 12 {
		reqs = append(reqs, map[string]any{"document_id": "mem:update", "channels": []string{"email"}, "metadata": map[string]any{"n": i}})
	}
	res = ts.do(t, "POST", "/api/v2/batch/generate", ts.Admin, map[string]any{"requests": reqs, "parallel": true})
	require.Equal(t, http.StatusAccepted, res.Status, "%s", res.Body)
	b = batchBody(t, res)
	assert.Equal(t, 12, b.Successful)
	require.Len(t, b.Jobs, 12)
	seen := map[string]bool{}
	for i, j := range b.Jobs {
		assert.EqualValues(t, i, j.Metadata["n"])
		assert.EqualValues(t, i, j.Metadata["batch_index"])
		seen[j.JobID] = true
	}
	assert.Len(t, seen, 12)

	// Parallel with fail_fast: how many items started before the failure
	// depends on timing (TestRunBatch checks the rule itself).
	res = ts.do(t, "POST", "/api/v2/batch/generate", ts.Admin, map[string]any{
		"requests": append([]map[string]any{bad}, reqs...), "parallel": true, "fail_fast": true,
	})
	require.Contains(t, []int{http.StatusOK, http.StatusAccepted}, res.Status, "%s", res.Body)
	b = batchBody(t, res)
	assert.Equal(t, 13, b.Total)
	assert.Equal(t, 1, b.Failed)
	assert.Equal(t, 13, b.Successful+b.Failed+b.Skipped)
	ts.waitIdle(t)
}

func TestRunBatch(t *testing.T) {
	ctx := context.Background()
	fail := &BatchItemError{Detail: "no"}

	// One at a time, fail_fast: nothing starts after the failure.
	var ran []int
	items := runBatch(ctx, 5, 1, true, func(_ context.Context, i int) batchItem {
		ran = append(ran, i)
		if i == 2 {
			return batchItem{err: fail}
		}
		return batchItem{job: &store.Job{ID: fmt.Sprint(i)}}
	})
	assert.Equal(t, []int{0, 1, 2}, ran)
	assert.NotNil(t, items[1].job)
	assert.Equal(t, fail, items[2].err)
	assert.Equal(t, batchItem{}, items[3], "skipped")
	assert.Equal(t, batchItem{}, items[4], "skipped")

	// Without fail_fast every item runs.
	var n atomic.Int32
	items = runBatch(ctx, 5, 1, false, func(_ context.Context, i int) batchItem {
		n.Add(1)
		return batchItem{err: fail}
	})
	assert.EqualValues(t, 5, n.Load())
	assert.Equal(t, fail, items[4].err)

	// In parallel, four items run at once and never more: the first four
	// wait until all four have started.
	var active, most atomic.Int32
	all := make(chan struct{})
	var once sync.Once
	items = runBatch(ctx, 10, batchParallelism, false, func(_ context.Context, i int) batchItem {
		now := active.Add(1)
		defer active.Add(-1)
		for {
			m := most.Load()
			if now <= m || most.CompareAndSwap(m, now) {
				break
			}
		}
		if now == batchParallelism {
			once.Do(func() { close(all) })
		}
		select {
		case <-all:
		case <-time.After(30 * time.Second):
			t.Errorf("item %d: four items never ran at once", i)
		}
		return batchItem{job: &store.Job{ID: fmt.Sprint(i)}}
	})
	assert.EqualValues(t, batchParallelism, most.Load())
	for i, it := range items {
		require.NotNil(t, it.job, "item %d", i)
		assert.Equal(t, fmt.Sprint(i), it.job.ID, "results keep the items' order")
	}
}

func TestBatchLimitsAndForms(t *testing.T) {
	ts := newTestServer(t)
	var reqs []map[string]any
	for range MaxBatchItems + 1 {
		reqs = append(reqs, map[string]any{"document_id": "sample:"})
	}
	res := ts.do(t, "POST", "/api/v2/batch/generate", ts.Admin, map[string]any{"requests": reqs})
	assert.Equal(t, http.StatusUnprocessableEntity, res.Status, "%s", res.Body)
	assert.Contains(t, problemLocations(t, res), "body.requests")

	for name, body := range map[string]map[string]any{
		"neither form":  {"parallel": true},
		"both forms":    {"requests": reqs[:1], "period": "day", "count": 1, "document_id": "sample:"},
		"bad period":    {"period": "fortnight", "count": 1, "document_id": "sample:"},
		"no count":      {"period": "day", "document_id": "sample:", "channels": []string{"email"}},
		"too many":      {"period": "day", "count": MaxBatchItems + 1, "document_id": "sample:"},
		"no document":   {"period": "day", "count": 2, "channels": []string{"email"}},
		"bad channel":   {"period": "day", "count": 2, "document_id": "sample:", "channels": []string{"pigeon"}},
		"bad time zone": {"period": "day", "count": 2, "document_id": "sample:", "timezone": "Mars/Olympus"},
		"past start":    {"period": "day", "count": 2, "document_id": "sample:", "start": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)},
	} {
		res := ts.do(t, "POST", "/api/v2/batch/generate", ts.Admin, body)
		assert.Equal(t, http.StatusUnprocessableEntity, res.Status, "%s: %s", name, res.Body)
		assert.Equal(t, problemType, res.Header.Get("Content-Type"), name)
	}
	reader := ts.key(t, "reader", 0, ScopeRead)
	res = ts.do(t, "POST", "/api/v2/batch/generate", reader, map[string]any{"requests": reqs[:1]})
	assert.Equal(t, http.StatusForbidden, res.Status, "%s", res.Body)
}

func TestBatchIdempotencyKey(t *testing.T) {
	ts := newTestServer(t)
	ts.Source.AddText("mem:update", updateDoc, content.FormatMarkdown)
	body := map[string]any{"requests": []map[string]any{
		{"document_id": "mem:update", "channels": []string{"email"}},
		{"document_id": "mem:update", "channels": []string{"web"}},
	}}
	first := batchBody(t, ts.do(t, "POST", "/api/v2/batch/generate", ts.Admin, body, "Idempotency-Key", "batch-1"))
	again := batchBody(t, ts.do(t, "POST", "/api/v2/batch/generate", ts.Admin, body, "Idempotency-Key", "batch-1"))
	require.Len(t, first.Jobs, 2)
	require.Len(t, again.Jobs, 2)
	for i := range first.Jobs {
		assert.Equal(t, first.Jobs[i].JobID, again.Jobs[i].JobID, "a retried batch creates no job twice")
	}
	ts.waitIdle(t)
}

func TestBatchPlan(t *testing.T) {
	ts := newTestServer(t)
	ts.Source.AddText("mem:update", updateDoc, content.FormatMarkdown)
	// A Monday some three months ahead: far enough that no slot comes due
	// while the test runs, within the year a job may be scheduled ahead.
	d := time.Now().UTC().AddDate(0, 3, 0)
	start := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	for start.Weekday() != time.Monday {
		start = start.AddDate(0, 0, 1)
	}
	plan := map[string]any{
		"period": "week", "channels": []string{"twitter", "email"}, "count": 4, "document_id": "mem:update",
		"timezone": "America/New_York", "start": start.Format(time.RFC3339), "preview_only": true,
	}

	// preview_only: the plan alone, no jobs.
	res := ts.do(t, "POST", "/api/v2/batch/generate", ts.Admin, plan)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	assert.NotContains(t, string(res.Body), "null")
	b := batchBody(t, res)
	assert.Zero(t, b.Total)
	assert.Equal(t, []SyncJob{}, b.Jobs)
	require.NotNil(t, b.SchedulingPlan)
	assert.Equal(t, "week", b.SchedulingPlan.Period)
	assert.Equal(t, "America/New_York", b.SchedulingPlan.Timezone)
	require.Len(t, b.SchedulingPlan.Slots, 4)
	assert.Equal(t, "email", b.SchedulingPlan.Slots[0].Channel, "email first")
	assert.Equal(t, "twitter", b.SchedulingPlan.Slots[1].Channel)
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	for _, sl := range b.SchedulingPlan.Slots {
		assert.Empty(t, sl.JobID)
		assert.Equal(t, time.UTC, sl.At.Location())
		local := sl.At.In(ny)
		assert.GreaterOrEqual(t, local.Hour(), 9, "business hours: %s", local)
		assert.Less(t, local.Hour(), 17, "business hours: %s", local)
	}
	page := ts.do(t, "GET", "/api/v2/jobs", ts.Admin, nil)
	assert.EqualValues(t, 0, page.JSON(t)["total"])

	// The plan's items become scheduled jobs, one per slot.
	plan["preview_only"] = false
	plan["dry_run"] = true
	res = ts.do(t, "POST", "/api/v2/batch/generate", ts.Admin, plan)
	require.Equal(t, http.StatusAccepted, res.Status, "%s", res.Body)
	b = batchBody(t, res)
	assert.Equal(t, 4, b.Total)
	assert.Equal(t, 4, b.Successful, "%+v", b.Errors)
	require.Len(t, b.Jobs, 4)
	require.NotNil(t, b.SchedulingPlan)
	for i, sl := range b.SchedulingPlan.Slots {
		j := b.Jobs[i]
		assert.Equal(t, j.JobID, sl.JobID)
		assert.Equal(t, "scheduled", string(j.Status), "slot %d", i)
		require.NotNil(t, j.ScheduledFor)
		assert.True(t, sl.At.Equal(*j.ScheduledFor), "slot %d at %s, job at %s", i, sl.At, j.ScheduledFor)
		assert.Equal(t, []string{sl.Channel}, j.Channels)
		assert.Equal(t, b.BatchID, j.Metadata["batch_id"])
	}
	got := ts.do(t, "GET", "/api/v2/batch/"+b.BatchID, ts.Admin, nil)
	require.Equal(t, http.StatusOK, got.Status, "%s", got.Body)
	now := batchBody(t, got)
	require.NotNil(t, now.SchedulingPlan)
	assert.Len(t, now.Jobs, 4)
	page = ts.do(t, "GET", "/api/v2/jobs", ts.Admin, nil)
	assert.EqualValues(t, 4, page.JSON(t)["total"])

	// The jobs are far ahead: cancel them so the queue drains.
	for _, j := range b.Jobs {
		res := ts.do(t, "DELETE", "/api/v2/content/sync/"+j.JobID, ts.Admin, nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	}
}

func TestBatchStoreBounded(t *testing.T) {
	bs := newBatchStore(3)
	for i := range 5 {
		bs.put(&batchRecord{id: fmt.Sprint(i)})
	}
	for i := range 5 {
		_, ok := bs.get(fmt.Sprint(i))
		assert.Equal(t, i >= 2, ok, "batch %d", i)
	}
}
