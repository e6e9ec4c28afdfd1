package halcytone

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/halcytone/halcytone/approval"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/schedule"
	"github.com/halcytone/halcytone/source"
	"github.com/halcytone/halcytone/store"
)

// Request asks the Engine for content: exactly one of DocumentID, Content
// and Text says where it comes from.
type Request struct {
	DocumentID string          // a source reference, such as "gdocs:ID" or "sample:"
	Content    content.Content // typed content
	Text       string          // an inline living document ...
	Format     content.Format  // ... in this format ("" detects)

	Channels       []string // as the caller spells them ("web", "social_twitter"); empty: all
	Template       content.Template
	Tone           content.Tone
	ChannelTones   map[content.Channel]content.Tone
	Platforms      []content.Platform
	DryRun         bool
	PublishAt      time.Time // zero or past: now; at most content.MaxScheduleYears ahead
	Metadata       map[string]any
	CorrelationID  string
	IdempotencyKey string // a retried request with the same key returns the first job
	Author         string // who asked; may not approve their own content
	Force          bool   // record a new version and deliver again although unchanged
	// ApprovalLevel is the least approval level (1-4) the job needs, such
	// as a schedule's; the policy's level wins when higher. Zero: the
	// policy's.
	ApprovalLevel int

	// claim, when set, runs first in the transaction that records the
	// job: a schedule's run is claimed in it, so that a crash cannot
	// commit the one without the other.
	claim func(ctx context.Context, tx store.Tx) error
}

// Status values of a Result.
const (
	StatusPreview          = "preview"
	StatusQueued           = "queued"
	StatusAwaitingApproval = "awaiting_approval"
	StatusValidationFailed = "validation_failed"
)

// Result is what Generate and Preview return.
type Result struct {
	Status   string                 // one of the Status* constants
	Document *content.Document      // the parsed document
	Bundle   *content.Bundle        // its channel variants
	Report   *content.Report        // validation of document and bundle
	Job      *store.Job             // nil for previews and invalid content
	Approval *store.ApprovalRequest // nil unless a job was created
}

// resolved is a request after parsing its channels and fetching its
// document.
type resolved struct {
	ref      string
	doc      *content.Document
	spelled  []string          // the channels as requested
	channels []content.Channel // canonical, same order
}

func invalidRequest(field, format string, args ...any) error {
	return &content.Error{Class: content.InvalidContent, Op: "halcytone: request", Field: field, Err: fmt.Errorf(format, args...)}
}

func (e *Engine) resolve(ctx context.Context, req *Request) (*resolved, error) {
	r := &resolved{}
	n := 0
	if content.IsNil(req.Content) {
		req.Content = nil // a typed nil, such as (*content.Update)(nil), is no content
	}
	for _, set := range []bool{req.DocumentID != "", req.Content != nil, req.Text != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, invalidRequest("document_id", "give exactly one of document_id, content or document (got %d)", n)
	}
	if req.ApprovalLevel < 0 || req.ApprovalLevel > 4 {
		return nil, invalidRequest("approval_level", "approval_level %d is not within 1-4", req.ApprovalLevel)
	}
	// As content's scheduled_for: a job stays listable (a store's times
	// must render in RFC 3339, years 0000-9999) and a typo in the year
	// does not park it for centuries.
	if latest := e.now().AddDate(content.MaxScheduleYears, 0, 0); req.PublishAt.After(latest) {
		return nil, invalidRequest("publish_at", "%s is more than %d year ahead", req.PublishAt.UTC().Format(time.RFC3339), content.MaxScheduleYears)
	}
	spelled := req.Channels
	if len(spelled) == 0 {
		for _, c := range content.Channels() {
			spelled = append(spelled, string(c))
		}
	}
	seen := map[content.Channel]bool{}
	for i, s := range spelled {
		c, err := content.ParseChannel(s)
		if err != nil {
			return nil, &content.Error{Class: content.InvalidContent, Op: "halcytone: request", Field: fmt.Sprintf("channels[%d]", i), Err: err}
		}
		if !seen[c] {
			seen[c] = true
			r.spelled = append(r.spelled, s)
			r.channels = append(r.channels, c)
		}
	}
	var err error
	switch {
	case req.DocumentID != "":
		r.ref = req.DocumentID
		r.doc, err = e.fetch(ctx, req.DocumentID)
	case req.Content != nil:
		// Normalized first, so that what assembly and the approval policy
		// see (urgency-derived priority, featured, canonical channels)
		// is what validation checks.
		// The date stays as given: a default of "now" would change the
		// content hash on every call, and unchanged content must keep
		// its delivery keys.
		n := content.Normalized(req.Content, e.now())
		if req.Content.Common().Date.IsZero() {
			n.Common().Date = time.Time{}
		}
		r.doc = content.DocumentOf(n)
		r.ref = "content:" + r.doc.Hash
	default:
		r.doc, err = source.Parse([]byte(req.Text), req.Format)
		if err == nil {
			// Parse returns its document sealed, and nothing changes it
			// in between: its Hash is its ContentHash.
			r.ref = "inline:" + r.doc.Hash
		}
	}
	if err != nil {
		return nil, err
	}
	if r.doc.Hash == "" {
		r.doc.Seal()
	}
	return r, nil
}

// fetch fetches ref from the sources, traced and counted.
func (e *Engine) fetch(ctx context.Context, ref string) (*content.Document, error) {
	scheme := sourceLabel(ref)
	ctx, end := e.span(ctx, "fetch", attribute.String("halcytone.source", scheme), attribute.String("halcytone.document_id", ref))
	doc, err := e.sources.Fetch(ctx, ref)
	end(err)
	status := "ok"
	if err != nil {
		status = string(content.ClassOf(err))
		if status == "" {
			status = "error"
		}
		if errors.Is(err, source.ErrUnknownScheme) {
			scheme = unknownSource
		}
	}
	e.observer.ObserveFetch(scheme, status)
	return doc, err
}

// unknownSource is the source label of a reference whose scheme is not a
// scheme, or that no source took.
const unknownSource = "unknown"

// sourceLabel returns ref's scheme in lower case, the source label of its
// fetch, or unknownSource when it is not a URI scheme of at most 32 bytes:
// a label comes from the caller's input, and each new one is a new metric
// series, kept for the life of the process.
func sourceLabel(ref string) string {
	scheme, _, ok := strings.Cut(strings.TrimSpace(ref), ":")
	if !ok || scheme == "" || len(scheme) > 32 {
		return unknownSource
	}
	for i, c := range scheme {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return unknownSource
		}
	}
	return strings.ToLower(scheme)
}

func (e *Engine) assemble(ctx context.Context, req *Request, r *resolved) (*content.Bundle, *content.Report, error) {
	actx, end := e.span(ctx, "assemble", attribute.Int("halcytone.channels", len(r.channels)))
	b, err := e.assembler.Assemble(actx, r.doc, content.Options{
		Channels:     r.channels,
		Platforms:    req.Platforms,
		Template:     req.Template,
		Tone:         req.Tone,
		ChannelTones: req.ChannelTones,
		Now:          e.now(),
	})
	end(err)
	if err != nil {
		return nil, nil, err
	}
	b.Source = r.ref
	vctx, vend := e.span(ctx, "validate")
	defer func() { vend(nil) }()
	ctx = vctx
	rep := content.Check(ctx, e.validator, r.doc, b)
	for _, c := range r.channels {
		if p := e.publishers[c]; p != nil {
			for _, i := range p.Validate(ctx, b) {
				rep.Add(i)
			}
		}
	}
	return b, rep, nil
}

// Preview fetches, assembles and validates, and stores nothing. Its
// Result has the bundle and the report either way, and the status
// Generate would give content that fails validation
// (StatusValidationFailed), else StatusPreview.
func (e *Engine) Preview(ctx context.Context, req Request) (res *Result, err error) {
	defer e.observeGeneration(time.Now(), &res)
	r, err := e.resolve(ctx, &req)
	if err != nil {
		return nil, err
	}
	b, rep, err := e.assemble(ctx, &req, r)
	if err != nil {
		return nil, err
	}
	status := StatusPreview
	if rep != nil && !rep.Valid {
		status = StatusValidationFailed // as Generate would answer
	}
	return &Result{Status: status, Document: r.doc, Bundle: b, Report: rep}, nil
}

// Validate checks typed content alone.
func (e *Engine) Validate(ctx context.Context, c content.Content) *content.Report {
	return e.validator.ValidateContent(ctx, c)
}

// sameRequest refuses req when job j, found by req's idempotency key,
// was made by a different request: another document, other channels or
// another dry run. Parts req leaves to defaults are not compared.
func sameRequest(req Request, j *store.Job) error {
	differ := func(what string) error {
		return &content.Error{Class: content.InvalidContent, Op: "halcytone: generate", Field: "idempotency_key",
			Err: fmt.Errorf("idempotency key %q was used by job %s for a different request (%s)", req.IdempotencyKey, j.ID, what)}
	}
	if req.DocumentID != "" && req.DocumentID != j.DocumentID {
		return differ("document_id")
	}
	if req.DryRun != j.DryRun {
		return differ("dry_run")
	}
	if len(req.Channels) > 0 {
		var want []content.Channel
		for _, s := range req.Channels {
			if c, err := content.ParseChannel(s); err == nil && !slices.Contains(want, c) {
				want = append(want, c)
			}
		}
		var got []content.Channel
		for _, s := range j.Channels {
			if c, err := content.ParseChannel(s); err == nil {
				got = append(got, c)
			}
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(want, got) {
			return differ("channels")
		}
	}
	return nil
}

// Generate runs a request through fetch, assembly and validation, records
// the document version, the bundle and a job, opens the approval the
// policy asks for, and, when approved, enqueues one delivery per channel
// in the same transaction as the job. Invalid content gives a Result with
// StatusValidationFailed and no job. A request repeated with the same
// IdempotencyKey returns the first job; a different request (another
// document, channels or dry run) with a key already used is refused as
// InvalidContent on "idempotency_key".
func (e *Engine) Generate(ctx context.Context, req Request) (res *Result, err error) {
	defer e.observeGeneration(time.Now(), &res)
	if req.IdempotencyKey != "" {
		if j, err := e.store.JobByIdempotencyKey(ctx, req.IdempotencyKey); err == nil {
			if err := sameRequest(req, j); err != nil {
				return nil, err
			}
			return &Result{Status: resultStatus(j), Job: j}, nil
		}
	}
	r, err := e.resolve(ctx, &req)
	if err != nil {
		return nil, err
	}
	b, rep, err := e.assemble(ctx, &req, r)
	if err != nil {
		return nil, err
	}
	res = &Result{Document: r.doc, Bundle: b, Report: rep}
	if !rep.Valid {
		res.Status = StatusValidationFailed
		return res, nil
	}

	now := e.now().UTC()
	job := &store.Job{
		ID:             newID("job_"),
		DocumentID:     r.ref,
		Channels:       r.spelled,
		Status:         store.JobPending,
		CreatedAt:      now,
		UpdatedAt:      now,
		Metadata:       req.Metadata,
		CorrelationID:  req.CorrelationID,
		ContentHash:    b.Hash,
		BundleID:       newID("bdl_"),
		DryRun:         req.DryRun,
		IdempotencyKey: req.IdempotencyKey,
	}
	if req.Force {
		// Keys of its own, which an approval's release and a retry keep.
		job.DeliveryKeyBase = job.ContentHash + "/" + job.ID
	}
	if req.PublishAt.After(now) {
		job.ScheduledFor = req.PublishAt.UTC()
	}
	subject := approval.SubjectOf(r.doc, b)
	subject.ValidationPassed = rep.Valid
	subject.Author = req.Author
	subject.MinLevel = req.ApprovalLevel

	err = e.inTx(ctx, func(tx store.Tx) ([]Event, error) {
		if req.claim != nil {
			if err := req.claim(ctx, tx); err != nil {
				return nil, err
			}
		}
		if _, _, err := tx.SaveDocument(ctx, r.ref, r.doc, req.Force); err != nil {
			return nil, err
		}
		if err := tx.SaveBundle(ctx, &store.BundleRecord{ID: job.BundleID, JobID: job.ID, Hash: b.Hash, Bundle: b, CreatedAt: now}); err != nil {
			return nil, err
		}
		if err := tx.CreateJob(ctx, job); err != nil {
			return nil, err
		}
		actx, aend := e.span(ctx, "approve", attribute.String("halcytone.job_id", job.ID))
		a, approvalEvents, err := e.gate.Open(actx, tx, job, subject, b.Hash)
		aend(err)
		if err != nil {
			return nil, err
		}
		res.Approval = a
		job.Approval = approval.Summary(a)
		if a.State != store.ApprovalApproved {
			job.Status = store.JobAwaitingApproval
			if _, err := tx.UpdateJob(ctx, job.ID, func(j *store.Job) error {
				j.Status, j.Approval = job.Status, job.Approval
				return nil
			}); err != nil {
				return nil, err
			}
		} else {
			rctx, rend := e.span(ctx, "enqueue", attribute.String("halcytone.job_id", job.ID))
			updated, err := e.release(rctx, tx, job)
			rend(err)
			if err != nil {
				return nil, err
			}
			*job = *updated
		}
		events := e.withApproval([]Event{e.event(EventJobCreated, job, nil, nil)}, job, approvalEvents)
		if job.Status.Terminal() {
			// Finished as it was created (every channel already delivered
			// by an earlier job): no delivery will announce it.
			events = append(events, e.event(statusEvent(job), job, nil, nil))
		}
		return events, nil
	})
	if err != nil {
		if req.IdempotencyKey != "" && errorsIsConflict(err) {
			if j, gerr := e.store.JobByIdempotencyKey(ctx, req.IdempotencyKey); gerr == nil {
				return &Result{Status: resultStatus(j), Job: j}, nil
			}
		}
		return nil, err
	}
	res.Job = job
	res.Status = resultStatus(job)
	return res, nil
}

func resultStatus(j *store.Job) string {
	if j.Status == store.JobAwaitingApproval {
		return StatusAwaitingApproval
	}
	return StatusQueued
}

// keyBase is what job's delivery idempotency keys derive from.
func keyBase(job *store.Job) string {
	if job.DeliveryKeyBase != "" {
		return job.DeliveryKeyBase
	}
	return job.ContentHash
}

// release creates the job's deliveries and enqueues them in tx: the job
// becomes scheduled (or pending when due now). A channel whose content was
// already delivered is skipped, unless the job has keys of its own
// (DeliveryKeyBase, set by Force); a delivery that failed before, that a
// cancelled job left unsent, or that a dry run only recorded (when this
// job is not a dry run), is taken over by this job.
func (e *Engine) release(ctx context.Context, tx store.Tx, job *store.Job) (*store.Job, error) {
	now := e.now().UTC()
	results := map[string]store.ChannelResult{}
	runAt := job.ScheduledFor
	if runAt.IsZero() {
		runAt = now
	}
	queued := 0
	for _, spelled := range job.Channels {
		ch, err := content.ParseChannel(spelled)
		if err != nil {
			return nil, err
		}
		p := e.publishers[ch]
		if p == nil {
			results[spelled] = store.ChannelResult{Status: "skipped", Error: fmt.Sprintf("%v %s", ErrNoPublisher, ch), Timestamp: now}
			continue
		}
		platform, _ := ch.Platform()
		hash := keyBase(job)
		d := &store.Delivery{
			IdempotencyKey: publish.IdempotencyKey(hash, ch, platform, ""),
			JobID:          job.ID,
			Channel:        string(ch),
			Platform:       string(platform),
			Status:         store.DeliveryPending,
			CreatedAt:      now,
			UpdatedAt:      now,
		}
		queueKey := d.IdempotencyKey
		err = tx.CreateDelivery(ctx, d)
		if errorsIsConflict(err) {
			prev, gerr := tx.GetDelivery(ctx, d.IdempotencyKey)
			if gerr != nil {
				return nil, gerr
			}
			dry := dryRunOnly(prev)
			// Failed, or skipped by a cancelled job: it ended without being
			// sent, and another job of the same content takes it over.
			ended := prev.Status == store.DeliveryFailed || prev.Status == store.DeliverySkipped
			if job.DryRun && ended && !e.failedDry(ctx, tx, prev) {
				// A real delivery that failed keeps its progress (attempts,
				// a thread's checkpoint) for a real retry: a dry run
				// records under a key of its own instead of taking it over.
				d.IdempotencyKey = publish.IdempotencyKey(hash+"/"+job.ID, ch, platform, "")
				queueKey = d.IdempotencyKey
				if err := tx.CreateDelivery(ctx, d); err != nil {
					return nil, err
				}
				goto enqueue
			}
			if !ended && !(dry && !job.DryRun) {
				results[spelled] = store.ChannelResult{Status: "skipped", Error: "already " + string(prev.Status) + " by job " + prev.JobID, Timestamp: now}
				continue
			}
			// An earlier entry may still hold the delivery's key: River
			// keeps completed entries unique for a while (a dry run's, or
			// one that ran while its job was cancelled), and a cancelled
			// job's may still be scheduled. A takeover enqueues under a key
			// of this job, which Work maps back to the delivery.
			queueKey = d.IdempotencyKey + queueKeySep + job.ID
			_, err = tx.UpdateDelivery(ctx, d.IdempotencyKey, func(x *store.Delivery) error {
				if dry {
					// Only recorded by a dry run: nothing reached the platform,
					// so this job starts afresh (no lookup of the dry run).
					x.Attempts, x.Receipt, x.Checkpoint = 0, nil, ""
				}
				x.JobID, x.Status, x.LastError, x.UpdatedAt = job.ID, store.DeliveryPending, "", now
				return nil
			})
		}
		if err != nil {
			return nil, err
		}
	enqueue:
		inserted, err := e.queue.Enqueue(ctx, tx, schedule.Job{JobID: job.ID, DeliveryKey: queueKey, RunAt: runAt})
		if err != nil {
			return nil, err
		}
		if !inserted {
			return nil, fmt.Errorf("halcytone: enqueue delivery %s of job %s: %w: a live queue entry holds the key", queueKey, job.ID, store.ErrConflict)
		}
		queued++
	}
	return tx.UpdateJob(ctx, job.ID, func(j *store.Job) error {
		if len(results) > 0 {
			if j.Results == nil {
				j.Results = map[string]store.ChannelResult{}
			}
			for k, v := range results {
				j.Results[k] = v
			}
		}
		switch {
		case queued == 0:
			j.Status, j.CompletedAt = store.JobCompleted, now
		case !j.ScheduledFor.IsZero():
			j.Status = store.JobScheduled
		default:
			j.Status = store.JobPending
		}
		if j.Approval != nil {
			j.Approval.State = string(store.ApprovalApproved)
		}
		return nil
	})
}

// failedDry reports whether the failed or skipped delivery d was a dry
// run's: its job was one, or it never had an attempt.
func (e *Engine) failedDry(ctx context.Context, tx store.Tx, d *store.Delivery) bool {
	if d.Attempts == 0 {
		return true
	}
	j, err := tx.GetJob(ctx, d.JobID)
	return err == nil && j.DryRun
}

func channelKey(j *store.Job, ch content.Channel) string {
	for _, s := range j.Channels {
		if c, err := content.ParseChannel(s); err == nil && c == ch {
			return s
		}
	}
	return string(ch)
}

// observeGeneration tells the observer how a Preview or Generate begun at
// t0 ended.
func (e *Engine) observeGeneration(t0 time.Time, res **Result) {
	typ, status := "unknown", "error"
	if r := *res; r != nil {
		status = r.Status
		if r.Bundle != nil {
			typ = string(r.Bundle.ContentType)
		}
	}
	e.observer.ObserveGeneration(typ, status, time.Since(t0))
}
