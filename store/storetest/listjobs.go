package storetest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/store"
)

// listFixture is the job set of the ListJobs tests, created at minutes 0-7
// after base; j3 and j4 share a creation time.
func listFixture() []*store.Job {
	return []*store.Job{
		job("j0", 0, store.JobCompleted, "email", "website"),
		job("j1", 1, store.JobFailed, "email"),
		job("j2", 2, store.JobPending, "website"),
		job("j3", 3, store.JobCompleted, "social_twitter", "email"),
		job("j4", 3, store.JobScheduled),
		job("j5", 5, store.JobInProgress, "emails"),
		job("j6", 6, store.JobCompleted, "website", "email"),
		job("j7", 7, store.JobCancelled, "social_twitter"),
	}
}

func testListJobs(t *testing.T, open opener) {
	t.Run("Filters", func(t *testing.T) {
		s := open(t)
		createJobs(t, s, listFixture()...)
		tests := []struct {
			name string
			f    store.JobFilter
			want []string
		}{
			{"all newest first, ties by ID desc", store.JobFilter{}, []string{"j7", "j6", "j5", "j4", "j3", "j2", "j1", "j0"}},
			{"one status", store.JobFilter{Statuses: []store.JobStatus{store.JobCompleted}}, []string{"j6", "j3", "j0"}},
			{"several statuses", store.JobFilter{Statuses: []store.JobStatus{store.JobFailed, store.JobScheduled, store.JobCancelled}}, []string{"j7", "j4", "j1"}},
			{"status nobody has", store.JobFilter{Statuses: []store.JobStatus{store.JobPartial}}, []string{}},
			{"channel, exact match", store.JobFilter{Channel: "email"}, []string{"j6", "j3", "j1", "j0"}},
			{"channel nobody has", store.JobFilter{Channel: "mail"}, []string{}},
			{"created after, inclusive", store.JobFilter{CreatedAfter: at(3)}, []string{"j7", "j6", "j5", "j4", "j3"}},
			{"created before, exclusive", store.JobFilter{CreatedBefore: at(3)}, []string{"j2", "j1", "j0"}},
			{"window", store.JobFilter{CreatedAfter: at(1), CreatedBefore: at(6)}, []string{"j5", "j4", "j3", "j2", "j1"}},
			{"window in another zone", store.JobFilter{CreatedAfter: at(1).In(elsewhere), CreatedBefore: at(6).In(elsewhere)}, []string{"j5", "j4", "j3", "j2", "j1"}},
			{"everything at once", store.JobFilter{Statuses: []store.JobStatus{store.JobCompleted, store.JobFailed}, Channel: "email", CreatedAfter: at(1), CreatedBefore: at(7)}, []string{"j6", "j3", "j1"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				page, err := s.ListJobs(t.Context(), tt.f)
				require.NoError(t, err)
				require.Equal(t, tt.want, jobIDs(page.Jobs))
				require.Equal(t, len(tt.want), page.Total)
			})
		}
	})

	t.Run("PagesAndTotal", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		createJobs(t, s, listFixture()...)
		var got []string
		for off := 0; off < 8; off += 3 {
			page, err := s.ListJobs(ctx, store.JobFilter{Limit: 3, Offset: off})
			require.NoError(t, err)
			require.Equal(t, 8, page.Total)
			got = append(got, jobIDs(page.Jobs)...)
		}
		require.Equal(t, []string{"j7", "j6", "j5", "j4", "j3", "j2", "j1", "j0"}, got)

		page, err := s.ListJobs(ctx, store.JobFilter{Channel: "email", Limit: 2, Offset: 1})
		require.NoError(t, err)
		require.Equal(t, []string{"j3", "j1"}, jobIDs(page.Jobs))
		require.Equal(t, 4, page.Total)

		page, err = s.ListJobs(ctx, store.JobFilter{Offset: 100})
		require.NoError(t, err)
		require.Empty(t, page.Jobs)
		require.Equal(t, 8, page.Total, "Total counts every match, whatever the page")
	})

	t.Run("LimitDefaultAndMax", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		jobs := make([]*store.Job, 505)
		for i := range jobs {
			jobs[i] = job(fmt.Sprintf("job-%04d", i), i, store.JobCompleted, "email")
		}
		createJobs(t, s, jobs...)

		page, err := s.ListJobs(ctx, store.JobFilter{})
		require.NoError(t, err)
		require.Len(t, page.Jobs, 20, "Limit 0 means 20")
		require.Equal(t, 505, page.Total)
		require.Equal(t, "job-0504", page.Jobs[0].ID)

		page, err = s.ListJobs(ctx, store.JobFilter{Limit: 1000})
		require.NoError(t, err)
		require.Len(t, page.Jobs, 500, "Limit is clamped to 500")
		require.Equal(t, 505, page.Total)
		require.Equal(t, "job-0005", page.Jobs[499].ID)

		_, err = s.ListJobs(ctx, store.JobFilter{Limit: -1})
		require.ErrorIs(t, err, store.ErrInvalid)
		_, err = s.ListJobs(ctx, store.JobFilter{Offset: -1})
		require.ErrorIs(t, err, store.ErrInvalid)
	})

	t.Run("ReturnsEveryField", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		require.NoError(t, s.CreateJob(ctx, fullJob("job-1")))
		page, err := s.ListJobs(ctx, store.JobFilter{Channel: "website"})
		require.NoError(t, err)
		require.Len(t, page.Jobs, 1)
		require.Equal(t, *utcJob(fullJob("job-1")), page.Jobs[0])
	})

	t.Run("Empty", func(t *testing.T) {
		s := open(t)
		page, err := s.ListJobs(t.Context(), store.JobFilter{})
		require.NoError(t, err)
		require.Empty(t, page.Jobs)
		require.Zero(t, page.Total)
	})
}
