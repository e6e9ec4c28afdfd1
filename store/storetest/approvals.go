package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/store"
)

// approval returns a level-2 request with two stages, created m minutes
// after base.
func approval(id, jobID string, m int, level int, state store.ApprovalState) *store.ApprovalRequest {
	return &store.ApprovalRequest{
		ID: id, JobID: jobID, BundleID: "bun-" + jobID, ContentHash: "hash-" + jobID,
		Level: level, State: state, Author: "ana",
		Stages: []store.Stage{
			{Name: "editorial", Roles: []string{"editor"}, Required: 1, State: store.ApprovalApproved,
				Approvals: []store.Decision{{Reviewer: "bo", Role: "editor", Decision: "approve", Comment: "fine", At: at(m + 1)}}},
			{Name: "marketing", Roles: []string{"marketing", "brand"}, Required: 2, State: store.ApprovalPending, Approvals: []store.Decision{}},
		},
		CreatedAt: at(m), UpdatedAt: at(m + 1), DueAt: at(m + 48*60),
		Audit: []store.AuditEntry{
			{At: at(m), Actor: "ana", Action: "requested"},
			{At: at(m + 1), Actor: "bo", Action: "approve", Comment: "fine"},
		},
	}
}

func testApprovals(t *testing.T, open opener) {
	t.Run("RoundTrip", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		mk := func() *store.ApprovalRequest {
			a := approval("apr-1", "job-1", 0, 2, store.ApprovalPending)
			a.ChangeRounds, a.Escalated = 2, true
			a.CreatedAt, a.DueAt = a.CreatedAt.In(elsewhere), a.DueAt.Add(5*time.Microsecond).In(elsewhere)
			return a
		}
		a, want := mk(), mk()
		want.CreatedAt, want.DueAt = want.CreatedAt.UTC(), want.DueAt.UTC()
		require.NoError(t, s.CreateApproval(ctx, a))
		got, err := s.GetApproval(ctx, "apr-1")
		require.NoError(t, err)
		require.Equal(t, want, got)

		a.Stages[0].Approvals[0].Reviewer = "changed by the caller"
		got.Audit[0].Actor = "changed by the reader"
		got.Stages[1].Roles[0] = "changed by the reader"
		again, err := s.GetApproval(ctx, "apr-1")
		require.NoError(t, err)
		require.Equal(t, want, again)

		require.ErrorIs(t, s.CreateApproval(ctx, approval("apr-1", "job-2", 5, 1, store.ApprovalPending)), store.ErrConflict)
	})

	t.Run("ZeroTimes", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		a := &store.ApprovalRequest{ID: "apr-1", JobID: "job-1", ContentHash: "h", Level: 1, State: store.ApprovalPending}
		before := time.Now()
		require.NoError(t, s.CreateApproval(ctx, a))
		requireBetween(t, a.CreatedAt, before, time.Now(), "CreatedAt")
		got, err := s.GetApproval(ctx, "apr-1")
		require.NoError(t, err)
		require.Equal(t, a.CreatedAt, got.CreatedAt)
		require.Equal(t, a.CreatedAt, got.UpdatedAt)
		require.True(t, got.DueAt.IsZero())
		require.Nil(t, got.Stages)
		require.Nil(t, got.Audit)
	})

	t.Run("Update", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		require.NoError(t, s.CreateApproval(ctx, approval("apr-1", "job-1", 0, 2, store.ApprovalPending)))
		before := time.Now()
		got, err := s.UpdateApproval(ctx, "apr-1", func(a *store.ApprovalRequest) error {
			d := store.Decision{Reviewer: "cy", Role: "marketing", Decision: "approve", At: at(10)}
			a.Stages[1].Approvals = append(a.Stages[1].Approvals, d, store.Decision{Reviewer: "di", Role: "brand", Decision: "approve", At: at(11)})
			a.Stages[1].State = store.ApprovalApproved
			a.State = store.ApprovalApproved
			a.ChangeRounds = 1
			a.Audit = append(a.Audit, store.AuditEntry{At: at(11), Actor: "di", Action: "approve", Comment: "ship it"})
			return nil
		})
		require.NoError(t, err)
		requireBetween(t, got.UpdatedAt, before, time.Now(), "UpdatedAt")
		stored, err := s.GetApproval(ctx, "apr-1")
		require.NoError(t, err)
		require.Equal(t, got, stored)
		require.Equal(t, store.ApprovalApproved, stored.State)
		require.Len(t, stored.Stages[1].Approvals, 2)
		require.Len(t, stored.Audit, 3)
		require.Equal(t, "ship it", stored.Audit[2].Comment)

		stop := errors.New("stale hash")
		_, err = s.UpdateApproval(ctx, "apr-1", func(a *store.ApprovalRequest) error {
			a.State = store.ApprovalRejected
			a.Audit[0].Actor = "mallory"
			return stop
		})
		require.ErrorIs(t, err, stop)
		after, err := s.GetApproval(ctx, "apr-1")
		require.NoError(t, err)
		require.Equal(t, stored, after)
	})

	t.Run("List", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		for _, a := range []*store.ApprovalRequest{
			approval("a0", "job-1", 0, 1, store.ApprovalApproved),
			approval("a1", "job-2", 1, 2, store.ApprovalPending),
			approval("a2", "job-2", 2, 3, store.ApprovalPending),
			approval("a3", "job-3", 2, 2, store.ApprovalRejected),
			approval("a4", "job-4", 4, 2, store.ApprovalPending),
		} {
			require.NoError(t, s.CreateApproval(ctx, a))
		}
		tests := []struct {
			name  string
			f     store.ApprovalFilter
			want  []string
			total int
		}{
			{"all newest first, ties by ID desc", store.ApprovalFilter{}, []string{"a4", "a3", "a2", "a1", "a0"}, 5},
			{"state", store.ApprovalFilter{State: store.ApprovalPending}, []string{"a4", "a2", "a1"}, 3},
			{"level", store.ApprovalFilter{Level: 2}, []string{"a4", "a3", "a1"}, 3},
			{"job", store.ApprovalFilter{JobID: "job-2"}, []string{"a2", "a1"}, 2},
			{"state and level", store.ApprovalFilter{State: store.ApprovalPending, Level: 2}, []string{"a4", "a1"}, 2},
			{"page", store.ApprovalFilter{Limit: 2, Offset: 1}, []string{"a3", "a2"}, 5},
			{"past the end", store.ApprovalFilter{Offset: 9}, []string{}, 5},
			{"unknown job", store.ApprovalFilter{JobID: "job-9"}, []string{}, 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				list, total, err := s.ListApprovals(ctx, tt.f)
				require.NoError(t, err)
				ids := []string{}
				for _, a := range list {
					ids = append(ids, a.ID)
				}
				require.Equal(t, tt.want, ids)
				require.Equal(t, tt.total, total)
			})
		}
		list, _, err := s.ListApprovals(ctx, store.ApprovalFilter{JobID: "job-3"})
		require.NoError(t, err)
		require.Equal(t, *approval("a3", "job-3", 2, 2, store.ApprovalRejected), list[0], "lists return every field")
		_, _, err = s.ListApprovals(ctx, store.ApprovalFilter{Limit: -1})
		require.ErrorIs(t, err, store.ErrInvalid)
		_, _, err = s.ListApprovals(ctx, store.ApprovalFilter{Offset: -1})
		require.ErrorIs(t, err, store.ErrInvalid)
	})

	t.Run("DefaultLimit", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		err := s.InTx(ctx, func(tx store.Tx) error {
			for i := range 105 {
				a := &store.ApprovalRequest{ID: "a" + string(rune('A'+i/26)) + string(rune('a'+i%26)), JobID: "j", Level: 1, State: store.ApprovalPending, CreatedAt: at(i)}
				if err := tx.CreateApproval(ctx, a); err != nil {
					return err
				}
			}
			return nil
		})
		require.NoError(t, err)
		list, total, err := s.ListApprovals(ctx, store.ApprovalFilter{})
		require.NoError(t, err)
		require.Len(t, list, 100, "Limit 0 means 100")
		require.Equal(t, 105, total)
	})
}
