package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/store"
)

// webhookCall is one request a webhookReceiver got.
type webhookCall struct {
	Header http.Header
	Body   []byte
}

// webhookReceiver is a loopback endpoint that answers the scripted status
// codes in order, then 200, and reports every call on Calls.
type webhookReceiver struct {
	*httptest.Server
	Calls chan webhookCall

	mu    sync.Mutex
	codes []int
}

func newWebhookReceiver(t *testing.T, codes ...int) *webhookReceiver {
	t.Helper()
	r := &webhookReceiver{Calls: make(chan webhookCall, 100), codes: codes}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		code := http.StatusOK
		if len(r.codes) > 0 {
			code, r.codes = r.codes[0], r.codes[1:]
		}
		r.mu.Unlock()
		w.WriteHeader(code)
		_, _ = io.WriteString(w, "answer "+strconv.Itoa(code))
		r.Calls <- webhookCall{Header: req.Header.Clone(), Body: body}
	}))
	t.Cleanup(r.Close)
	return r
}

// next waits for the next call.
func (r *webhookReceiver) next(t *testing.T) webhookCall {
	t.Helper()
	select {
	case c := <-r.Calls:
		return c
	case <-time.After(30 * time.Second):
		require.FailNow(t, "no webhook call within 30 s")
		return webhookCall{}
	}
}

// verifyWebhookCall checks a call's Standard Webhooks signature with the
// endpoint's secret, independently of the server's code, and decodes its
// body.
func verifyWebhookCall(t *testing.T, secret string, c webhookCall) map[string]any {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	require.NoError(t, err)
	require.Len(t, key, 24)
	id, ts := c.Header.Get("webhook-id"), c.Header.Get("webhook-timestamp")
	require.NotEmpty(t, id)
	secs, err := strconv.ParseInt(ts, 10, 64)
	require.NoError(t, err)
	assert.InDelta(t, time.Now().Unix(), secs, 300)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + ts + "."))
	m.Write(c.Body)
	assert.Equal(t, "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)), c.Header.Get("webhook-signature"))
	assert.Equal(t, "application/json", c.Header.Get("Content-Type"))
	var body map[string]any
	require.NoError(t, json.Unmarshal(c.Body, &body))
	return body
}

// registerWebhook registers url for events and returns the endpoint's id
// and secret.
func registerWebhook(t *testing.T, ts *testServer, url string, events ...string) (string, string) {
	t.Helper()
	res := ts.do(t, "POST", "/api/v2/webhooks", ts.Admin, map[string]any{"url": url, "events": events})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	b := res.JSON(t)
	return b["id"].(string), b["secret"].(string)
}

// webhookPoll calls cond until it holds, for at most 30 s.
func webhookPoll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			require.FailNow(t, "timed out waiting: "+what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// webhookDeliveries lists an endpoint's deliveries through the API.
func webhookDeliveries(t *testing.T, ts *testServer, id string) []WebhookDeliveryBody {
	t.Helper()
	res := ts.do(t, "GET", "/api/v2/webhooks/"+id+"/deliveries", ts.Admin, nil)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	var b struct {
		Deliveries []WebhookDeliveryBody `json:"deliveries"`
	}
	res.JSON(t, &b)
	return b.Deliveries
}

// webhookSync creates a job for a fresh document that needs no approval
// and returns its id.
func webhookSync(t *testing.T, ts *testServer) string {
	t.Helper()
	ref := "mem:webhook-" + strconv.FormatInt(time.Now().UnixNano(), 10)
	ts.Source.AddText(ref, strings.Replace(cacheTestDoc, "ten rounds", ref, 1), content.FormatMarkdown)
	res := ts.do(t, "POST", "/api/v2/content/sync", ts.Admin, map[string]any{"document_id": ref, "channels": []string{"email"}})
	require.Equal(t, http.StatusAccepted, res.Status, "%s", res.Body)
	return res.JSON(t)["job_id"].(string)
}

func TestWebhookDeliversSignedJobCompleted(t *testing.T) {
	ts := newTestServer(t)
	ts.SetWebhookAllowPrivate(true)
	recv := newWebhookReceiver(t)
	id, secret := registerWebhook(t, ts, recv.URL+"/hook", "job.completed", "job.completed")
	assert.True(t, strings.HasPrefix(secret, "whsec_"), secret)

	list := ts.do(t, "GET", "/api/v2/webhooks", ts.Admin, nil)
	require.Equal(t, http.StatusOK, list.Status, "%s", list.Body)
	assert.NotContains(t, string(list.Body), "whsec_", "secrets are shown once")
	lb := list.JSON(t)
	assert.EqualValues(t, 1, lb["total"])
	hook := lb["webhooks"].([]any)[0].(map[string]any)
	assert.Equal(t, id, hook["id"])
	assert.Equal(t, []any{"job.completed"}, hook["events"])
	assert.Equal(t, false, hook["disabled"])

	jobID := webhookSync(t, ts)
	ts.waitIdle(t)
	call := recv.next(t)
	body := verifyWebhookCall(t, secret, call)
	assert.Equal(t, "job.completed", body["type"])
	assert.NotEmpty(t, body["timestamp"])
	data := body["data"].(map[string]any)
	assert.Equal(t, jobID, data["job_id"])
	assert.Equal(t, "completed", data["job"].(map[string]any)["status"])
	assert.True(t, strings.HasPrefix(call.Header.Get("webhook-id"), "msg_"))

	webhookPoll(t, "delivery recorded as delivered", func() bool {
		ds := webhookDeliveries(t, ts, id)
		return len(ds) == 1 && ds[0].Status == "delivered"
	})
	d := webhookDeliveries(t, ts, id)[0]
	assert.Equal(t, call.Header.Get("webhook-id"), d.ID)
	assert.Equal(t, 1, d.Attempts)
	assert.Equal(t, 200, d.ResponseCode)
	assert.Equal(t, "job.completed", d.Event)
	select {
	case extra := <-recv.Calls:
		t.Fatalf("one event, one call; also got %s", extra.Body)
	default:
	}
}

func TestWebhookApprovalRequested(t *testing.T) {
	ts := newTestServer(t)
	ts.SetWebhookAllowPrivate(true)
	recv := newWebhookReceiver(t)
	_, secret := registerWebhook(t, ts, recv.URL, "approval.requested")
	// The sample document on email needs a review.
	res := ts.do(t, "POST", "/api/v2/content/sync", ts.Admin, map[string]any{"document_id": "sample:", "channels": []string{"email"}})
	require.Equal(t, http.StatusAccepted, res.Status, "%s", res.Body)
	job := res.JSON(t)
	require.Equal(t, "awaiting_approval", job["status"])
	body := verifyWebhookCall(t, secret, recv.next(t))
	assert.Equal(t, "approval.requested", body["type"])
	data := body["data"].(map[string]any)
	assert.Equal(t, job["job_id"], data["job_id"])
	assert.NotEmpty(t, data["approval"].(map[string]any)["id"])
}

func TestWebhookRetriesAfterServerError(t *testing.T) {
	ts := newTestServer(t)
	ts.SetWebhookAllowPrivate(true)
	ts.addons().hooks.setPolicy(20*time.Millisecond, 0, 0)
	recv := newWebhookReceiver(t, http.StatusInternalServerError, http.StatusServiceUnavailable)
	id, secret := registerWebhook(t, ts, recv.URL, "job.completed")

	webhookSync(t, ts)
	first, second, third := recv.next(t), recv.next(t), recv.next(t)
	for _, c := range []webhookCall{first, second, third} {
		verifyWebhookCall(t, secret, c)
	}
	assert.Equal(t, first.Header.Get("webhook-id"), third.Header.Get("webhook-id"), "a retry is the same message")
	assert.Equal(t, first.Body, third.Body)
	webhookPoll(t, "delivered on the third attempt", func() bool {
		ds := webhookDeliveries(t, ts, id)
		return len(ds) == 1 && ds[0].Status == "delivered"
	})
	d := webhookDeliveries(t, ts, id)[0]
	assert.Equal(t, 3, d.Attempts)
	assert.Empty(t, d.LastError)
}

// TestWebhookAttemptsAreQueueEntries checks that each attempt is an entry
// of the durable queue, and that deleting the endpoint cancels the ones
// still waiting.
func TestWebhookAttemptsAreQueueEntries(t *testing.T) {
	ts := newTestServer(t)
	ts.SetWebhookAllowPrivate(true)
	ts.addons().hooks.setPolicy(time.Hour, 0, 0) // the retry waits
	recv := newWebhookReceiver(t, http.StatusInternalServerError)
	id, _ := registerWebhook(t, ts, recv.URL, "job.completed")

	webhookSync(t, ts)
	first := recv.next(t)
	msg := first.Header.Get("webhook-id")
	webhookPoll(t, "the retry to be queued", func() bool {
		_, ok := ts.Queue.Entry(msg + "#2")
		return ok
	})
	e1, ok := ts.Queue.Entry(msg + "#1")
	require.True(t, ok)
	assert.Equal(t, "completed", e1.State, "the failed attempt is done; the next is its own entry")
	e2, _ := ts.Queue.Entry(msg + "#2")
	assert.Equal(t, "webhook:"+id, e2.Job.JobID)
	assert.WithinDuration(t, time.Now().Add(time.Hour), e2.ScheduledAt, time.Minute)

	res := ts.do(t, "DELETE", "/api/v2/webhooks/"+id, ts.Admin, nil)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	e2, _ = ts.Queue.Entry(msg + "#2")
	assert.Equal(t, "cancelled", e2.State)
	assert.Empty(t, recv.Calls)
}

func TestWebhookGoneDisablesEndpoint(t *testing.T) {
	ts := newTestServer(t)
	ts.SetWebhookAllowPrivate(true)
	recv := newWebhookReceiver(t, http.StatusGone)
	id, _ := registerWebhook(t, ts, recv.URL, "job.completed")

	webhookSync(t, ts)
	recv.next(t)
	webhookPoll(t, "endpoint disabled", func() bool {
		w, err := ts.Store.GetWebhook(context.Background(), id)
		require.NoError(t, err)
		return w.Disabled
	})
	webhookPoll(t, "delivery failed", func() bool {
		ds := webhookDeliveries(t, ts, id)
		return len(ds) == 1 && ds[0].Status == "failed"
	})
	assert.Equal(t, 410, webhookDeliveries(t, ts, id)[0].ResponseCode)
	list := ts.do(t, "GET", "/api/v2/webhooks", ts.Admin, nil).JSON(t)
	assert.Equal(t, true, list["webhooks"].([]any)[0].(map[string]any)["disabled"])

	// A disabled endpoint gets nothing more.
	webhookSync(t, ts)
	ts.waitIdle(t)
	ds := webhookDeliveries(t, ts, id)
	assert.Len(t, ds, 1)
}

func TestWebhookGivesUpAfterMaxAge(t *testing.T) {
	ts := newTestServer(t)
	ts.SetWebhookAllowPrivate(true)
	ts.addons().hooks.setPolicy(10*time.Millisecond, 300*time.Millisecond, 0)
	codes := make([]int, 100)
	for i := range codes {
		codes[i] = http.StatusBadGateway
	}
	recv := newWebhookReceiver(t, codes...)
	id, _ := registerWebhook(t, ts, recv.URL, "job.completed")
	webhookSync(t, ts)
	webhookPoll(t, "delivery given up", func() bool {
		ds := webhookDeliveries(t, ts, id)
		return len(ds) == 1 && ds[0].Status == "failed"
	})
	d := webhookDeliveries(t, ts, id)[0]
	assert.GreaterOrEqual(t, d.Attempts, 2)
	assert.Equal(t, 502, d.ResponseCode)
	assert.Contains(t, d.LastError, "502")
	w, err := ts.Store.GetWebhook(context.Background(), id)
	require.NoError(t, err)
	assert.False(t, w.Disabled, "only 410 disables an endpoint")
}

func TestWebhookBackoffSchedule(t *testing.T) {
	ts := newTestServer(t)
	d := ts.addons().hooks
	created := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	at, attempts := created, 1 // the first attempt, made at once, failed
	var delays []time.Duration
	for {
		next, ok := d.nextAttempt(created, at, attempts)
		if !ok {
			break
		}
		delays = append(delays, next.Sub(at))
		at = next
		attempts++
		require.Less(t, attempts, 100)
	}
	require.GreaterOrEqual(t, len(delays), 3)
	assert.Equal(t, []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second}, delays[:3])
	assert.Equal(t, created.Add(72*time.Hour), at, "the last attempt is made at 72 h")
	assert.Equal(t, 17, attempts, "attempts over three days")
}

func TestWebhookResumesPendingDeliveries(t *testing.T) {
	ts := newTestServer(t)
	recv := newWebhookReceiver(t)
	ctx := context.Background()
	secret := newWebhookSecret()
	require.NoError(t, ts.Store.CreateWebhook(ctx, &store.Webhook{ID: "wh_resume", URL: recv.URL, Events: []string{"job.failed"}, Secret: secret, CreatedAt: time.Now()}))
	payload := []byte(`{"type":"job.failed","timestamp":"2025-03-04T10:00:00Z","data":{"job_id":"j1"}}`)
	old := time.Now().Add(-time.Hour)
	for _, del := range []store.WebhookDelivery{
		{ID: "msg_pending", WebhookID: "wh_resume", Event: "job.failed", Payload: payload, Status: "pending", CreatedAt: old},
		{ID: "msg_retrying", WebhookID: "wh_resume", Event: "job.failed", Payload: payload, Status: "pending", Attempts: 3, CreatedAt: old, UpdatedAt: old},
		{ID: "msg_done", WebhookID: "wh_resume", Event: "job.failed", Payload: payload, Status: "delivered", Attempts: 1, CreatedAt: old},
	} {
		require.NoError(t, ts.Store.CreateWebhookDelivery(ctx, &del))
	}

	// Deliveries recorded with no queue entry (before an upgrade, say) are
	// queued when the server starts, and once only, however many replicas
	// start: the queue refuses a key it holds.
	ts.SetWebhookAllowPrivate(true)
	d := ts.addons().hooks
	d.resume(ctx)
	d.resume(ctx)
	got := map[string]bool{}
	for range 2 {
		c := recv.next(t)
		verifyWebhookCall(t, secret, c)
		assert.Equal(t, string(payload), string(c.Body))
		got[c.Header.Get("webhook-id")] = true
	}
	assert.Equal(t, map[string]bool{"msg_pending": true, "msg_retrying": true}, got)
	webhookPoll(t, "both delivered", func() bool {
		ds, err := ts.Store.ListWebhookDeliveries(ctx, "wh_resume", 0)
		require.NoError(t, err)
		for _, x := range ds {
			if x.Status != "delivered" {
				return false
			}
		}
		return true
	})
	ds, err := ts.Store.ListWebhookDeliveries(ctx, "wh_resume", 0)
	require.NoError(t, err)
	for _, x := range ds {
		if x.ID == "msg_retrying" {
			assert.Equal(t, 4, x.Attempts)
		}
	}
	d.resume(ctx)
	ts.waitIdle(t)
	assert.Empty(t, recv.Calls, "nothing is sent twice")
	e, ok := ts.Queue.Entry("msg_retrying#4")
	require.True(t, ok, "the attempt was a queue entry")
	assert.Equal(t, "webhook:wh_resume", e.Job.JobID)
}

func TestWebhookDialRefusesPrivateAddresses(t *testing.T) {
	ts := newTestServer(t)
	recv := newWebhookReceiver(t)
	d := ts.addons().hooks
	w := &store.Webhook{ID: "wh_x", URL: recv.URL, Secret: newWebhookSecret()}
	code, err := d.send(context.Background(), w, store.WebhookDelivery{ID: "msg_x", Payload: []byte(`{}`)})
	require.Error(t, err)
	assert.Zero(t, code)
	assert.Contains(t, err.Error(), "refused by the ssrf guard")
	select {
	case <-recv.Calls:
		t.Fatal("the receiver was reached")
	default:
	}
}

func TestWebhookRegistrationValidation(t *testing.T) {
	ts := newTestServer(t)
	recv := newWebhookReceiver(t)
	for _, tt := range []struct {
		name string
		body map[string]any
		want string
	}{
		{"loopback http", map[string]any{"url": recv.URL, "events": []string{"job.completed"}}, "body.url"},
		{"loopback https", map[string]any{"url": "https://127.0.0.1/hook", "events": []string{"job.completed"}}, "body.url"},
		{"private", map[string]any{"url": "https://10.1.2.3/hook", "events": []string{"job.completed"}}, "body.url"},
		{"metadata service", map[string]any{"url": "https://169.254.169.254/latest", "events": []string{"job.completed"}}, "body.url"},
		{"ipv6 loopback", map[string]any{"url": "https://[::1]/hook", "events": []string{"job.completed"}}, "body.url"},
		{"localhost", map[string]any{"url": "https://localhost/hook", "events": []string{"job.completed"}}, "body.url"},
		{"credentials", map[string]any{"url": "https://user:pw@example.com/hook", "events": []string{"job.completed"}}, "body.url"},
		{"scheme", map[string]any{"url": "ftp://example.com/hook", "events": []string{"job.completed"}}, "body.url"},
		{"relative", map[string]any{"url": "/hook", "events": []string{"job.completed"}}, "body.url"},
		{"unknown event", map[string]any{"url": "https://example.com/hook", "events": []string{"job.completed", "job.exploded"}}, "body.events[1]"},
		{"no events", map[string]any{"url": "https://example.com/hook", "events": []string{}}, "body.events"},
		{"unknown field", map[string]any{"url": "https://example.com/hook", "events": []string{"job.failed"}, "secret": "mine"}, "body.secret"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := ts.do(t, "POST", "/api/v2/webhooks", ts.Admin, tt.body)
			require.Equal(t, http.StatusUnprocessableEntity, res.Status, "%s", res.Body)
			assert.Contains(t, cacheProblemLocations(t, res), tt.want)
		})
	}
	ws, err := ts.Store.ListWebhooks(context.Background(), "")
	require.NoError(t, err)
	assert.Empty(t, ws)

	// A public https URL is accepted (its name is checked again when dialled).
	id, secret := registerWebhook(t, ts, "https://example.com/hooks/halcytone", "job.failed", "delivery.failed")
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	require.NoError(t, err)
	assert.Len(t, raw, 24)

	res := ts.do(t, "DELETE", "/api/v2/webhooks/"+id, ts.Admin, nil)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	assert.Equal(t, true, res.JSON(t)["deleted"])
	res = ts.do(t, "DELETE", "/api/v2/webhooks/"+id, ts.Admin, nil)
	require.Equal(t, http.StatusNotFound, res.Status, "%s", res.Body)
	assert.Equal(t, problemType, res.Header.Get("Content-Type"))
	res = ts.do(t, "GET", "/api/v2/webhooks/"+id+"/deliveries", ts.Admin, nil)
	require.Equal(t, http.StatusNotFound, res.Status, "%s", res.Body)
	list := ts.do(t, "GET", "/api/v2/webhooks", ts.Admin, nil)
	assert.JSONEq(t, `{"webhooks":[],"total":0}`, string(list.Body))
}

// approvalHook stores an endpoint for approval.requested straight in the
// store and returns its id.
func approvalHook(t *testing.T, ts *testServer, id string) string {
	t.Helper()
	hook := &store.Webhook{ID: id, URL: "https://hooks.example/" + id, Events: []string{"approval.requested"},
		Secret: newWebhookSecret(), CreatedAt: time.Now().UTC()}
	require.NoError(t, ts.Store.CreateWebhook(t.Context(), hook))
	return id
}

// requestApprovals creates n jobs of the sample document on email, each
// of which asks for an approval, straight through the engine; their
// idempotency keys start with prefix.
func requestApprovals(t *testing.T, ts *testServer, prefix string, n int) {
	t.Helper()
	for i := range n {
		res, err := ts.Engine.Generate(context.Background(), halcytone.Request{DocumentID: "sample:", Channels: []string{"email"},
			Force: true, IdempotencyKey: prefix + strconv.Itoa(i)})
		require.NoError(t, err)
		require.Equal(t, store.JobAwaitingApproval, res.Job.Status)
	}
}

// TestWebhookDeliveriesCommitWithTheirEvent checks that the engine's
// outbox records each event's delivery, and queues its first attempt, in
// the transaction of the change: they are there when the call returns,
// however many, and whether or not the server was told to stop (serve's
// queue finishes its running deliveries after the signal). Events used
// to go through a subscription and a backlog in memory, which a burst, a
// slow store or a crash could cost.
func TestWebhookDeliveriesCommitWithTheirEvent(t *testing.T) {
	ts := newTestServer(t)
	hookID := approvalHook(t, ts, "wh_burst")
	off := approvalHook(t, ts, "wh_disabled")
	_, err := ts.Store.UpdateWebhook(t.Context(), off, func(w *store.Webhook) error { w.Disabled = true; return nil })
	require.NoError(t, err)
	other := &store.Webhook{ID: "wh_other", URL: "https://hooks.example/other", Events: []string{"job.failed"},
		Secret: newWebhookSecret(), CreatedAt: time.Now().UTC()}
	require.NoError(t, ts.Store.CreateWebhook(t.Context(), other))
	const jobs = 300 // two events each: past the 256 an engine subscriber may fall behind
	requestApprovals(t, ts, "before-", jobs/2)
	ts.Signal()
	requestApprovals(t, ts, "after-", jobs/2)
	ds, err := ts.Store.ListWebhookDeliveries(t.Context(), hookID, 1000)
	require.NoError(t, err)
	assert.Len(t, ds, jobs, "one delivery per approval request, none twice")
	for _, id := range []string{off, other.ID} {
		none, err := ts.Store.ListWebhookDeliveries(t.Context(), id, 10)
		require.NoError(t, err)
		assert.Empty(t, none, "%s (disabled, or not subscribed) gets nothing", id)
	}
	first := map[string]bool{}
	for _, e := range ts.Queue.Entries("webhook:" + hookID) {
		if e.Job.Attrs["attempt"] == "1" {
			first[e.Job.Attrs["delivery"]] = true
		}
	}
	for _, d := range ds {
		assert.True(t, first[d.ID], "delivery %s has the queue entry of its first attempt", d.ID)
	}
}

// failingOutboxStore fails every webhook delivery written in a
// transaction, as a full disk would.
type failingOutboxStore struct{ store.Store }

func (s failingOutboxStore) InTx(ctx context.Context, fn func(store.Tx) error) error {
	return s.Store.InTx(ctx, func(tx store.Tx) error { return fn(failingOutboxTx{tx}) })
}

type failingOutboxTx struct{ store.Tx }

func (failingOutboxTx) CreateWebhookDelivery(context.Context, *store.WebhookDelivery) error {
	return errors.New("disk full")
}

// TestWebhookThatCannotBeRecordedRefusesTheChange checks that a change
// whose webhook delivery cannot be recorded is refused and rolled back
// rather than made without its webhook.
func TestWebhookThatCannotBeRecordedRefusesTheChange(t *testing.T) {
	ts := newTestServerOver(t, func(s store.Store) store.Store { return failingOutboxStore{s} }, nil)
	approvalHook(t, ts, "wh_refused")
	res := ts.do(t, "POST", "/api/v2/content/sync", ts.Admin, map[string]any{"document_id": "sample:", "channels": []string{"email"}})
	require.Equal(t, http.StatusInternalServerError, res.Status, "%s", res.Body)
	assert.Equal(t, problemType, res.Header.Get("Content-Type"))
	page, err := ts.Store.ListJobs(t.Context(), store.JobFilter{})
	require.NoError(t, err)
	assert.Zero(t, page.Total, "the job was rolled back with its webhook")

	// Endpoints that do not want the event cost nothing.
	require.NoError(t, ts.Store.DeleteWebhook(t.Context(), "wh_refused"))
	res = ts.do(t, "POST", "/api/v2/content/sync", ts.Admin, map[string]any{"document_id": "sample:", "channels": []string{"email"}})
	require.Equal(t, http.StatusAccepted, res.Status, "%s", res.Body)
}
