package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/store"
)

func TestBenchLoopbackCheck(t *testing.T) {
	lookup := func(_ context.Context, host string) ([]net.IPAddr, error) {
		switch host {
		case "localhost":
			return []net.IPAddr{{IP: net.ParseIP("127.0.0.1")}, {IP: net.ParseIP("::1")}}, nil
		case "loop.test":
			return []net.IPAddr{{IP: net.ParseIP("127.0.0.53")}}, nil
		case "mixed.test":
			return []net.IPAddr{{IP: net.ParseIP("127.0.0.1")}, {IP: net.ParseIP("93.184.216.34")}}, nil
		case "private.test":
			return []net.IPAddr{{IP: net.ParseIP("10.1.2.3")}}, nil
		case "empty.test":
			return nil, nil
		}
		return nil, errors.New("no such host")
	}
	for _, tc := range []struct {
		target string
		ok     bool
	}{
		{"http://127.0.0.1:8000", true},
		{"http://127.255.0.9:8000/", true},
		{"https://127.0.0.1", true},
		{"http://[::1]:8000", true},
		{"http://[::ffff:127.0.0.1]:8000", true},
		{"http://localhost:8000", true},
		{"http://loop.test", true},
		{"http://10.0.0.1:8000", false},
		{"http://192.168.1.10", false},
		{"http://0.0.0.0:8000", false},
		{"http://[::]:8000", false},
		{"http://[2001:db8::1]:8000", false},
		{"http://8.8.8.8", false},
		{"http://mixed.test", false},
		{"http://private.test:8000", false},
		{"http://empty.test", false},
		{"http://unknown.test", false},
		{"ftp://127.0.0.1", false},
		{"ws://127.0.0.1:8000", false},
		{"http://", false},
		{"127.0.0.1:8000", false},
		{"http://user:pw@127.0.0.1", false},
		{"http://127.0.0.1/?q=1", false},
	} {
		t.Run(tc.target, func(t *testing.T) {
			u, err := checkLoopbackTarget(t.Context(), tc.target, lookup)
			if tc.ok {
				require.NoError(t, err)
				assert.False(t, strings.HasSuffix(u.String(), "/"), "trailing slash trimmed: %s", u)
			} else {
				require.Error(t, err)
			}
		})
	}

	// The dialer refuses what a name may resolve to later.
	assert.NoError(t, loopbackOnly("tcp4", "127.0.0.1:80", nil))
	assert.NoError(t, loopbackOnly("tcp6", "[::1]:80", nil))
	assert.Error(t, loopbackOnly("tcp4", "10.0.0.1:80", nil))
	assert.Error(t, loopbackOnly("tcp6", "[2001:db8::1]:80", nil))
	assert.Error(t, loopbackOnly("tcp", "garbage", nil))
}

func TestBenchCommandLine(t *testing.T) {
	for _, args := range [][]string{
		{"bench"},
		{"bench", "nope"},
		{"bench", "run", "--scenario", "health", "--target", "http://10.0.0.1:8000"},
		{"bench", "run", "--scenario", "health", "--target", "http://192.0.2.1:8000"},
		{"bench", "run", "--scenario", "health", "--duration", "6m"},
		{"bench", "run", "--scenario", "health", "--duration", "0s"},
		{"bench", "run", "--scenario", "health", "--concurrency", "-1"},
		{"bench", "run", "--scenario", "health", "--concurrency", "60000"},
		{"bench", "run", "--scenario", "health", "--warmup", "2m"},
		{"bench", "run", "--scenario", "ws", "--rate", "0"},
		{"bench", "run", "--scenario", "everything"},
		{"bench", "run", "--scenario", "health", "--client", "curl"},
		{"bench", "run", "--scenario", "jobs", "--target", "http://127.0.0.1:1"}, // no key
		{"bench", "seed", "--jobs", "0"},
		{"bench", "rss"},
	} {
		code, _, errOut := runCmd(t, nil, args...)
		assert.Equal(t, 2, code, "%v: %s", args, errOut)
	}
	code, out, _ := runCmd(t, nil, "bench", "help")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "preview_only")

	// The key from the environment is used, never printed as a default.
	code, _, errOut := runCmd(t, map[string]string{"HALCYTONE_KEY": "secret-key-0123456789abcdef0123456789"}, "bench", "run", "-h")
	assert.Equal(t, 0, code)
	assert.Contains(t, errOut, "-scenario")
	assert.NotContains(t, errOut, "secret-key")
}

func TestBenchHistogramBuckets(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		v := rng.Int64N(1 << rng.IntN(63))
		i := histIndex(v)
		require.Less(t, i, histBuckets)
		low, width := histBounds(i)
		require.True(t, low <= v && v < low+width, "value %d in bucket %d [%d, +%d)", v, i, low, width)
		if low >= 128 {
			require.LessOrEqual(t, float64(width)/float64(low), 1.0/128, "bucket %d too wide", i)
		}
	}
	for v := range int64(1000) {
		low, width := histBounds(histIndex(v))
		require.True(t, low <= v && v < low+width, "value %d", v)
	}
	assert.Equal(t, histBuckets-1, histIndex(1<<63-1))
}

func TestBenchHistogramPercentiles(t *testing.T) {
	h := newLatencyHistogram()
	assert.Zero(t, h.quantile(0.5))
	assert.Equal(t, latencySummary{}, h.summary())

	// 1 ms, 2 ms, ..., 1000 ms, recorded in a shuffled order.
	for _, i := range rand.New(rand.NewPCG(3, 4)).Perm(1000) {
		h.record(time.Duration(i+1) * time.Millisecond)
	}
	within := func(q float64, want time.Duration) {
		t.Helper()
		got := h.quantile(q)
		assert.InEpsilon(t, float64(want), float64(got), 0.01, "p%g: got %s, want %s", q*100, got, want)
	}
	within(0.50, 500*time.Millisecond)
	within(0.95, 950*time.Millisecond)
	within(0.99, 990*time.Millisecond)
	within(0.001, time.Millisecond)
	assert.Equal(t, 1000*time.Millisecond, h.quantile(1), "the maximum is exact")
	assert.Equal(t, time.Millisecond, h.quantile(0), "the minimum is exact")
	s := h.summary()
	assert.Equal(t, int64(1000), s.Count)
	assert.InDelta(t, 500.5, s.Mean, 0.001)
	assert.InDelta(t, 1.0, s.Min, 0.001)
	assert.InDelta(t, 1000.0, s.Max, 0.001)
	assert.InEpsilon(t, 500, s.P50, 0.01)
	assert.InEpsilon(t, 990, s.P99, 0.01)

	// A skewed distribution: 990 fast values and 10 slow ones.
	h = newLatencyHistogram()
	for range 990 {
		h.record(100 * time.Microsecond)
	}
	for range 10 {
		h.record(50 * time.Millisecond)
	}
	assert.InEpsilon(t, float64(100*time.Microsecond), float64(h.quantile(0.99)), 0.01)
	assert.InEpsilon(t, float64(50*time.Millisecond), float64(h.quantile(0.995)), 0.01)

	// Exact below 128 ns; negative values count as zero.
	h = newLatencyHistogram()
	h.record(-5)
	h.record(7)
	h.record(100)
	assert.Equal(t, time.Duration(0), h.quantile(0.1))
	assert.Equal(t, time.Duration(7), h.quantile(0.5))
	assert.Equal(t, time.Duration(100), h.quantile(0.9))
}

func TestBenchSeed(t *testing.T) {
	st, closeStore, err := openStore(t.Context(), "sqlite:"+filepath.Join(t.TempDir(), "seed.db"))
	require.NoError(t, err)
	defer func() { _ = closeStore() }()
	now := time.Now().UTC()
	require.NoError(t, seedJobs(t.Context(), st, seedOptions{Jobs: 2500, Batch: 1000, Days: 30, Seed: 7, Now: now}))

	page, err := st.ListJobs(t.Context(), store.JobFilter{Limit: 500})
	require.NoError(t, err)
	assert.Equal(t, 2500, page.Total)
	statuses := map[store.JobStatus]int{}
	for i, j := range page.Jobs {
		statuses[j.Status]++
		assert.NotEmpty(t, j.Channels)
		assert.False(t, j.CreatedAt.After(now), "created in the future")
		assert.True(t, j.CreatedAt.After(now.Add(-30*24*time.Hour-time.Second)), "created more than 30 days ago")
		if i > 0 {
			assert.False(t, j.CreatedAt.After(page.Jobs[i-1].CreatedAt), "newest first")
		}
		if j.Status.Terminal() {
			assert.Len(t, j.Results, len(j.Channels), "job %s", j.ID)
			assert.False(t, j.CompletedAt.IsZero())
		}
	}
	assert.GreaterOrEqual(t, len(statuses), 6, "mixed statuses: %v", statuses)
	assert.Greater(t, statuses[store.JobCompleted], statuses[store.JobFailed])

	// Seeding again adds jobs: ids never collide.
	require.NoError(t, seedJobs(t.Context(), st, seedOptions{Jobs: 10, Batch: 3, Days: 1, Seed: 7, Now: now}))
	page, err = st.ListJobs(t.Context(), store.JobFilter{Limit: 1})
	require.NoError(t, err)
	assert.Equal(t, 2510, page.Total)
}

// benchKey is the API key of the in-process server: admin, unlimited.
const benchKey = "bench-test-0123456789abcdef0123456789"

// startBenchServer serves the whole app, as serve wires it, in dry run,
// on a temporary SQLite file holding jobs seeded jobs.
func startBenchServer(t *testing.T, jobs int) (url string, a *app) {
	t.Helper()
	url, a, _ = startApp(t, []string{"--dry-run"}, func(ctx context.Context, a *app) {
		if jobs > 0 {
			require.NoError(t, seedJobs(ctx, a.store, seedOptions{Jobs: jobs, Batch: 1000, Days: 30, Seed: 1, Now: time.Now().UTC()}))
		}
	})
	return url, a
}

func TestBenchRunScenarios(t *testing.T) {
	url, _ := startBenchServer(t, 3000)
	for _, tc := range []struct{ scenario, client string }{
		{"health", "http"}, {"jobs", "http"}, {"preview", "http"}, {"preview-repeat", "http"}, {"preview-cached", "http"},
		{"health", "conn"}, {"jobs", "conn"}, {"preview", "conn"}, {"preview-repeat", "conn"},
	} {
		t.Run(tc.scenario+"/"+tc.client, func(t *testing.T) {
			res, err := benchRun(t.Context(), benchOptions{
				Target: url, Key: benchKey, Scenario: tc.scenario, Client: tc.client, Duration: time.Second,
				Concurrency: 2, Timeout: 30 * time.Second, ServerPID: os.Getpid(),
			})
			require.NoError(t, err)
			assert.Equal(t, tc.client, res.Client)
			assert.Positive(t, res.Requests)
			assert.Zero(t, res.Errors, "statuses %v", res.Statuses)
			assert.Equal(t, res.Requests, res.Statuses["200"])
			assert.Equal(t, res.Requests, res.Latency.Count)
			assert.Positive(t, res.RequestsPerSec)
			require.NotNil(t, res.Server, "in-process: the server is this process")
			assert.Positive(t, res.Server.RSSMiB)
		})
	}
}

// TestBenchPreviewNeverCached checks that the preview scenario measures
// generation: every request's text differs, so the server's preview cache
// never answers it; preview-repeat is answered from it.
func TestBenchPreviewNeverCached(t *testing.T) {
	url, _ := startBenchServer(t, 0)
	stats := func() (hits, misses int64) {
		t.Helper()
		var st struct{ Hits, Misses int64 }
		require.Equal(t, http.StatusOK, appJSON(t, t.Context(), http.MethodGet, url+"/api/v2/cache/stats", nil, &st))
		return st.Hits, st.Misses
	}
	run := func(scenario, client string) int64 {
		t.Helper()
		res, err := benchRun(t.Context(), benchOptions{
			Target: url, Key: benchKey, Scenario: scenario, Client: client, Duration: 500 * time.Millisecond,
			Concurrency: 2, Timeout: 30 * time.Second,
		})
		require.NoError(t, err)
		require.Zero(t, res.Errors, "statuses %v", res.Statuses)
		return res.Requests + 1 // and the checked first request (no warm-up)
	}
	for _, client := range []string{"http", "conn"} {
		h0, m0 := stats()
		n := run("preview", client)
		h1, m1 := stats()
		assert.Zero(t, h1-h0, "%s: no preview answered from the cache", client)
		assert.Equal(t, n, m1-m0, "%s: every preview generated", client)

		n = run("preview-repeat", client)
		h2, m2 := stats()
		// Kept on its second request; until then, each of the 2 workers may
		// miss once more (joining the generation under way).
		assert.LessOrEqual(t, m2-m1, int64(3), "%s: the repeated preview is kept", client)
		assert.GreaterOrEqual(t, h2-h1, n-3, "%s: then answered from the cache", client)
	}
}

func TestBenchRunWebSocket(t *testing.T) {
	url, _ := startBenchServer(t, 0)
	res, err := benchRun(t.Context(), benchOptions{
		Target: url, Key: benchKey, Scenario: "ws", Duration: time.Second, Concurrency: 5,
		Timeout: 30 * time.Second, Rate: 5, Grace: 30 * time.Second,
	})
	require.NoError(t, err)
	require.NotNil(t, res.WS)
	ws := res.WS
	assert.Zero(t, res.Errors, "statuses %v", res.Statuses)
	assert.Equal(t, 5, ws.Connected)
	assert.True(t, ws.Registered, "the server counted every client")
	assert.Zero(t, ws.Dropped, ws.FirstDropReason)
	assert.Positive(t, ws.TriggeredJobs)
	assert.Zero(t, ws.TriggeredJobsUnseen)
	assert.Equal(t, 5, ws.ClientsComplete)
	assert.Equal(t, ws.ExpectedDeliveries, ws.Deliveries)
	assert.Equal(t, ws.Deliveries, ws.Latency.Count)

	var out strings.Builder
	res.print(&out)
	assert.Contains(t, out.String(), "5 clients received every event")
}

func TestBenchRunRefusesWithoutServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	_, err = benchRun(t.Context(), benchOptions{Target: "http://" + addr, Scenario: "health", Duration: time.Second, Concurrency: 1, Timeout: time.Second})
	require.Error(t, err, "nothing listens")
	assert.Contains(t, err.Error(), "first request")
}

func TestBenchRSS(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc")
	}
	code, out, errOut := runCmd(t, nil, "bench", "rss", "--pid", fmt.Sprint(os.Getpid()))
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "RSS")
	ps, err := readProcStat(os.Getpid())
	require.NoError(t, err)
	assert.Positive(t, ps.rssKiB)
	assert.Positive(t, ps.threads)
}

func TestBenchConnClientReconnects(t *testing.T) {
	// Every third answer closes its connection; the conn client dials again
	// and no request fails.
	var n atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%3 == 0 {
			w.Header().Set("Connection", "close")
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"healthy"}`)
	}))
	defer ts.Close()
	res, err := benchRun(t.Context(), benchOptions{
		Target: ts.URL, Scenario: "health", Client: "conn", Duration: 300 * time.Millisecond, Concurrency: 2, Timeout: 10 * time.Second,
	})
	require.NoError(t, err)
	assert.Greater(t, res.Requests, int64(3))
	assert.Zero(t, res.Errors, "statuses %v", res.Statuses)

	// A server that closes idle connections behind the client's back: the
	// request on the stale connection is sent again on a new one.
	b := &httpBench{url: ts.URL + "/health", sc: httpScenario{method: http.MethodGet, path: "/health"}}
	cr, err := newConnRequester(b, 5*time.Second)
	require.NoError(t, err)
	defer cr.close()
	for range 3 {
		status, err := cr.do(t.Context(), nil)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status)
		if cr.conn != nil {
			_ = cr.conn.(*net.TCPConn).CloseRead() // as if the server had hung up
		}
	}
}
