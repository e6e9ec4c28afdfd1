package halcytone_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/source"
	"github.com/halcytone/halcytone/store"
	"github.com/halcytone/halcytone/store/sqlite"
)

// TestScheduledRunSurvivesACrashBeforeItsJob: a process that dies while
// it starts a due run (here: its fetch never returns, as if killed) has
// committed nothing, so the process started after it on the same SQLite
// file starts that run. Before, the run was claimed first, in a
// transaction of its own, and was lost.
func TestScheduledRunSurvivesACrashBeforeItsJob(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "h.db")
	clock := time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	setClock := func(t time.Time) { mu.Lock(); clock = t; mu.Unlock() }
	open := func(src source.Source) (*halcytone.Engine, store.Store) {
		st, err := sqlite.Open(ctx, path)
		require.NoError(t, err)
		t.Cleanup(func() { _ = st.Close() })
		reg := source.NewRegistry()
		reg.Register("mem", src)
		eng, err := halcytone.New(halcytone.Config{Store: st, Sources: reg, Queue: mock.NewQueue(nil), Now: now,
			Publishers: []publish.Publisher{mock.NewRecordingPublisher("email", content.ChannelEmail)}})
		require.NoError(t, err)
		return eng, st
	}

	fetching := make(chan struct{})
	var once sync.Once
	hang := source.SourceFunc(func(ctx context.Context, ref string) (*content.Document, error) {
		once.Do(func() { close(fetching) })
		<-ctx.Done()
		return nil, ctx.Err()
	})
	first, _ := open(hang)
	s, err := first.CreateSchedule(ctx, store.Schedule{Name: "tips", Cron: "0 15 * * TUE", Timezone: "UTC", DocumentID: "mem:weekly", Channels: []string{"email"}})
	require.NoError(t, err)
	due := s.NextRun
	setClock(due.Add(time.Minute))
	dying, die := context.WithCancel(ctx)
	defer die()
	go func() { _, _ = first.RunSchedules(dying) }()
	<-fetching // the first process is inside the run's fetch when it dies

	good := mock.NewSource()
	good.AddText("mem:weekly", "# Tips\n\n## [Tips] Tips\n\n### The long exhale\n\nBreathe in for four counts and out for six, for ten rounds.\n", content.FormatMarkdown)
	second, st := open(good)
	setClock(due.Add(2 * time.Minute))
	jobs, err := second.RunSchedules(ctx)
	require.NoError(t, err)
	require.Len(t, jobs, 1, "the run due at %v starts after the restart", due)
	assert.Equal(t, due.Format(time.RFC3339), jobs[0].Metadata["scheduled_run"])
	got, err := st.GetSchedule(ctx, s.ID)
	require.NoError(t, err)
	assert.Equal(t, due, got.LastRun)
	assert.True(t, got.NextRun.After(due))

	// The run is not started twice.
	jobs, err = second.RunSchedules(ctx)
	require.NoError(t, err)
	assert.Empty(t, jobs)
}
