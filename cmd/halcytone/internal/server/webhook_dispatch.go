package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/schedule"
	"github.com/halcytone/halcytone/source"
	"github.com/halcytone/halcytone/store"
)

// The delivery policy of outgoing webhooks.
const (
	webhookFirstRetry   = 5 * time.Second  // delay before the first retry, doubled for each next one
	webhookMaxAge       = 72 * time.Hour   // no attempt later than this after the event
	webhookTimeout      = 10 * time.Second // one attempt, connection and answer
	webhookResumeLimit  = 10000            // pending deliveries resumed per endpoint
	webhookMaxErrorText = 512              // bytes of an answer kept as the last error
)

// The statuses of a store.WebhookDelivery.
const (
	webhookPending   = "pending"
	webhookDelivered = "delivered"
	webhookFailed    = "failed"
)

// webhookJobKind marks the queue entries of webhook attempts (Attrs
// "kind"); their Attrs "delivery" is the delivery's ID.
const webhookJobKind = "webhook"

// webhookDispatcher sends the deliveries WebhookOutbox records: each
// attempt is one queue entry (key "<delivery>#<attempt>"), enqueued in the
// transaction that records the delivery or the attempt before it, so that
// a crash loses none and the queue runs each once, on one replica.
// Attempts are signed as Standard Webhooks 1.0, sent through a client
// whose connections the SSRF guard checks, and retried with exponential
// backoff until webhookMaxAge after the event. An endpoint answering 410
// Gone is disabled.
type webhookDispatcher struct {
	s      *Server
	guard  source.Guard // https on 80 and 443 to public addresses
	client *http.Client

	mu           sync.Mutex
	allowPrivate bool
	firstRetry   time.Duration
	maxAge       time.Duration
	timeout      time.Duration
}

func newWebhookDispatcher(s *Server) *webhookDispatcher {
	d := &webhookDispatcher{s: s, firstRetry: webhookFirstRetry, maxAge: webhookMaxAge, timeout: webhookTimeout}
	d.client = &http.Client{
		Transport: &http.Transport{
			Proxy:                 nil, // a proxy would make the guard check the proxy, not the endpoint
			DialContext:           d.dial,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          64,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   webhookTimeout,
			ResponseHeaderTimeout: webhookTimeout,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return d
}

// dial connects through the SSRF guard unless private addresses are
// allowed.
func (d *webhookDispatcher) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	allow := d.allowPrivate
	d.mu.Unlock()
	if allow {
		var nd net.Dialer
		return nd.DialContext(ctx, network, addr)
	}
	return d.guard.Dialer().DialContext(ctx, network, addr)
}

// setPolicy changes the retry policy (tests); zero values keep the
// current ones.
func (d *webhookDispatcher) setPolicy(firstRetry, maxAge, timeout time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if firstRetry > 0 {
		d.firstRetry = firstRetry
	}
	if maxAge > 0 {
		d.maxAge = maxAge
	}
	if timeout > 0 {
		d.timeout = timeout
	}
}

// start enqueues the pending deliveries that have no queue entry
// (recorded before the queue carried them). The queue, not the
// dispatcher, runs the attempts, and WebhookOutbox records the
// deliveries: nothing is left to stop.
func (d *webhookDispatcher) start(ctx context.Context) func() {
	d.resume(ctx)
	return func() {}
}

// webhookEventOf maps an engine event type to its webhook event, or "".
func webhookEventOf(typ string) string {
	switch typ {
	case halcytone.EventJobCompleted:
		return WebhookJobCompleted
	case halcytone.EventJobFailed:
		return WebhookJobFailed
	case halcytone.EventApprovalRequested:
		return WebhookApprovalRequested
	case halcytone.EventApprovalDecided:
		return WebhookApprovalDecided
	case halcytone.EventDeliverySucceeded:
		return WebhookDeliverySucceeded
	case halcytone.EventDeliveryFailed:
		return WebhookDeliveryFailed
	}
	return ""
}

// webhookPayload is the JSON body of a delivery.
type webhookPayload struct {
	Type      string         `json:"type"`
	Timestamp time.Time      `json:"timestamp"`
	Data      map[string]any `json:"data"`
}

// webhookPayloadOf builds the body of an event: the job as the jobs API
// shows it, the approval request, the delivery without its checkpoint.
func webhookPayloadOf(name string, ev halcytone.Event) ([]byte, error) {
	data := map[string]any{}
	if ev.Job != nil {
		data["job"] = syncJobOf(ev.Job)
		data["job_id"] = ev.Job.ID
	}
	if ev.Approval != nil {
		data["approval"] = ev.Approval
		data["job_id"] = ev.Approval.JobID
	}
	if ev.Delivery != nil {
		del := *ev.Delivery
		del.Checkpoint = ""
		data["delivery"] = del
		data["job_id"] = del.JobID
	}
	at := ev.At
	if at.IsZero() {
		at = time.Now()
	}
	return json.Marshal(webhookPayload{Type: name, Timestamp: at.UTC(), Data: data})
}

// webhookJob is the queue entry of a delivery's attempt-th attempt, due at
// due. Its Halcytone job id names the endpoint, so that deleting the
// endpoint can cancel what is queued for it.
func webhookJob(del *store.WebhookDelivery, attempt int, due time.Time) schedule.Job {
	return schedule.Job{
		JobID:       "webhook:" + del.WebhookID,
		DeliveryKey: del.ID + "#" + strconv.Itoa(attempt),
		RunAt:       due,
		Attrs:       map[string]string{"kind": webhookJobKind, "delivery": del.ID, "attempt": strconv.Itoa(attempt)},
	}
}

// IsWebhookJob reports whether j is an attempt of an outgoing webhook,
// which Server.WorkWebhook works, rather than a content delivery.
func IsWebhookJob(j schedule.Job) bool { return j.Attrs["kind"] == webhookJobKind }

// WebhookOutbox returns the halcytone.Config.Outbox of a Server's
// engine: in the transaction of each change, it records a delivery for
// every enabled endpoint subscribed to each event outgoing webhooks carry,
// with the queue entry of its first attempt, so that the change and its
// webhooks commit together or not at all, even across a crash. queue is
// the Server's Config.Queue; now is its clock (nil: time.Now). Without it,
// no event becomes a webhook delivery.
func WebhookOutbox(queue schedule.Queue, now func() time.Time) func(context.Context, store.Tx, []halcytone.Event) error {
	if now == nil {
		now = time.Now
	}
	return func(ctx context.Context, tx store.Tx, events []halcytone.Event) error {
		if !slices.ContainsFunc(events, func(ev halcytone.Event) bool { return webhookEventOf(ev.Type) != "" }) {
			return nil // no read for a transaction no webhook can be about
		}
		hooks, err := tx.ListWebhooks(ctx, "") // one read for all its events
		if err != nil {
			return err
		}
		for _, ev := range events {
			if err := recordWebhooks(ctx, tx, queue, hooks, now().UTC(), ev); err != nil {
				return err
			}
		}
		return nil
	}
}

// recordWebhooks records through tx a delivery of ev, created at now, to
// each enabled endpoint of hooks subscribed to it, and enqueues each
// one's first attempt.
func recordWebhooks(ctx context.Context, tx store.Tx, queue schedule.Queue, hooks []store.Webhook, now time.Time, ev halcytone.Event) error {
	name := webhookEventOf(ev.Type)
	if name == "" {
		return nil
	}
	var payload []byte
	for _, w := range hooks {
		if w.Disabled || !slices.Contains(w.Events, name) {
			continue
		}
		if payload == nil {
			var err error
			if payload, err = webhookPayloadOf(name, ev); err != nil {
				return fmt.Errorf("webhooks: encoding the %s payload: %w", name, err)
			}
		}
		del := store.WebhookDelivery{ID: webhookRandomID("msg_"), WebhookID: w.ID, Event: name, Payload: payload, Status: webhookPending, CreatedAt: now}
		if err := tx.CreateWebhookDelivery(ctx, &del); err != nil {
			return fmt.Errorf("webhooks: recording a %s delivery to %s: %w", name, w.ID, err)
		}
		if _, err := queue.Enqueue(ctx, tx, webhookJob(&del, 1, now)); err != nil {
			return fmt.Errorf("webhooks: queueing a %s delivery to %s: %w", name, w.ID, err)
		}
	}
	return nil
}

// retryDelay is the wait after the attempts-th failed attempt.
func (d *webhookDispatcher) retryDelay(attempts int) time.Duration {
	d.mu.Lock()
	first := d.firstRetry
	d.mu.Unlock()
	delay := first
	for i := 1; i < attempts && delay < webhookMaxAge; i++ {
		delay *= 2
	}
	return delay
}

// nextAttempt returns when a delivery that failed its attempts-th attempt
// at last is tried again, and false when it is not: the last attempt is
// made at the delivery's deadline (created + maxAge) at the latest.
func (d *webhookDispatcher) nextAttempt(created, last time.Time, attempts int) (time.Time, bool) {
	d.mu.Lock()
	deadline := created.Add(d.maxAge)
	d.mu.Unlock()
	if !last.Before(deadline) {
		return time.Time{}, false
	}
	next := last.Add(d.retryDelay(attempts))
	if next.After(deadline) {
		next = deadline
	}
	return next, true
}

// resume enqueues the next attempt of every pending delivery. The queue
// refuses a key it holds, so a delivery whose attempt is queued, running
// or done is left as it is: this only picks up deliveries recorded
// before the queue carried them, whatever the number of replicas.
func (d *webhookDispatcher) resume(ctx context.Context) {
	hooks, err := d.s.store.ListWebhooks(ctx, "")
	if err != nil {
		d.s.log.ErrorContext(ctx, "webhooks: resuming deliveries", "err", err)
		return
	}
	n := 0
	for _, w := range hooks {
		if w.Disabled {
			continue
		}
		dels, err := d.s.store.ListWebhookDeliveries(ctx, w.ID, webhookResumeLimit)
		if err != nil {
			d.s.log.ErrorContext(ctx, "webhooks: resuming deliveries", "webhook", w.ID, "err", err)
			continue
		}
		for _, del := range dels {
			if del.Status != webhookPending {
				continue
			}
			due := del.CreatedAt
			if del.Attempts > 0 {
				var ok bool
				if due, ok = d.nextAttempt(del.CreatedAt, del.UpdatedAt, del.Attempts); !ok {
					due = d.s.now() // past its deadline: one last attempt
				}
			}
			inserted, err := d.s.cfg.Queue.Enqueue(ctx, nil, webhookJob(&del, del.Attempts+1, due))
			if err != nil {
				d.s.log.ErrorContext(ctx, "webhooks: resuming delivery", "delivery", del.ID, "err", err)
				continue
			}
			if inserted {
				n++
			}
		}
	}
	if n > 0 {
		d.s.log.InfoContext(ctx, "webhooks: resumed pending deliveries", "count", n)
	}
}

// WorkWebhook makes the attempt that queue entry j stands for (see
// IsWebhookJob) and records its outcome; a failed attempt enqueues the
// next one, in the same transaction, while the delivery's time lasts. It
// returns an error only when the attempt must run again (the store could
// not be read or written, or ctx ended): then the queue retries the
// entry.
func (s *Server) WorkWebhook(ctx context.Context, j schedule.Job, _ int) error {
	return s.addons().hooks.work(ctx, j)
}

func (d *webhookDispatcher) work(ctx context.Context, j schedule.Job) error {
	attempt, err := strconv.Atoi(j.Attrs["attempt"])
	if err != nil || attempt < 1 {
		return &content.Error{Class: content.InvalidContent, Op: "webhooks", Err: fmt.Errorf("queue entry %s has no attempt number", j.DeliveryKey)}
	}
	del, err := d.s.store.GetWebhookDelivery(ctx, j.Attrs["delivery"])
	if errors.Is(err, store.ErrNotFound) {
		return nil // the endpoint and its deliveries were deleted
	}
	if err != nil {
		return err
	}
	if del.Status != webhookPending || del.Attempts >= attempt {
		return nil // done, or this attempt was made already
	}
	w, err := d.s.store.GetWebhook(ctx, del.WebhookID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if w.Disabled {
		_, err := d.s.store.UpdateWebhookDelivery(ctx, del.ID, func(x *store.WebhookDelivery) error {
			x.Status, x.LastError = webhookFailed, "endpoint disabled"
			return nil
		})
		return ignoreNotFound(err)
	}
	code, sendErr := d.send(ctx, w, *del)
	if ctx.Err() != nil {
		return ctx.Err() // stopping: the attempt is not counted; the queue runs it again
	}
	now := d.s.now()
	switch {
	case sendErr == nil && code >= 200 && code < 300:
		_, err := d.s.store.UpdateWebhookDelivery(ctx, del.ID, func(x *store.WebhookDelivery) error {
			x.Status, x.Attempts, x.ResponseCode, x.LastError = webhookDelivered, attempt, code, ""
			return nil
		})
		return ignoreNotFound(err)
	case code == http.StatusGone:
		_, err := d.s.store.UpdateWebhookDelivery(ctx, del.ID, func(x *store.WebhookDelivery) error {
			x.Status, x.Attempts, x.ResponseCode, x.LastError = webhookFailed, attempt, code, "410 Gone: endpoint disabled"
			return nil
		})
		if err := ignoreNotFound(err); err != nil {
			return err
		}
		if _, err := d.s.store.UpdateWebhook(ctx, w.ID, func(x *store.Webhook) error { x.Disabled = true; return nil }); err != nil {
			d.s.log.ErrorContext(ctx, "webhooks: disabling endpoint", "webhook", w.ID, "err", err)
		} else {
			d.s.log.WarnContext(ctx, "webhooks: endpoint answered 410 Gone and is disabled", "webhook", w.ID, "url", w.URL)
		}
		return nil
	}
	lastErr := fmt.Sprintf("HTTP %d", code)
	if sendErr != nil {
		lastErr = sendErr.Error()
	}
	next, again := d.nextAttempt(del.CreatedAt, now, attempt)
	err = d.s.store.InTx(ctx, func(tx store.Tx) error {
		updated, err := tx.UpdateWebhookDelivery(ctx, del.ID, func(x *store.WebhookDelivery) error {
			x.Attempts, x.ResponseCode, x.LastError = attempt, code, lastErr
			if !again {
				x.Status = webhookFailed
			}
			return nil
		})
		if err != nil || !again {
			return err
		}
		_, err = d.s.cfg.Queue.Enqueue(ctx, tx, webhookJob(updated, attempt+1, next))
		return err
	})
	return ignoreNotFound(err)
}

// ignoreNotFound drops store.ErrNotFound: a delivery deleted with its
// endpoint needs nothing more.
func ignoreNotFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// send makes one signed attempt and returns the answer's status code (0
// when there was none) and the error of a failed attempt.
func (d *webhookDispatcher) send(ctx context.Context, w *store.Webhook, del store.WebhookDelivery) (int, error) {
	key, err := parseWebhookSecret(w.Secret)
	if err != nil {
		return 0, err
	}
	d.mu.Lock()
	timeout := d.timeout
	d.mu.Unlock()
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, w.URL, bytes.NewReader(del.Payload))
	if err != nil {
		return 0, err
	}
	ts := d.s.now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "halcytone-webhooks/"+versionOr(d.s.cfg.Version))
	req.Header.Set(webhookIDHeader, del.ID)
	req.Header.Set(webhookTimestampHeader, strconv.FormatInt(ts, 10))
	req.Header.Set(webhookSignatureHeader, webhookSignature(key, del.ID, ts, del.Payload))
	res, err := d.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(res.Body, webhookMaxErrorText))
	if res.StatusCode >= 200 && res.StatusCode < 300 {
		return res.StatusCode, nil
	}
	msg := fmt.Sprintf("HTTP %d", res.StatusCode)
	if len(bytes.TrimSpace(snippet)) > 0 {
		msg += ": " + string(bytes.TrimSpace(snippet))
	}
	return res.StatusCode, errors.New(msg)
}
