package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/store"
)

func schedule(id string, m int) *store.Schedule {
	return &store.Schedule{
		ID: id, Name: "weekly " + id, Cron: "0 10 * * TUE", Timezone: "America/New_York",
		DocumentID: "gdocs:weekly", Channels: []string{"email", "website"}, TemplateStyle: "modern",
		ApprovalLevel: 2, Enabled: true, NextRun: at(m + 7*24*60), CreatedAt: at(m),
	}
}

func testSchedules(t *testing.T, open opener) {
	t.Run("CRUD", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		a := schedule("s1", 0)
		a.NextRun = a.NextRun.Add(11 * time.Microsecond).In(elsewhere)
		require.NoError(t, s.CreateSchedule(ctx, a))
		require.NoError(t, s.CreateSchedule(ctx, schedule("s0", 1)))
		require.ErrorIs(t, s.CreateSchedule(ctx, schedule("s1", 2)), store.ErrConflict)

		want := schedule("s1", 0)
		want.NextRun = a.NextRun.UTC()
		got, err := s.GetSchedule(ctx, "s1")
		require.NoError(t, err)
		require.Equal(t, want, got)
		require.True(t, got.LastRun.IsZero())

		list, err := s.ListSchedules(ctx)
		require.NoError(t, err)
		require.Len(t, list, 2)
		require.Equal(t, "s1", list[0].ID, "oldest first")
		require.Equal(t, *schedule("s0", 1), list[1])

		got, err = s.UpdateSchedule(ctx, "s1", func(s *store.Schedule) error {
			s.LastRun, s.NextRun = at(7*24*60), at(14*24*60)
			s.Enabled = false
			s.Channels = append(s.Channels, "social_linkedin")
			return nil
		})
		require.NoError(t, err)
		stored, err := s.GetSchedule(ctx, "s1")
		require.NoError(t, err)
		require.Equal(t, got, stored)
		require.Equal(t, at(7*24*60), stored.LastRun)
		require.False(t, stored.Enabled)
		require.Equal(t, []string{"email", "website", "social_linkedin"}, stored.Channels)

		stop := errors.New("stop")
		_, err = s.UpdateSchedule(ctx, "s1", func(s *store.Schedule) error { s.Enabled = true; s.Channels[0] = "x"; return stop })
		require.ErrorIs(t, err, stop)
		after, err := s.GetSchedule(ctx, "s1")
		require.NoError(t, err)
		require.Equal(t, stored, after)

		require.NoError(t, s.DeleteSchedule(ctx, "s1"))
		_, err = s.GetSchedule(ctx, "s1")
		require.ErrorIs(t, err, store.ErrNotFound)
		require.ErrorIs(t, s.DeleteSchedule(ctx, "s1"), store.ErrNotFound)
		list, err = s.ListSchedules(ctx)
		require.NoError(t, err)
		require.Len(t, list, 1)
	})

	t.Run("CopiesInAndOut", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		a := schedule("s1", 0)
		require.NoError(t, s.CreateSchedule(ctx, a))
		a.Channels[0] = "changed"
		got, err := s.GetSchedule(ctx, "s1")
		require.NoError(t, err)
		got.Channels[1] = "changed"
		again, err := s.GetSchedule(ctx, "s1")
		require.NoError(t, err)
		require.Equal(t, schedule("s1", 0), again)
	})
}
