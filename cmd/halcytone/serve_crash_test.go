package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/schedule"
	"github.com/halcytone/halcytone/store"
	"github.com/halcytone/halcytone/store/sqlite"
)

// envServeChild makes this test binary run halcytone with the arguments
// it holds (a JSON array) instead of the tests: the crash test's server,
// which it kills with SIGKILL. (Not HALCYTONE_*: serve refuses unknown
// variables of its own prefix.)
const envServeChild = "SERVE_CRASH_CHILD_ARGS"

func TestMain(m *testing.M) {
	if raw := os.Getenv(envServeChild); raw != "" {
		var args []string
		if err := json.Unmarshal([]byte(raw), &args); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, args, func(string) string { return "" }, io.Discard, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// TestServeCrashLosesNoWebhook kills serve (SIGKILL) while the queue
// delivers jobs to the CRM, then reads its SQLite file: every job that
// completed has its job.completed webhook delivery, every sent delivery
// its delivery.succeeded, each with the queue entry of its first attempt,
// and no webhook announces what did not happen. The engine records them
// in the transaction of the change; they used to be recorded after it,
// from events in memory that a crash lost (this test failed 2 runs in 3
// on that code).
func TestServeCrashLosesNoWebhook(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills a server process")
	}
	crm := mock.StartCRM(t, "crm-key")
	crm.SetLatency(0)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) }))
	t.Cleanup(recv.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	db := filepath.Join(t.TempDir(), "crash.db")

	args, err := json.Marshal([]string{"serve", "--database-url", "sqlite:" + db, "--addr", addr,
		"--api-keys", "crash:" + benchKey + ":admin:0", "--log-level", "error",
		"--crm-url", crm.URL(), "--crm-api-key", "crm-key", "--webhook-allow-private"})
	require.NoError(t, err)
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), envServeChild+"="+string(args))
	child.Stderr = os.Stderr
	require.NoError(t, child.Start())
	exited := make(chan struct{})
	go func() { _ = child.Wait(); close(exited) }()
	t.Cleanup(func() { _ = child.Process.Kill(); <-exited }) // never leave it behind

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := "http://" + addr
	require.Eventually(t, func() bool {
		select {
		case <-exited:
			require.FailNow(t, "the server exited")
		default:
		}
		res, err := http.Get(base + "/health")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	}, time.Minute, 20*time.Millisecond, "the server started")

	var hook struct{ ID string }
	require.Equal(t, http.StatusCreated, appJSON(t, ctx, http.MethodPost, base+"/api/v2/webhooks",
		map[string]any{"url": recv.URL, "events": []string{"job.completed", "delivery.succeeded"}}, &hook))
	const jobs = 200
	for i := range jobs {
		var out struct{ Status string }
		require.Equal(t, http.StatusAccepted, appJSON(t, ctx, http.MethodPost, base+"/api/v2/generate-content", map[string]any{
			"channels": []string{"email"},
			"content": map[string]any{"type": "update", "title": "Offline sessions, part " + strconv.Itoa(i+1),
				"content": "Every guided session can now be saved for offline use, so a flight no longer means breathing without a guide."},
		}, &out))
		require.Equal(t, "queued", out.Status)
	}
	require.Eventually(t, func() bool { return len(crm.Requests()) >= jobs/3 }, time.Minute, time.Millisecond,
		"the CRM got a third of the jobs")
	require.NoError(t, child.Process.Signal(syscall.SIGKILL))
	<-exited

	st, err := sqlite.Open(ctx, db)
	require.NoError(t, err)
	defer st.Close()
	page, err := st.ListJobs(ctx, store.JobFilter{Limit: 500})
	require.NoError(t, err)
	require.Len(t, page.Jobs, jobs)
	var completed, sent []string
	for _, j := range page.Jobs {
		if j.Status == store.JobCompleted {
			completed = append(completed, j.ID)
		}
		dels, err := st.ListDeliveries(ctx, j.ID)
		require.NoError(t, err)
		for _, d := range dels {
			if d.Status == store.DeliverySent {
				sent = append(sent, d.IdempotencyKey)
			}
		}
	}
	require.NotEmpty(t, completed, "jobs completed before the kill")
	t.Logf("at the kill: %d of %d jobs completed, %d deliveries sent", len(completed), jobs, len(sent))

	hooks, err := st.ListWebhookDeliveries(ctx, hook.ID, 10000)
	require.NoError(t, err)
	var announcedJobs, announcedDeliveries []string
	for _, d := range hooks {
		var p struct {
			Data struct {
				JobID    string `json:"job_id"`
				Delivery struct {
					Key string `json:"idempotency_key"`
				} `json:"delivery"`
			} `json:"data"`
		}
		require.NoError(t, json.Unmarshal(d.Payload, &p))
		switch d.Event {
		case "job.completed":
			announcedJobs = append(announcedJobs, p.Data.JobID)
		case "delivery.succeeded":
			announcedDeliveries = append(announcedDeliveries, p.Data.Delivery.Key)
		}
	}
	assert.ElementsMatch(t, completed, announcedJobs, "one job.completed per completed job, no more")
	assert.ElementsMatch(t, sent, announcedDeliveries, "one delivery.succeeded per sent delivery, no more")

	q, err := schedule.NewSQLite(ctx, st.DB(), schedule.Config{Worker: schedule.WorkerFunc(func(context.Context, schedule.Job, int) error { return nil })})
	require.NoError(t, err)
	entries, err := q.Entries(ctx, "webhook:"+hook.ID)
	require.NoError(t, err)
	keys := map[string]bool{}
	for _, e := range entries {
		keys[e.Job.DeliveryKey] = true
	}
	for _, d := range hooks {
		assert.True(t, keys[d.ID+"#1"], "webhook delivery %s has its first attempt queued", d.ID)
	}
}
