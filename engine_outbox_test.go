package halcytone_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/approval"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/store"
)

// outboxHook is a Config.Outbox that writes each event through the
// transaction it is given, as a webhook delivery of endpoint "wh_outbox"
// (the store's own table stands in for an outbox), so that what it wrote
// can be read back only if the transaction committed. fail, when set,
// decides which calls fail.
type outboxHook struct {
	n    atomic.Int64
	mu   sync.Mutex
	fail func(events []halcytone.Event) error
}

func (o *outboxHook) record(ctx context.Context, tx store.Tx, events []halcytone.Event) error {
	o.mu.Lock()
	fail := o.fail
	o.mu.Unlock()
	if fail != nil {
		if err := fail(events); err != nil {
			return err
		}
	}
	for _, ev := range events {
		err := tx.CreateWebhookDelivery(ctx, &store.WebhookDelivery{
			ID: "out_" + strconv.FormatInt(o.n.Add(1), 10), WebhookID: "wh_outbox",
			Event: ev.Type, Payload: []byte(`"` + eventSubject(ev) + `"`), Status: "pending", CreatedAt: ev.At,
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// eventSubject names what ev is about: its delivery, approval or job.
func eventSubject(ev halcytone.Event) string {
	switch {
	case ev.Delivery != nil:
		return ev.Delivery.IdempotencyKey
	case ev.Approval != nil:
		return ev.Approval.ID
	case ev.Job != nil:
		return ev.Job.ID
	}
	return ""
}

// newOutboxHarness is a harness whose engine has hook as its outbox and
// clock as its clock.
func newOutboxHarness(t *testing.T, hook *outboxHook, clock func() time.Time) *harness {
	t.Helper()
	h := newHarnessConfig(t, func(c *halcytone.Config) {
		c.Outbox = hook.record
		c.EventBuffer = 4096
		c.Now = clock
	})
	require.NoError(t, h.store.CreateWebhook(context.Background(), &store.Webhook{ID: "wh_outbox", URL: "https://outbox.example/",
		Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", CreatedAt: time.Now().UTC()}))
	return h
}

// outboxed returns what the outbox committed: event type and subject.
func outboxed(t *testing.T, st store.Store) []string {
	t.Helper()
	ds, err := st.ListWebhookDeliveries(context.Background(), "wh_outbox", 100000)
	require.NoError(t, err)
	out := make([]string, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.Event+" "+string(d.Payload[1:len(d.Payload)-1]))
	}
	return out
}

// received drains the events a subscriber has been sent so far.
func received(events <-chan halcytone.Event) []string {
	var out []string
	for {
		select {
		case ev := <-events:
			out = append(out, ev.Type+" "+eventSubject(ev))
		default:
			return out
		}
	}
}

// TestOutboxCommitsEveryEventWithItsChange drives every kind of engine
// transaction (generate, a delivery's outcome, a decision, a refresh, a
// cancel, a retry, an escalation) and checks that the outbox wrote, in
// committed transactions, exactly the events the subscribers got.
func TestOutboxCommitsEveryEventWithItsChange(t *testing.T) {
	var offset atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	hook := &outboxHook{}
	h := newOutboxHarness(t, hook, clock)
	ctx := context.Background()
	sub := h.eng.Subscribe(ctx)

	// Level 1, delivered at once; then a job whose email fails, retried.
	h.generateAndWait(t, halcytone.Request{Content: update("Offline sessions are here"), Channels: []string{"email", "twitter"}})
	h.email.FailNext(&content.Error{Class: content.Permanent, Err: errors.New("mailbox closed")})
	failed := h.generateAndWait(t, halcytone.Request{Content: update("Pulse pre-orders open soon"), Channels: []string{"email", "twitter"}})
	require.Equal(t, store.JobPartial, failed.Status)
	_, err := h.eng.Retry(ctx, failed.ID)
	require.NoError(t, err)
	h.wait(t)

	// A review: refreshed with new content, approved at both levels.
	res := h.blogAwaitingReview(t)
	h.src.AddText("mem:blog", blogDoc("Breathe in for four counts and out for eight, for twelve rounds."), content.FormatMarkdown)
	_, err = h.eng.Refresh(ctx, res.Job.ID, "sync")
	require.NoError(t, err)
	for _, who := range []string{"erin", "mark"} {
		_, err = h.eng.Decide(ctx, res.Approval.ID, approval.DecisionInput{Reviewer: who, Decision: approval.Approve})
		require.NoError(t, err)
	}
	h.wait(t)

	// Another review, escalated past its deadline, then cancelled.
	h.src.AddText("mem:blog2", blogDoc("Hold the breath for a count of two between the two halves."), content.FormatMarkdown)
	second, err := h.eng.Generate(ctx, halcytone.Request{DocumentID: "mem:blog2", Channels: []string{"email"}, Author: "ada"})
	require.NoError(t, err)
	require.Equal(t, halcytone.StatusAwaitingApproval, second.Status)
	offset.Store(int64(30 * 24 * time.Hour))
	require.NoError(t, h.eng.Escalate(ctx))
	_, err = h.eng.Cancel(ctx, second.Job.ID)
	require.NoError(t, err)
	h.wait(t)

	got := received(sub)
	assert.ElementsMatch(t, got, outboxed(t, h.store), "the outbox committed what the subscribers got, no more, no less")
	types := map[string]bool{}
	for _, g := range got {
		typ, _, _ := strings.Cut(g, " ")
		types[typ] = true
	}
	for _, typ := range []string{halcytone.EventJobCreated, halcytone.EventJobUpdate, halcytone.EventJobStatusChange,
		halcytone.EventJobCompleted, halcytone.EventApprovalRequested, halcytone.EventApprovalDecided,
		halcytone.EventApprovalEscalated, halcytone.EventDeliverySucceeded, halcytone.EventDeliveryFailed} {
		assert.True(t, types[typ], "the run made a %s event", typ)
	}
}

// TestOutboxErrorRollsBackTheChange checks that an outbox that fails
// undoes the change whose events it was given: no job, no event.
func TestOutboxErrorRollsBackTheChange(t *testing.T) {
	full := errors.New("outbox full")
	hook := &outboxHook{fail: func([]halcytone.Event) error { return full }}
	h := newOutboxHarness(t, hook, nil)
	ctx := context.Background()
	sub := h.eng.Subscribe(ctx)

	_, err := h.eng.Generate(ctx, halcytone.Request{Content: update("Offline sessions are here"), Channels: []string{"email"}})
	require.ErrorIs(t, err, halcytone.ErrOutbox)
	require.ErrorIs(t, err, full)
	page, err := h.store.ListJobs(ctx, store.JobFilter{})
	require.NoError(t, err)
	assert.Zero(t, page.Total, "the job was rolled back")
	assert.Empty(t, received(sub), "no subscriber hears of a change that did not commit")
	assert.Empty(t, h.email.Published())
}

// TestOutboxErrorOnAnOutcomeSendsOnce fails the outbox once when a
// delivery's outcome is recorded, after the publisher sent it: the
// outcome rolls back, the queue runs the delivery again, the publisher's
// idempotency key finds it sent, and the outbox commits its events once.
func TestOutboxErrorOnAnOutcomeSendsOnce(t *testing.T) {
	var failed atomic.Bool
	hook := &outboxHook{fail: func(events []halcytone.Event) error {
		for _, ev := range events {
			if ev.Type == halcytone.EventDeliverySucceeded && failed.CompareAndSwap(false, true) {
				return errors.New("outbox busy")
			}
		}
		return nil
	}}
	h := newOutboxHarness(t, hook, nil)
	j := h.generateAndWait(t, halcytone.Request{Content: update("Offline sessions are here"), Channels: []string{"email"}})

	require.True(t, failed.Load(), "the outbox failed once")
	assert.Equal(t, store.JobCompleted, j.Status)
	assert.Len(t, h.email.Published(), 1, "sent once")
	n := 0
	for _, o := range outboxed(t, h.store) {
		if strings.HasPrefix(o, halcytone.EventDeliverySucceeded+" ") {
			n++
		}
	}
	assert.Equal(t, 1, n, "one delivery.succeeded committed")
}

// TestOutboxOnDatabases runs the outbox on the real stores: its writes
// commit with a reviewed job's flow, and roll back with a change it
// refuses.
func TestOutboxOnDatabases(t *testing.T) {
	ctx := context.Background()
	for name, open := range dbBackends(ctx) {
		t.Run(name, func(t *testing.T) {
			b := open(t)
			require.NoError(t, b.store.CreateWebhook(ctx, &store.Webhook{ID: "wh_outbox", URL: "https://outbox.example/",
				Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", CreatedAt: time.Now().UTC()}))
			refuse := errors.New("refused")
			hook := &outboxHook{fail: func(events []halcytone.Event) error {
				if events[0].Job != nil && events[0].Job.Metadata["refuse"] == true {
					return refuse
				}
				return nil
			}}
			email := mock.NewRecordingPublisher("email", content.ChannelEmail)
			eng := b.engine(t, 4, halcytone.Config{
				Publishers:  []publish.Publisher{email},
				Gate:        &approval.Gate{Policy: approval.DefaultPolicy(), Directory: approval.StaticDirectory{"erin": {"editor"}, "mark": {"marketing"}}},
				Outbox:      hook.record,
				EventBuffer: 1024,
			})
			sub := eng.Subscribe(ctx)

			_, err := eng.Generate(ctx, halcytone.Request{Content: update("Offline sessions are here"), Channels: []string{"email"},
				Metadata: map[string]any{"refuse": true}})
			require.ErrorIs(t, err, refuse)
			page, err := b.store.ListJobs(ctx, store.JobFilter{})
			require.NoError(t, err)
			require.Zero(t, page.Total, "the refused job was rolled back")

			blog := &content.Blog{Base: content.Base{Title: "The science of the long exhale", Body: "Making the exhale longer than the inhale is one of the simplest ways to slow down."}}
			res, err := eng.Generate(ctx, halcytone.Request{Content: blog, Channels: []string{"newsletter"}, Author: "ada"})
			require.NoError(t, err)
			require.Equal(t, halcytone.StatusAwaitingApproval, res.Status)
			for _, reviewer := range []string{"erin", "mark"} {
				_, err = eng.Decide(ctx, res.Approval.ID, approval.DecisionInput{Reviewer: reviewer, Decision: approval.Approve})
				require.NoError(t, err)
			}
			var got []string
			require.Eventually(t, func() bool {
				got = append(got, received(sub)...)
				return slices.Contains(got, halcytone.EventJobCompleted+" "+res.Job.ID)
			}, time.Minute, 20*time.Millisecond)
			assert.ElementsMatch(t, got, outboxed(t, b.store))
		})
	}
}
