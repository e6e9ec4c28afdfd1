package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/store"
)

func testJobs(t *testing.T, open opener) {
	t.Run("RoundTripEveryField", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		j := fullJob("job-1")
		want := utcJob(fullJob("job-1"))
		require.NoError(t, s.CreateJob(ctx, j))

		got, err := s.GetJob(ctx, "job-1")
		require.NoError(t, err)
		require.Equal(t, want, got)
		for name, tm := range map[string]time.Time{"CreatedAt": got.CreatedAt, "UpdatedAt": got.UpdatedAt,
			"ScheduledFor": got.ScheduledFor, "StartedAt": got.StartedAt, "CompletedAt": got.CompletedAt} {
			requireUTC(t, tm, name)
		}

		byKey, err := s.JobByIdempotencyKey(ctx, "req-job-1")
		require.NoError(t, err)
		require.Equal(t, want, byKey)
	})

	t.Run("ZeroOptionalFieldsStayZero", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		j := &store.Job{ID: "job-1", DocumentID: "d", Status: store.JobPending, CreatedAt: at(0), UpdatedAt: at(0)}
		require.NoError(t, s.CreateJob(ctx, j))
		got, err := s.GetJob(ctx, "job-1")
		require.NoError(t, err)
		require.Equal(t, j, got)
		require.True(t, got.ScheduledFor.IsZero())
		require.True(t, got.StartedAt.IsZero())
		require.True(t, got.CompletedAt.IsZero())
		require.Nil(t, got.Channels)
		require.Nil(t, got.Results)
		require.Nil(t, got.Errors)
		require.Nil(t, got.Metadata)
		require.Nil(t, got.Approval)
	})

	t.Run("NilAndEmptyAreKept", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		j := &store.Job{
			ID: "job-1", Status: store.JobPending, CreatedAt: at(0), UpdatedAt: at(0),
			Channels: []string{}, Results: map[string]store.ChannelResult{}, Errors: []string{}, Metadata: map[string]any{},
		}
		require.NoError(t, s.CreateJob(ctx, j))
		got, err := s.GetJob(ctx, "job-1")
		require.NoError(t, err)
		require.Equal(t, j, got)
		require.NotNil(t, got.Channels)
		require.NotNil(t, got.Results)
		require.NotNil(t, got.Errors)
		require.NotNil(t, got.Metadata)
	})

	t.Run("MicrosecondPrecision", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		in := base.Add(123456789 * time.Nanosecond).In(elsewhere)
		require.NoError(t, s.CreateJob(ctx, &store.Job{ID: "job-1", Status: store.JobPending, CreatedAt: in, UpdatedAt: in, StartedAt: in}))
		got, err := s.GetJob(ctx, "job-1")
		require.NoError(t, err)
		for name, tm := range map[string]time.Time{"CreatedAt": got.CreatedAt, "UpdatedAt": got.UpdatedAt, "StartedAt": got.StartedAt} {
			requireUTC(t, tm, name)
			require.Lessf(t, tm.Sub(in).Abs(), time.Microsecond, "%s = %v, stored %v", name, tm, in)
		}
	})

	t.Run("ZeroCreatedAtIsNow", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		j := &store.Job{ID: "job-1", Status: store.JobPending}
		before := time.Now()
		require.NoError(t, s.CreateJob(ctx, j))
		requireBetween(t, j.CreatedAt, before, time.Now(), "CreatedAt")
		require.Equal(t, j.CreatedAt, j.UpdatedAt)
		got, err := s.GetJob(ctx, "job-1")
		require.NoError(t, err)
		require.Equal(t, j.CreatedAt, got.CreatedAt)
		require.Equal(t, j.CreatedAt, got.UpdatedAt)
	})

	t.Run("DuplicateIDConflicts", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		require.NoError(t, s.CreateJob(ctx, job("job-1", 0, store.JobPending, "email")))
		dup := job("job-1", 1, store.JobFailed, "website")
		require.ErrorIs(t, s.CreateJob(ctx, dup), store.ErrConflict)
		got, err := s.GetJob(ctx, "job-1")
		require.NoError(t, err)
		require.Equal(t, store.JobPending, got.Status, "a conflicting insert changes nothing")
		require.Equal(t, []string{"email"}, got.Channels)
	})

	t.Run("DuplicateIdempotencyKeyConflicts", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		a := job("job-a", 0, store.JobPending)
		a.IdempotencyKey = "key-1"
		require.NoError(t, s.CreateJob(ctx, a))
		b := job("job-b", 1, store.JobPending)
		b.IdempotencyKey = "key-1"
		require.ErrorIs(t, s.CreateJob(ctx, b), store.ErrConflict)
		_, err := s.GetJob(ctx, "job-b")
		require.ErrorIs(t, err, store.ErrNotFound)

		// Empty keys are not unique.
		require.NoError(t, s.CreateJob(ctx, job("job-c", 2, store.JobPending)))
		require.NoError(t, s.CreateJob(ctx, job("job-d", 3, store.JobPending)))

		got, err := s.JobByIdempotencyKey(ctx, "key-1")
		require.NoError(t, err)
		require.Equal(t, "job-a", got.ID)
		_, err = s.JobByIdempotencyKey(ctx, "key-2")
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.JobByIdempotencyKey(ctx, "")
		require.ErrorIs(t, err, store.ErrInvalid)
	})

	t.Run("UpdateJob", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		require.NoError(t, s.CreateJob(ctx, job("job-1", 0, store.JobPending, "email", "website")))
		before := time.Now()
		got, err := s.UpdateJob(ctx, "job-1", func(j *store.Job) error {
			j.Status = store.JobCompleted
			j.StartedAt, j.CompletedAt = at(1), at(2)
			j.Results = map[string]store.ChannelResult{"email": {Status: "success", Sent: 3, Timestamp: at(2)}}
			j.Errors = []string{"website: skipped"}
			j.Metadata = map[string]any{"k": "v"}
			j.Approval = &store.JobApproval{Level: 1, State: "approved", RequestID: "apr-1"}
			j.ContentHash, j.BundleID, j.DryRun = "h", "bun-1", true
			return nil
		})
		require.NoError(t, err)
		require.Equal(t, store.JobCompleted, got.Status)
		requireBetween(t, got.UpdatedAt, before, time.Now(), "UpdatedAt")
		require.True(t, got.UpdatedAt.After(at(0)), "UpdatedAt advances")
		require.Equal(t, at(0), got.CreatedAt)

		stored, err := s.GetJob(ctx, "job-1")
		require.NoError(t, err)
		require.Equal(t, got, stored, "UpdateJob returns what it stored")
		require.Equal(t, at(1), stored.StartedAt)
		require.Equal(t, "bun-1", stored.BundleID)
		require.Equal(t, map[string]any{"k": "v"}, stored.Metadata)
	})

	t.Run("UpdateJobErrorAborts", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		require.NoError(t, s.CreateJob(ctx, fullJob("job-1")))
		before, err := s.GetJob(ctx, "job-1")
		require.NoError(t, err)
		stop := errors.New("stop here")
		got, err := s.UpdateJob(ctx, "job-1", func(j *store.Job) error {
			j.Status = store.JobFailed
			j.Errors = append(j.Errors, "boom")
			j.Metadata["attempt"] = 99.0
			return stop
		})
		require.ErrorIs(t, err, stop)
		require.Nil(t, got)
		after, err := s.GetJob(ctx, "job-1")
		require.NoError(t, err)
		require.Equal(t, before, after, "an aborted update leaves the row unchanged")
	})

	t.Run("UpdateJobIsAtomic", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		require.NoError(t, s.CreateJob(ctx, job("job-1", 0, store.JobPending)))
		const n = 16
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Go(func() {
				_, err := s.UpdateJob(ctx, "job-1", func(j *store.Job) error {
					if j.Metadata == nil {
						j.Metadata = map[string]any{}
					}
					n, ok := toInt(j.Metadata["count"])
					if !ok {
						return fmt.Errorf("count is %T", j.Metadata["count"])
					}
					j.Metadata["count"] = n + 1
					return nil
				})
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		got, err := s.GetJob(ctx, "job-1")
		require.NoError(t, err)
		require.Equal(t, n, number(t, got.Metadata["count"]), "no update is lost")
	})

	t.Run("CopiesInAndOut", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		j := fullJob("job-1")
		want := utcJob(fullJob("job-1"))
		require.NoError(t, s.CreateJob(ctx, j))
		j.Channels[0] = "changed"
		j.Metadata["source"] = "changed"
		j.Approval.Level = 4

		got, err := s.GetJob(ctx, "job-1")
		require.NoError(t, err)
		got.Channels[1] = "changed"
		got.Results["email"] = store.ChannelResult{Status: "changed"}
		got.Metadata["nested"].(map[string]any)["ok"] = false
		got.Approval.State = "changed"

		again, err := s.GetJob(ctx, "job-1")
		require.NoError(t, err)
		require.Equal(t, want, again)
	})

	t.Run("NotFoundAndInvalid", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		_, err := s.GetJob(ctx, "unknown")
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.UpdateJob(ctx, "unknown", func(*store.Job) error { return nil })
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.GetJob(ctx, "")
		require.ErrorIs(t, err, store.ErrInvalid)
		_, err = s.UpdateJob(ctx, "", func(*store.Job) error { return nil })
		require.ErrorIs(t, err, store.ErrInvalid)
		require.ErrorIs(t, s.CreateJob(ctx, nil), store.ErrInvalid)
		require.ErrorIs(t, s.CreateJob(ctx, &store.Job{Status: store.JobPending}), store.ErrInvalid)
		bad := job("job-1", 0, store.JobPending)
		bad.Metadata = map[string]any{"f": func() {}}
		require.ErrorIs(t, s.CreateJob(ctx, bad), store.ErrInvalid, "metadata that JSON cannot encode")
		_, err = s.GetJob(ctx, "job-1")
		require.ErrorIs(t, err, store.ErrNotFound)
	})
}
