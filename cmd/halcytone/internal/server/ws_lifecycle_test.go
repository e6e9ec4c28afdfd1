package server

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/store"
)

// TestWSNoGoroutineLeaks connects every kind of WebSocket client and
// leaves them open: the server's Close (the harness's cleanup) must close
// them and end every goroutine it started. The clients' readers end when
// their connection closes, so they leak too if the server leaves one open.
func TestWSNoGoroutineLeaks(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) }) // runs after the harness's cleanup
	ts := newTestServer(t)

	dial := func(path string, headers ...string) *websocket.Conn {
		c, _, err := ts.tryDialWS(path, headers...)
		require.NoError(t, err)
		return c // not closed by the test
	}
	jobs := dial("/ws/jobs")
	syncPing(t, jobs)
	live := dial("/ws/live-updates?session_id=leak&client_id=p", "X-API-Key", ts.Admin)
	assert.Equal(t, "welcome", readWS(t, live).str("type"))
	in := dial("/ws/session/leak/events", "X-API-Key", ts.Admin)
	sendWS(t, in, map[string]any{"type": "session.started"})
	assert.Equal(t, "ack", readWS(t, in).str("type"))
	readUntil(t, live, "session_update")

	// Read in the background, as real clients do, so that the close
	// handshakes complete at once.
	for _, c := range []*websocket.Conn{jobs, live, in} {
		go func() {
			for {
				if _, _, err := c.Read(context.Background()); err != nil {
					return
				}
			}
		}()
	}
}

func TestLiveShutdown(t *testing.T) {
	ts := newTestServer(t)
	live, _ := ts.joinLive(t, ts.Admin, "bye", "p", "participant")
	in := ts.dialWS(t, "/ws/session/bye/events", "X-API-Key", ts.Admin)
	sendWS(t, in, map[string]any{"type": "session.started"})
	assert.Equal(t, "ack", readWS(t, in).str("type"))
	readUntil(t, live, "session_update")

	errs := make(chan error, 2)
	for _, c := range []*websocket.Conn{live, in} {
		go func() {
			for {
				if _, _, err := c.Read(context.Background()); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	ts.Close()
	for range 2 {
		select {
		case err := <-errs:
			assert.Equal(t, websocket.StatusGoingAway, websocket.CloseStatus(err), "%v", err)
		case <-time.After(wsWait):
			t.Fatal("a connection was not closed")
		}
	}
	assert.EqualValues(t, 0, ts.wsGauge(t, "live"))
	assert.EqualValues(t, 0, ts.wsGauge(t, "ingest"))
}

func TestWSJobsPing(t *testing.T) {
	ts := newTestServer(t)
	h := ts.jobEvents()
	h.mu.Lock()
	h.pingEvery = 10 * time.Millisecond
	h.mu.Unlock()

	pings := make(chan struct{}, 16)
	ctx, cancel := context.WithTimeout(context.Background(), wsWait)
	defer cancel()
	c, _, err := websocket.Dial(ctx, ts.wsURL("/ws/jobs"), &websocket.DialOptions{
		OnPingReceived: func(context.Context, []byte) bool {
			select {
			case pings <- struct{}{}:
			default:
			}
			return true
		},
	})
	require.NoError(t, err)
	defer c.CloseNow()
	go func() { // pongs are sent by the reader
		for {
			if _, _, err := c.Read(context.Background()); err != nil {
				return
			}
		}
	}()
	for i := range 3 {
		select {
		case <-pings:
		case <-ctx.Done():
			t.Fatalf("ping %d never came", i+1)
		}
	}
	assert.Equal(t, 1, h.count(), "answered pings keep the connection")
}

// TestWSJobsManyClients fans one event out to many clients.
func TestWSJobsManyClients(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 100
	}
	ts := newTestServer(t)
	h := ts.jobEvents()
	conns := make([]*websocket.Conn, n)
	for i := range conns {
		conns[i] = ts.dialWS(t, "/ws/jobs")
	}
	waitFor(t, fmt.Sprintf("%d clients", n), func() bool { return h.count() == n })
	assert.EqualValues(t, n, ts.wsGauge(t, "jobs"))

	h.publish(halcytone.Event{Type: halcytone.EventJobCreated, At: time.Now(), Job: &store.Job{ID: "job_many", Status: store.JobPending}})
	for _, c := range conns {
		m := readWS(t, c)
		require.Equal(t, "job_many", jobIDOf(m))
	}
}
