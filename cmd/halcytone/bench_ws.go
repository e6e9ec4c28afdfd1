package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// wsDialers is how many WebSocket handshakes the ws scenario runs at once.
const wsDialers = 64

// wsTriggerBody is the job the ws scenario creates, a few times a second:
// the built-in sample in dry run. The sample is health content, so each
// job waits for approval and emits exactly one job event (job_created);
// nothing is queued or delivered.
const wsTriggerBody = `{"document_id":"sample:","channels":["email","website","twitter","linkedin"],"dry_run":true,"metadata":{"created_by":"halcytone bench"}}`

// wsResult is the outcome of the ws scenario.
type wsResult struct {
	Clients           int     `json:"clients"`
	Connected         int     `json:"connected"`
	ConnectFailures   int     `json:"connect_failures"`
	FirstConnectError string  `json:"first_connect_error,omitempty"`
	ConnectSeconds    float64 `json:"connect_seconds"`
	// Registered says whether the server's websocket_connections{hub="jobs"}
	// gauge counted every client before the first update.
	Registered bool `json:"registered"`
	// Dropped clients lost their connection before the end.
	Dropped         int    `json:"dropped"`
	FirstDropReason string `json:"first_drop_reason,omitempty"`
	// TriggeredJobs were created by the tool; Events are the distinct job
	// events (job id and type) that any client received.
	TriggeredJobs       int `json:"triggered_jobs"`
	TriggeredJobsUnseen int `json:"triggered_jobs_unseen"`
	Events              int `json:"events"`
	// Deliveries are the client×event pairs received, of Expected
	// (Events × Connected).
	Deliveries         int64 `json:"deliveries"`
	ExpectedDeliveries int64 `json:"expected_deliveries"`
	// ClientsComplete received every event.
	ClientsComplete int     `json:"clients_complete"`
	WaitSeconds     float64 `json:"wait_seconds"` // after the last trigger, until complete or --grace
	// Latency runs from each event's own timestamp (set by the server when
	// it emitted the event) to its arrival at each client: one machine, one
	// clock.
	Latency latencySummary `json:"delivery_latency"`
}

func (w *wsResult) print(out io.Writer) {
	fmt.Fprintf(out, "clients      %d connected of %d in %.1f s", w.Connected, w.Clients, w.ConnectSeconds)
	if !w.Registered {
		fmt.Fprint(out, " (the server's websocket_connections gauge did not count them all)")
	}
	if w.ConnectFailures > 0 {
		fmt.Fprintf(out, ", %d failed (first: %s)", w.ConnectFailures, w.FirstConnectError)
	}
	if w.Dropped > 0 {
		fmt.Fprintf(out, ", %d dropped (first: %s)", w.Dropped, w.FirstDropReason)
	}
	fmt.Fprintln(out)
	fmt.Fprintf(out, "events       %d (%d jobs triggered, %d never seen); %d of %d deliveries; %d clients received every event (waited %.1f s)\n",
		w.Events, w.TriggeredJobs, w.TriggeredJobsUnseen, w.Deliveries, w.ExpectedDeliveries, w.ClientsComplete, w.WaitSeconds)
	l := w.Latency
	fmt.Fprintf(out, "delivery     p50 %.3f ms, p90 %.3f, p95 %.3f, p99 %.3f, p99.9 %.3f, max %.3f (mean %.3f, %d client×event pairs)\n",
		l.P50, l.P90, l.P95, l.P99, l.P999, l.Max, l.Mean, l.Count)
}

// wsEvents is the set of job events ("job_id type") any client received.
type wsEvents struct {
	mu  sync.Mutex
	set map[string]struct{}
}

func (e *wsEvents) add(k string) {
	e.mu.Lock()
	e.set[k] = struct{}{}
	e.mu.Unlock()
}

// snapshot returns the number of events and whether every job of jobs is
// among them.
func (e *wsEvents) snapshot(jobs map[string]struct{}) (n int, allJobs bool, unseen int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	seen := map[string]bool{}
	for k := range e.set {
		id, _, _ := strings.Cut(k, " ")
		seen[id] = true
	}
	for id := range jobs {
		if !seen[id] {
			unseen++
		}
	}
	return len(e.set), unseen == 0, unseen
}

// wsBenchClient is one connection of the ws scenario.
type wsBenchClient struct {
	conn   *websocket.Conn
	events *wsEvents

	mu   sync.Mutex
	seen map[string]struct{} // "job_id type" of every job event received
	err  error               // why the connection ended early
}

// received returns how many distinct events the client received and
// whether its connection ended early.
func (c *wsBenchClient) received() (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen), c.err != nil
}

// read records every job event until the connection ends.
func (c *wsBenchClient) read(ctx context.Context, h *latencyHistogram, deliveries *atomic.Int64) {
	for {
		_, data, err := c.conn.Read(ctx)
		at := time.Now()
		if err != nil {
			if ctx.Err() == nil {
				c.mu.Lock()
				c.err = err
				c.mu.Unlock()
			}
			return
		}
		var m struct {
			Type string `json:"type"`
			Job  struct {
				JobID string `json:"job_id"`
			} `json:"job"`
			Timestamp time.Time `json:"timestamp"`
		}
		if json.Unmarshal(data, &m) != nil || !strings.HasPrefix(m.Type, "job_") || m.Job.JobID == "" || m.Timestamp.IsZero() {
			continue
		}
		h.record(at.Sub(m.Timestamp))
		deliveries.Add(1)
		k := m.Job.JobID + " " + m.Type
		c.mu.Lock()
		_, dup := c.seen[k]
		c.seen[k] = struct{}{}
		c.mu.Unlock()
		if !dup {
			c.events.add(k)
		}
	}
}

// runWSBench connects o.Concurrency clients to /ws/jobs, creates jobs at
// o.Rate for o.Duration, waits up to o.Grace for every client to receive
// every event, and reports the delivery latencies.
func runWSBench(ctx context.Context, o benchOptions, base *url.URL) (*benchResult, error) {
	if o.Key == "" {
		return nil, fmt.Errorf("%w: --scenario ws needs --key (or $HALCYTONE_KEY) with the write scope, to create jobs", errUsage)
	}
	api := newBenchClient(4, o.Timeout)
	defer api.CloseIdleConnections()
	check := &httpBench{client: api, url: base.String() + "/api/v2/jobs?limit=1", sc: httpScenario{method: http.MethodGet, key: true}, key: o.Key}
	var first []byte
	if status, err := check.do(ctx, &first); err != nil || status/100 != 2 {
		return nil, fmt.Errorf("checking the key with GET /api/v2/jobs?limit=1: status %d, error %v: %s", status, err, bytes.TrimSpace(first))
	}

	wsURL := *base
	wsURL.Scheme = map[string]string{"http": "ws", "https": "wss"}[base.Scheme]
	wsURL.Path = base.Path + "/ws/jobs"
	dialer := &net.Dialer{Timeout: 5 * time.Second, Control: loopbackOnly}
	dialClient := &http.Client{Transport: &http.Transport{Proxy: nil, DialContext: dialer.DialContext, DisableCompression: true}}
	defer dialClient.CloseIdleConnections()

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	hist := newLatencyHistogram()
	var deliveries atomic.Int64
	ws := &wsResult{Clients: o.Concurrency}
	events := &wsEvents{set: map[string]struct{}{}}

	// Connect every client, wsDialers at a time; each starts reading at
	// once, so that pings are answered and no event is missed.
	clients := make([]*wsBenchClient, 0, o.Concurrency)
	var (
		mu      sync.Mutex
		readers sync.WaitGroup
		next    atomic.Int64
		dialers sync.WaitGroup
	)
	baseline, _ := jobStreamGauge(ctx, api, base.String()+"/metrics")
	connectStart := time.Now()
	budget := min(o.Timeout+time.Duration(o.Concurrency)*5*time.Millisecond, 3*time.Minute)
	connectCtx, cancelConnect := context.WithTimeout(ctx, budget)
	for range min(wsDialers, o.Concurrency) {
		dialers.Go(func() {
			for next.Add(1) <= int64(o.Concurrency) && connectCtx.Err() == nil {
				dctx, cancel := context.WithTimeout(connectCtx, o.Timeout)
				conn, _, err := websocket.Dial(dctx, wsURL.String(), &websocket.DialOptions{HTTPClient: dialClient})
				cancel()
				mu.Lock()
				if err != nil {
					ws.ConnectFailures++
					if ws.FirstConnectError == "" {
						ws.FirstConnectError = err.Error()
					}
					mu.Unlock()
					continue
				}
				conn.SetReadLimit(1 << 20)
				c := &wsBenchClient{conn: conn, events: events, seen: map[string]struct{}{}}
				clients = append(clients, c)
				mu.Unlock()
				readers.Go(func() { c.read(runCtx, hist, &deliveries) })
			}
		})
	}
	dialers.Wait()
	cancelConnect()
	ws.ConnectSeconds = round3(time.Since(connectStart).Seconds())
	ws.Connected = len(clients)
	if left := o.Concurrency - ws.Connected - ws.ConnectFailures; left > 0 {
		ws.ConnectFailures += left // not attempted within the budget
		if ws.FirstConnectError == "" {
			ws.FirstConnectError = fmt.Sprintf("connection budget of %s spent", budget)
		}
	}
	defer func() {
		stop()
		for _, c := range clients {
			_ = c.conn.CloseNow()
		}
		readers.Wait()
	}()
	if ws.Connected == 0 {
		return nil, fmt.Errorf("no client could connect to %s: %s", wsURL.String(), ws.FirstConnectError)
	}
	// A client's handshake completes a moment before the server adds it to
	// the hub: wait until the server counts them all (its
	// websocket_connections gauge), or a second when it does not say.
	ws.Registered = waitRegistered(ctx, api, base.String()+"/metrics", baseline+ws.Connected, o.Timeout)
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// Trigger job updates at o.Rate for o.Duration.
	trig := &httpBench{client: api, url: base.String() + "/api/v2/content/sync",
		sc: httpScenario{method: http.MethodPost, body: []byte(wsTriggerBody), key: true}, key: o.Key}
	triggerHist, counts := newLatencyHistogram(), &httpCounters{}
	jobs := map[string]struct{}{}
	meter := startUsage(o.ServerPID)
	start := time.Now()
	tick := time.NewTicker(time.Duration(float64(time.Second) / o.Rate))
	for time.Since(start) < o.Duration && ctx.Err() == nil {
		var body []byte
		t0 := time.Now()
		status, err := trig.do(ctx, &body)
		counts.requests.Add(1)
		switch {
		case err != nil:
			counts.transport.Add(1)
		default:
			counts.statuses[min(max(status, 0), len(counts.statuses)-1)].Add(1)
			triggerHist.record(time.Since(t0))
			var j struct {
				JobID string `json:"job_id"`
			}
			if status/100 == 2 && json.Unmarshal(body, &j) == nil && j.JobID != "" {
				jobs[j.JobID] = struct{}{}
			}
		}
		if counts.requests.Load() == 1 && len(jobs) == 0 {
			tick.Stop()
			return nil, fmt.Errorf("the first job update (POST /api/v2/content/sync) failed: status %d, error %v: %s", status, err, bytes.TrimSpace(body))
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
		}
	}
	tick.Stop()
	measured := time.Since(start)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("interrupted: %w", err)
	}

	// Wait until every client still connected has every event that any
	// client received (a client's events are a subset of those), and every
	// triggered job was seen, or o.Grace ends.
	waitStart := time.Now()
	for {
		n, allJobs, _ := events.snapshot(jobs)
		if allJobs && wsComplete(clients, n) || time.Since(waitStart) >= o.Grace || ctx.Err() != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	ws.WaitSeconds = round3(time.Since(waitStart).Seconds())
	stop()

	ws.TriggeredJobs = len(jobs)
	ws.Events, _, ws.TriggeredJobsUnseen = events.snapshot(jobs)
	for _, c := range clients {
		n, gone := c.received()
		if gone {
			ws.Dropped++
			c.mu.Lock()
			if ws.FirstDropReason == "" {
				ws.FirstDropReason = c.err.Error()
			}
			c.mu.Unlock()
		}
		if n == ws.Events {
			ws.ClientsComplete++
		}
	}
	ws.Deliveries = deliveries.Load()
	ws.ExpectedDeliveries = int64(ws.Events) * int64(ws.Connected)
	ws.Latency = hist.summary()

	res := &benchResult{
		Scenario: "ws", Target: o.Target, Concurrency: o.Concurrency, Seconds: round3(measured.Seconds()),
		Request:  fmt.Sprintf("%d clients on GET %s; POST /api/v2/content/sync (sample:, dry run) at %g/s", o.Concurrency, wsURL.Path, o.Rate),
		Requests: counts.requests.Load(), Errors: counts.errors(), TransportErrors: counts.transport.Load(),
		Statuses: counts.statusMap(), Latency: triggerHist.summary(), WS: ws,
	}
	res.RequestsPerSec = round3(float64(res.Requests) / measured.Seconds())
	if err := meter.finish(res, 0); err != nil {
		return nil, err
	}
	return res, nil
}

// wsComplete reports whether every client still connected received all
// n events.
func wsComplete(clients []*wsBenchClient, n int) bool {
	for _, c := range clients {
		if got, gone := c.received(); !gone && got < n {
			return false
		}
	}
	return true
}

// jobStreamGauge reads websocket_connections{hub="jobs"} from the
// server's Prometheus metrics.
func jobStreamGauge(ctx context.Context, client *http.Client, metricsURL string) (int, bool) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, metricsURL, nil)
	if err != nil {
		return 0, false
	}
	req.Header.Set("Accept", "text/plain")
	resp, err := client.Do(req)
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		return 0, false
	}
	const name = `websocket_connections{hub="jobs"} `
	for line := range strings.SplitSeq(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, name); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return int(f), err == nil
		}
	}
	return 0, false
}

// waitRegistered waits until the server counts want job-stream clients,
// at most timeout; without the gauge it waits a second. It reports whether
// the server counted them all.
func waitRegistered(ctx context.Context, client *http.Client, metricsURL string, want int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		n, ok := jobStreamGauge(ctx, client, metricsURL)
		if !ok {
			select {
			case <-time.After(time.Second):
			case <-ctx.Done():
			}
			return false
		}
		if n >= want {
			return true
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}
