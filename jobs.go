package halcytone

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/halcytone/halcytone/approval"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/store"
)

// Job returns a job.
func (e *Engine) Job(ctx context.Context, id string) (*store.Job, error) {
	return e.store.GetJob(ctx, id)
}

// Jobs lists jobs, newest first.
func (e *Engine) Jobs(ctx context.Context, f store.JobFilter) (store.JobPage, error) {
	return e.store.ListJobs(ctx, f)
}

// Cancel stops a job that has not finished: its queued deliveries are
// dropped from the queue and marked skipped, and an open approval request
// is withdrawn (approval.Gate.Withdraw). A finished job gives an error
// wrapping ErrJobFinished and the job as it is.
func (e *Engine) Cancel(ctx context.Context, id string) (*store.Job, error) {
	var job *store.Job
	err := e.inTx(ctx, func(tx store.Tx) ([]Event, error) {
		j, err := tx.GetJob(ctx, id)
		if err != nil {
			return nil, err
		}
		if j.Status.Terminal() {
			job = j
			return nil, fmt.Errorf("%w: job %s is %s", ErrJobFinished, id, j.Status)
		}
		// Its review closes with it: a cancelled job's content will not go
		// out, and approving it would mean nothing. Withdrawing first also
		// locks the request, which Decide locks first too: a decision in
		// flight commits, with the deliveries its approval releases,
		// before the deliveries are read below, and one that comes later
		// finds the request closed.
		var summary *store.JobApproval
		if j.Approval != nil && j.Approval.RequestID != "" {
			a, err := e.gate.Withdraw(ctx, tx, j.Approval.RequestID, approval.SystemActor, "job cancelled")
			if err != nil {
				return nil, err
			}
			summary = approval.Summary(a)
		}
		dels, err := tx.ListDeliveries(ctx, id)
		if err != nil {
			return nil, err
		}
		now := e.now().UTC()
		for _, d := range dels {
			if d.JobID != id || d.Status != store.DeliveryPending {
				continue
			}
			_, err := tx.UpdateDelivery(ctx, d.IdempotencyKey, func(x *store.Delivery) error {
				// Settled (sent, failed) or taken over since it was read:
				// a worker finished it first, and it stays as it is.
				if x.Status != store.DeliveryPending || x.JobID != id {
					return errNotPending
				}
				x.Status, x.LastError, x.UpdatedAt = store.DeliverySkipped, "job cancelled", now
				return nil
			})
			if err != nil && !errors.Is(err, errNotPending) {
				return nil, err
			}
		}
		job, err = tx.UpdateJob(ctx, id, func(j *store.Job) error {
			if j.Status.Terminal() {
				// Its last delivery settled the job meanwhile.
				return fmt.Errorf("%w: job %s is %s", ErrJobFinished, id, j.Status)
			}
			j.Status, j.CompletedAt = store.JobCancelled, now
			if summary != nil {
				j.Approval = summary
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		return []Event{e.event(EventJobStatusChange, job, nil, nil)}, nil
	})
	if errors.Is(err, ErrJobFinished) && job == nil {
		job, _ = e.store.GetJob(ctx, id)
	}
	if err != nil {
		return job, err
	}
	// The deliveries are skipped in the store, so a queued job that runs
	// anyway does nothing; removing them from the queue is tidiness.
	if _, err := e.queue.Cancel(ctx, id); err != nil {
		e.log.WarnContext(ctx, "cancel queued deliveries", "job_id", id, "err", err)
	}
	return job, nil
}

// Retry starts a new job for the same bundle and channels as a failed or
// partial one; its metadata names the original under "retry_of". Channels
// that were delivered are skipped; failed ones are delivered again. Other
// statuses give an error wrapping ErrJobFinished. While a job (an earlier
// retry) is still delivering one of its channels, Retry returns that job
// instead of starting another, which would skip every channel and report
// success.
func (e *Engine) Retry(ctx context.Context, id string) (*store.Job, error) {
	var job *store.Job
	err := e.inTx(ctx, func(tx store.Tx) ([]Event, error) {
		old, err := tx.GetJob(ctx, id)
		if err != nil {
			return nil, err
		}
		if old.Status != store.JobFailed && old.Status != store.JobPartial {
			job = old
			return nil, fmt.Errorf("%w: job %s is %s; only failed or partial jobs can be retried", ErrJobFinished, id, old.Status)
		}
		// A retry already under way holds the channels' deliveries: a
		// second one would only skip them and report success.
		for _, spelled := range old.Channels {
			ch, err := content.ParseChannel(spelled)
			if err != nil {
				continue
			}
			platform, _ := ch.Platform()
			d, err := tx.GetDelivery(ctx, publish.IdempotencyKey(keyBase(old), ch, platform, ""))
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if d.JobID != old.ID && d.Status == store.DeliveryPending {
				if job, err = tx.GetJob(ctx, d.JobID); err != nil {
					return nil, err
				}
				return nil, errRetryRunning
			}
		}
		now := e.now().UTC()
		meta := maps.Clone(old.Metadata)
		if meta == nil {
			meta = map[string]any{}
		}
		meta["retry_of"] = old.ID
		j := &store.Job{
			ID:            newID("job_"),
			DocumentID:    old.DocumentID,
			Channels:      old.Channels,
			Status:        store.JobPending,
			CreatedAt:     now,
			UpdatedAt:     now,
			Metadata:      meta,
			CorrelationID: old.CorrelationID,
			Approval:      old.Approval,
			ContentHash:   old.ContentHash,
			BundleID:      old.BundleID,
			DryRun:        old.DryRun,
			// A forced job's retry takes over its own deliveries.
			DeliveryKeyBase: old.DeliveryKeyBase,
		}
		if err := tx.CreateJob(ctx, j); err != nil {
			return nil, err
		}
		if job, err = e.release(ctx, tx, j); err != nil {
			return nil, err
		}
		events := []Event{e.event(EventJobCreated, job, nil, nil)}
		if job.Status.Terminal() {
			events = append(events, e.event(statusEvent(job), job, nil, nil)) // nothing was left to deliver
		}
		return events, nil
	})
	if errors.Is(err, errRetryRunning) {
		return job, nil
	}
	if err != nil {
		return job, err
	}
	return job, nil
}

// errRetryRunning aborts a Retry whose job another job is delivering.
var errRetryRunning = errors.New("halcytone: a retry is running")

// Decide records a reviewer's decision on an approval request. When the
// request becomes approved its job's deliveries are enqueued in the same
// transaction; a rejected request cancels its job. Errors are those of
// approval.Gate.Decide (self-approval, role, stale content, finished).
func (e *Engine) Decide(ctx context.Context, requestID string, in approval.DecisionInput) (*store.ApprovalRequest, error) {
	var req *store.ApprovalRequest
	err := e.inTx(ctx, func(tx store.Tx) ([]Event, error) {
		a, err := tx.GetApproval(ctx, requestID)
		if err != nil {
			return nil, err
		}
		j, err := tx.GetJob(ctx, a.JobID)
		if err != nil {
			return nil, err
		}
		if in.ContentHash == "" {
			in.ContentHash = j.ContentHash // the content under review now
		}
		var decided []approval.Event
		req, decided, err = e.gate.Decide(ctx, tx, requestID, in)
		if err != nil {
			return nil, err
		}
		now := e.now().UTC()
		var job *store.Job
		switch {
		case req.State == store.ApprovalApproved && j.Status == store.JobAwaitingApproval:
			job, err = e.release(ctx, tx, j)
		case req.State == store.ApprovalRejected:
			job, err = tx.UpdateJob(ctx, j.ID, func(x *store.Job) error {
				x.Status, x.CompletedAt = store.JobCancelled, now
				x.Errors = append(x.Errors, "approval rejected by "+in.Reviewer)
				x.Approval = approval.Summary(req)
				return nil
			})
		default:
			job, err = tx.UpdateJob(ctx, j.ID, func(x *store.Job) error {
				x.Approval = approval.Summary(req)
				return nil
			})
		}
		if err != nil {
			return nil, err
		}
		events := e.withApproval(make([]Event, 0, len(decided)+1), job, decided)
		return append(events, e.event(statusEvent(job), job, nil, nil)), nil
	})
	if err != nil {
		return nil, err
	}
	return req, nil
}

// Escalate marks approval requests past their deadline as escalated and
// emits an event for each; run it periodically. The overdue requests are
// listed outside any transaction (no lock is held while it reads them
// all); each is then escalated in a transaction of its own, with its
// event.
func (e *Engine) Escalate(ctx context.Context) error {
	now := e.now()
	due, err := e.gate.Overdue(ctx, e.store, now)
	if err != nil {
		return err
	}
	for _, id := range due {
		err := e.inTx(ctx, func(tx store.Tx) ([]Event, error) {
			ev, err := e.gate.EscalateOne(ctx, tx, id, now)
			if err != nil || ev == nil {
				return nil, err
			}
			return []Event{e.event(ev.Type, nil, ev.Request, nil)}, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Refresh fetches a job's document again. When its content changed while
// the job awaits approval, the job takes the new bundle and its approval
// is reset to the new content hash: approvals given to the old content no
// longer count, and a decision naming the old hash is refused. A job that
// is not awaiting approval, or whose content did not change, is returned
// as it is. Refresh needs a job created from a document reference.
func (e *Engine) Refresh(ctx context.Context, jobID, actor string) (*store.Job, error) {
	j, err := e.store.GetJob(ctx, jobID)
	if err != nil {
		return nil, err
	}
	if j.Status != store.JobAwaitingApproval || j.Approval == nil {
		return j, nil
	}
	rec, err := e.store.GetBundle(ctx, j.BundleID)
	if err != nil {
		return nil, err
	}
	platforms, tones := bundleOptions(rec.Bundle)
	req := Request{DocumentID: j.DocumentID, Channels: j.Channels, Template: rec.Bundle.Template, Tone: rec.Bundle.Tone,
		Platforms: platforms, ChannelTones: tones}
	r, err := e.resolve(ctx, &req)
	if err != nil {
		return nil, err
	}
	if r.doc.Hash == j.ContentHash {
		return j, nil
	}
	b, rep, err := e.assemble(ctx, &req, r)
	if err != nil {
		return nil, err
	}
	if !rep.Valid {
		// The review goes on over the valid content it started with.
		return nil, invalidChange(rep)
	}
	prev, err := e.store.GetApproval(ctx, j.Approval.RequestID)
	if err != nil {
		return nil, err
	}
	subject := approval.SubjectOf(r.doc, b)
	subject.ValidationPassed, subject.Author = true, prev.Author
	err = e.inTx(ctx, func(tx store.Tx) ([]Event, error) {
		now := e.now().UTC()
		if _, _, err := tx.SaveDocument(ctx, r.ref, r.doc, false); err != nil {
			return nil, err
		}
		bundleID := newID("bdl_")
		if err := tx.SaveBundle(ctx, &store.BundleRecord{ID: bundleID, JobID: j.ID, Hash: b.Hash, Bundle: b, CreatedAt: now}); err != nil {
			return nil, err
		}
		a, reset, err := e.gate.ResetFor(ctx, tx, j.Approval.RequestID, b.Hash, actor, &subject)
		if err != nil {
			return nil, err
		}
		// The approval first, the job second, as Decide locks them. A job
		// decided or refreshed since it was read (the fetch takes time)
		// is left as it is now: the transaction rolls back.
		old := j
		j, err = tx.UpdateJob(ctx, j.ID, func(x *store.Job) error {
			if x.Status != store.JobAwaitingApproval || x.ContentHash != old.ContentHash || x.BundleID != old.BundleID {
				return errJobMoved
			}
			x.ContentHash, x.BundleID, x.Approval = b.Hash, bundleID, approval.Summary(a)
			return nil
		})
		if err != nil {
			return nil, err
		}
		events := e.withApproval(make([]Event, 0, len(reset)+1), j, reset)
		return append(events, e.event(EventJobUpdate, j, nil, nil)), nil
	})
	if errors.Is(err, errJobMoved) {
		return e.store.GetJob(ctx, jobID)
	}
	if err != nil {
		return nil, err
	}
	return j, nil
}

// errJobMoved aborts a Refresh whose job changed while it fetched.
var errJobMoved = errors.New("halcytone: job changed during refresh")

// bundleOptions reads back from a bundle the social platforms and the
// per-channel tones that its request asked for, so that a refresh
// assembles the same. Bundles from before Bundle.ChannelTones give the
// social posts' own tones alone.
func bundleOptions(b *content.Bundle) ([]content.Platform, map[content.Channel]content.Tone) {
	var platforms []content.Platform
	var tones map[content.Channel]content.Tone
	set := func(c content.Channel, t content.Tone) {
		if t == "" || t == b.Tone {
			return
		}
		if tones == nil {
			tones = map[content.Channel]content.Tone{}
		}
		tones[c] = t
	}
	for _, sp := range b.Social {
		platforms = append(platforms, sp.Platform)
		set(content.Channel(sp.Platform), sp.Tone)
	}
	for c, t := range b.ChannelTones {
		set(c, t)
	}
	return platforms, tones
}

// invalidChange is the error of a refresh whose changed document fails
// validation: InvalidContent naming the first error.
func invalidChange(rep *content.Report) error {
	for _, i := range rep.Issues {
		if i.Severity == content.SeverityError {
			return &content.Error{Class: content.InvalidContent, Op: "halcytone: refresh", Field: i.Field,
				Err: fmt.Errorf("the changed document fails validation (%d error(s)); first: %s: %s", len(rep.Issues), i.Field, i.Message)}
		}
	}
	return &content.Error{Class: content.InvalidContent, Op: "halcytone: refresh", Err: errors.New("the changed document fails validation")}
}

// DecideLatest is Decide on the content as it is now at its source: the
// job is refreshed first (Refresh). When its document changed since the
// review started, the approval starts again on the new content and
// DecideLatest records nothing and returns an error wrapping
// approval.ErrStaleContent, unless in.ContentHash names the new content.
// Content given inline has no source to check. A source that cannot be
// read does not block the decision, which then applies to the content
// stored (the content reviewed, and the content delivered); the failure
// is logged.
func (e *Engine) DecideLatest(ctx context.Context, requestID string, in approval.DecisionInput) (*store.ApprovalRequest, error) {
	a, err := e.store.GetApproval(ctx, requestID)
	if err != nil {
		return nil, err
	}
	j, err := e.store.GetJob(ctx, a.JobID)
	if err != nil {
		return nil, err
	}
	if j.Status == store.JobAwaitingApproval && fetchable(j.DocumentID) {
		fresh, err := e.Refresh(ctx, j.ID, in.Reviewer)
		switch {
		case err != nil:
			e.log.WarnContext(ctx, "approval: could not check the document for changes; deciding on the stored content",
				"approval_id", requestID, "job_id", j.ID, "document_id", j.DocumentID, "err", err)
		case fresh.ContentHash != j.ContentHash && in.ContentHash != fresh.ContentHash:
			return nil, fmt.Errorf("%w: document %s changed since the review started; the review starts again on its new content (%s)",
				approval.ErrStaleContent, j.DocumentID, fresh.ContentHash)
		}
	}
	return e.Decide(ctx, requestID, in)
}

// fetchable reports whether a job's document reference names a source
// (not content given inline, "inline:…" or "content:…").
func fetchable(ref string) bool {
	return ref != "" && !strings.HasPrefix(ref, "inline:") && !strings.HasPrefix(ref, "content:")
}

// statusEvent is the event type of a job whose status changed: completed
// and failed jobs get their own, as when the queue settles them.
func statusEvent(j *store.Job) string {
	switch {
	case j == nil:
		return EventJobStatusChange
	case j.Status == store.JobCompleted:
		return EventJobCompleted
	case j.Status == store.JobFailed || j.Status == store.JobPartial:
		return EventJobFailed
	}
	return EventJobStatusChange
}
