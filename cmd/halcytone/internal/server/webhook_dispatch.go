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
	"strconv"
	"sync"
	"time"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/source"
	"github.com/halcytone/halcytone/store"
)

// The delivery policy of outgoing webhooks.
const (
	webhookFirstRetry   = 5 * time.Second  // delay before the first retry, doubled for each next one
	webhookMaxAge       = 72 * time.Hour   // no attempt later than this after the event
	webhookTimeout      = 10 * time.Second // one attempt, connection and answer
	webhookConcurrency  = 8                // attempts in flight at once
	webhookResumeLimit  = 10000            // pending deliveries resumed per endpoint
	webhookMaxErrorText = 512              // bytes of an answer kept as the last error
)

// The statuses of a store.WebhookDelivery.
const (
	webhookPending   = "pending"
	webhookDelivered = "delivered"
	webhookFailed    = "failed"
)

// webhookDispatcher records a delivery in the store for every engine event
// an enabled endpoint subscribes to, and sends the pending deliveries:
// signed as Standard Webhooks 1.0, through a client whose connections the
// SSRF guard checks, retried with exponential backoff until webhookMaxAge
// after the event. Deliveries are durable: the store keeps each one's
// attempts, status and last error, and a restart resumes the pending ones
// (the next attempt is due the backoff after the last one, UpdatedAt).
// An endpoint answering 410 Gone is disabled.
type webhookDispatcher struct {
	s      *Server
	guard  source.Guard // https on 80 and 443 to public addresses
	client *http.Client
	wake   chan struct{}

	mu           sync.Mutex
	allowPrivate bool
	firstRetry   time.Duration
	maxAge       time.Duration
	timeout      time.Duration
	queue        map[string]*webhookItem // by delivery ID
	running      int
}

// webhookItem is a pending delivery and when its next attempt is due.
type webhookItem struct {
	del      store.WebhookDelivery
	due      time.Time
	inFlight bool
}

func newWebhookDispatcher(s *Server) *webhookDispatcher {
	d := &webhookDispatcher{
		s: s, wake: make(chan struct{}, 1), queue: map[string]*webhookItem{},
		firstRetry: webhookFirstRetry, maxAge: webhookMaxAge, timeout: webhookTimeout,
	}
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

func (d *webhookDispatcher) poke() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// start subscribes to the engine's events at once (so nothing after Start
// is missed), resumes pending deliveries and dispatches until ctx ends or
// the returned function is called; that function waits for every
// goroutine, attempts in flight included.
func (d *webhookDispatcher) start(parent context.Context) func() {
	ctx, cancel := context.WithCancel(parent)
	events := d.s.engine.Subscribe(ctx)
	d.resume(ctx) // before any attempt, so a resumed delivery is never sent twice
	var wg sync.WaitGroup
	wg.Go(func() { d.record(ctx, events) })
	wg.Go(func() { d.dispatch(ctx, &wg) })
	return func() {
		cancel()
		wg.Wait()
	}
}

// record turns engine events into stored deliveries. A subscription the
// engine dropped for falling behind is renewed (the events in between are
// lost, and logged as such).
func (d *webhookDispatcher) record(ctx context.Context, events <-chan halcytone.Event) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				if ctx.Err() != nil {
					return
				}
				d.s.log.WarnContext(ctx, "webhooks: the event subscription fell behind and was renewed; events were missed")
				events = d.s.engine.Subscribe(ctx)
				continue
			}
			d.recordEvent(ctx, ev)
		}
	}
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

func (d *webhookDispatcher) recordEvent(ctx context.Context, ev halcytone.Event) {
	name := webhookEventOf(ev.Type)
	if name == "" {
		return
	}
	hooks, err := d.s.store.ListWebhooks(ctx, name)
	if err != nil {
		d.s.log.ErrorContext(ctx, "webhooks: listing endpoints", "event", name, "err", err)
		return
	}
	if len(hooks) == 0 {
		return
	}
	payload, err := webhookPayloadOf(name, ev)
	if err != nil {
		d.s.log.ErrorContext(ctx, "webhooks: encoding payload", "event", name, "err", err)
		return
	}
	for _, w := range hooks {
		del := store.WebhookDelivery{ID: webhookRandomID("msg_"), WebhookID: w.ID, Event: name, Payload: payload, Status: webhookPending, CreatedAt: d.s.now().UTC()}
		if err := d.s.store.CreateWebhookDelivery(ctx, &del); err != nil {
			d.s.log.ErrorContext(ctx, "webhooks: recording delivery", "event", name, "webhook", w.ID, "err", err)
			continue
		}
		d.enqueue(del, d.s.now())
	}
	d.poke()
}

func (d *webhookDispatcher) enqueue(del store.WebhookDelivery, due time.Time) {
	d.mu.Lock()
	if _, ok := d.queue[del.ID]; !ok {
		d.queue[del.ID] = &webhookItem{del: del, due: due}
	}
	d.mu.Unlock()
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

// resume queues the pending deliveries of every endpoint.
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
			d.enqueue(del, due)
			n++
		}
	}
	if n > 0 {
		d.s.log.InfoContext(ctx, "webhooks: resumed pending deliveries", "count", n)
	}
}

// dispatch starts the attempts that are due, at most webhookConcurrency
// at once, and sleeps until the next one is due or something is queued.
func (d *webhookDispatcher) dispatch(ctx context.Context, wg *sync.WaitGroup) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		var wait <-chan time.Time
		if next := d.launchDue(ctx, wg); !next.IsZero() {
			timer.Reset(max(0, next.Sub(d.s.now())))
			wait = timer.C
		}
		select {
		case <-ctx.Done():
			return
		case <-d.wake:
		case <-wait:
		}
	}
}

// launchDue starts the due attempts and returns when the next queued one
// is due (zero: none waits).
func (d *webhookDispatcher) launchDue(ctx context.Context, wg *sync.WaitGroup) time.Time {
	now := d.s.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	var next time.Time
	for _, it := range d.queue {
		if it.inFlight {
			continue
		}
		if it.due.After(now) || d.running >= webhookConcurrency {
			if !it.due.After(now) {
				continue // due, but every slot is busy: a finishing attempt wakes the loop
			}
			if next.IsZero() || it.due.Before(next) {
				next = it.due
			}
			continue
		}
		it.inFlight = true
		d.running++
		wg.Go(func() {
			d.attempt(ctx, it)
			d.poke()
		})
	}
	return next
}

// attempt sends one delivery and records the outcome.
func (d *webhookDispatcher) attempt(ctx context.Context, it *webhookItem) {
	requeue := true
	defer func() {
		d.mu.Lock()
		d.running--
		it.inFlight = false
		if !requeue {
			delete(d.queue, it.del.ID)
		}
		d.mu.Unlock()
	}()
	del := it.del
	w, err := d.s.store.GetWebhook(ctx, del.WebhookID)
	if errors.Is(err, store.ErrNotFound) {
		requeue = false // the endpoint and its deliveries were deleted
		return
	}
	if err != nil {
		if ctx.Err() != nil {
			requeue = false // stopping: resumed by the next start
			return
		}
		it.due = d.s.now().Add(d.retryDelay(1))
		return
	}
	if w.Disabled {
		requeue = false
		d.finish(ctx, del.ID, func(x *store.WebhookDelivery) {
			x.Status, x.LastError = webhookFailed, "endpoint disabled"
		})
		return
	}
	code, sendErr := d.send(ctx, w, del)
	if ctx.Err() != nil {
		requeue = false // stopping: the attempt is not counted, and is resumed by the next start
		return
	}
	now := d.s.now()
	attempts := del.Attempts + 1
	switch {
	case sendErr == nil && code >= 200 && code < 300:
		requeue = false
		d.finish(ctx, del.ID, func(x *store.WebhookDelivery) {
			x.Status, x.Attempts, x.ResponseCode, x.LastError = webhookDelivered, attempts, code, ""
		})
		return
	case code == http.StatusGone:
		requeue = false
		d.finish(ctx, del.ID, func(x *store.WebhookDelivery) {
			x.Status, x.Attempts, x.ResponseCode, x.LastError = webhookFailed, attempts, code, "410 Gone: endpoint disabled"
		})
		if _, err := d.s.store.UpdateWebhook(ctx, w.ID, func(x *store.Webhook) error { x.Disabled = true; return nil }); err != nil {
			d.s.log.ErrorContext(ctx, "webhooks: disabling endpoint", "webhook", w.ID, "err", err)
		} else {
			d.s.log.WarnContext(ctx, "webhooks: endpoint answered 410 Gone and is disabled", "webhook", w.ID, "url", w.URL)
		}
		return
	}
	lastErr := fmt.Sprintf("HTTP %d", code)
	if sendErr != nil {
		lastErr = sendErr.Error()
	}
	next, again := d.nextAttempt(del.CreatedAt, now, attempts)
	status := webhookPending
	if !again {
		status, requeue = webhookFailed, false
	}
	updated := d.finish(ctx, del.ID, func(x *store.WebhookDelivery) {
		x.Status, x.Attempts, x.ResponseCode, x.LastError = status, attempts, code, lastErr
	})
	if updated != nil {
		it.del = *updated
	} else {
		it.del.Attempts = attempts
	}
	it.due = next
}

// finish records an attempt's outcome; it returns the stored delivery, or
// nil when it could not be stored (logged).
func (d *webhookDispatcher) finish(ctx context.Context, id string, fn func(*store.WebhookDelivery)) *store.WebhookDelivery {
	x, err := d.s.store.UpdateWebhookDelivery(ctx, id, func(x *store.WebhookDelivery) error { fn(x); return nil })
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			d.s.log.ErrorContext(ctx, "webhooks: recording attempt", "delivery", id, "err", err)
		}
		return nil
	}
	return x
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
