package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/halcytone/halcytone/internal/benchdoc"
)

// httpScenario is the one request an HTTP scenario repeats.
type httpScenario struct {
	method string
	path   string // with its query
	body   []byte
	key    bool // sends the API key
	// unique makes every request's body differ: the first benchRevision
	// placeholder in body is overwritten with a request number of the
	// same width, so that no answer can come from a cache.
	unique bool
}

// benchRevision is the placeholder of a unique body: 12 digits, so that a
// run numbers up to 10^12 requests without changing the body's length.
const benchRevision = "000000000000"

// stamp writes request number n (mod 10^12) over the placeholder at off
// in body.
func stamp(body []byte, off int, n uint64) {
	for i := off + len(benchRevision) - 1; i >= off; i-- {
		body[i] = byte('0' + n%10)
		n /= 10
	}
}

func (s httpScenario) String() string {
	if s.body != nil {
		return fmt.Sprintf("%s %s (%d-byte body)", s.method, s.path, len(s.body))
	}
	return s.method + " " + s.path
}

// httpScenarioOf returns the request of an HTTP scenario.
func httpScenarioOf(name string) (httpScenario, error) {
	switch name {
	case "health":
		return httpScenario{method: http.MethodGet, path: "/health"}, nil
	case "jobs":
		return httpScenario{method: http.MethodGet, path: "/api/v2/jobs?limit=20", key: true}, nil
	case "preview", "preview-repeat":
		body, err := json.Marshal(map[string]any{
			"document":     map[string]string{"format": "markdown", "text": benchdoc.Markdown + "\nRevision " + benchRevision + ".\n"},
			"preview_only": true,
		})
		if err != nil {
			return httpScenario{}, err
		}
		return httpScenario{method: http.MethodPost, path: "/api/v2/generate-content", body: body, key: true, unique: name == "preview"}, nil
	case "preview-cached":
		return httpScenario{method: http.MethodGet, path: "/api/v1/preview?document_id=sample:", key: true}, nil
	}
	return httpScenario{}, fmt.Errorf("%w: %q is not an HTTP scenario", errUsage, name)
}

// newBenchClient returns the client every worker shares: keep-alive, one
// idle connection per worker, no proxy (the environment's proxy could be
// another machine), and a dialer that refuses non-loopback addresses.
func newBenchClient(conns int, timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second, Control: loopbackOnly}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         d.DialContext,
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
			ForceAttemptHTTP2:   false,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// httpBench runs one HTTP scenario with closed-loop workers.
type httpBench struct {
	client *http.Client
	url    string
	sc     httpScenario
	key    string
	seq    atomic.Uint64 // numbers the requests of a unique scenario; see newHTTPBench
}

// newHTTPBench returns the bench of scenario sc at url. The request
// numbers of a unique scenario start at a random point, so that a second
// run against the same server does not repeat the first run's texts (and
// find their previews in its cache).
func newHTTPBench(client *http.Client, url string, sc httpScenario, key string) *httpBench {
	b := &httpBench{client: client, url: url, sc: sc, key: key}
	b.seq.Store(rand.Uint64N(1_000_000_000_000))
	return b
}

// request returns the scenario's request; a unique scenario's body has the
// next request number.
func (b *httpBench) request(ctx context.Context) (*http.Request, error) {
	var rd io.Reader
	if b.sc.body != nil {
		body := b.sc.body
		if off := b.revisionAt(); off >= 0 {
			body = bytes.Clone(body)
			stamp(body, off, b.seq.Add(1))
		}
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, b.sc.method, b.url, rd)
	if err != nil {
		return nil, err
	}
	if b.sc.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if b.sc.key {
		req.Header.Set("Authorization", "Bearer "+b.key)
	}
	return req, nil
}

// revisionAt returns the offset of the placeholder in the body of a
// unique scenario, -1 otherwise.
func (b *httpBench) revisionAt() int {
	if !b.sc.unique {
		return -1
	}
	return bytes.Index(b.sc.body, []byte(benchRevision))
}

// do sends the scenario's request once through the shared client and
// reads the whole answer; body, when not nil, receives its first bytes.
func (b *httpBench) do(ctx context.Context, body *[]byte) (int, error) {
	req, err := b.request(ctx)
	if err != nil {
		return 0, err
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if body != nil {
		*body, err = io.ReadAll(io.LimitReader(resp.Body, 2048))
		if err != nil {
			return resp.StatusCode, err
		}
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, err
}

// httpCounters count the outcomes of a phase.
type httpCounters struct {
	requests  atomic.Int64
	transport atomic.Int64
	statuses  [600]atomic.Int64
}

func (c *httpCounters) errors() int64 {
	n := c.transport.Load()
	for code := range c.statuses {
		if code/100 != 2 {
			n += c.statuses[code].Load()
		}
	}
	return n
}

func (c *httpCounters) statusMap() map[string]int64 {
	out := map[string]int64{}
	for code := range c.statuses {
		if n := c.statuses[code].Load(); n > 0 {
			out[strconv.Itoa(code)] = n
		}
	}
	return out
}

// phase runs workers closed-loop for d: each sends a request, waits for
// the whole answer, and sends the next, until d has passed. Requests in
// flight at the end complete and count; the returned wall time runs to
// the last of them.
func phase(ctx context.Context, workers []requester, d time.Duration, h *latencyHistogram, c *httpCounters) time.Duration {
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(deadline) {
				t0 := time.Now()
				status, err := w.do(ctx, nil)
				took := time.Since(t0)
				if ctx.Err() != nil {
					return // interrupted: no result
				}
				c.requests.Add(1)
				if err != nil {
					c.transport.Add(1)
					time.Sleep(10 * time.Millisecond) // a refused connection must not spin
					continue
				}
				c.statuses[min(max(status, 0), len(c.statuses)-1)].Add(1)
				h.record(took)
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}

// runHTTPBench runs an HTTP scenario: one checked request, a warm-up, then
// the measured phase.
func runHTTPBench(ctx context.Context, o benchOptions, base *url.URL) (*benchResult, error) {
	sc, err := httpScenarioOf(o.Scenario)
	if err != nil {
		return nil, err
	}
	if sc.key && o.Key == "" {
		return nil, fmt.Errorf("%w: --scenario %s needs --key (or $HALCYTONE_KEY)", errUsage, o.Scenario)
	}
	client := newBenchClient(o.Concurrency, o.Timeout)
	defer client.CloseIdleConnections()
	b := newHTTPBench(client, base.String()+sc.path, sc, o.Key)

	var first []byte
	status, err := b.do(ctx, &first)
	if err != nil {
		return nil, fmt.Errorf("first request %s: %w", sc, err)
	}
	if status/100 != 2 {
		return nil, fmt.Errorf("first request %s answered %d: %s", sc, status, bytes.TrimSpace(first))
	}
	workers := make([]requester, o.Concurrency)
	for i := range workers {
		workers[i] = b
		if o.Client == "conn" {
			cr, err := newConnRequester(b, o.Timeout)
			if err != nil {
				return nil, err
			}
			workers[i] = cr
		}
	}
	defer func() {
		for _, w := range workers {
			if cr, ok := w.(*connRequester); ok {
				cr.close()
			}
		}
	}()
	if o.Warmup > 0 {
		phase(ctx, workers, o.Warmup, newLatencyHistogram(), &httpCounters{})
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	h, c := newLatencyHistogram(), &httpCounters{}
	meter := startUsage(o.ServerPID)
	took := phase(ctx, workers, o.Duration, h, c)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("interrupted: %w", err)
	}
	res := &benchResult{
		Scenario: o.Scenario, Target: o.Target, Request: sc.String(), Client: o.Client, Concurrency: o.Concurrency,
		Seconds: round3(took.Seconds()), Requests: c.requests.Load(), Errors: c.errors(),
		TransportErrors: c.transport.Load(), Statuses: c.statusMap(), Latency: h.summary(),
	}
	res.RequestsPerSec = round3(float64(res.Requests) / took.Seconds())
	if err := meter.finish(res, res.Requests); err != nil {
		return nil, err
	}
	return res, nil
}
