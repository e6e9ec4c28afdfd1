package approval

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/halcytone/halcytone/store"
)

// The event types a Gate returns.
const (
	// EventRequested: a request opened (or reopened by Reset) and waits for
	// reviewers.
	EventRequested = "approval.requested"
	// EventDecided: a decision was recorded, or the policy approved the
	// request when it opened; Request.State tells whether it is final.
	EventDecided = "approval.decided"
	// EventEscalated: the request passed its deadline or its change-round
	// limit.
	EventEscalated = "approval.escalated"
)

// The actions of the audit trail.
const (
	ActionOpened         = "opened"
	ActionAutoApproved   = "auto_approved"
	ActionApprove        = "approve"
	ActionReject         = "reject"
	ActionRequestChanges = "request_changes"
	ActionStageApproved  = "stage_approved"
	ActionApproved       = "approved"
	ActionEscalated      = "escalated"
	ActionReset          = "reset"
	ActionWithdrawn      = "withdrawn"
)

// SystemActor is the audit actor of what the Gate does by itself:
// auto-approval and deadline escalation.
const SystemActor = "system"

// Event is something the engine should publish to its subscribers.
type Event struct {
	Type    string                 // EventRequested, EventDecided or EventEscalated
	Request *store.ApprovalRequest // the request after the change
	// Decision is the decision recorded, for EventDecided by a reviewer.
	Decision *store.Decision
	At       time.Time
}

// Directory says which roles a reviewer holds.
type Directory interface {
	// Roles returns the roles of reviewer; an unknown reviewer has none.
	Roles(ctx context.Context, reviewer string) ([]string, error)
}

// StaticDirectory is a fixed Directory: reviewer → roles.
type StaticDirectory map[string][]string

// Roles returns a copy of the reviewer's roles.
func (d StaticDirectory) Roles(_ context.Context, reviewer string) ([]string, error) {
	return slices.Clone(d[reviewer]), nil
}

// Gate runs approval requests: it opens them by its Policy, records
// decisions, resets them when the content changes, and escalates them.
// Every change is one atomic store update (Queries.UpdateApproval), so
// concurrent decisions never lose one another. Audit and event times come
// from Now; UpdatedAt is set by the store. The Gate holds no state of its
// own and is safe for concurrent use; do not change its fields while it is
// in use.
type Gate struct {
	// Policy picks the level of each request; it must be valid.
	Policy Policy
	// Store is used when a method is given nil Queries.
	Store store.Queries
	// Directory says which roles reviewers hold; nil allows no one.
	Directory Directory
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// NewID returns a new request ID; nil means "apr_" and 24 random hex
	// digits.
	NewID func() string
}

func (g *Gate) now() time.Time {
	if g.Now != nil {
		return g.Now().UTC()
	}
	return time.Now().UTC()
}

func (g *Gate) queries(q store.Queries) (store.Queries, error) {
	if q != nil {
		return q, nil
	}
	if g.Store != nil {
		return g.Store, nil
	}
	return nil, fmt.Errorf("approval: no store: pass Queries or set Gate.Store: %w", store.ErrInvalid)
}

func (g *Gate) newID() string {
	if g.NewID != nil {
		return g.NewID()
	}
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return "apr_" + hex.EncodeToString(b[:])
}

// Open creates the approval request of job, pinned to contentHash, at the
// level the policy picks for s, in q (so that the engine can open it in
// the transaction that creates the job). When the level auto-approves and
// s passed validation, the request is approved at once: the audit trail
// says so and the only event is EventDecided; otherwise the event is
// EventRequested.
func (g *Gate) Open(ctx context.Context, q store.Queries, job *store.Job, s Subject, contentHash string) (*store.ApprovalRequest, []Event, error) {
	q, err := g.queries(q)
	if err != nil {
		return nil, nil, err
	}
	if job == nil || job.ID == "" {
		return nil, nil, fmt.Errorf("approval: open: job without an ID: %w", store.ErrInvalid)
	}
	if contentHash == "" {
		return nil, nil, fmt.Errorf("approval: open job %s: empty content hash: %w", job.ID, store.ErrInvalid)
	}
	if err := g.Policy.Validate(); err != nil {
		return nil, nil, fmt.Errorf("approval: open job %s: %w", job.ID, err)
	}
	plan := g.Policy.Plan(s)
	now := g.now()
	req := &store.ApprovalRequest{
		ID:          g.newID(),
		JobID:       job.ID,
		BundleID:    job.BundleID,
		ContentHash: contentHash,
		Level:       plan.Level,
		State:       store.ApprovalPending,
		Author:      s.Author,
		CreatedAt:   now,
		UpdatedAt:   now,
		DueAt:       now.Add(plan.Deadline),
	}
	for _, st := range plan.Stages {
		req.Stages = append(req.Stages, store.Stage{
			Name: st.Name, Roles: slices.Clone(st.Roles), Required: st.Required,
			Approvals: []store.Decision{}, State: store.ApprovalPending,
		})
	}
	actor := s.Author
	if actor == "" {
		actor = SystemActor
	}
	req.Audit = []store.AuditEntry{{At: now, Actor: actor, Action: ActionOpened, Comment: openComment(plan)}}
	evType := EventRequested
	if plan.AutoApprove && s.ValidationPassed {
		req.State = store.ApprovalApproved
		for i := range req.Stages {
			req.Stages[i].State = store.ApprovalApproved
		}
		req.Audit = append(req.Audit, store.AuditEntry{At: now, Actor: SystemActor, Action: ActionAutoApproved,
			Comment: fmt.Sprintf("level %d approves automatically when validation passes", plan.Level)})
		evType = EventDecided
	}
	if err := q.CreateApproval(ctx, req); err != nil {
		return nil, nil, fmt.Errorf("approval: open job %s: %w", job.ID, err)
	}
	return req, []Event{{Type: evType, Request: req, At: now}}, nil
}

func openComment(plan LevelPlan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "level %d", plan.Level)
	if plan.Name != "" {
		fmt.Fprintf(&b, " (%s)", plan.Name)
	}
	if len(plan.Rules) > 0 {
		fmt.Fprintf(&b, "; rules: %s", strings.Join(plan.Rules, ", "))
	} else {
		b.WriteString("; default level")
	}
	fmt.Fprintf(&b, "; due in %s", plan.Deadline)
	return b.String()
}

// Reset records that the content under review changed to newHash: every
// stage's decisions are cleared, the request is pending again at the new
// hash, and the audit trail says "reset" by actor. The deadline, the change
// rounds and the escalation flag are kept: they measure the whole review.
// Resetting to the same hash is a no-op, except that a request waiting for
// changes is reopened (the author resubmits it as is). A rejected request
// cannot be reset (ErrFinished).
func (g *Gate) Reset(ctx context.Context, q store.Queries, id, newHash, actor string) (*store.ApprovalRequest, []Event, error) {
	return g.ResetFor(ctx, q, id, newHash, actor, nil)
}

// ResetFor is Reset for the changed content s describes: when the policy
// puts s at a higher level than the request's (an edit that adds a
// medical claim, say), the request takes that level and its stages, and
// the audit trail says so. A request never drops to a lower level on an
// edit. A nil s is Reset.
func (g *Gate) ResetFor(ctx context.Context, q store.Queries, id, newHash, actor string, s *Subject) (*store.ApprovalRequest, []Event, error) {
	q, err := g.queries(q)
	if err != nil {
		return nil, nil, err
	}
	if newHash == "" || actor == "" {
		return nil, nil, fmt.Errorf("approval: reset %s: empty content hash or actor: %w", id, store.ErrInvalid)
	}
	var plan *LevelPlan
	if s != nil {
		if err := g.Policy.Validate(); err != nil {
			return nil, nil, fmt.Errorf("approval: reset %s: %w", id, err)
		}
		p := g.Policy.Plan(*s)
		plan = &p
	}
	now := g.now()
	changed := false
	req, err := q.UpdateApproval(ctx, id, func(r *store.ApprovalRequest) error {
		changed = false
		if r.State == store.ApprovalRejected {
			return fmt.Errorf("%w: request %s is rejected", ErrFinished, r.ID)
		}
		if newHash == r.ContentHash && r.State != store.ApprovalChangesRequested {
			return errUnchanged
		}
		changed = true
		comment := fmt.Sprintf("content changed from %s to %s", short(r.ContentHash), short(newHash))
		if newHash == r.ContentHash {
			comment = "resubmitted unchanged"
		}
		r.ContentHash, r.State, r.UpdatedAt = newHash, store.ApprovalPending, now
		for i := range r.Stages {
			r.Stages[i].Approvals = []store.Decision{}
			r.Stages[i].State = store.ApprovalPending
		}
		if plan != nil && plan.Level > r.Level {
			comment += fmt.Sprintf("; level raised from %d to %d", r.Level, plan.Level)
			r.Level = plan.Level
			r.Stages = r.Stages[:0]
			for _, st := range plan.Stages {
				r.Stages = append(r.Stages, store.Stage{
					Name: st.Name, Roles: slices.Clone(st.Roles), Required: st.Required,
					Approvals: []store.Decision{}, State: store.ApprovalPending,
				})
			}
		}
		r.Audit = append(r.Audit, store.AuditEntry{At: now, Actor: actor, Action: ActionReset, Comment: comment})
		return nil
	})
	if errors.Is(err, errUnchanged) {
		req, err = q.GetApproval(ctx, id)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("approval: reset %s: %w", id, err)
	}
	if !changed {
		return req, nil, nil
	}
	return req, []Event{{Type: EventRequested, Request: req, At: now}}, nil
}

// Withdraw closes an unfinished request (pending or waiting for changes)
// whose job will not go out, such as a cancelled one: it is rejected, its
// audit trail says "withdrawn" by actor with reason, and later decisions
// on it are refused (ErrFinished). A finished request is returned as it
// is.
func (g *Gate) Withdraw(ctx context.Context, q store.Queries, id, actor, reason string) (*store.ApprovalRequest, error) {
	q, err := g.queries(q)
	if err != nil {
		return nil, err
	}
	if actor == "" {
		actor = SystemActor
	}
	now := g.now()
	req, err := q.UpdateApproval(ctx, id, func(r *store.ApprovalRequest) error {
		if r.State != store.ApprovalPending && r.State != store.ApprovalChangesRequested {
			return errUnchanged
		}
		r.State, r.UpdatedAt = store.ApprovalRejected, now
		r.Audit = append(r.Audit, store.AuditEntry{At: now, Actor: actor, Action: ActionWithdrawn, Comment: reason})
		return nil
	})
	if errors.Is(err, errUnchanged) {
		req, err = q.GetApproval(ctx, id)
	}
	if err != nil {
		return nil, fmt.Errorf("approval: withdraw %s: %w", id, err)
	}
	return req, nil
}

// errUnchanged aborts an atomic update that has nothing to change, so that
// the store writes nothing (not even UpdatedAt).
var errUnchanged = errors.New("approval: unchanged")

func short(hash string) string {
	if len(hash) > 12 {
		return hash[:12]
	}
	return hash
}

// Escalate marks every unfinished request (pending or changes requested)
// whose DueAt is before now and that is not escalated yet: Escalated is
// set, the audit trail says why, and an EventEscalated is returned for
// each. It is idempotent: a second call with the same now changes nothing.
// It is Overdue, then EscalateOne for each request found.
func (g *Gate) Escalate(ctx context.Context, q store.Queries, now time.Time) ([]Event, error) {
	due, err := g.Overdue(ctx, q, now)
	if err != nil {
		return nil, err
	}
	var events []Event
	for _, id := range due {
		ev, err := g.EscalateOne(ctx, q, id, now)
		if err != nil {
			return events, err
		}
		if ev != nil {
			events = append(events, *ev)
		}
	}
	return events, nil
}

// Overdue returns the IDs of the unfinished requests (pending or changes
// requested) whose DueAt is before now and that are not escalated for it
// yet: those Escalate would escalate. It only reads, so q may be a Store
// outside any transaction, which then holds no lock while it lists.
func (g *Gate) Overdue(ctx context.Context, q store.Queries, now time.Time) ([]string, error) {
	q, err := g.queries(q)
	if err != nil {
		return nil, err
	}
	now = now.UTC()
	var due []string
	for _, state := range []store.ApprovalState{store.ApprovalPending, store.ApprovalChangesRequested} {
		const page = 100
		for offset := 0; ; offset += page {
			reqs, _, err := q.ListApprovals(ctx, store.ApprovalFilter{State: state, Limit: page, Offset: offset})
			if err != nil {
				return nil, fmt.Errorf("approval: escalate: list %s requests: %w", state, err)
			}
			for _, r := range reqs {
				if overdue(&r, now) {
					due = append(due, r.ID)
				}
			}
			if len(reqs) < page {
				break
			}
		}
	}
	return due, nil
}

// EscalateOne escalates request id as Escalate does, if it is still
// overdue at now (it may have been decided, deleted or escalated since
// Overdue listed it: then it returns nil and no error). Give it a
// transaction to record its event with the change.
func (g *Gate) EscalateOne(ctx context.Context, q store.Queries, id string, now time.Time) (*Event, error) {
	q, err := g.queries(q)
	if err != nil {
		return nil, err
	}
	now = now.UTC()
	escalated := false
	req, err := q.UpdateApproval(ctx, id, func(r *store.ApprovalRequest) error {
		escalated = overdue(r, now)
		if !escalated {
			return errUnchanged
		}
		r.Escalated, r.UpdatedAt = true, now
		r.Audit = append(r.Audit, store.AuditEntry{At: now, Actor: SystemActor, Action: ActionEscalated,
			Comment: fmt.Sprintf("%s at level %d", deadlineNote(r.DueAt), r.Level)})
		return nil
	})
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, errUnchanged) {
		return nil, nil // deleted or escalated meanwhile
	}
	if err != nil {
		return nil, fmt.Errorf("approval: escalate %s: %w", id, err)
	}
	if !escalated {
		return nil, nil
	}
	return &Event{Type: EventEscalated, Request: req, At: now}, nil
}

// overdue reports whether r is past its deadline and not yet escalated
// for it. Escalation for too many change rounds is another cause: it sets
// r.Escalated too, so the deadline's own escalation is found in the audit
// trail (deadlineNote with r's deadline).
func overdue(r *store.ApprovalRequest, now time.Time) bool {
	if finished(r.State) || !now.After(r.DueAt) {
		return false
	}
	note := deadlineNote(r.DueAt)
	for _, a := range r.Audit {
		if a.Action == ActionEscalated && strings.HasPrefix(a.Comment, note) {
			return false
		}
	}
	return true
}

// deadlineNote starts the audit comment of an escalation for the
// deadline due.
func deadlineNote(due time.Time) string {
	return "deadline " + due.UTC().Format(time.RFC3339) + " passed"
}

func finished(s store.ApprovalState) bool {
	return s == store.ApprovalApproved || s == store.ApprovalRejected
}

// Summary returns the approval summary a job carries for req.
func Summary(req *store.ApprovalRequest) *store.JobApproval {
	if req == nil {
		return nil
	}
	return &store.JobApproval{Level: req.Level, State: string(req.State), RequestID: req.ID}
}
