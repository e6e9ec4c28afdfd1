package email_test

// Resuming interrupted sends: Lookup finds only complete sends, so that the
// Engine publishes an interrupted one again, and Publish then reaches each
// recipient exactly once. The Engine tests import the root package; as an
// external test package this is no import cycle, though the root package
// imports this one.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/publish/email"
	"github.com/halcytone/halcytone/schedule"
	"github.com/halcytone/halcytone/source"
	"github.com/halcytone/halcytone/store"
)

// hookCheckpoint passes loads and saves to next, calling hook with the
// number of each save (from 1) first; a hook error fails the save, which
// then saves nothing.
type hookCheckpoint struct {
	next  email.Checkpoint
	hook  func(n int) error
	mu    sync.Mutex
	saves int
}

func (c *hookCheckpoint) Load(ctx context.Context, key string) (string, error) {
	return c.next.Load(ctx, key)
}

func (c *hookCheckpoint) Save(ctx context.Context, key, cursor string) error {
	c.mu.Lock()
	c.saves++
	n := c.saves
	c.mu.Unlock()
	if c.hook != nil {
		if err := c.hook(n); err != nil {
			return err
		}
	}
	return c.next.Save(ctx, key, cursor)
}

// failSecondBatch makes the CRM refuse the second batch with 503 tries
// times, once the first batch is checkpointed: a batch that fails for
// the whole of one Publish, then heals.
func failSecondBatch(fake *mock.CRM, next email.Checkpoint, tries int) *hookCheckpoint {
	return &hookCheckpoint{next: next, hook: func(n int) error {
		if n == 1 {
			fake.FailNextBatch(tries, http.StatusServiceUnavailable, 0)
		}
		return nil
	}}
}

// postedBatches returns the batch numbers posted to the campaign key in
// the fake's requests from index from on.
func postedBatches(fake *mock.CRM, key string, from int) []string {
	var out []string
	for _, r := range fake.Requests()[from:] {
		if r.Method == http.MethodPost {
			out = append(out, strings.TrimPrefix(r.Header.Get("Idempotency-Key"), key+":"))
		}
	}
	return out
}

// distinctRecipients returns how many different addresses the batches of
// campaign key reached, and how many recipients they held in all.
func distinctRecipients(fake *mock.CRM, key string) (distinct, total int) {
	seen := map[string]bool{}
	for _, b := range fake.Batches(key) {
		for _, r := range b.Recipients {
			seen[r.Email] = true
			total++
		}
	}
	return len(seen), total
}

// seed300 adds 300 subscribers to fake.
func seed300(fake *mock.CRM) {
	for i := range 300 {
		fake.AddSubscribers(mock.CRMSubscriber{ID: fmt.Sprintf("s%03d", i), Name: "N", Email: fmt.Sprintf("s%03d@example.com", i)})
	}
}

func TestCRMResumesAfterFailedBatch(t *testing.T) {
	fake := mock.StartCRM(t, apiKey)
	seed300(fake)
	const tries = 3
	cp := failSecondBatch(fake, &email.MemoryCheckpoint{}, tries)
	p := newCRM(t, fake, func(c *email.CRMConfig) { c.Checkpoint, c.MaxTries = cp, tries })
	d := newsletterDelivery("Second batch fails")

	_, err := p.Publish(t.Context(), d)
	require.Error(t, err)
	assert.Equal(t, content.Retryable, content.ClassOf(err))
	require.Equal(t, 100, fake.Delivered())

	_, ok, err := p.Lookup(t.Context(), d.IdempotencyKey)
	require.NoError(t, err)
	require.False(t, ok, "a send with 100 of 300 recipients reached is found by Lookup")

	before := len(fake.Requests())
	r, err := p.Publish(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, 300, r.Sent)
	assert.Equal(t, []string{"2", "3"}, postedBatches(fake, d.IdempotencyKey, before), "only the batches not sent are posted")
	distinct, total := distinctRecipients(fake, d.IdempotencyKey)
	assert.Equal(t, 300, distinct)
	assert.Equal(t, 300, total)
	assert.Equal(t, 300, fake.Delivered())
	assert.Equal(t, 0, fake.Duplicates())

	got, ok, err := p.Lookup(t.Context(), d.IdempotencyKey)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "sent", got.Status)
	assert.Equal(t, 300, got.Sent)
	assert.Equal(t, r.ExternalID, got.ExternalID)
}

// A crash after the CRM took a batch and before its checkpoint was saved:
// the resumed send finds the batch at the CRM under its key and does not
// post it again.
func TestCRMResumesWhenBatchAcceptedButNotCheckpointed(t *testing.T) {
	fake := mock.StartCRM(t, apiKey)
	seed300(fake)
	cp := &hookCheckpoint{next: &email.MemoryCheckpoint{}, hook: func(n int) error {
		if n == 2 {
			return errors.New("disk full (test)")
		}
		return nil
	}}
	p := newCRM(t, fake, func(c *email.CRMConfig) { c.Checkpoint = cp })
	d := newsletterDelivery("Checkpoint lost")

	_, err := p.Publish(t.Context(), d)
	require.Error(t, err)
	assert.Equal(t, content.Retryable, content.ClassOf(err))
	require.Len(t, fake.Batches(d.IdempotencyKey), 2, "batch 2 is at the CRM, its checkpoint is not")

	_, ok, err := p.Lookup(t.Context(), d.IdempotencyKey)
	require.NoError(t, err)
	require.False(t, ok)

	before := len(fake.Requests())
	r, err := p.Publish(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, 300, r.Sent)
	assert.Equal(t, []string{"3"}, postedBatches(fake, d.IdempotencyKey, before))
	assert.Equal(t, 300, fake.Delivered())
	assert.Equal(t, 0, fake.Duplicates())
}

// Without a checkpoint (another process, an in-memory one lost in a
// restart), Lookup compares the CRM's batches with those the send is made
// of.
func TestCRMLookupWithoutCheckpoint(t *testing.T) {
	fake := mock.StartCRM(t, apiKey)
	seed300(fake)
	first := newCRM(t, fake, func(c *email.CRMConfig) {
		c.Checkpoint, c.MaxTries = failSecondBatch(fake, &email.MemoryCheckpoint{}, 1), 1
	})
	d := newsletterDelivery("Checkpoint gone")
	_, err := first.Publish(t.Context(), d)
	require.Error(t, err)
	require.Len(t, fake.Batches(d.IdempotencyKey), 1)

	// A publisher with an empty checkpoint: batch 1 of 3 is not a send.
	fresh := newCRM(t, fake, nil)
	_, ok, err := fresh.Lookup(t.Context(), d.IdempotencyKey)
	require.NoError(t, err)
	require.False(t, ok)

	// It resumes from what the CRM holds, and then every batch is there.
	before := len(fake.Requests())
	r, err := fresh.Publish(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, 300, r.Sent)
	assert.Equal(t, []string{"2", "3"}, postedBatches(fake, d.IdempotencyKey, before))
	assert.Equal(t, 0, fake.Duplicates())

	other := newCRM(t, fake, nil)
	got, ok, err := other.Lookup(t.Context(), d.IdempotencyKey)
	require.NoError(t, err)
	require.True(t, ok, "every batch is at the CRM")
	assert.Equal(t, "sent", got.Status)
	assert.Equal(t, 300, got.Sent)
	assert.Equal(t, d.IdempotencyKey, got.ExternalID)
}

// nopQueue is a schedule.Queue that queues nothing: the tests call
// Engine.Work themselves.
type nopQueue struct{}

func (nopQueue) Enqueue(context.Context, store.Tx, schedule.Job) (bool, error) { return true, nil }
func (nopQueue) Cancel(context.Context, string) (int, error)                   { return 0, nil }
func (nopQueue) Start(context.Context) error                                   { return nil }
func (nopQueue) Stop(context.Context) error                                    { return nil }

// newEngine returns an Engine publishing with p over st, and the queue
// entry of a pending email delivery of d's bundle stored in st.
func newEngine(t *testing.T, st *mock.Store, p publish.Publisher, d publish.Delivery) (*halcytone.Engine, schedule.Job) {
	t.Helper()
	ctx := t.Context()
	eng, err := halcytone.New(halcytone.Config{Store: st, Sources: source.NewRegistry(), Queue: nopQueue{}, Publishers: []publish.Publisher{p}})
	require.NoError(t, err)
	now := time.Now().UTC()
	require.NoError(t, st.SaveBundle(ctx, &store.BundleRecord{ID: "b1", JobID: "j1", Hash: d.Bundle.Hash, Bundle: d.Bundle, CreatedAt: now}))
	require.NoError(t, st.CreateJob(ctx, &store.Job{ID: "j1", DocumentID: "sample:", Channels: []string{"email"}, Status: store.JobPending,
		CreatedAt: now, UpdatedAt: now, BundleID: "b1", ContentHash: d.Bundle.Hash}))
	require.NoError(t, st.CreateDelivery(ctx, &store.Delivery{IdempotencyKey: d.IdempotencyKey, JobID: "j1", Channel: "email",
		Account: d.Account, Status: store.DeliveryPending, CreatedAt: now, UpdatedAt: now}))
	return eng, schedule.Job{JobID: "j1", DeliveryKey: d.IdempotencyKey}
}

func TestEngineResumesPartialCRMSend(t *testing.T) {
	ctx := t.Context()
	fake := mock.StartCRM(t, apiKey)
	seed300(fake)
	st := mock.NewStore()
	const tries = 2
	p := newCRM(t, fake, func(c *email.CRMConfig) {
		c.Checkpoint, c.MaxTries = failSecondBatch(fake, halcytone.DeliveryCheckpoints{Store: st}, tries), tries
	})
	d := newsletterDelivery("Engine resume")
	eng, qj := newEngine(t, st, p, d)

	err := eng.Work(ctx, qj, 1)
	require.Error(t, err)
	assert.Equal(t, content.Retryable, content.ClassOf(err), "%v", err)
	del, err := st.GetDelivery(ctx, d.IdempotencyKey)
	require.NoError(t, err)
	require.Equal(t, store.DeliveryPending, del.Status, "a partial send is not settled")
	assert.Contains(t, del.Checkpoint, `"batches":1`, "the checkpoint is in the delivery row")
	require.Equal(t, 100, fake.Delivered())

	// The retry looks the send up, does not find it complete, and resumes.
	require.NoError(t, eng.Work(ctx, qj, 2))
	del, err = st.GetDelivery(ctx, d.IdempotencyKey)
	require.NoError(t, err)
	assert.Equal(t, store.DeliverySent, del.Status)
	require.NotNil(t, del.Receipt)
	assert.Equal(t, 300, del.Receipt.Sent)
	assert.Equal(t, "sent", del.Receipt.Status)
	distinct, total := distinctRecipients(fake, d.IdempotencyKey)
	assert.Equal(t, 300, distinct)
	assert.Equal(t, 300, total)
	assert.Equal(t, 0, fake.Duplicates())
	job, err := st.GetJob(ctx, "j1")
	require.NoError(t, err)
	assert.Equal(t, store.JobCompleted, job.Status)
	assert.Equal(t, 300, job.Results["email"].Sent)
}

// failingPost fails the n-th POST without sending it, with an error that
// is not a dial failure: to the publisher, the batch's outcome is unknown.
type failingPost struct {
	n    int32
	seen atomic.Int32
	next http.RoundTripper
}

func (f *failingPost) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && f.seen.Add(1) == f.n {
		return nil, errors.New("connection reset (test)")
	}
	return f.next.RoundTrip(r)
}

// A middle batch whose outcome is unknown leaves the send incomplete: the
// delivery is unknown, for a person to reconcile, not sent.
func TestEngineDoesNotTakeIncompleteCRMSendForSent(t *testing.T) {
	ctx := t.Context()
	fake := mock.StartCRM(t, apiKey)
	seed300(fake)
	st := mock.NewStore()
	p := newCRM(t, fake, func(c *email.CRMConfig) {
		c.Checkpoint, c.MaxTries = halcytone.DeliveryCheckpoints{Store: st}, 1
		c.HTTPClient = &http.Client{Transport: &failingPost{n: 2, next: http.DefaultTransport}, Timeout: 10 * time.Second}
	})
	d := newsletterDelivery("Engine unknown")
	eng, qj := newEngine(t, st, p, d)

	err := eng.Work(ctx, qj, 1)
	assert.Equal(t, content.OutcomeUnknown, content.ClassOf(err), "%v", err)
	del, err := st.GetDelivery(ctx, d.IdempotencyKey)
	require.NoError(t, err)
	assert.Equal(t, store.DeliveryUnknown, del.Status)
	assert.Nil(t, del.Receipt)
	assert.Equal(t, 100, fake.Delivered())
}

// newFiveRecipientSMTP returns an SMTP publisher to srv for five
// recipients, checkpointing through cp.
func newFiveRecipientSMTP(t *testing.T, srv *smtpServer, cp email.Checkpoint, log *slog.Logger) *email.SMTP {
	t.Helper()
	return newSMTP(t, srv, func(c *email.SMTPConfig) {
		c.Checkpoint, c.Logger, c.PoolSize = cp, log, 1
		c.Recipients = nil
		for _, n := range []string{"r1", "r2", "r3", "r4", "r5"} {
			c.Recipients = append(c.Recipients, email.Recipient{ID: n, Name: n, Email: n + "@example.com"})
		}
	})
}

// requireEachOnce checks that srv received exactly one message for each
// of the five recipients.
func requireEachOnce(t *testing.T, srv *smtpServer) {
	t.Helper()
	n := map[string]int{}
	for _, m := range srv.received() {
		for _, to := range m.To {
			n[to]++
		}
	}
	assert.Equal(t, map[string]int{"r1@example.com": 1, "r2@example.com": 1, "r3@example.com": 1, "r4@example.com": 1, "r5@example.com": 1}, n)
}

// tryLater is a temporary refusal of a recipient.
var tryLater = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}

// createDelivery stores a pending delivery of d, the row DeliveryCheckpoints
// saves into.
func createDelivery(t *testing.T, st *mock.Store, d publish.Delivery) {
	t.Helper()
	now := time.Now().UTC()
	require.NoError(t, st.CreateDelivery(t.Context(), &store.Delivery{IdempotencyKey: d.IdempotencyKey, JobID: "j1", Channel: "email",
		Status: store.DeliveryPending, CreatedAt: now, UpdatedAt: now}))
}

func TestSMTPResumesWithDeliveryCheckpoints(t *testing.T) {
	ctx := t.Context()
	srv := startSMTP(t)
	st := mock.NewStore()
	d := newsletterDelivery("Five recipients")
	createDelivery(t, st, d)
	p := newFiveRecipientSMTP(t, srv, halcytone.DeliveryCheckpoints{Store: st}, nil)

	srv.failRcptOnce("r3@example.com", tryLater)
	_, err := p.Publish(ctx, d)
	require.Error(t, err)
	assert.Equal(t, content.Retryable, content.ClassOf(err))
	require.Len(t, srv.received(), 2)
	del, err := st.GetDelivery(ctx, d.IdempotencyKey)
	require.NoError(t, err)
	assert.Contains(t, del.Checkpoint, `"sent":2`, "the progress is in the delivery row, under its own key")

	_, ok, err := p.Lookup(ctx, d.IdempotencyKey)
	require.NoError(t, err)
	require.False(t, ok, "a send interrupted half way is found by Lookup")

	r, err := p.Publish(ctx, d)
	require.NoError(t, err)
	assert.Equal(t, 5, r.Sent)
	requireEachOnce(t, srv)

	got, ok, err := p.Lookup(ctx, d.IdempotencyKey)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, r, got)

	// Another publisher (a restarted process) finds it in the store.
	again := newFiveRecipientSMTP(t, srv, halcytone.DeliveryCheckpoints{Store: st}, nil)
	got, ok, err = again.Lookup(ctx, d.IdempotencyKey)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, 5, got.Sent)
}

// A checkpoint that refuses every save (DeliveryCheckpoints with no
// delivery row for the key): the progress is kept in memory and logged,
// and the retries reach each recipient once.
func TestSMTPKeepsProgressWhenCheckpointFails(t *testing.T) {
	ctx := t.Context()
	srv := startSMTP(t)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	p := newFiveRecipientSMTP(t, srv, halcytone.DeliveryCheckpoints{Store: mock.NewStore()}, log)
	retried := publish.WithRetry(p, publish.RetryPolicy{Sleep: func(context.Context, time.Duration) error { return nil }})
	d := newsletterDelivery("No delivery row")

	srv.failRcptOnce("r3@example.com", tryLater)
	r, err := retried.Publish(ctx, d)
	require.NoError(t, err)
	assert.Equal(t, 5, r.Sent)
	requireEachOnce(t, srv)
	assert.Equal(t, 2, strings.Count(logs.String(), "checkpoint not saved"), "one warning per Publish: %s", logs.String())
	assert.Contains(t, logs.String(), d.IdempotencyKey)

	got, ok, err := p.Lookup(ctx, d.IdempotencyKey)
	require.NoError(t, err)
	require.True(t, ok, "the completed send is found in memory")
	assert.Equal(t, 5, got.Sent)

	again, err := p.Publish(ctx, d)
	require.NoError(t, err)
	assert.Equal(t, r, again)
	requireEachOnce(t, srv)
}

func TestEngineResumesPartialSMTPSend(t *testing.T) {
	ctx := t.Context()
	srv := startSMTP(t)
	st := mock.NewStore()
	d := newsletterDelivery("Engine SMTP")
	p := newFiveRecipientSMTP(t, srv, halcytone.DeliveryCheckpoints{Store: st}, nil)
	eng, qj := newEngine(t, st, p, d)

	srv.failRcptOnce("r3@example.com", tryLater)
	err := eng.Work(ctx, qj, 1)
	require.Error(t, err)
	assert.Equal(t, content.Retryable, content.ClassOf(err), "%v", err)
	del, err := st.GetDelivery(ctx, d.IdempotencyKey)
	require.NoError(t, err)
	require.Equal(t, store.DeliveryPending, del.Status)

	require.NoError(t, eng.Work(ctx, qj, 2))
	del, err = st.GetDelivery(ctx, d.IdempotencyKey)
	require.NoError(t, err)
	assert.Equal(t, store.DeliverySent, del.Status)
	require.NotNil(t, del.Receipt)
	assert.Equal(t, 5, del.Receipt.Sent)
	requireEachOnce(t, srv)
}
