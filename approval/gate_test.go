package approval_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/approval"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/store"
)

const hash = "c0ffee00c0ffee00c0ffee00"

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// clock is a settable test clock; tests never sleep.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time          { return c.now }
func (c *clock) Advance(d time.Duration) { c.now = c.now.Add(d) }
func newClock() *clock                   { return &clock{now: t0} }
func job(id string) *store.Job           { return &store.Job{ID: id, BundleID: "b-" + id} }
func approve(who string) approval.DecisionInput {
	return approval.DecisionInput{Reviewer: who, Decision: approval.Approve, ContentHash: hash}
}

var directory = approval.StaticDirectory{
	"ana":    {"editor"},
	"ben":    {"editor"},
	"mia":    {"marketing"},
	"max":    {"manager"},
	"lea":    {"legal"},
	"eve":    {"executive"},
	"rita":   {"reviewer"},
	"ravi":   {"reviewer"},
	"rosa":   {"reviewer"},
	"both":   {"editor", "marketing"},
	"nobody": nil,
}

type fixture struct {
	gate  *approval.Gate
	store store.Queries
	clock *clock
}

func newFixture(t *testing.T, p approval.Policy) *fixture {
	t.Helper()
	c := newClock()
	st := mock.NewStore()
	n := 0
	return &fixture{
		gate: &approval.Gate{Policy: p, Store: st, Directory: directory, Now: c.Now,
			NewID: func() string { n++; return fmt.Sprintf("apr_%d", n) }},
		store: st,
		clock: c,
	}
}

func (f *fixture) open(t *testing.T, s approval.Subject) *store.ApprovalRequest {
	t.Helper()
	req, events, err := f.gate.Open(context.Background(), nil, job("j1"), s, hash)
	require.NoError(t, err)
	require.Len(t, events, 1)
	return req
}

func (f *fixture) decide(in approval.DecisionInput) (*store.ApprovalRequest, []approval.Event, error) {
	return f.gate.Decide(context.Background(), f.store, "apr_1", in)
}

func subjectOfLevel(level int) approval.Subject {
	switch level {
	case 1:
		return approval.Subject{Type: content.TypeUpdate, Priority: 3, Author: "author"}
	case 2:
		return approval.Subject{Type: content.TypeBlog, Author: "author"}
	case 3:
		return approval.Subject{Type: content.TypeAnnouncement, Priority: 1, Author: "author"}
	default:
		return approval.Subject{Type: content.TypeUpdate, Text: "a clinical study", Author: "author"}
	}
}

func TestOpenPerLevel(t *testing.T) {
	tests := []struct {
		level     int
		validated bool
		state     store.ApprovalState
		event     string
		due       time.Duration
		stages    int
	}{
		{1, true, store.ApprovalApproved, approval.EventDecided, 4 * time.Hour, 1},
		{1, false, store.ApprovalPending, approval.EventRequested, 4 * time.Hour, 1},
		{2, true, store.ApprovalPending, approval.EventRequested, 48 * time.Hour, 2},
		{3, true, store.ApprovalPending, approval.EventRequested, 72 * time.Hour, 2},
		{4, true, store.ApprovalPending, approval.EventRequested, 4 * time.Hour, 2},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("level %d validated %v", tt.level, tt.validated), func(t *testing.T) {
			f := newFixture(t, approval.DefaultPolicy())
			s := subjectOfLevel(tt.level)
			s.ValidationPassed = tt.validated
			req, events, err := f.gate.Open(context.Background(), f.store, job("j1"), s, hash)
			require.NoError(t, err)
			assert.Equal(t, tt.level, req.Level)
			assert.Equal(t, tt.state, req.State)
			assert.Equal(t, hash, req.ContentHash)
			assert.Equal(t, "j1", req.JobID)
			assert.Equal(t, "b-j1", req.BundleID)
			assert.Equal(t, "author", req.Author)
			assert.Equal(t, t0, req.CreatedAt)
			assert.Equal(t, t0.Add(tt.due), req.DueAt)
			assert.Len(t, req.Stages, tt.stages)
			require.Len(t, events, 1)
			assert.Equal(t, tt.event, events[0].Type)
			assert.Equal(t, t0, events[0].At)
			assert.Equal(t, approval.ActionOpened, req.Audit[0].Action)
			assert.Contains(t, req.Audit[0].Comment, fmt.Sprintf("level %d", tt.level))
			if tt.state == store.ApprovalApproved {
				require.Len(t, req.Audit, 2)
				assert.Equal(t, approval.ActionAutoApproved, req.Audit[1].Action)
				assert.Equal(t, approval.SystemActor, req.Audit[1].Actor)
			}

			stored, err := f.store.GetApproval(context.Background(), req.ID)
			require.NoError(t, err)
			assert.Equal(t, req, stored)
			assert.Equal(t, &store.JobApproval{Level: tt.level, State: string(tt.state), RequestID: req.ID}, approval.Summary(stored))
		})
	}
}

func TestOpenErrors(t *testing.T) {
	f := newFixture(t, approval.DefaultPolicy())
	ctx := context.Background()
	_, _, err := f.gate.Open(ctx, nil, nil, approval.Subject{}, hash)
	assert.ErrorIs(t, err, store.ErrInvalid)
	_, _, err = f.gate.Open(ctx, nil, job("j1"), approval.Subject{}, "")
	assert.ErrorIs(t, err, store.ErrInvalid)

	bad := &approval.Gate{Policy: approval.Policy{DefaultLevel: 1}, Store: f.store}
	_, _, err = bad.Open(ctx, nil, job("j1"), approval.Subject{}, hash)
	assert.ErrorIs(t, err, approval.ErrInvalidPolicy)

	noStore := &approval.Gate{Policy: approval.DefaultPolicy()}
	_, _, err = noStore.Open(ctx, nil, job("j1"), approval.Subject{}, hash)
	assert.ErrorIs(t, err, store.ErrInvalid)

	// The store's own errors pass through: the same ID twice conflicts.
	fixed := &approval.Gate{Policy: approval.DefaultPolicy(), Store: f.store, NewID: func() string { return "same" }}
	_, _, err = fixed.Open(ctx, nil, job("j1"), approval.Subject{}, hash)
	require.NoError(t, err)
	_, _, err = fixed.Open(ctx, nil, job("j2"), approval.Subject{}, hash)
	assert.ErrorIs(t, err, store.ErrConflict)
}

func TestDefaultIDs(t *testing.T) {
	g := &approval.Gate{Policy: approval.DefaultPolicy(), Store: mock.NewStore()}
	a, _, err := g.Open(context.Background(), nil, job("j1"), approval.Subject{}, hash)
	require.NoError(t, err)
	b, _, err := g.Open(context.Background(), nil, job("j2"), approval.Subject{}, hash)
	require.NoError(t, err)
	assert.Regexp(t, `^apr_[0-9a-f]{24}$`, a.ID)
	assert.NotEqual(t, a.ID, b.ID)
}

// TestApprovePerLevel walks each default level to approval with the
// reviewers it needs, in a valid order.
func TestApprovePerLevel(t *testing.T) {
	tests := []struct {
		level     int
		reviewers []string
	}{
		{1, []string{"ana"}},
		{2, []string{"mia", "ana"}},
		{3, []string{"ben", "max"}},
		{4, []string{"eve", "lea"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("level %d", tt.level), func(t *testing.T) {
			f := newFixture(t, approval.DefaultPolicy())
			f.open(t, subjectOfLevel(tt.level))
			var req *store.ApprovalRequest
			for i, who := range tt.reviewers {
				var events []approval.Event
				var err error
				req, events, err = f.decide(approve(who))
				require.NoError(t, err, who)
				require.Len(t, events, 1)
				assert.Equal(t, approval.EventDecided, events[0].Type)
				assert.Equal(t, who, events[0].Decision.Reviewer)
				if i < len(tt.reviewers)-1 {
					assert.Equal(t, store.ApprovalPending, req.State)
				}
			}
			assert.Equal(t, store.ApprovalApproved, req.State)
			for _, st := range req.Stages {
				assert.Equal(t, store.ApprovalApproved, st.State, st.Name)
			}
			last := req.Audit[len(req.Audit)-1]
			assert.Equal(t, approval.ActionApproved, last.Action)
			assert.Equal(t, tt.reviewers[len(tt.reviewers)-1], last.Actor)

			_, _, err := f.decide(approve("ben"))
			assert.ErrorIs(t, err, approval.ErrFinished)
		})
	}
}

func TestSequentialOrder(t *testing.T) {
	f := newFixture(t, approval.DefaultPolicy())
	f.open(t, subjectOfLevel(3)) // editorial, then management

	_, _, err := f.decide(approve("max"))
	require.ErrorIs(t, err, approval.ErrNotAllowed, "management is not open before editorial")
	_, _, err = f.decide(approval.DecisionInput{Reviewer: "max", Decision: approval.Approve, ContentHash: hash, Stage: "management"})
	require.ErrorIs(t, err, approval.ErrNotAllowed)

	req, _, err := f.decide(approve("ana"))
	require.NoError(t, err)
	assert.Equal(t, store.ApprovalApproved, req.Stages[0].State)
	assert.Equal(t, store.ApprovalPending, req.Stages[1].State)
	assert.Equal(t, "editor", req.Stages[0].Approvals[0].Role)

	_, _, err = f.decide(approve("ben"))
	require.ErrorIs(t, err, approval.ErrNotAllowed, "editorial is closed once approved")

	req, _, err = f.decide(approve("max"))
	require.NoError(t, err)
	assert.Equal(t, store.ApprovalApproved, req.State)
}

func TestParallelStages(t *testing.T) {
	f := newFixture(t, approval.DefaultPolicy())
	f.open(t, subjectOfLevel(2)) // editorial and marketing, in parallel

	req, _, err := f.decide(approve("mia")) // marketing first
	require.NoError(t, err)
	assert.Equal(t, store.ApprovalPending, req.Stages[0].State)
	assert.Equal(t, store.ApprovalApproved, req.Stages[1].State)
	assert.Equal(t, store.ApprovalPending, req.State)

	// A reviewer holding both roles counts once per stage: this approval
	// goes to the one stage still open.
	req, _, err = f.decide(approve("both"))
	require.NoError(t, err)
	assert.Equal(t, store.ApprovalApproved, req.State)
	assert.Equal(t, "both", req.Stages[0].Approvals[0].Reviewer)
	assert.Len(t, req.Stages[1].Approvals, 1)
}

func TestOneReviewerTwoStages(t *testing.T) {
	f := newFixture(t, approval.DefaultPolicy())
	f.open(t, subjectOfLevel(2))
	req, _, err := f.decide(approve("both"))
	require.NoError(t, err)
	assert.Equal(t, store.ApprovalApproved, req.Stages[0].State, "the first stage the reviewer may approve")
	assert.Equal(t, store.ApprovalPending, req.Stages[1].State)
	req, _, err = f.decide(approve("both"))
	require.NoError(t, err)
	assert.Equal(t, store.ApprovalApproved, req.State)
}

func TestNOfM(t *testing.T) {
	p, err := approval.LoadPolicy("testdata/two_of_three.yaml")
	require.NoError(t, err)
	f := newFixture(t, p)
	f.open(t, approval.Subject{Author: "author"})

	req, _, err := f.decide(approve("rita"))
	require.NoError(t, err)
	assert.Equal(t, store.ApprovalPending, req.Stages[0].State, "1 of 2")

	_, _, err = f.decide(approve("rita"))
	require.ErrorIs(t, err, approval.ErrDuplicate, "the same reviewer counts once")
	_, _, err = f.decide(approve(" rita "))
	require.ErrorIs(t, err, approval.ErrDuplicate, "surrounding space is ignored")
	_, _, err = f.decide(approve("lea"))
	require.ErrorIs(t, err, approval.ErrNotAllowed, "legal waits for the review stage")

	req, _, err = f.decide(approve("ravi"))
	require.NoError(t, err)
	assert.Equal(t, store.ApprovalApproved, req.Stages[0].State, "2 of 2")
	assert.Len(t, req.Stages[0].Approvals, 2)
	assert.Equal(t, approval.ActionStageApproved, req.Audit[len(req.Audit)-1].Action)

	_, _, err = f.decide(approve("rosa"))
	require.ErrorIs(t, err, approval.ErrNotAllowed, "the stage is closed")

	req, _, err = f.decide(approve("lea"))
	require.NoError(t, err)
	assert.Equal(t, store.ApprovalApproved, req.State)
}

func TestSelfApproval(t *testing.T) {
	t.Run("refused above level 1", func(t *testing.T) {
		f := newFixture(t, approval.DefaultPolicy())
		s := subjectOfLevel(2)
		s.Author = "ana"
		f.open(t, s)
		for _, d := range []string{approval.Approve, approval.Reject, approval.RequestChanges} {
			_, _, err := f.decide(approval.DecisionInput{Reviewer: "Ana", Decision: d, Comment: "mine", ContentHash: hash})
			assert.ErrorIs(t, err, approval.ErrSelfApproval, d)
		}
		req, err := f.store.GetApproval(context.Background(), "apr_1")
		require.NoError(t, err)
		assert.Len(t, req.Audit, 1, "a refused decision writes nothing")
	})
	t.Run("allowed at level 1", func(t *testing.T) {
		f := newFixture(t, approval.DefaultPolicy())
		s := subjectOfLevel(1)
		s.Author = "ana" // not validated: waits for the editor, who may be the author
		f.open(t, s)
		req, _, err := f.decide(approve("ana"))
		require.NoError(t, err)
		assert.Equal(t, store.ApprovalApproved, req.State)
	})
}

func TestDecideRefusals(t *testing.T) {
	tests := []struct {
		name string
		in   approval.DecisionInput
		want error
	}{
		{"no role", approve("nobody"), approval.ErrNotAllowed},
		{"unknown reviewer", approve("stranger"), approval.ErrNotAllowed},
		{"wrong role", approve("max"), approval.ErrNotAllowed},
		{"stage the reviewer lacks", approval.DecisionInput{Reviewer: "ana", Decision: approval.Approve, ContentHash: hash, Stage: "marketing"}, approval.ErrNotAllowed},
		{"unknown stage", approval.DecisionInput{Reviewer: "ana", Decision: approval.Approve, ContentHash: hash, Stage: "nope"}, approval.ErrNotAllowed},
		{"stale hash", approval.DecisionInput{Reviewer: "ana", Decision: approval.Approve, ContentHash: "old"}, approval.ErrStaleContent},
		{"unknown decision", approval.DecisionInput{Reviewer: "ana", Decision: "maybe", ContentHash: hash}, approval.ErrInvalidDecision},
		{"no reviewer", approval.DecisionInput{Decision: approval.Approve, ContentHash: hash}, approval.ErrInvalidDecision},
		{"no hash", approval.DecisionInput{Reviewer: "ana", Decision: approval.Approve}, approval.ErrInvalidDecision},
		{"reject without comment", approval.DecisionInput{Reviewer: "ana", Decision: approval.Reject, ContentHash: hash}, approval.ErrInvalidDecision},
		{"changes without comment", approval.DecisionInput{Reviewer: "ana", Decision: approval.RequestChanges, Comment: "  ", ContentHash: hash}, approval.ErrInvalidDecision},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, approval.DefaultPolicy())
			before := f.open(t, subjectOfLevel(2))
			req, events, err := f.decide(tt.in)
			require.ErrorIs(t, err, tt.want)
			assert.Nil(t, req)
			assert.Nil(t, events)
			after, err := f.store.GetApproval(context.Background(), before.ID)
			require.NoError(t, err)
			assert.Equal(t, before, after, "nothing written")
		})
	}

	f := newFixture(t, approval.DefaultPolicy())
	_, _, err := f.decide(approve("ana"))
	assert.ErrorIs(t, err, store.ErrNotFound)

	noDir := &approval.Gate{Policy: approval.DefaultPolicy(), Store: f.store, Now: f.clock.Now}
	f.open(t, subjectOfLevel(2))
	_, _, err = noDir.Decide(context.Background(), nil, "apr_1", approve("ana"))
	assert.ErrorIs(t, err, approval.ErrNotAllowed, "no directory allows no one")
}

type failingDirectory struct{}

func (failingDirectory) Roles(context.Context, string) ([]string, error) {
	return nil, fmt.Errorf("directory down")
}

func TestDirectoryError(t *testing.T) {
	f := newFixture(t, approval.DefaultPolicy())
	f.open(t, subjectOfLevel(2))
	f.gate.Directory = failingDirectory{}
	_, _, err := f.decide(approve("ana"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "directory down")
}

func TestReject(t *testing.T) {
	f := newFixture(t, approval.DefaultPolicy())
	f.open(t, subjectOfLevel(3))
	f.clock.Advance(time.Hour)
	req, events, err := f.decide(approval.DecisionInput{Reviewer: "ana", Decision: approval.Reject, Comment: "off brand", ContentHash: hash})
	require.NoError(t, err)
	assert.Equal(t, store.ApprovalRejected, req.State)
	assert.Equal(t, store.ApprovalRejected, req.Stages[0].State)
	require.Len(t, events, 1)
	assert.Equal(t, approval.Reject, events[0].Decision.Decision)
	last := req.Audit[len(req.Audit)-1]
	assert.Equal(t, store.AuditEntry{At: t0.Add(time.Hour), Actor: "ana", Action: approval.ActionReject, Comment: "stage editorial: off brand"}, last)

	for _, in := range []approval.DecisionInput{approve("ben"), {Reviewer: "ben", Decision: approval.Reject, Comment: "x", ContentHash: hash}, {Reviewer: "ben", Decision: approval.Approve, ContentHash: "old"}} {
		_, _, err = f.decide(in)
		assert.ErrorIs(t, err, approval.ErrFinished, "finished comes before other checks")
	}
	_, _, err = f.gate.Reset(context.Background(), nil, "apr_1", "new", "author")
	assert.ErrorIs(t, err, approval.ErrFinished)
}
