package approval

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/halcytone/halcytone/store"
)

// The decisions a reviewer can make.
const (
	Approve        = "approve"
	Reject         = "reject"
	RequestChanges = "request_changes"
)

// DecisionInput is one reviewer's decision on a request.
type DecisionInput struct {
	// Reviewer is who decides; surrounding space is dropped before the
	// Directory is asked for their roles.
	Reviewer string
	Decision string // Approve, Reject or RequestChanges
	// Comment explains the decision; required to reject or request
	// changes.
	Comment string
	// ContentHash is the hash of the content the reviewer saw (or the
	// content as it is now); it must equal the request's.
	ContentHash string
	// Stage optionally names the stage the decision is for; empty means the
	// first open stage the reviewer may decide on.
	Stage string
}

// Decide records a reviewer's decision on request id, atomically with its
// audit entry, and returns the updated request and the events to publish.
//
// An approval counts toward one stage: the first open stage (or in.Stage)
// whose roles the reviewer holds and that they have not approved yet, so a
// reviewer counts once per stage. A stage is approved when it has Required
// approvals; the request is approved when every stage is. Sequential
// levels open one stage at a time, parallel levels all at once. A
// rejection ends the request. A change request sets the request to
// changes_requested until Reset; the first change request of a version
// counts a change round, and the round past Policy.MaxChangeRounds
// escalates the request (EventEscalated and an audit entry).
//
// Errors wrap ErrInvalidDecision, ErrFinished, ErrStaleContent,
// ErrSelfApproval, ErrNotAllowed, ErrDuplicate, ErrAwaitingChanges or the
// store's errors (store.ErrNotFound for an unknown id); nothing is written
// then.
func (g *Gate) Decide(ctx context.Context, q store.Queries, id string, in DecisionInput) (*store.ApprovalRequest, []Event, error) {
	in.Reviewer = strings.TrimSpace(in.Reviewer)
	if err := in.validate(); err != nil {
		return nil, nil, fmt.Errorf("approval: decide %s: %w", id, err)
	}
	q, err := g.queries(q)
	if err != nil {
		return nil, nil, err
	}
	var roles []string
	if g.Directory != nil {
		if roles, err = g.Directory.Roles(ctx, in.Reviewer); err != nil {
			return nil, nil, fmt.Errorf("approval: decide %s: roles of %q: %w", id, in.Reviewer, err)
		}
	}
	now := g.now()
	var out outcome
	req, err := q.UpdateApproval(ctx, id, func(r *store.ApprovalRequest) error {
		out = outcome{}
		return g.apply(r, in, roles, now, &out)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("approval: decide %s: %w", id, err)
	}
	decision := out.decision
	events := []Event{{Type: EventDecided, Request: req, Decision: &decision, At: now}}
	if out.escalated {
		events = append(events, Event{Type: EventEscalated, Request: req, At: now})
	}
	return req, events, nil
}

type outcome struct {
	decision  store.Decision
	escalated bool
}

func (in *DecisionInput) validate() error {
	switch {
	case in.Decision != Approve && in.Decision != Reject && in.Decision != RequestChanges:
		return fmt.Errorf("%w: decision %q (want approve, reject or request_changes)", ErrInvalidDecision, in.Decision)
	case in.Reviewer == "":
		return fmt.Errorf("%w: empty reviewer", ErrInvalidDecision)
	case in.ContentHash == "":
		return fmt.Errorf("%w: empty content hash: a decision must name the content it is about", ErrInvalidDecision)
	case in.Decision != Approve && strings.TrimSpace(in.Comment) == "":
		return fmt.Errorf("%w: %s needs a comment saying why", ErrInvalidDecision, in.Decision)
	}
	return nil
}

// apply makes the decision on r inside the store's atomic update.
func (g *Gate) apply(r *store.ApprovalRequest, in DecisionInput, roles []string, now time.Time, out *outcome) error {
	if finished(r.State) {
		return fmt.Errorf("%w: request %s is %s", ErrFinished, r.ID, r.State)
	}
	if in.ContentHash != r.ContentHash {
		return fmt.Errorf("%w: request %s reviews %s, the decision names %s", ErrStaleContent, r.ID, short(r.ContentHash), short(in.ContentHash))
	}
	spec, known := g.Policy.spec(r.Level)
	mode := Sequential // the stricter order when the policy no longer knows the level
	if known {
		mode = spec.mode()
	}
	if samePerson(in.Reviewer, r.Author) && !(known && spec.SelfApproval) {
		return fmt.Errorf("%w: %q wrote request %s", ErrSelfApproval, in.Reviewer, r.ID)
	}
	if in.Decision == Approve && r.State == store.ApprovalChangesRequested {
		return fmt.Errorf("%w: request %s", ErrAwaitingChanges, r.ID)
	}
	idx, role, err := pickStage(r, in, roles, mode)
	if err != nil {
		return err
	}
	st := &r.Stages[idx]
	out.decision = store.Decision{Reviewer: in.Reviewer, Role: role, Decision: in.Decision, Comment: in.Comment, At: now}
	if st.Approvals == nil {
		st.Approvals = []store.Decision{}
	}
	st.Approvals = append(st.Approvals, out.decision)
	r.UpdatedAt = now
	audit := func(actor, action, comment string) {
		r.Audit = append(r.Audit, store.AuditEntry{At: now, Actor: actor, Action: action, Comment: comment})
	}
	audit(in.Reviewer, in.Decision, stageComment(st.Name, in.Comment))

	switch in.Decision {
	case Approve:
		if approvals(st) >= st.Required {
			st.State = store.ApprovalApproved
			audit(in.Reviewer, ActionStageApproved, fmt.Sprintf("stage %s: %d of %d approvals", st.Name, approvals(st), st.Required))
		}
		if !slices.ContainsFunc(r.Stages, func(s store.Stage) bool { return s.State != store.ApprovalApproved }) {
			r.State = store.ApprovalApproved
			audit(in.Reviewer, ActionApproved, fmt.Sprintf("all %d stages approved", len(r.Stages)))
		}
	case Reject:
		st.State, r.State = store.ApprovalRejected, store.ApprovalRejected
	case RequestChanges:
		st.State = store.ApprovalChangesRequested
		if r.State != store.ApprovalChangesRequested {
			r.State = store.ApprovalChangesRequested
			r.ChangeRounds++
			if limit := g.Policy.maxChangeRounds(); r.ChangeRounds == limit+1 {
				r.Escalated, out.escalated = true, true
				audit(SystemActor, ActionEscalated, fmt.Sprintf("%d change rounds (limit %d)", r.ChangeRounds, limit))
			}
		}
	}
	return nil
}

// pickStage returns the index of the open stage the decision is for and the
// reviewer's role in it.
func pickStage(r *store.ApprovalRequest, in DecisionInput, roles []string, mode Mode) (int, string, error) {
	held, duplicate := false, false
	for i := range r.Stages {
		st := &r.Stages[i]
		if st.State == store.ApprovalApproved {
			continue
		}
		if in.Stage == "" || in.Stage == st.Name {
			if role, ok := heldRole(st.Roles, roles); ok {
				held = true
				if in.Decision != Approve || !approvedBy(st, in.Reviewer) {
					return i, role, nil
				}
				duplicate = true
			}
		}
		if mode == Sequential {
			break // later stages are not open yet
		}
	}
	switch {
	case duplicate:
		return 0, "", fmt.Errorf("%w: %q in request %s", ErrDuplicate, in.Reviewer, r.ID)
	case in.Stage != "" && !held:
		return 0, "", fmt.Errorf("%w: %q holds no role of an open stage named %q in request %s", ErrNotAllowed, in.Reviewer, in.Stage, r.ID)
	default:
		return 0, "", fmt.Errorf("%w: %q holds no role of an open stage of request %s", ErrNotAllowed, in.Reviewer, r.ID)
	}
}

func heldRole(stageRoles, roles []string) (string, bool) {
	for _, want := range stageRoles {
		if slices.Contains(roles, want) {
			return want, true
		}
	}
	return "", false
}

func approvedBy(st *store.Stage, reviewer string) bool {
	return slices.ContainsFunc(st.Approvals, func(d store.Decision) bool {
		return d.Decision == Approve && samePerson(d.Reviewer, reviewer)
	})
}

func approvals(st *store.Stage) int {
	n := 0
	for _, d := range st.Approvals {
		if d.Decision == Approve {
			n++
		}
	}
	return n
}

// samePerson compares reviewer identities, ignoring case and surrounding
// space so that "Ana" cannot approve what "ana " wrote.
func samePerson(a, b string) bool {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	return a != "" && strings.EqualFold(a, b)
}

func stageComment(stage, comment string) string {
	if comment == "" {
		return "stage " + stage
	}
	return "stage " + stage + ": " + comment
}
