package halcytone

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/schedule"
	"github.com/halcytone/halcytone/store"
)

func errorsIsConflict(err error) bool { return errors.Is(err, store.ErrConflict) }

// Work publishes one queued delivery; it is the queue's worker. It never
// sends a delivery twice: a delivery already sent is done; one that was
// attempted before without a recorded outcome (a crash, a timeout) is
// first looked up at the platform by its idempotency key and only sent
// when the platform has no record of it. A publish whose outcome stays
// unknown marks the delivery "unknown" for a person to reconcile and
// returns an OutcomeUnknown error, which the queue does not retry.
func (e *Engine) Work(ctx context.Context, qj schedule.Job, attempt int) error {
	key, _, _ := strings.Cut(qj.DeliveryKey, queueKeySep)
	d, err := e.store.GetDelivery(ctx, key)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return &content.Error{Class: content.Permanent, Op: "halcytone: work", Err: fmt.Errorf("delivery %s: %w", qj.DeliveryKey, err)}
		}
		return err
	}
	if d.JobID != qj.JobID {
		return nil // taken over by another job
	}
	if d.Status != store.DeliveryPending {
		// Already settled (an entry run again after a crash): make sure the
		// job reflects it, and send nothing.
		return e.settle(ctx, d.JobID, nil)
	}
	job, err := e.store.GetJob(ctx, d.JobID)
	if err != nil {
		return err
	}
	if job.Status == store.JobCancelled {
		return nil
	}
	ch := content.Channel(d.Channel)
	p := e.publishers[ch]
	if p == nil {
		return e.finish(ctx, d, store.Receipt{}, &content.Error{Class: content.Permanent, Op: "halcytone: work", Err: fmt.Errorf("%w %s", ErrNoPublisher, ch)})
	}
	rec, err := e.store.GetBundle(ctx, job.BundleID)
	if err != nil {
		return err
	}
	if job.Status != store.JobInProgress {
		if _, err := e.store.UpdateJob(ctx, job.ID, func(j *store.Job) error {
			if j.Status == store.JobPending || j.Status == store.JobScheduled {
				j.Status, j.StartedAt = store.JobInProgress, e.now().UTC()
			}
			return nil
		}); err != nil {
			return err
		}
	}
	del := publish.Delivery{
		IdempotencyKey: d.IdempotencyKey,
		JobID:          job.ID,
		Channel:        ch,
		Platform:       content.Platform(d.Platform),
		Account:        d.Account,
		Bundle:         rec.Bundle,
		DryRun:         job.DryRun,
	}

	// Tried before with no recorded outcome: ask the platform first.
	if d.Attempts > 0 {
		if r, ok := lookup(ctx, p, d.IdempotencyKey, del.DryRun); ok {
			return e.finish(ctx, d, receipt(r), nil)
		}
	}
	if d, err = e.store.UpdateDelivery(ctx, d.IdempotencyKey, func(x *store.Delivery) error {
		// Cancelled or settled since it was read: send nothing.
		if x.Status != store.DeliveryPending || x.JobID != qj.JobID {
			return errNotPending
		}
		x.Attempts++
		x.UpdatedAt = e.now().UTC()
		return nil
	}); err != nil {
		if errors.Is(err, errNotPending) {
			return e.settle(ctx, qj.JobID, nil)
		}
		return err
	}
	r, perr := p.Publish(ctx, del)
	if perr == nil {
		return e.finish(ctx, d, receipt(r), nil)
	}
	switch content.ClassOf(perr) {
	case content.OutcomeUnknown:
		if r, ok := lookup(ctx, p, d.IdempotencyKey, del.DryRun); ok {
			return e.finish(ctx, d, receipt(r), nil)
		}
		_, err := e.store.UpdateDelivery(ctx, d.IdempotencyKey, func(x *store.Delivery) error {
			x.Status, x.LastError, x.UpdatedAt = store.DeliveryUnknown, storedText(perr.Error()), e.now().UTC()
			return nil
		})
		if err != nil {
			return err
		}
		return e.settle(ctx, d.JobID, perr)
	case content.Retryable, content.RateLimited:
		if schedule.WillRetry(ctx, perr, attempt) {
			_, err := e.store.UpdateDelivery(ctx, d.IdempotencyKey, func(x *store.Delivery) error {
				x.LastError, x.UpdatedAt = storedText(perr.Error()), e.now().UTC()
				return nil
			})
			if err != nil {
				return err
			}
			return perr // the queue retries
		}
	}
	return e.finish(ctx, d, store.Receipt{}, perr)
}

// storedText makes text from a platform (an error, a receipt) storable
// in every store: valid UTF-8 without NUL, which PostgreSQL refuses in
// text and JSON. A refused write would leave a settled delivery pending,
// and its queue entry would send it again.
func storedText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// errNotPending stops a delivery's attempt when it is no longer pending.
var errNotPending = errors.New("halcytone: delivery no longer pending")

// lookup asks p whether it already delivered key, and accepts only a
// receipt of the same kind as the delivery: a live delivery is never taken
// for sent because a dry run once recorded its key (publish.ByDryRun
// answers from either side).
func lookup(ctx context.Context, p publish.Publisher, key string, dryRun bool) (publish.Receipt, bool) {
	r, ok, err := p.Lookup(ctx, key)
	if err != nil || !ok || r.DryRun != dryRun {
		return publish.Receipt{}, false
	}
	return r, true
}

// queueKeySep separates a delivery's key from the job suffix of a queue
// entry that re-runs it (see release); delivery keys never contain it.
const queueKeySep = "#"

// ReceiptDryRun is the Status of the receipt of a delivery a dry-run
// publisher recorded instead of sending: such a delivery does not count as
// sent when a later job delivers the same content for real.
const ReceiptDryRun = "dry_run"

func receipt(r publish.Receipt) store.Receipt {
	out := store.Receipt{ExternalID: storedText(r.ExternalID), URL: storedText(r.URL), Status: storedText(r.Status), Sent: r.Sent, At: r.At.UTC()}
	if r.DryRun {
		out.Status = ReceiptDryRun
	}
	return out
}

// dryRunOnly reports whether d was recorded by a dry run, never sent.
func dryRunOnly(d *store.Delivery) bool {
	return d.Status == store.DeliverySent && d.Receipt != nil && d.Receipt.Status == ReceiptDryRun
}

// finish records the outcome of a delivery (perr nil: sent) and settles
// its job in the same transaction. It returns perr so that the queue sees
// the failure.
func (e *Engine) finish(ctx context.Context, d *store.Delivery, r store.Receipt, perr error) error {
	now := e.now().UTC()
	err := e.recordOutcome(ctx, d.IdempotencyKey, d.JobID, func(x *store.Delivery) error {
		x.UpdatedAt = now
		if perr == nil {
			x.Status, x.Receipt, x.LastError = store.DeliverySent, &r, ""
		} else {
			x.Status, x.LastError = store.DeliveryFailed, storedText(perr.Error())
		}
		return nil
	})
	if err != nil {
		return err
	}
	return perr
}

// recordOutcome updates delivery key with apply and settles job jobID
// from its deliveries (settleIn), in one transaction; then it emits the
// delivery's event (a sent or failed one; an unknown delivery has none)
// and the job's. An error of apply aborts it and is returned.
func (e *Engine) recordOutcome(ctx context.Context, key, jobID string, apply func(*store.Delivery) error) error {
	return e.inTx(ctx, func(tx store.Tx) ([]Event, error) {
		updated, err := tx.UpdateDelivery(ctx, key, apply)
		if err != nil {
			return nil, err
		}
		settled, err := e.settleIn(ctx, tx, jobID)
		if err != nil {
			return nil, err
		}
		switch updated.Status {
		case store.DeliverySent:
			return []Event{e.event(EventDeliverySucceeded, nil, nil, updated), *settled}, nil
		case store.DeliveryFailed:
			return []Event{e.event(EventDeliveryFailed, nil, nil, updated), *settled}, nil
		}
		return []Event{*settled}, nil
	})
}

// settle recomputes a job's results and status from its deliveries (see
// settleIn) in its own transaction, emits the job's event and returns
// cause.
func (e *Engine) settle(ctx context.Context, jobID string, cause error) error {
	err := e.inTx(ctx, func(tx store.Tx) ([]Event, error) {
		settled, err := e.settleIn(ctx, tx, jobID)
		if err != nil {
			return nil, err
		}
		return []Event{*settled}, nil
	})
	if err != nil {
		return err
	}
	return cause
}

// settleIn recomputes a job's results and status from its deliveries in
// q: when none is pending any more, the job is completed (none failed),
// failed (none sent) or partial. It returns the event to emit once the
// transaction commits.
func (e *Engine) settleIn(ctx context.Context, q store.Queries, jobID string) (*Event, error) {
	// Lock the job row before reading its deliveries: deliveries of one
	// job finishing at once in concurrent transactions (PostgreSQL, READ
	// COMMITTED) would each read the others as pending, and none would
	// finish the job. After the lock, the read sees every earlier settle.
	if _, err := q.UpdateJob(ctx, jobID, func(*store.Job) error { return nil }); err != nil {
		return nil, err
	}
	dels, err := q.ListDeliveries(ctx, jobID)
	if err != nil {
		return nil, err
	}
	now := e.now().UTC()
	var before store.JobStatus
	j, err := q.UpdateJob(ctx, jobID, func(j *store.Job) error {
		before = j.Status
		if j.Status == store.JobCancelled {
			return nil
		}
		if j.Results == nil {
			j.Results = map[string]store.ChannelResult{}
		}
		pending, sent, failed := 0, 0, 0
		for _, d := range dels {
			if d.JobID != jobID {
				continue
			}
			key := channelKey(j, content.Channel(d.Channel))
			res := store.ChannelResult{Timestamp: d.UpdatedAt}
			switch d.Status {
			case store.DeliveryPending:
				pending++
				continue
			case store.DeliverySent:
				sent++
				res.Status = "success"
				if d.Receipt != nil {
					res.ContentID, res.URL, res.Sent = d.Receipt.ExternalID, d.Receipt.URL, d.Receipt.Sent
				}
			case store.DeliverySkipped:
				res.Status = "skipped"
			default: // failed or unknown
				failed++
				res.Status, res.Error = "failed", d.LastError
			}
			j.Results[key] = res
		}
		if pending > 0 {
			return nil
		}
		if j.CompletedAt.IsZero() {
			j.CompletedAt = now
		}
		switch {
		case failed == 0:
			j.Status = store.JobCompleted
		case sent == 0:
			j.Status = store.JobFailed
		default:
			j.Status = store.JobPartial
		}
		j.Errors = nil
		for _, k := range j.Channels {
			if r, ok := j.Results[k]; ok && r.Status == "failed" {
				j.Errors = append(j.Errors, k+": "+r.Error)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ev := &Event{Job: j, At: now}
	switch {
	case j.Status == before:
		ev.Type = EventJobUpdate
	case j.Status == store.JobCompleted:
		ev.Type = EventJobCompleted
	case j.Status == store.JobFailed || j.Status == store.JobPartial:
		ev.Type = EventJobFailed
	default:
		ev.Type = EventJobStatusChange
	}
	return ev, nil
}
