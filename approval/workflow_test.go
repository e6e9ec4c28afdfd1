package approval_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/approval"
	"github.com/halcytone/halcytone/store"
)

func changes(who, h string) approval.DecisionInput {
	return approval.DecisionInput{Reviewer: who, Decision: approval.RequestChanges, Comment: "tighten the intro", ContentHash: h}
}

func TestChangeRoundsEscalate(t *testing.T) {
	f := newFixture(t, approval.DefaultPolicy())
	ctx := context.Background()
	f.open(t, subjectOfLevel(2))
	h := hash
	for round := 1; round <= 4; round++ {
		req, events, err := f.decide(changes("ana", h))
		require.NoError(t, err)
		assert.Equal(t, store.ApprovalChangesRequested, req.State)
		assert.Equal(t, round, req.ChangeRounds)
		assert.Equal(t, store.ApprovalChangesRequested, req.Stages[0].State)

		if round <= 3 {
			require.Len(t, events, 1, "round %d", round)
			assert.False(t, req.Escalated)
		} else {
			require.Len(t, events, 2)
			assert.Equal(t, approval.EventEscalated, events[1].Type)
			assert.True(t, req.Escalated)
			last := req.Audit[len(req.Audit)-1]
			assert.Equal(t, approval.ActionEscalated, last.Action)
			assert.Equal(t, "4 change rounds (limit 3)", last.Comment)
		}

		// A second change request on the same version is recorded but is
		// not another round; approvals wait for the new version.
		req, events, err = f.decide(changes("mia", h))
		require.NoError(t, err)
		assert.Equal(t, round, req.ChangeRounds)
		assert.Len(t, events, 1)
		_, _, err = f.decide(approval.DecisionInput{Reviewer: "mia", Decision: approval.Approve, ContentHash: h})
		require.ErrorIs(t, err, approval.ErrAwaitingChanges)

		h = fmt.Sprintf("v%d", round+1)
		req, events, err = f.gate.Reset(ctx, nil, "apr_1", h, "author")
		require.NoError(t, err)
		require.Len(t, events, 1)
		assert.Equal(t, approval.EventRequested, events[0].Type)
		assert.Equal(t, store.ApprovalPending, req.State)
	}
	// A fifth round does not escalate again.
	_, events, err := f.decide(changes("ana", h))
	require.NoError(t, err)
	assert.Len(t, events, 1)
}

func TestReset(t *testing.T) {
	f := newFixture(t, approval.DefaultPolicy())
	ctx := context.Background()
	f.open(t, subjectOfLevel(2))
	_, _, err := f.decide(approve("ana"))
	require.NoError(t, err)

	f.clock.Advance(time.Minute)
	req, events, err := f.gate.Reset(ctx, f.store, "apr_1", "edited", "author")
	require.NoError(t, err)
	require.Len(t, events, 1)
	assert.Equal(t, "edited", req.ContentHash)
	assert.Equal(t, store.ApprovalPending, req.State)
	for _, st := range req.Stages {
		assert.Empty(t, st.Approvals)
		assert.Equal(t, store.ApprovalPending, st.State)
	}
	assert.Equal(t, t0.Add(48*time.Hour), req.DueAt, "the deadline is kept")
	last := req.Audit[len(req.Audit)-1]
	assert.Equal(t, approval.ActionReset, last.Action)
	assert.Equal(t, "author", last.Actor)
	assert.Equal(t, t0.Add(time.Minute), last.At)

	// An approval of the old version is refused; of the new one, counted.
	_, _, err = f.decide(approve("ana"))
	require.ErrorIs(t, err, approval.ErrStaleContent)
	_, _, err = f.decide(approval.DecisionInput{Reviewer: "ana", Decision: approval.Approve, ContentHash: "edited"})
	require.NoError(t, err)

	// The same hash again changes nothing.
	before, err := f.store.GetApproval(ctx, "apr_1")
	require.NoError(t, err)
	req, events, err = f.gate.Reset(ctx, nil, "apr_1", "edited", "author")
	require.NoError(t, err)
	assert.Empty(t, events)
	assert.Equal(t, before, req)

	_, _, err = f.gate.Reset(ctx, nil, "missing", "x", "author")
	assert.ErrorIs(t, err, store.ErrNotFound)
	_, _, err = f.gate.Reset(ctx, nil, "apr_1", "", "author")
	assert.ErrorIs(t, err, store.ErrInvalid)
}

func TestResetApprovedRequest(t *testing.T) {
	f := newFixture(t, approval.DefaultPolicy())
	s := subjectOfLevel(1)
	s.ValidationPassed = true
	req := f.open(t, s)
	require.Equal(t, store.ApprovalApproved, req.State)

	req, _, err := f.gate.Reset(context.Background(), nil, req.ID, "edited", "author")
	require.NoError(t, err)
	assert.Equal(t, store.ApprovalPending, req.State, "an edit voids an approval")
}

func TestResubmitUnchanged(t *testing.T) {
	f := newFixture(t, approval.DefaultPolicy())
	f.open(t, subjectOfLevel(2))
	_, _, err := f.decide(changes("ana", hash))
	require.NoError(t, err)
	req, events, err := f.gate.Reset(context.Background(), nil, "apr_1", hash, "author")
	require.NoError(t, err)
	assert.Len(t, events, 1)
	assert.Equal(t, store.ApprovalPending, req.State)
	assert.Equal(t, "resubmitted unchanged", req.Audit[len(req.Audit)-1].Comment)
}

func TestEscalateDeadlines(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, approval.DefaultPolicy())
	open := func(jobID string, level int, validated bool) *store.ApprovalRequest {
		s := subjectOfLevel(level)
		s.ValidationPassed = validated
		req, _, err := f.gate.Open(ctx, nil, job(jobID), s, hash)
		require.NoError(t, err)
		return req
	}
	l4 := open("j4", 4, true)                                         // due at t0+4h
	l1 := open("j1", 1, false)                                        // due at t0+4h, pending
	auto := open("j1a", 1, true)                                      // approved: never escalates
	l2 := open("j2", 2, true)                                         // due at t0+48h
	l3 := open("j3", 3, true)                                         // due at t0+72h
	_, _, err := f.gate.Decide(ctx, nil, l3.ID, changes("ana", hash)) // changes requested still escalates
	require.NoError(t, err)

	tests := []struct {
		at   time.Duration
		want []string
	}{
		{4 * time.Hour, nil}, // due exactly now: not past yet
		{4*time.Hour + time.Second, []string{l4.ID, l1.ID}},
		{5 * time.Hour, nil}, // idempotent
		{48*time.Hour + time.Second, []string{l2.ID}},
		{72*time.Hour + time.Second, []string{l3.ID}},
		{1000 * time.Hour, nil},
	}
	for _, tt := range tests {
		now := t0.Add(tt.at)
		events, err := f.gate.Escalate(ctx, f.store, now)
		require.NoError(t, err)
		var got []string
		for _, ev := range events {
			assert.Equal(t, approval.EventEscalated, ev.Type)
			assert.Equal(t, now, ev.At)
			assert.True(t, ev.Request.Escalated)
			last := ev.Request.Audit[len(ev.Request.Audit)-1]
			assert.Equal(t, approval.ActionEscalated, last.Action)
			assert.Equal(t, approval.SystemActor, last.Actor)
			assert.Equal(t, now, last.At)
			got = append(got, ev.Request.ID)
		}
		assert.ElementsMatch(t, tt.want, got, "at +%s", tt.at)
	}
	a, err := f.store.GetApproval(ctx, auto.ID)
	require.NoError(t, err)
	assert.False(t, a.Escalated)
}

func TestEscalateManyPages(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, approval.DefaultPolicy())
	const n = 250
	for i := range n {
		_, _, err := f.gate.Open(ctx, nil, job(fmt.Sprint(i)), subjectOfLevel(2), hash)
		require.NoError(t, err)
	}
	events, err := f.gate.Escalate(ctx, nil, t0.Add(49*time.Hour))
	require.NoError(t, err)
	assert.Len(t, events, n)
	events, err = f.gate.Escalate(ctx, nil, t0.Add(49*time.Hour))
	require.NoError(t, err)
	assert.Empty(t, events)
}

// TestOverdueThenEscalateOne checks Escalate's two steps: Overdue lists
// without writing, EscalateOne escalates a request still overdue and
// leaves one decided, escalated or deleted since the listing alone.
func TestOverdueThenEscalateOne(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, approval.DefaultPolicy())
	var ids []string
	for i := range 3 {
		r, _, err := f.gate.Open(ctx, nil, job(fmt.Sprint(i)), subjectOfLevel(2), hash)
		require.NoError(t, err)
		ids = append(ids, r.ID)
	}
	late := t0.Add(49 * time.Hour)
	assert.Empty(t, overdueIDs(t, f, t0.Add(time.Hour)), "nothing is due yet")
	assert.ElementsMatch(t, ids, overdueIDs(t, f, late))
	for _, id := range ids {
		a, err := f.store.GetApproval(ctx, id)
		require.NoError(t, err)
		assert.False(t, a.Escalated, "Overdue only reads")
	}

	ev, err := f.gate.EscalateOne(ctx, nil, ids[0], late)
	require.NoError(t, err)
	require.NotNil(t, ev)
	assert.Equal(t, approval.EventEscalated, ev.Type)
	assert.True(t, ev.Request.Escalated)
	again, err := f.gate.EscalateOne(ctx, nil, ids[0], late)
	require.NoError(t, err)
	assert.Nil(t, again, "escalated already")
	_, _, err = f.gate.Decide(ctx, nil, ids[1], approval.DecisionInput{Reviewer: "ana", Decision: approval.Reject, Comment: "off brand", ContentHash: hash})
	require.NoError(t, err)
	decided, err := f.gate.EscalateOne(ctx, nil, ids[1], late)
	require.NoError(t, err)
	assert.Nil(t, decided, "decided since the listing")
	missing, err := f.gate.EscalateOne(ctx, nil, "apr_missing", late)
	require.NoError(t, err)
	assert.Nil(t, missing)
	assert.Equal(t, []string{ids[2]}, overdueIDs(t, f, late), "what is left to escalate")
}

// overdueIDs is Overdue at now, which must not fail.
func overdueIDs(t *testing.T, f *fixture, now time.Time) []string {
	t.Helper()
	ids, err := f.gate.Overdue(context.Background(), nil, now)
	require.NoError(t, err)
	return ids
}

func TestAuditTrail(t *testing.T) {
	f := newFixture(t, approval.DefaultPolicy())
	f.open(t, subjectOfLevel(3))
	f.clock.Advance(time.Hour)
	_, _, err := f.decide(approval.DecisionInput{Reviewer: "ana", Decision: approval.Approve, Comment: "fine", ContentHash: hash})
	require.NoError(t, err)
	f.clock.Advance(time.Hour)
	req, _, err := f.decide(approve("max"))
	require.NoError(t, err)

	type line struct{ actor, action, comment string }
	var got []line
	for _, a := range req.Audit {
		got = append(got, line{a.Actor, a.Action, a.Comment})
	}
	assert.Equal(t, []line{
		{"author", "opened", "level 3 (management); rules: high-priority announcement; due in 72h0m0s"},
		{"ana", "approve", "stage editorial: fine"},
		{"ana", "stage_approved", "stage editorial: 1 of 1 approvals"},
		{"max", "approve", "stage management"},
		{"max", "stage_approved", "stage management: 1 of 1 approvals"},
		{"max", "approved", "all 2 stages approved"},
	}, got)
	assert.Equal(t, t0.Add(2*time.Hour), req.Audit[5].At)
}

func TestResetForRaisesNeverLowersTheLevel(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, approval.DefaultPolicy())
	req := f.open(t, subjectOfLevel(2))
	require.Equal(t, 2, req.Level)

	low := subjectOfLevel(1)
	req, _, err := f.gate.ResetFor(ctx, nil, req.ID, "edit-1", "author", &low)
	require.NoError(t, err)
	assert.Equal(t, 2, req.Level, "an edit does not lower the review")

	high := subjectOfLevel(4)
	req, events, err := f.gate.ResetFor(ctx, nil, req.ID, "edit-2", "author", &high)
	require.NoError(t, err)
	assert.Len(t, events, 1)
	assert.Equal(t, 4, req.Level)
	assert.Len(t, req.Stages, len(approval.DefaultPolicy().Plan(high).Stages))
	assert.Equal(t, store.ApprovalPending, req.State)
	assert.Contains(t, req.Audit[len(req.Audit)-1].Comment, "level raised from 2 to 4")
}

// TestEscalateOncePerCause: a request escalated for too many change
// rounds is still escalated, once, when its deadline passes (doc.go:
// escalation happens at most once per cause), and the other way round.
func TestEscalateOncePerCause(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, approval.DefaultPolicy())
	f.open(t, subjectOfLevel(2)) // due at t0+48h
	h := hash
	for round := 1; round <= 4; round++ { // past the change-round limit
		_, _, err := f.decide(changes("ana", h))
		require.NoError(t, err)
		h = fmt.Sprintf("v%d", round+1)
		_, _, err = f.gate.Reset(ctx, nil, "apr_1", h, "author")
		require.NoError(t, err)
	}
	req, err := f.store.GetApproval(ctx, "apr_1")
	require.NoError(t, err)
	require.True(t, req.Escalated, "escalated for the change rounds")

	events, err := f.gate.Escalate(ctx, nil, t0.Add(49*time.Hour))
	require.NoError(t, err)
	assert.Len(t, events, 1, "the deadline is another cause")
	events, err = f.gate.Escalate(ctx, nil, t0.Add(50*time.Hour))
	require.NoError(t, err)
	assert.Empty(t, events, "once")
	req, err = f.store.GetApproval(ctx, "apr_1")
	require.NoError(t, err)
	n := 0
	for _, a := range req.Audit {
		if a.Action == approval.ActionEscalated {
			n++
		}
	}
	assert.Equal(t, 2, n, "one escalation per cause in the audit trail")
}
