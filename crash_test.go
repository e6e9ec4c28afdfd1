package halcytone_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/schedule"
	"github.com/halcytone/halcytone/source"
	"github.com/halcytone/halcytone/store"
	"github.com/halcytone/halcytone/store/sqlite"
)

// The crash test runs this test binary again as a child process (see
// TestMain) that works deliveries from a SQLite file, and kills it with
// SIGKILL while it works.
const (
	envCrashMode = "HALCYTONE_CRASH_CHILD" // "seed" or "work"
	envCrashDB   = "HALCYTONE_CRASH_DB"
	envCrashURL  = "HALCYTONE_CRASH_URL"
	envCrashN    = "HALCYTONE_CRASH_N"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(envCrashMode); mode != "" {
		os.Exit(crashChild(mode))
	}
	os.Exit(m.Run())
}

// platform is a loopback HTTP service that counts deliveries per
// idempotency key, the way a real platform honours one.
type platform struct {
	mu       sync.Mutex
	accepted map[string]int // key → POSTs that carried it
	order    []string
}

func (p *platform) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		key = r.PathValue("key")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch r.Method {
	case http.MethodPost:
		if p.accepted[key] == 0 {
			p.order = append(p.order, key)
		}
		p.accepted[key]++
		w.WriteHeader(http.StatusCreated)
	case http.MethodGet:
		if p.accepted[key] == 0 {
			http.NotFound(w, r)
			return
		}
	}
	_ = json.NewEncoder(w).Encode(map[string]string{"id": "post-" + key})
}

func (p *platform) counts() (distinct, duplicates int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, n := range p.accepted {
		distinct++
		duplicates += n - 1
	}
	return distinct, duplicates
}

// httpPublisher publishes to a platform over HTTP.
type httpPublisher struct{ url string }

func (p *httpPublisher) Name() string                                              { return "crash-web" }
func (p *httpPublisher) Channel() content.Channel                                  { return content.ChannelWebsite }
func (p *httpPublisher) Validate(context.Context, *content.Bundle) []content.Issue { return nil }
func (p *httpPublisher) Preview(context.Context, publish.Delivery) (publish.Preview, error) {
	return publish.Preview{}, nil
}

func (p *httpPublisher) Publish(ctx context.Context, d publish.Delivery) (publish.Receipt, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url+"/deliveries", bytes.NewReader([]byte(d.Bundle.Title)))
	if err != nil {
		return publish.Receipt{}, err
	}
	req.Header.Set("Idempotency-Key", d.IdempotencyKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return publish.Receipt{}, &content.Error{Class: content.OutcomeUnknown, Err: err}
	}
	defer resp.Body.Close()
	return publish.Receipt{ExternalID: "post-" + d.IdempotencyKey, At: time.Now()}, nil
}

func (p *httpPublisher) Lookup(ctx context.Context, key string) (publish.Receipt, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url+"/deliveries/"+key, nil)
	if err != nil {
		return publish.Receipt{}, false, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return publish.Receipt{}, false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return publish.Receipt{}, false, nil
	}
	return publish.Receipt{ExternalID: "post-" + key, At: time.Now()}, true, nil
}

// crashChild seeds N one-channel jobs ("seed") or works the queue until
// killed ("work").
func crashChild(mode string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	fail := func(err error) int { fmt.Fprintln(os.Stderr, "crash child:", err); return 1 }
	st, err := sqlite.Open(ctx, os.Getenv(envCrashDB))
	if err != nil {
		return fail(err)
	}
	defer st.Close()
	var eng *halcytone.Engine
	q, err := schedule.NewSQLite(ctx, st.DB(), schedule.Config{
		Worker: schedule.WorkerFunc(func(ctx context.Context, j schedule.Job, attempt int) error { return eng.Work(ctx, j, attempt) }),
		// One writer connection serialises the store: a few dozen workers
		// keep it busy; a thousand would only queue for it and time out.
		Workers:     32,
		JobTimeout:  20 * time.Second,
		RescueAfter: 25 * time.Second,
	})
	if err != nil {
		return fail(err)
	}
	eng, err = halcytone.New(halcytone.Config{Store: st, Sources: source.NewRegistry(), Queue: q,
		Publishers: []publish.Publisher{&httpPublisher{url: os.Getenv(envCrashURL)}}})
	if err != nil {
		return fail(err)
	}
	if mode == "seed" {
		n, _ := strconv.Atoi(os.Getenv(envCrashN))
		at := time.Now().Add(2 * time.Second)
		for i := range n {
			res, err := eng.Generate(ctx, halcytone.Request{
				Content:   update(fmt.Sprintf("Breathing note number %d", i)),
				Channels:  []string{"website"},
				PublishAt: at,
			})
			if err != nil {
				return fail(err)
			}
			if res.Job == nil {
				return fail(fmt.Errorf("item %d: %s", i, res.Status))
			}
		}
		fmt.Println("seeded")
		return 0
	}
	if err := q.Start(ctx); err != nil {
		return fail(err)
	}
	fmt.Println("working")
	<-ctx.Done()
	_ = q.Stop(context.Background())
	return 0
}

// TestCrashRecoveryDeliversExactlyOnce kills a worker process with SIGKILL
// several times while it works 2,000 scheduled deliveries, and checks that
// every delivery reached the platform exactly once.
func TestCrashRecoveryDeliversExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash test takes about a minute; run without -short")
	}
	const n = 2000
	plat := &platform{accepted: map[string]int{}}
	mux := http.NewServeMux()
	mux.Handle("POST /deliveries", plat)
	mux.Handle("GET /deliveries/{key}", plat)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "crash.db")

	child := func(mode string) (*exec.Cmd, *bufio.Scanner) {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), envCrashMode+"="+mode, envCrashDB+"="+db, envCrashURL+"="+srv.URL, envCrashN+"="+strconv.Itoa(n))
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }) // never leave a child behind
		return cmd, bufio.NewScanner(out)
	}

	seed, out := child("seed")
	for out.Scan() {
	}
	require.NoError(t, seed.Wait(), "seeding")

	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(4 * time.Minute)
		for !cond() {
			if time.Now().After(deadline) {
				d, dup := plat.counts()
				t.Fatalf("timed out waiting for %s: %d delivered, %d duplicates", what, d, dup)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	kills := 0
	for _, killAt := range []int{300, 900, 1500} {
		w, out := child("work")
		require.True(t, out.Scan(), "child started")
		waitFor(fmt.Sprintf("%d deliveries", killAt), func() bool { d, _ := plat.counts(); return d >= killAt })
		require.NoError(t, w.Process.Signal(syscall.SIGKILL))
		kills++
	}
	w, out := child("work")
	require.True(t, out.Scan(), "child started")
	waitFor("every delivery", func() bool { d, _ := plat.counts(); return d >= n })
	// Let anything still in flight land before counting duplicates.
	st, err := sqlite.Open(context.Background(), db)
	require.NoError(t, err)
	start, logged := time.Now(), false
	waitFor("every job settled", func() bool {
		page, err := st.ListJobs(context.Background(), store.JobFilter{Statuses: []store.JobStatus{store.JobCompleted}, Limit: 1})
		if err == nil && page.Total == n {
			return true
		}
		if time.Since(start) > 3*time.Minute && !logged { // about to time out: say where things are
			logged = true
			stats, _ := st.JobStats(context.Background(), store.StatsFilter{})
			t.Logf("jobs by status: %v", stats.ByStatus)
			if rows, err := st.DB().Query("SELECT state, count(*) FROM river_job GROUP BY state"); err == nil {
				for rows.Next() {
					var state string
					var c int
					_ = rows.Scan(&state, &c)
					t.Logf("queue entries %s: %d", state, c)
				}
				_ = rows.Close()
			}
		}
		return false
	})
	require.NoError(t, w.Process.Signal(syscall.SIGTERM))

	distinct, dups := plat.counts()
	assert.Equal(t, n, distinct, "no delivery lost")
	assert.Zero(t, dups, "no delivery sent twice")
	assert.Equal(t, 3, kills)
	page, err := st.ListJobs(context.Background(), store.JobFilter{Statuses: []store.JobStatus{store.JobFailed, store.JobPartial}})
	require.NoError(t, err)
	assert.Zero(t, page.Total, "no job failed")
	require.NoError(t, st.Close())
}
