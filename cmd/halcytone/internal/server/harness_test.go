package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/approval"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/schedule"
	"github.com/halcytone/halcytone/source"
	"github.com/halcytone/halcytone/store"
	"github.com/halcytone/halcytone/telemetry"
)

// testServer is a Server on a real loopback listener over the in-memory
// store and queue, with recording publishers for every channel.
type testServer struct {
	*Server
	URL    string
	Admin  string // an admin key
	Store  *mock.Store
	Queue  *mock.Queue
	Source *mock.Source // registered as "mem:"
	Pubs   map[content.Channel]*mock.RecordingPublisher
	Engine *halcytone.Engine
	Keys   *Keys
	// Signal cancels the context the queue and the server were started
	// with, as serve's shutdown signal does.
	Signal context.CancelFunc
}

// newTestServer starts a server; configure may adjust the Config.
func newTestServer(t testing.TB, configure ...func(*Config)) *testServer {
	t.Helper()
	return newTestServerWithSources(t, nil, configure...)
}

// newTestServerWithSources is newTestServer with more sources registered
// by sources (such as the SSRF-guarded URL source).
func newTestServerWithSources(t testing.TB, sources func(*source.Registry), configure ...func(*Config)) *testServer {
	t.Helper()
	return newTestServerOver(t, nil, sources, configure...)
}

// newTestServerOver is newTestServerWithSources with the engine's (and so
// the server's) store wrapped by wrap, when it is not nil; ts.Store is the
// mock store underneath.
func newTestServerOver(t testing.TB, wrap func(store.Store) store.Store, sources func(*source.Registry), configure ...func(*Config)) *testServer {
	t.Helper()
	ts := &testServer{Store: mock.NewStore(), Queue: mock.NewQueue(nil), Source: mock.NewSource(), Pubs: map[content.Channel]*mock.RecordingPublisher{}}
	var st store.Store = ts.Store
	if wrap != nil {
		st = wrap(st)
	}
	ts.Queue.MaxDelay = time.Millisecond
	reg := source.NewRegistry()
	reg.Register("mem", ts.Source)
	if sources != nil {
		sources(reg)
	}
	metrics, err := telemetry.NewMetrics()
	require.NoError(t, err)
	var pubs []publish.Publisher
	for _, ch := range []content.Channel{content.ChannelEmail, content.ChannelWebsite, content.ChannelTwitter, content.ChannelLinkedIn, content.ChannelFacebook, content.ChannelInstagram} {
		p := mock.NewRecordingPublisher(string(ch), ch)
		ts.Pubs[ch] = p
		pubs = append(pubs, p)
	}
	reviewers := approval.StaticDirectory{
		"erin": {"editor"}, "mark": {"marketing"}, "ada": {"editor", "marketing"}, "mona": {"manager"},
		"lee": {"legal"}, "eve": {"executive"},
	}
	cfg := Config{Metrics: metrics, Queue: ts.Queue, Version: "test", Reviewers: reviewers}
	for _, c := range configure {
		c(&cfg)
	}
	eng, err := halcytone.New(halcytone.Config{
		Store: st, Sources: reg, Queue: ts.Queue, Publishers: pubs,
		Gate:   &approval.Gate{Policy: approval.DefaultPolicy(), Directory: reviewers, Now: cfg.Now},
		Outbox: WebhookOutbox(ts.Queue, cfg.Now),
		Now:    cfg.Now,
	})
	require.NoError(t, err)
	ts.Engine = eng
	ts.Queue.Worker = schedule.WorkerFunc(func(ctx context.Context, j schedule.Job, attempt int) error {
		if IsWebhookJob(j) {
			return ts.WorkWebhook(ctx, j, attempt)
		}
		return eng.Work(ctx, j, attempt)
	})
	ctx, cancel := context.WithCancel(context.Background())
	ts.Signal = cancel
	require.NoError(t, ts.Queue.Start(ctx))

	ts.Keys = NewKeys(ts.Store, nil)
	// The suites send thousands of keyless requests from one address; the
	// budgets themselves are tested in TestAddressLimits.
	ts.Keys.SetAddressLimits(1<<20, 1<<20)
	cfg.Engine, cfg.Keys = eng, ts.Keys
	srv, err := New(cfg)
	require.NoError(t, err)
	ts.Server = srv
	admin, err := ts.Keys.Bootstrap(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, admin)
	ts.Admin = admin
	hs := httptest.NewServer(srv)
	ts.URL = hs.URL
	srv.Start(ctx)
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
		_ = ts.Queue.Stop(context.Background())
		cancel()
	})
	return ts
}

// key creates a key with the given scopes and per-minute limit.
func (ts *testServer) key(t *testing.T, name string, limit int, scopes ...string) string {
	t.Helper()
	k, _, err := ts.Keys.Create(context.Background(), name, scopes, limit)
	require.NoError(t, err)
	return k
}

// response is a finished request.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a map (or into v when given).
func (r response) JSON(t *testing.T, v ...any) map[string]any {
	t.Helper()
	if len(v) > 0 {
		require.NoError(t, json.Unmarshal(r.Body, v[0]), "body: %s", r.Body)
		return nil
	}
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &m), "body: %s", r.Body)
	return m
}

// do sends a request with key (none when "") and body (JSON-encoded unless
// it is a string or []byte).
func (ts *testServer) do(t *testing.T, method, path, key string, body any, headers ...string) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, ts.URL+path, rd)
	require.NoError(t, err)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return response{Status: res.StatusCode, Header: res.Header, Body: raw}
}

// waitIdle waits until the queue has worked every entry.
func (ts *testServer) waitIdle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, ts.Queue.Wait(ctx))
}
