package halcytone_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/store"
)

// TestDryRunDoesNotUseUpTheKey: content first run dry (a request's
// dry_run, or a channel with no credentials yet) is still delivered by a
// later real job, once; a second real job is skipped.
func TestDryRunDoesNotUseUpTheKey(t *testing.T) {
	web := mock.NewRecordingPublisher("web", content.ChannelWebsite)
	dry := publish.DryRun(web)
	h := newHarness(t, publish.ByDryRun(web, dry))
	h.src.AddText("mem:news", "# News\n\n## [Tips] Tips\n\n### The long exhale\n\nBreathe in for four counts and out for six, for ten rounds.\n", content.FormatMarkdown)
	ctx := context.Background()

	run := func(dryRun bool) *store.Job {
		t.Helper()
		res, err := h.eng.Generate(ctx, halcytone.Request{DocumentID: "mem:news", Channels: []string{"web"}, DryRun: dryRun})
		require.NoError(t, err)
		require.NotNil(t, res.Job, "status %s", res.Status)
		h.wait(t)
		j, err := h.eng.Job(ctx, res.Job.ID)
		require.NoError(t, err)
		return j
	}

	first := run(true)
	assert.Equal(t, store.JobCompleted, first.Status)
	assert.Empty(t, web.Published(), "a dry run sends nothing")
	require.Len(t, dry.Recorded(), 1)

	again := run(true)
	assert.Equal(t, "skipped", again.Results["web"].Status, "a second dry run of the same content is skipped")

	real := run(false)
	assert.Equal(t, store.JobCompleted, real.Status)
	assert.Equal(t, "success", real.Results["web"].Status, "%+v", real.Results)
	require.Len(t, web.Published(), 1, "the real job sends what the dry run only recorded")

	last := run(false)
	assert.Equal(t, "skipped", last.Results["web"].Status, "sent once: a second real job is skipped")
	assert.Len(t, web.Published(), 1)
}
