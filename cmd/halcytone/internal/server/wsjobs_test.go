package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/store"
)

// syncPing makes sure c is registered with the hub: the reply to a ping
// comes from its reader, which runs once the client is in the hub.
func syncPing(t *testing.T, c *websocket.Conn) {
	t.Helper()
	sendWS(t, c, map[string]any{"type": "ping"})
	readUntil(t, c, "pong")
}

func jobIDOf(m wsMsg) string { return m.obj("job").str("job_id") }

func TestWSJobsStream(t *testing.T) {
	ts := newTestServer(t)
	c := ts.dialWS(t, "/ws/jobs") // no key: a public stream
	syncPing(t, c)
	assert.EqualValues(t, 1, ts.wsGauge(t, "jobs"))

	id := ts.syncSample(t, true, "metadata", map[string]any{"secret": "not for the stream"})

	last, before := readUntil(t, c, halcytone.EventJobCompleted, func(m wsMsg) bool { return jobIDOf(m) == id })
	events := append(before, last)
	require.Equal(t, halcytone.EventJobCreated, events[0]["type"], "first event: %v", events[0])
	for _, m := range events {
		assert.Equal(t, id, jobIDOf(m), "only this job's events: %v", m)
		assert.NotEmpty(t, m.str("timestamp"))
		_, err := time.Parse(time.RFC3339, m.str("timestamp"))
		assert.NoError(t, err)
		job := m.obj("job")
		for _, private := range []string{"metadata", "errors", "correlation_id"} {
			assert.NotContains(t, job, private, "no %s on the public stream", private)
		}
		for ch, r := range job.obj("results") {
			for _, private := range []string{"error", "url", "content_id"} {
				assert.NotContains(t, r, private, "no %s in the %s result on the public stream", private, ch)
			}
		}
		assert.Equal(t, []any{"email"}, job["channels"])
	}
	done := last.obj("job")
	assert.Equal(t, string(store.JobCompleted), done.str("status"))
	assert.Equal(t, "success", done.obj("results").obj("email").str("status"))
	assert.NotContains(t, fmt.Sprint(events), "not for the stream")

	// A subscription without "ack" is not confirmed: the stream carries
	// job events only (the next message is the ping's answer).
	sendWS(t, c, map[string]any{"type": "subscribe", "job_id": id})
	sendWS(t, c, map[string]any{"type": "unsubscribe"})
	sendWS(t, c, map[string]any{"type": "ping"})
	assert.Equal(t, "pong", readWS(t, c).str("type"))

	// Client messages: errors do not end the stream.
	sendWS(t, c, map[string]any{"type": "bogus"})
	assert.Equal(t, "error", readWS(t, c).str("type"))
	sendWS(t, c, "not an object")
	assert.Equal(t, "error", readWS(t, c).str("type"))
	syncPing(t, c)
}

func TestWSJobsPlainHTTP(t *testing.T) {
	ts := newTestServer(t)
	res := ts.do(t, "GET", "/ws/jobs", "", nil)
	assert.Equal(t, http.StatusUpgradeRequired, res.Status)
	assert.Equal(t, "websocket", res.Header.Get("Upgrade"))
	assert.Contains(t, res.Header.Get("Content-Type"), "json")
}

func TestWSJobsSubscribeNarrows(t *testing.T) {
	ts := newTestServer(t)
	all := ts.dialWS(t, "/ws/jobs")
	narrow := ts.dialWS(t, "/ws/jobs")
	syncPing(t, all)
	syncPing(t, narrow)

	// Job 1 awaits approval, so that it can be cancelled later.
	id1 := ts.syncSample(t, false)

	sendWS(t, narrow, map[string]any{"type": "subscribe", "job_id": id1, "ack": true})
	sub, _ := readUntil(t, narrow, "subscribed")
	assert.Equal(t, id1, sub.str("job_id"))

	// Job 2 runs to completion; the unfiltered client sees all of it.
	id2 := ts.syncSample(t, true)
	readUntil(t, all, halcytone.EventJobCompleted, func(m wsMsg) bool { return jobIDOf(m) == id2 })

	// Cancelling job 1 comes after every event of job 2, for every client:
	// the narrowed client must see it, and nothing of job 2 before it.
	cancel := ts.do(t, "DELETE", "/api/v2/content/sync/"+id1, ts.Admin, nil)
	require.Equal(t, http.StatusOK, cancel.Status, "%s", cancel.Body)
	got, before := readUntil(t, narrow, halcytone.EventJobStatusChange, func(m wsMsg) bool {
		return jobIDOf(m) == id1 && m.obj("job").str("status") == string(store.JobCancelled)
	})
	assert.Equal(t, id1, jobIDOf(got))
	for _, m := range before {
		assert.Equal(t, id1, jobIDOf(m), "the narrowed client got another job's event: %v", m)
	}

	// Unsubscribing everything restores the full stream.
	sendWS(t, narrow, map[string]any{"type": "unsubscribe", "ack": true})
	readUntil(t, narrow, "unsubscribed")
	id3 := ts.syncSample(t, true)
	// (Its delivery was already sent by job 2: the job settles as completed
	// when approved, and says so with job_completed.)
	readUntil(t, narrow, halcytone.EventJobCompleted, func(m wsMsg) bool {
		return jobIDOf(m) == id3 && m.obj("job").str("status") == string(store.JobCompleted)
	})
}

func TestWSJobsSlowClientDropped(t *testing.T) {
	ts := newTestServer(t)
	h := ts.jobEvents()
	require.NotNil(t, h)
	setBuffer := func(n int) {
		h.mu.Lock()
		h.sendBuffer = n
		h.mu.Unlock()
	}

	setBuffer(1)
	slow := ts.dialWS(t, "/ws/jobs") // never reads until the end
	waitFor(t, "the slow client to join", func() bool { return h.count() == 1 })
	setBuffer(wsSendBuffer)
	normal := ts.dialWS(t, "/ws/jobs")
	syncPing(t, normal)
	require.Equal(t, 2, h.count())

	// Flood the hub with large events, in batches the normal client reads
	// in full; the slow client's socket buffers fill, then its queue, and
	// it is dropped.
	pad := strings.Repeat("x", 8<<10)
	seq := 0
	publishBatch := func(n int) {
		for range n {
			h.publish(halcytone.Event{Type: halcytone.EventJobUpdate, At: time.Now(), Job: &store.Job{
				ID: "job_flood", Status: store.JobInProgress, Channels: []string{"email"},
				DocumentID: fmt.Sprintf("seq %d %s", seq, pad),
			}})
			seq++
		}
	}
	want := 0
	readBatch := func() {
		for ; want < seq; want++ {
			m := readWS(t, normal)
			doc := m.obj("job").str("document_id")
			require.NotEmpty(t, doc, "%v", m)
			require.Equal(t, fmt.Sprintf("seq %d", want), strings.Fields(doc)[0]+" "+strings.Fields(doc)[1], "the normal client missed an event")
		}
	}
	deadline := time.Now().Add(wsWait)
	for h.count() > 1 {
		require.True(t, time.Now().Before(deadline), "the slow client was never dropped (%d events sent)", seq)
		publishBatch(32)
		readBatch()
	}
	publishBatch(1)
	readBatch()
	syncPing(t, normal)

	// The slow client finds its connection closed once it reads.
	require.Error(t, readClosed(t, slow))
	waitFor(t, "the gauge to drop", func() bool {
		return ts.wsGauge(t, "jobs") == 1
	})
}

func TestWSJobsShutdown(t *testing.T) {
	ts := newTestServer(t)
	c := ts.dialWS(t, "/ws/jobs")
	syncPing(t, c)
	closed := make(chan error, 1)
	go func() { // read while closing: the close handshake needs a reader
		_, _, err := c.Read(context.Background())
		closed <- err
	}()
	ts.Close() // the harness's cleanup calls it again: it must be idempotent
	var err error
	select {
	case err = <-closed:
	case <-time.After(wsWait):
		t.Fatal("the connection was not closed")
	}
	assert.Equal(t, websocket.StatusGoingAway, websocket.CloseStatus(err), "%v", err)
	assert.Equal(t, 0, ts.jobEvents().count())

	_, res, err := ts.tryDialWS("/ws/jobs")
	require.Error(t, err)
	if res != nil {
		assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	}
}
