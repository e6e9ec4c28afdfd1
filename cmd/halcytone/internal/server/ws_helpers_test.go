package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/approval"
)

// wsWait bounds every wait of the WebSocket tests.
const wsWait = 30 * time.Second

// wsURL is the ws:// URL of path on ts.
func (ts *testServer) wsURL(path string) string {
	return "ws" + strings.TrimPrefix(ts.URL, "http") + path
}

// dialWS connects to path with the given headers (pairs), closing the
// connection when the test ends.
func (ts *testServer) dialWS(t *testing.T, path string, headers ...string) *websocket.Conn {
	t.Helper()
	c, res, err := ts.tryDialWS(path, headers...)
	if res != nil && res.Body != nil {
		_ = res.Body.Close()
	}
	require.NoError(t, err, "dial %s", path)
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

// tryDialWS connects to path and returns what Dial returns.
func (ts *testServer) tryDialWS(path string, headers ...string) (*websocket.Conn, *http.Response, error) {
	h := http.Header{}
	for i := 0; i+1 < len(headers); i += 2 {
		h.Set(headers[i], headers[i+1])
	}
	ctx, cancel := context.WithTimeout(context.Background(), wsWait)
	defer cancel()
	c, res, err := websocket.Dial(ctx, ts.wsURL(path), &websocket.DialOptions{HTTPHeader: h})
	if err == nil {
		c.SetReadLimit(4 << 20)
	}
	return c, res, err
}

// wsMsg is a decoded message.
type wsMsg map[string]any

func (m wsMsg) str(key string) string { s, _ := m[key].(string); return s }

func (m wsMsg) obj(key string) wsMsg { o, _ := m[key].(map[string]any); return o }

// readWS reads the next message of c.
func readWS(t *testing.T, c *websocket.Conn) wsMsg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wsWait)
	defer cancel()
	_, data, err := c.Read(ctx)
	require.NoError(t, err)
	var m wsMsg
	require.NoError(t, json.Unmarshal(data, &m), "message: %s", data)
	return m
}

// readUntil reads messages of c until one has type typ (and passes the
// optional filter); it returns that one and the ones before it.
func readUntil(t *testing.T, c *websocket.Conn, typ string, filter ...func(wsMsg) bool) (wsMsg, []wsMsg) {
	t.Helper()
	deadline := time.Now().Add(wsWait)
	var before []wsMsg
	for time.Now().Before(deadline) {
		m := readWS(t, c)
		if m.str("type") == typ && (len(filter) == 0 || filter[0](m)) {
			return m, before
		}
		before = append(before, m)
	}
	t.Fatalf("no %s message within %v", typ, wsWait)
	return nil, nil
}

// sendWS writes v as JSON to c.
func sendWS(t *testing.T, c *websocket.Conn, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), wsWait)
	defer cancel()
	require.NoError(t, c.Write(ctx, websocket.MessageText, b))
}

// waitFor polls cond until it holds, for at most wsWait.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wsWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// readClosed reads c until the server closes it and returns the error.
func readClosed(t *testing.T, c *websocket.Conn) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wsWait)
	defer cancel()
	for {
		if _, _, err := c.Read(ctx); err != nil {
			require.NotErrorIs(t, err, context.DeadlineExceeded, "the connection was not closed")
			return err
		}
	}
}

// wsGauge reads websocket_connections{hub}.
func (ts *testServer) wsGauge(t *testing.T, hub string) float64 {
	t.Helper()
	var m dto.Metric
	require.NoError(t, ts.cfg.Metrics.WebSocketConnections.WithLabelValues(hub).Write(&m))
	return m.GetGauge().GetValue()
}

// syncSample creates a job for "sample:" on email through the API and
// returns its id; approve passes its approval (the sample speaks of
// health: level 4, legal and executive), so that it runs to completion.
func (ts *testServer) syncSample(t *testing.T, approve bool, extra ...any) string {
	t.Helper()
	body := map[string]any{"document_id": "sample:", "channels": []string{"email"}}
	for i := 0; i+1 < len(extra); i += 2 {
		body[extra[i].(string)] = extra[i+1]
	}
	res := ts.do(t, "POST", "/api/v2/content/sync", ts.Admin, body)
	require.Equal(t, http.StatusAccepted, res.Status, "%s", res.Body)
	var job SyncJob
	res.JSON(t, &job)
	require.NotEmpty(t, job.JobID)
	if approve && job.Approval != nil && job.Approval.RequestID != "" {
		ctx := context.Background()
		a, err := ts.Store.GetApproval(ctx, job.Approval.RequestID)
		require.NoError(t, err)
		for _, reviewer := range []string{"lee", "eve"} {
			_, err := ts.Engine.Decide(ctx, a.ID, approval.DecisionInput{Reviewer: reviewer, Decision: approval.Approve, ContentHash: a.ContentHash})
			require.NoError(t, err, "approval by %s", reviewer)
		}
	}
	return job.JobID
}

// TestWSHandshakeErrorsAreProblems: handshakes the WebSocket library
// refuses (a foreign origin, no key, an old version) are answered with
// problem+json like every other error (API.md), not the library's text.
func TestWSHandshakeErrorsAreProblems(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.AllowedOrigins = []string{"https://dashboard.example"} })
	up := []string{"Connection", "Upgrade", "Upgrade", "websocket"}
	key := []string{"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}
	for name, tc := range map[string]struct {
		headers []string
		status  int
	}{
		"foreign origin": {append(append(append([]string{}, up...), key...), "Sec-WebSocket-Version", "13", "Origin", "https://evil.example"), http.StatusForbidden},
		"no key":         {append(append([]string{}, up...), "Sec-WebSocket-Version", "13"), http.StatusBadRequest},
		"version 8":      {append(append(append([]string{}, up...), key...), "Sec-WebSocket-Version", "8"), http.StatusBadRequest},
	} {
		for _, path := range []string{"/ws/jobs", "/ws/live-updates?session_id=s&client_id=c&role=participant"} {
			res := ts.do(t, http.MethodGet, path, ts.Admin, nil, tc.headers...)
			assert.Equal(t, tc.status, res.Status, "%s %s: %s", name, path, res.Body)
			assert.Equal(t, "application/problem+json", res.Header.Get("Content-Type"), "%s %s", name, path)
			assert.Contains(t, string(res.Body), "WebSocket handshake refused", "%s %s", name, path)
		}
	}
}
