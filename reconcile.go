package halcytone

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/schedule"
	"github.com/halcytone/halcytone/store"
)

// entryLister is what Reconcile needs of a queue: the entries of a job
// (schedule.RiverQueue has it).
type entryLister interface {
	Entries(ctx context.Context, jobID string) ([]schedule.Entry, error)
}

// ReconcileGrace is how long a pending delivery's queue entry may be
// missing before Reconcile settles the delivery: a margin for entries
// written just after it.
const ReconcileGrace = time.Minute

// reconcileJobs is how many unfinished jobs one Reconcile looks at: a
// page of them, the next page on the next call, so that a call stays
// small (orphans are rare) and every job is seen in turn.
const reconcileJobs = 50

// errEntryEnded is the cause Reconcile records on a delivery whose queue
// entry ended without settling it.
var errEntryEnded = errors.New("its queue entry ended without an outcome")

// Reconcile settles the deliveries that are still pending although no
// queue entry will run them again: the queue gave up on their last
// attempt because the worker failed outside the publisher (a store error)
// or the process died while it ran (River's rescuer does not run an entry
// past its last attempt again). Left alone, such a delivery keeps its job
// in progress for ever and the same content skipped as "already pending".
// A delivery that was attempted is looked up at the platform by its
// idempotency key: found, it is recorded as sent; not found, its outcome
// is unknown (never resent blindly). One never attempted is failed, and
// its job can be retried. Only deliveries unchanged for ReconcileGrace
// are settled. Each call looks at one page of the unfinished jobs (50),
// the next call at the next page. It returns how many it settled; a queue
// that cannot list its entries (mock.Queue) settles none. Call it
// periodically.
func (e *Engine) Reconcile(ctx context.Context) (int, error) {
	lister, ok := e.queue.(entryLister)
	if !ok {
		return 0, nil
	}
	n := e.reconcilePage.Add(1) - 1
	f := store.JobFilter{Statuses: []store.JobStatus{store.JobPending, store.JobInProgress}, Limit: reconcileJobs, Offset: int(n) * reconcileJobs}
	page, err := e.store.ListJobs(ctx, f)
	if err != nil {
		return 0, err
	}
	if len(page.Jobs) < reconcileJobs {
		e.reconcilePage.Store(0) // the last page: start again next time
	}
	cutoff := e.now().Add(-ReconcileGrace)
	settled := 0
	var errs []error
	for _, j := range page.Jobs {
		n, err := e.reconcileJob(ctx, lister, j.ID, cutoff)
		settled += n
		if err != nil {
			errs = append(errs, fmt.Errorf("reconcile job %s: %w", j.ID, err))
		}
	}
	return settled, errors.Join(errs...)
}

// reconcileJob settles the orphaned pending deliveries of job jobID.
func (e *Engine) reconcileJob(ctx context.Context, lister entryLister, jobID string, cutoff time.Time) (int, error) {
	dels, err := e.store.ListDeliveries(ctx, jobID)
	if err != nil {
		return 0, err
	}
	var orphans []store.Delivery
	for _, d := range dels {
		if d.JobID == jobID && d.Status == store.DeliveryPending && d.UpdatedAt.Before(cutoff) {
			orphans = append(orphans, d)
		}
	}
	if len(orphans) == 0 {
		return 0, nil
	}
	entries, err := lister.Entries(ctx, jobID)
	if err != nil {
		return 0, err
	}
	live := map[string]bool{}
	for _, en := range entries {
		switch en.State {
		case "completed", "cancelled", "discarded":
		default: // available, scheduled, running, retryable, pending
			key, _, _ := strings.Cut(en.Job.DeliveryKey, queueKeySep)
			live[key] = true
		}
	}
	settled := 0
	for _, d := range orphans {
		if live[d.IdempotencyKey] {
			continue
		}
		if err := e.settleOrphan(ctx, d); err != nil {
			return settled, err
		}
		settled++
	}
	return settled, nil
}

// settleOrphan settles d, a pending delivery no queue entry will run.
func (e *Engine) settleOrphan(ctx context.Context, d store.Delivery) error {
	job, err := e.store.GetJob(ctx, d.JobID)
	if err != nil {
		return err
	}
	if d.Attempts == 0 {
		// Never sent: failed, so that a retry of the job delivers it.
		return e.closeOrphan(ctx, d, nil, store.DeliveryFailed,
			fmt.Errorf("delivery %s: %w before its first attempt", d.IdempotencyKey, errEntryEnded))
	}
	if p := e.publishers[content.Channel(d.Channel)]; p != nil {
		if r, ok := lookup(ctx, p, d.IdempotencyKey, job.DryRun); ok {
			rec := receipt(r)
			return e.closeOrphan(ctx, d, &rec, store.DeliverySent, nil)
		}
	}
	return e.closeOrphan(ctx, d, nil, store.DeliveryUnknown,
		fmt.Errorf("delivery %s: %w after %d attempt(s), and the platform has no record of it", d.IdempotencyKey, errEntryEnded, d.Attempts))
}

// closeOrphan gives d status (with r when sent, cause otherwise) and
// settles its job, unless d was settled or taken over meanwhile.
func (e *Engine) closeOrphan(ctx context.Context, d store.Delivery, r *store.Receipt, status store.DeliveryStatus, cause error) error {
	now := e.now().UTC()
	err := e.recordOutcome(ctx, d.IdempotencyKey, d.JobID, func(x *store.Delivery) error {
		if x.Status != store.DeliveryPending || x.JobID != d.JobID {
			return errNotPending
		}
		x.Status, x.Receipt, x.LastError, x.UpdatedAt = status, r, "", now
		if cause != nil {
			x.LastError = storedText(cause.Error())
		}
		return nil
	})
	if errors.Is(err, errNotPending) {
		return nil // settled meanwhile
	}
	return err
}
