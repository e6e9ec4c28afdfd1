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

	t.Run("ChannelSpellings", func(t *testing.T) { testListJobsChannelSpellings(t, open) })

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

// spellingFixture is the job set of the channel-spelling tests: jobs
// spell their channels as requests do, with the aliases of
// content.ParseChannel.
func spellingFixture() []*store.Job {
	return []*store.Job{
		job("a0", 0, store.JobCompleted, "web"),
		job("a1", 1, store.JobFailed, "website", "email"),
		job("a2", 2, store.JobCompleted, "social_twitter"),
		job("a3", 3, store.JobPending, "x"),
		job("a4", 4, store.JobCompleted, "twitter", "web"),
		job("a5", 5, store.JobCompleted, "linkedin"),
		job("a6", 6, store.JobFailed, "newsletter"),
		job("a7", 7, store.JobCompleted, "web", "website"), // one channel, two spellings: listed and counted once
		job("a8", 8, store.JobCompleted, "websites"),       // no channel ParseChannel reads
		job("a9", 9, store.JobPending, "social_x", "email"),
	}
}

// testListJobsChannelSpellings: a channel filter selects the jobs listing
// the channel ParseChannel reads it as, in any spelling; a value
// ParseChannel refuses matches exactly. The page and its Total agree, with
// and without statuses and a window (which SQLite counts another way).
func testListJobsChannelSpellings(t *testing.T, open opener) {
	s := open(t)
	createJobs(t, s, spellingFixture()...)
	website := []string{"a7", "a4", "a1", "a0"}
	twitter := []string{"a9", "a4", "a3", "a2"}
	email := []string{"a9", "a6", "a1"}
	completed := []store.JobStatus{store.JobCompleted}
	tests := []struct {
		name string
		f    store.JobFilter
		want []string
	}{
		{"website", store.JobFilter{Channel: "website"}, website},
		{"web", store.JobFilter{Channel: "web"}, website},
		{"website, as ParseChannel reads it", store.JobFilter{Channel: " WebSite "}, website},
		{"twitter", store.JobFilter{Channel: "twitter"}, twitter},
		{"x", store.JobFilter{Channel: "x"}, twitter},
		{"social_twitter", store.JobFilter{Channel: "social_twitter"}, twitter},
		{"social_x", store.JobFilter{Channel: "social_x"}, twitter},
		{"email", store.JobFilter{Channel: "email"}, email},
		{"newsletter", store.JobFilter{Channel: "newsletter"}, email},
		{"one spelling in use", store.JobFilter{Channel: "social_linkedin"}, []string{"a5"}},
		{"no channel: exact", store.JobFilter{Channel: "websites"}, []string{"a8"}},
		{"no channel, no job", store.JobFilter{Channel: "sms"}, []string{}},
		{"a channel no job lists", store.JobFilter{Channel: "instagram"}, []string{}},

		{"web, one status", store.JobFilter{Channel: "web", Statuses: completed}, []string{"a7", "a4", "a0"}},
		{"website, two statuses", store.JobFilter{Channel: "website", Statuses: []store.JobStatus{store.JobCompleted, store.JobFailed}}, website},
		{"x, one status", store.JobFilter{Channel: "x", Statuses: completed}, []string{"a4", "a2"}},
		{"email, a status of one spelling only", store.JobFilter{Channel: "email", Statuses: []store.JobStatus{store.JobFailed}}, []string{"a6", "a1"}},
		{"web, a status no job has", store.JobFilter{Channel: "web", Statuses: []store.JobStatus{store.JobPending}}, []string{}},

		{"website, created after", store.JobFilter{Channel: "website", CreatedAfter: at(1)}, []string{"a7", "a4", "a1"}},
		{"web, window", store.JobFilter{Channel: "web", CreatedAfter: at(1), CreatedBefore: at(7)}, []string{"a4", "a1"}},
		{"twitter, window and status", store.JobFilter{Channel: "twitter", Statuses: completed, CreatedAfter: at(3)}, []string{"a4"}},
		{"social_x, created before", store.JobFilter{Channel: "social_x", CreatedBefore: at(9)}, []string{"a4", "a3", "a2"}},
		{"no channel, window", store.JobFilter{Channel: "websites", CreatedAfter: at(1)}, []string{"a8"}},
		{"no channel, window, no job", store.JobFilter{Channel: "sms", CreatedAfter: at(1)}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := s.ListJobs(t.Context(), tt.f)
			require.NoError(t, err)
			require.Equal(t, tt.want, jobIDs(page.Jobs))
			require.Equal(t, len(tt.want), page.Total, "Total")
		})
	}

	t.Run("pages", func(t *testing.T) {
		for _, f := range []store.JobFilter{{Channel: "web"}, {Channel: "web", CreatedAfter: at(0)}} {
			var got []string
			for off := 0; off < 5; off += 2 {
				f.Limit, f.Offset = 2, off
				page, err := s.ListJobs(t.Context(), f)
				require.NoError(t, err)
				require.Equal(t, 4, page.Total, "Total of %+v", f)
				got = append(got, jobIDs(page.Jobs)...)
			}
			require.Equal(t, website, got, "pages of %+v", f)
		}
		page, err := s.ListJobs(t.Context(), store.JobFilter{Channel: "twitter", Limit: 1, Offset: 3})
		require.NoError(t, err)
		require.Equal(t, []string{"a2"}, jobIDs(page.Jobs))
		require.Equal(t, 4, page.Total)
	})

	t.Run("stats", func(t *testing.T) {
		for _, ch := range []string{"website", "web"} {
			st, err := s.JobStats(t.Context(), store.StatsFilter{Channel: ch})
			require.NoError(t, err)
			require.Equal(t, 4, st.Total, "Total of %q", ch)
			require.Equal(t, map[store.JobStatus]int{store.JobCompleted: 3, store.JobFailed: 1}, st.ByStatus, "ByStatus of %q", ch)
		}
		st, err := s.JobStats(t.Context(), store.StatsFilter{Channel: "x", Status: store.JobPending, Start: at(1)})
		require.NoError(t, err)
		require.Equal(t, 2, st.Total)
		st, err = s.JobStats(t.Context(), store.StatsFilter{Channel: "websites"})
		require.NoError(t, err)
		require.Equal(t, 1, st.Total, "a value ParseChannel refuses matches exactly")
		st, err = s.JobStats(t.Context(), store.StatsFilter{Channel: "sms"})
		require.NoError(t, err)
		require.Zero(t, st.Total)
	})

	t.Run("any case and spacing", func(t *testing.T) {
		// Jobs keep their channels as requests spelled them, in any case
		// and with spaces ParseChannel trims; a filter finds them all.
		s := open(t)
		ctx := t.Context()
		createJobs(t, s,
			job("b0", 0, store.JobCompleted, "Web"),
			job("b1", 1, store.JobFailed, " EMAIL ", "website"),
			job("b2", 2, store.JobCompleted, "web", "WEB", "Website"), // one channel, three spellings: listed and counted once
			job("b3", 3, store.JobPending, "Social_X"),
			job("b4", 4, store.JobCompleted, "Websites"), // no channel: matched exactly
			job("b5", 5, store.JobCompleted, "newsletter", "X"),
		)
		website := []string{"b2", "b1", "b0"}
		for _, tt := range []struct {
			f    store.JobFilter
			want []string
		}{
			{store.JobFilter{Channel: "website"}, website},
			{store.JobFilter{Channel: "Web"}, website},
			{store.JobFilter{Channel: " WEBSITE"}, website},
			{store.JobFilter{Channel: "web", Statuses: completed}, []string{"b2", "b0"}},
			{store.JobFilter{Channel: "website", CreatedAfter: at(1)}, []string{"b2", "b1"}},
			{store.JobFilter{Channel: "email"}, []string{"b5", "b1"}},
			{store.JobFilter{Channel: "twitter"}, []string{"b5", "b3"}},
			{store.JobFilter{Channel: "twitter", Statuses: []store.JobStatus{store.JobPending}}, []string{"b3"}},
			{store.JobFilter{Channel: "Websites"}, []string{"b4"}},
			{store.JobFilter{Channel: "websites"}, []string{}},
			{store.JobFilter{Channel: "websites", CreatedAfter: at(0)}, []string{}},
		} {
			page, err := s.ListJobs(ctx, tt.f)
			require.NoError(t, err)
			require.Equal(t, tt.want, jobIDs(page.Jobs), "%+v", tt.f)
			require.Equal(t, len(tt.want), page.Total, "Total of %+v", tt.f)
		}
		page, err := s.ListJobs(ctx, store.JobFilter{Channel: "WEB", Limit: 2, Offset: 1})
		require.NoError(t, err)
		require.Equal(t, []string{"b1", "b0"}, jobIDs(page.Jobs))
		require.Equal(t, 3, page.Total)

		st, err := s.JobStats(ctx, store.StatsFilter{Channel: "Website"})
		require.NoError(t, err)
		require.Equal(t, 3, st.Total)
		require.Equal(t, map[store.JobStatus]int{store.JobCompleted: 2, store.JobFailed: 1}, st.ByStatus)
		st, err = s.JobStats(ctx, store.StatsFilter{Channel: "x", Status: store.JobCompleted})
		require.NoError(t, err)
		require.Equal(t, 1, st.Total)
		st, err = s.JobStats(ctx, store.StatsFilter{Channel: "websites"})
		require.NoError(t, err)
		require.Zero(t, st.Total, "a value ParseChannel refuses matches exactly")

		// b0 respelled: the filter still finds it, once.
		_, err = s.UpdateJob(ctx, "b0", func(j *store.Job) error { j.Channels = []string{"WebSite", "web"}; return nil })
		require.NoError(t, err)
		page, err = s.ListJobs(ctx, store.JobFilter{Channel: "web"})
		require.NoError(t, err)
		require.Equal(t, website, jobIDs(page.Jobs))
		require.Equal(t, 3, page.Total)
	})

	t.Run("after updates", func(t *testing.T) {
		s := open(t)
		createJobs(t, s, spellingFixture()...)
		ctx := t.Context()
		// a0 lists website again in another spelling, a1 completes, a4
		// leaves twitter and spells website anew.
		_, err := s.UpdateJob(ctx, "a0", func(j *store.Job) error { j.Channels = []string{"website", "web"}; return nil })
		require.NoError(t, err)
		_, err = s.UpdateJob(ctx, "a1", func(j *store.Job) error { j.Status = store.JobCompleted; return nil })
		require.NoError(t, err)
		_, err = s.UpdateJob(ctx, "a4", func(j *store.Job) error { j.Channels = []string{"website"}; return nil })
		require.NoError(t, err)
		for _, f := range []store.JobFilter{
			{Channel: "web", Statuses: completed},
			{Channel: "website", Statuses: completed, CreatedAfter: at(0)},
		} {
			page, err := s.ListJobs(ctx, f)
			require.NoError(t, err)
			require.Equal(t, website, jobIDs(page.Jobs), "%+v", f)
			require.Equal(t, 4, page.Total, "Total of %+v", f)
		}
		page, err := s.ListJobs(ctx, store.JobFilter{Channel: "x"})
		require.NoError(t, err)
		require.Equal(t, []string{"a9", "a3", "a2"}, jobIDs(page.Jobs))
		require.Equal(t, 3, page.Total)
	})
}
